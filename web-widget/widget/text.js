  /*! Switchboard chat widget. Plain JS, no dependencies, no third-party requests. Embedding: see docs/widget.md.
   * Served as one script, /widget.js: src/web.rs joins these parts at compile time inside one function
   * scope, in this order:
   *   text.js        1. settings and the pre-load command queue, 2. interface text (16 languages)
   *   connection.js  3. state persisted in localStorage, 4. connection: hello / sync / outbox, reconnect
   *   style.js       5. the shadow root's CSS and markup
   *   panels.js      5a. status notices, 5b. knowledge-base search
   *   ui.js          5c. the panel: rendering, survey, topics; 6. boot and public API
   */
  // A page that pastes the snippet twice must still get exactly one widget and one connection.
  if (window.__switchboardWidget) return;
  window.__switchboardWidget = true;

  /* ---------- 1. settings ---------- */
  var script = document.currentScript;
  var cfg = window.switchboardSettings || {};
  var hubUrl = String(cfg.hubUrl || (script && script.src ? new URL(script.src).origin : location.origin)).replace(/\/+$/, '');
  var site = cfg.site || 'default';
  var department = cfg.department || null;
  var identity = cfg.identity || null;
  var locale = cfg.locale || navigator.language || 'en';
  // Look and texts from the embed snippet: accent colour, title, launcher side, greeting.
  var theme = { accent: cfg.accent, title: cfg.title, position: cfg.position, greeting: cfg.greeting };

  /* ---------- 2. interface text ---------- */
  var T = {
    en: {
      open: 'Open chat', close: 'Close chat', title: 'Chat with us', input: 'Type your message…', send: 'Send',
      connecting: 'Connecting…', offline: 'Offline. Your messages will be sent when you are back online.',
      idle: 'Ask us anything. We usually reply within minutes.', closed: 'We are closed right now. We open {time}.',
      closedNoTime: 'We are closed right now.', queued: 'Waiting for an agent. You are number {n} in line.',
      queuedNoPos: 'Waiting for an agent…', agent: 'You are chatting with {name}.', bot: 'You are chatting with {name}.',
      botClosed: '{name} is helping you. Our team is back {time}.', resolved: 'This chat has ended. Write again any time.',
      ticket: 'Ticket {t}', typing: '{name} is typing…', support: 'Support', you: 'You', pending: 'Sending…',
      failed: 'Not sent', survey: 'How did we do?', star: '{n} of 5', comment: 'Comment (optional)',
      rate: 'Send rating', thanks: 'Thank you for your feedback!', end: 'End chat', log: 'Conversation', unread: '{n} new messages',
      topic: 'What is your question about?', person: 'Talk to a person', reply: 'Ask us anything. We usually reply within {time}.',
      mailAsk: 'Leave your email: we will answer there if you are gone.', mailSave: 'Email me', mailBad: 'Please check the address.'
    },
    de: {
      open: 'Chat öffnen', close: 'Chat schließen', title: 'Schreiben Sie uns', input: 'Nachricht eingeben…', send: 'Senden',
      connecting: 'Verbinde…', offline: 'Offline. Ihre Nachrichten werden gesendet, sobald Sie wieder online sind.',
      idle: 'Fragen Sie uns. Wir antworten meist innerhalb weniger Minuten.', closed: 'Wir sind gerade nicht erreichbar. Wieder da: {time}.',
      closedNoTime: 'Wir sind gerade nicht erreichbar.', queued: 'Sie warten auf einen Mitarbeiter. Sie sind Nummer {n} in der Warteschlange.',
      queuedNoPos: 'Sie warten auf einen Mitarbeiter…', agent: 'Sie chatten mit {name}.', bot: 'Sie chatten mit {name}.',
      botClosed: '{name} hilft Ihnen. Unser Team ist wieder da: {time}.', resolved: 'Dieser Chat ist beendet. Schreiben Sie uns jederzeit wieder.',
      ticket: 'Ticket {t}', typing: '{name} schreibt…', support: 'Support', you: 'Sie', pending: 'Wird gesendet…',
      failed: 'Nicht gesendet', survey: 'Wie zufrieden waren Sie?', star: '{n} von 5', comment: 'Kommentar (optional)',
      rate: 'Bewertung senden', thanks: 'Danke für Ihre Bewertung!', end: 'Chat beenden', log: 'Unterhaltung', unread: '{n} neue Nachrichten',
      topic: 'Worum geht es?', person: 'Mit einem Menschen sprechen', reply: 'Fragen Sie uns. Wir antworten meist innerhalb von {time}.'
    },
    fr: {
      open: 'Ouvrir le chat', close: 'Fermer le chat', title: 'Discutons', input: 'Écrivez votre message…', send: 'Envoyer',
      connecting: 'Connexion…', offline: 'Hors ligne. Vos messages partiront dès votre retour en ligne.',
      idle: 'Posez-nous vos questions. Nous répondons en général en quelques minutes.', closed: 'Nous sommes fermés. Réouverture : {time}.',
      closedNoTime: 'Nous sommes fermés pour le moment.', queued: 'En attente d’un conseiller. Vous êtes n° {n} dans la file.',
      queuedNoPos: 'En attente d’un conseiller…', agent: 'Vous discutez avec {name}.', bot: 'Vous discutez avec {name}.',
      botClosed: '{name} vous aide. Notre équipe revient : {time}.', resolved: 'Cette conversation est terminée. Écrivez-nous à tout moment.',
      ticket: 'Ticket {t}', typing: '{name} écrit…', support: 'Support', you: 'Vous', pending: 'Envoi…',
      failed: 'Non envoyé', survey: 'Comment nous sommes-nous débrouillés ?', star: '{n} sur 5', comment: 'Commentaire (facultatif)',
      rate: 'Envoyer la note', thanks: 'Merci pour votre avis !', end: 'Terminer le chat', log: 'Conversation', unread: '{n} nouveaux messages',
      topic: 'De quoi s’agit-il ?', person: 'Parler à une personne', reply: 'Posez-nous vos questions. Nous répondons en général en {time}.'
    },
    es: {
      open: 'Abrir chat', close: 'Cerrar chat', title: 'Chatea con nosotros', input: 'Escribe tu mensaje…', send: 'Enviar',
      connecting: 'Conectando…', offline: 'Sin conexión. Tus mensajes se enviarán cuando vuelvas a estar en línea.',
      idle: 'Pregúntanos lo que quieras. Solemos responder en pocos minutos.', closed: 'Ahora estamos cerrados. Abrimos: {time}.',
      closedNoTime: 'Ahora estamos cerrados.', queued: 'Esperando a un agente. Eres el número {n} en la cola.',
      queuedNoPos: 'Esperando a un agente…', agent: 'Estás chateando con {name}.', bot: 'Estás chateando con {name}.',
      botClosed: '{name} te atiende. Nuestro equipo vuelve: {time}.', resolved: 'Este chat ha terminado. Escríbenos cuando quieras.',
      ticket: 'Ticket {t}', typing: '{name} está escribiendo…', support: 'Soporte', you: 'Tú', pending: 'Enviando…',
      failed: 'No enviado', survey: '¿Qué tal te hemos atendido?', star: '{n} de 5', comment: 'Comentario (opcional)',
      rate: 'Enviar valoración', thanks: '¡Gracias por tu opinión!', end: 'Terminar chat', log: 'Conversación', unread: '{n} mensajes nuevos',
      topic: '¿Sobre qué es tu consulta?', person: 'Hablar con una persona', reply: 'Pregúntanos lo que quieras. Solemos responder en {time}.'
    },
    ar: {
      open: 'افتح المحادثة', close: 'أغلق المحادثة', title: 'تحدث معنا', input: 'اكتب رسالتك…', send: 'إرسال',
      connecting: 'جارٍ الاتصال…', offline: 'غير متصل. سنرسل رسائلك عند عودة الاتصال.',
      idle: 'اسألنا عن أي شيء. نرد عادةً خلال دقائق.', closed: 'نحن مغلقون الآن. نفتح {time}.',
      closedNoTime: 'نحن مغلقون الآن.', queued: 'في انتظار موظف. ترتيبك {n} في قائمة الانتظار.',
      queuedNoPos: 'في انتظار موظف…', agent: 'أنت تتحدث مع {name}.', bot: 'أنت تتحدث مع {name}.',
      botClosed: '{name} يساعدك. يعود فريقنا {time}.', resolved: 'انتهت هذه المحادثة. راسلنا في أي وقت.',
      ticket: 'تذكرة {t}', typing: '{name} يكتب…', support: 'الدعم', you: 'أنت', pending: 'جارٍ الإرسال…',
      failed: 'لم تُرسل', survey: 'كيف كانت خدمتنا؟', star: '{n} من 5', comment: 'تعليق (اختياري)',
      rate: 'إرسال التقييم', thanks: 'شكرًا لملاحظاتك!', end: 'إنهاء المحادثة', log: 'المحادثة', unread: '{n} رسائل جديدة',
      topic: 'ما موضوع سؤالك؟', person: 'التحدث إلى موظف', reply: 'اسألنا عن أي شيء. نرد عادةً خلال {time}.'
    },
    it: "Apri la chat|Chiudi la chat|Scrivici|Scrivi il tuo messaggio…|Invia|Connessione…|Offline. I tuoi messaggi partiranno appena tornerai online.|Chiedici pure. Di solito rispondiamo in pochi minuti.|Al momento siamo chiusi. Riapriamo {time}.|Al momento siamo chiusi.|In attesa di un operatore. Sei il numero {n} in coda.|In attesa di un operatore…|Stai chattando con {name}.|Stai chattando con {name}.|{name} ti sta aiutando. Il nostro team torna {time}.|Questa chat è terminata. Scrivici quando vuoi.|Ticket {t}|{name} sta scrivendo…|Assistenza|Tu|Invio…|Non inviato|Come ti abbiamo aiutato?|{n} su 5|Commento (facoltativo)|Invia valutazione|Grazie per il tuo parere!|Termina chat|Conversazione|{n} nuovi messaggi|Di che cosa si tratta?|Parla con una persona|Chiedici pure. Di solito rispondiamo entro {time}.",
    pt: "Abrir chat|Fechar chat|Fale conosco|Escreva sua mensagem…|Enviar|Conectando…|Sem conexão. Suas mensagens serão enviadas quando você voltar a ficar online.|Pergunte o que quiser. Costumamos responder em poucos minutos.|Estamos fechados agora. Abrimos {time}.|Estamos fechados agora.|Aguardando um atendente. Você é o número {n} na fila.|Aguardando um atendente…|Você está conversando com {name}.|Você está conversando com {name}.|{name} está ajudando você. Nossa equipe volta {time}.|Este chat terminou. Escreva quando quiser.|Ticket {t}|{name} está digitando…|Suporte|Você|Enviando…|Não enviada|Como foi o atendimento?|{n} de 5|Comentário (opcional)|Enviar avaliação|Obrigado pela sua opinião!|Encerrar chat|Conversa|{n} novas mensagens|Sobre o que é a sua pergunta?|Falar com uma pessoa|Pergunte o que quiser. Costumamos responder em até {time}.",
    nl: "Chat openen|Chat sluiten|Chat met ons|Typ je bericht…|Versturen|Verbinden…|Offline. Je berichten worden verstuurd zodra je weer online bent.|Vraag ons wat je wilt. We antwoorden meestal binnen een paar minuten.|We zijn nu gesloten. We zijn weer open {time}.|We zijn nu gesloten.|Wachten op een medewerker. Je bent nummer {n} in de rij.|Wachten op een medewerker…|Je chat met {name}.|Je chat met {name}.|{name} helpt je. Ons team is terug {time}.|Deze chat is beëindigd. Schrijf ons wanneer je wilt.|Ticket {t}|{name} typt…|Support|Jij|Versturen…|Niet verstuurd|Hoe hebben we het gedaan?|{n} van 5|Opmerking (optioneel)|Beoordeling versturen|Bedankt voor je feedback!|Chat beëindigen|Gesprek|{n} nieuwe berichten|Waar gaat je vraag over?|Met een medewerker praten|Vraag ons wat je wilt. We antwoorden meestal binnen {time}.",
    pl: "Otwórz czat|Zamknij czat|Napisz do nas|Wpisz wiadomość…|Wyślij|Łączenie…|Brak połączenia. Wiadomości zostaną wysłane, gdy wrócisz do sieci.|Zapytaj nas o cokolwiek. Zwykle odpowiadamy w ciągu kilku minut.|Teraz jesteśmy nieczynni. Otwieramy {time}.|Teraz jesteśmy nieczynni.|Czekasz na konsultanta. Jesteś {n}. w kolejce.|Czekasz na konsultanta…|Rozmawiasz z: {name}.|Rozmawiasz z: {name}.|{name} Ci pomaga. Nasz zespół wraca {time}.|Ten czat został zakończony. Napisz do nas w dowolnej chwili.|Zgłoszenie {t}|{name} pisze…|Pomoc|Ty|Wysyłanie…|Nie wysłano|Jak oceniasz naszą pomoc?|{n} z 5|Komentarz (opcjonalnie)|Wyślij ocenę|Dziękujemy za opinię!|Zakończ czat|Rozmowa|Nowe wiadomości: {n}|Czego dotyczy Twoje pytanie?|Porozmawiaj z konsultantem|Zapytaj nas o cokolwiek. Zwykle odpowiadamy w czasie: {time}.",
    sv: "Öppna chatten|Stäng chatten|Chatta med oss|Skriv ditt meddelande…|Skicka|Ansluter…|Offline. Dina meddelanden skickas när du är online igen.|Fråga oss vad du vill. Vi svarar oftast inom några minuter.|Vi har stängt just nu. Vi öppnar {time}.|Vi har stängt just nu.|Väntar på en handläggare. Du är nummer {n} i kön.|Väntar på en handläggare…|Du chattar med {name}.|Du chattar med {name}.|{name} hjälper dig. Vårt team är tillbaka {time}.|Chatten är avslutad. Skriv när du vill.|Ärende {t}|{name} skriver…|Support|Du|Skickar…|Inte skickat|Hur gick det?|{n} av 5|Kommentar (valfritt)|Skicka betyg|Tack för din återkoppling!|Avsluta chatten|Konversation|{n} nya meddelanden|Vad gäller din fråga?|Prata med en människa|Fråga oss vad du vill. Vi svarar oftast inom {time}.",
    fi: "Avaa chat|Sulje chat|Keskustele kanssamme|Kirjoita viestisi…|Lähetä|Yhdistetään…|Ei yhteyttä. Viestisi lähetetään, kun olet taas verkossa.|Kysy meiltä mitä vain. Vastaamme yleensä muutamassa minuutissa.|Olemme nyt kiinni. Avaamme {time}.|Olemme nyt kiinni.|Odotat asiakaspalvelijaa. Olet jonossa {n}.|Odotat asiakaspalvelijaa…|Keskustelet: {name}.|Keskustelet: {name}.|{name} auttaa sinua. Tiimimme palaa {time}.|Keskustelu on päättynyt. Kirjoita milloin tahansa.|Tiketti {t}|{name} kirjoittaa…|Tuki|Sinä|Lähetetään…|Ei lähetetty|Miten onnistuimme?|{n}/5|Kommentti (valinnainen)|Lähetä arvio|Kiitos palautteestasi!|Lopeta keskustelu|Keskustelu|{n} uutta viestiä|Mitä kysymyksesi koskee?|Puhu ihmisen kanssa|Kysy meiltä mitä vain. Tavallinen vastausaikamme: {time}.",
    tr: "Sohbeti aç|Sohbeti kapat|Bize yazın|Mesajınızı yazın…|Gönder|Bağlanıyor…|Çevrimdışı. Mesajlarınız yeniden çevrimiçi olduğunuzda gönderilecek.|Bize her şeyi sorabilirsiniz. Genellikle birkaç dakika içinde yanıt veririz.|Şu anda kapalıyız. Açılış: {time}.|Şu anda kapalıyız.|Bir temsilci bekleniyor. Sıranız: {n}.|Bir temsilci bekleniyor…|{name} ile sohbet ediyorsunuz.|{name} ile sohbet ediyorsunuz.|{name} size yardımcı oluyor. Ekibimizin dönüşü: {time}.|Bu sohbet sona erdi. İstediğiniz zaman yeniden yazabilirsiniz.|Talep {t}|{name} yazıyor…|Destek|Siz|Gönderiliyor…|Gönderilemedi|Hizmetimizi nasıl buldunuz?|5 üzerinden {n}|Yorum (isteğe bağlı)|Puanı gönder|Geri bildiriminiz için teşekkürler!|Sohbeti bitir|Sohbet|{n} yeni mesaj|Sorunuz ne hakkında?|Bir temsilciyle konuş|Bize her şeyi sorabilirsiniz. Genellikle {time} içinde yanıt veririz.",
    ru: "Открыть чат|Закрыть чат|Напишите нам|Введите сообщение…|Отправить|Подключение…|Нет соединения. Сообщения будут отправлены, когда связь восстановится.|Спросите нас о чём угодно. Обычно мы отвечаем за несколько минут.|Сейчас мы не работаем. Откроемся {time}.|Сейчас мы не работаем.|Ожидание оператора. Вы {n}-й в очереди.|Ожидание оператора…|Ваш собеседник: {name}.|Ваш собеседник: {name}.|Вам помогает {name}. Наша команда вернётся {time}.|Чат завершён. Пишите в любое время.|Обращение {t}|{name} печатает…|Поддержка|Вы|Отправка…|Не отправлено|Как мы справились?|{n} из 5|Комментарий (необязательно)|Отправить оценку|Спасибо за отзыв!|Завершить чат|Переписка|Новых сообщений: {n}|О чём ваш вопрос?|Поговорить с оператором|Спросите нас о чём угодно. Обычное время ответа: {time}.",
    ja: "チャットを開く|チャットを閉じる|お問い合わせ|メッセージを入力…|送信|接続中…|オフラインです。オンラインに戻るとメッセージが送信されます。|お気軽にご質問ください。通常数分以内に返信します。|現在営業時間外です。受付開始：{time}。|現在営業時間外です。|担当者をお待ちください。現在 {n} 番目です。|担当者をお待ちください…|{name} と会話中です。|{name} と会話中です。|{name} がご案内します。スタッフは {time} に戻ります。|このチャットは終了しました。いつでもまたどうぞ。|チケット {t}|{name} が入力中…|サポート|あなた|送信中…|未送信|対応はいかがでしたか？|5段階中 {n}|コメント（任意）|評価を送信|ご意見ありがとうございます！|チャットを終了|会話|新着メッセージ {n} 件|ご質問の内容をお選びください|担当者と話す|お気軽にご質問ください。通常 {time}以内に返信します。",
    zh: "打开聊天|关闭聊天|联系我们|输入消息…|发送|正在连接…|当前离线。恢复联网后将发送您的消息。|有任何问题都可以问我们。我们通常在几分钟内回复。|我们现在不在服务时间。开放时间：{time}。|我们现在不在服务时间。|正在等待客服。您排在第 {n} 位。|正在等待客服…|您正在与 {name} 聊天。|您正在与 {name} 聊天。|{name} 正在为您服务。我们的团队将于 {time} 回来。|本次聊天已结束。欢迎随时再来。|工单 {t}|{name} 正在输入…|客服|您|正在发送…|未发送|您对我们的服务满意吗？|{n} 分（满分 5 分）|评论（可选）|提交评分|感谢您的反馈！|结束聊天|对话|{n} 条新消息|您的问题是关于什么的？|转人工客服|有任何问题都可以问我们。我们通常在 {time}内回复。",
    he: "פתיחת צ׳אט|סגירת צ׳אט|דברו איתנו|הקלידו הודעה…|שליחה|מתחבר…|אין חיבור. ההודעות יישלחו כשהחיבור יחזור.|שאלו אותנו כל דבר. בדרך כלל אנחנו עונים תוך דקות ספורות.|אנחנו סגורים כרגע. נפתח {time}.|אנחנו סגורים כרגע.|ממתינים לנציג. אתם במקום {n} בתור.|ממתינים לנציג…|אתם משוחחים עם {name}.|אתם משוחחים עם {name}.|{name} כאן לעזור. הצוות שלנו חוזר {time}.|הצ׳אט הסתיים. אפשר לכתוב שוב בכל עת.|פנייה {t}|{name} מקליד/ה…|תמיכה|אתם|שולח…|לא נשלח|איך היה השירות?|{n} מתוך 5|הערה (לא חובה)|שליחת דירוג|תודה על המשוב!|סיום הצ׳אט|שיחה|{n} הודעות חדשות|במה עוסקת הפנייה?|לדבר עם נציג|שאלו אותנו כל דבר. בדרך כלל אנחנו עונים תוך {time}."
  };
  // The later languages are one string each, its texts in the order of the English keys (fewer bytes).
  var KEYS = Object.keys(T.en);
  Object.keys(T).forEach(function (l) {
    if (typeof T[l] !== 'string') return;
    var o = {}, v = T[l].split('|');
    KEYS.forEach(function (k, i) { o[k] = v[i]; });
    T[l] = o;
  });
  var RTL = { ar: 1, he: 1 };
  function uiLang() { var l = String(locale).slice(0, 2).toLowerCase(); return T[l] ? l : 'en'; }
  function t(key, vars) {
    return (T[uiLang()][key] || T.en[key]).replace(/\{(\w+)\}/g, function (_, k) { return vars && vars[k] != null ? vars[k] : ''; });
  }
  // "5 minutes", "2 Stunden": the department's usual reply time in the interface language.
  function duration(min) {
    var h = min >= 90, n = h ? Math.round(min / 60) : min;
    try { return new Intl.NumberFormat(locale, { style: 'unit', unit: h ? 'hour' : 'minute', unitDisplay: 'long' }).format(n); }
    catch (e) { return n + (h ? ' h' : ' min'); }
  }
  // The snippet's setting wins over the site's (`[sites.widget]`, sent in the welcome).
  function look(k) { return theme[k] || (st.widget && st.widget[k]) || null; }
  // Opening times are shown in the visitor's own time zone and language; the weekday only when not today.
  function when(iso) {
    var d = new Date(iso);
    if (!iso || isNaN(d)) return '';
    var opts = { hour: 'numeric', minute: '2-digit' };
    if (d.toDateString() !== new Date().toDateString()) opts.weekday = 'long';
    try { return new Intl.DateTimeFormat(locale, opts).format(d); } catch (e) { return d.toLocaleString(); }
  }

