/*! Switchboard chat widget. Plain JS, no dependencies, no third-party requests.
 * Embedding: see docs/widget.md. Sections:
 *   1. settings and the pre-load command queue
 *   2. interface text (16 languages: en de fr es it pt nl pl sv fi tr ru ar ja zh he)
 *   3. state persisted in localStorage (survives reloads; keyed by hub + site)
 *   4. connection: hello / sync / outbox, reconnect with backoff + jitter
 *   5. user interface inside a shadow root
 *   6. boot and public API
 */
(function () {
  'use strict';
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
      topic: 'What is your question about?', person: 'Talk to a person', reply: 'Ask us anything. We usually reply within {time}.'
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

  /* ---------- 3. persisted state ---------- */
  var KEY = 'switchboard:' + hubUrl + '|' + site;
  var MAX_MSGS = 300;
  var st = load();
  function load() {
    var s = null;
    try { s = JSON.parse(localStorage.getItem(KEY)); } catch (e) { /* storage blocked or corrupt: start fresh */ }
    s = s && typeof s === 'object' ? s : {};
    return {
      token: s.token || null,   // visitor_token from welcome
      cid: s.cid || null,       // current conversation id
      convs: s.convs || {},     // conversation views by id (ticket, status, language, agent...)
      order: s.order || [],     // conversation ids in the order they began (render order)
      msgs: s.msgs || [],       // confirmed messages {c, s, r, n, t, a}
      outbox: s.outbox || [],   // typed but not yet acked {id, t, a, f}
      survey: s.survey || null, // conversation id whose survey is pending
      rated: s.rated || [],
      topic: s.topic || null,
      widget: s.widget || null, // the site's look from the last welcome, so a reload does not flash   // topic key chosen for the next new conversation
      open: !!s.open
    };
  }
  function save() {
    if (st.msgs.length > MAX_MSGS) st.msgs = st.msgs.slice(-MAX_MSGS);
    try { localStorage.setItem(KEY, JSON.stringify(st)); } catch (e) { /* quota or privacy mode: keep working in memory */ }
  }
  function cur() { return (st.cid && st.convs[st.cid]) || null; }
  function lastSeq(cid) {
    var n = 0;
    st.msgs.forEach(function (m) { if (m.c === cid && m.s > n) n = m.s; });
    return n;
  }
  function hasMsg(cid, seq) { return st.msgs.some(function (m) { return m.c === cid && m.s === seq; }); }
  function adoptConv(view) {
    var id = view.conversation_id;
    if (!id) return;
    st.convs[id] = Object.assign({}, st.convs[id], view);
    if (st.order.indexOf(id) < 0) st.order.push(id);
    st.cid = id;
    // Forget views of conversations whose messages have all been trimmed away.
    Object.keys(st.convs).forEach(function (k) {
      if (k !== id && !st.msgs.some(function (m) { return m.c === k; })) delete st.convs[k];
    });
    st.order = st.order.filter(function (k) { return st.convs[k]; });
    // A new conversation replaces the survey of the previous one.
    if (st.survey && st.survey !== id && view.status !== 'resolved') st.survey = null;
  }
  function addMsg(f) {
    if (!f.conversation_id || typeof f.seq !== 'number' || hasMsg(f.conversation_id, f.seq)) return false;
    var from = f.from || {};
    var m = { c: f.conversation_id, s: f.seq, r: from.role || 'agent', n: from.name || '', t: f.text || '', a: f.at || new Date().toISOString() };
    if (f.event) m.e = String(f.event);   // system messages: queued, assigned, transferred, escalated, resolved
    st.msgs.push(m);
    if (st.order.indexOf(f.conversation_id) < 0) st.order.push(f.conversation_id);
    return true;
  }

  /* ---------- 4. connection ---------- */
  var ws = null, ready = false, attempts = 0, retryTimer = 0, helloTimer = 0, lastRx = 0, refN = 0;
  var netState = 'connecting';           // connecting | online | offline
  var pendingRefs = {};                  // ref -> callback for acks that carry no client_msg_id
  var typingOn = false, typingTimer = 0;

  function send(obj) {
    if (!ws || ws.readyState !== 1) return false;
    ws.send(JSON.stringify(obj));
    return true;
  }
  function connect() {
    clearTimeout(retryTimer);
    if (ws) return;
    // The browser knows it has no network: wait for the 'online' event instead of burning retries.
    if (navigator.onLine === false) { setNet('offline'); return; }
    setNet('connecting');
    var sock = ws = new WebSocket(hubUrl.replace(/^http/, 'ws') + '/ws/visitor');
    sock.onopen = function () {
      var tz = null;
      try { tz = Intl.DateTimeFormat().resolvedOptions().timeZone || null; } catch (e) { /* no Intl: no time zone */ }
      // Page, browser and time zone: shown to the agent in the visitor panel (the hub keeps them bounded).
      sock.send(JSON.stringify({ type: 'hello', v: 1, site: site, visitor_token: st.token, locale: locale, department: department,
        identity: identity, page: String(location.href).slice(0, 500), user_agent: String(navigator.userAgent).slice(0, 250), timezone: tz }));
      helloTimer = setTimeout(function () { sock.close(); }, 10000);
    };
    sock.onmessage = function (ev) {
      lastRx = Date.now();
      var f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      if (f && f.type && handlers[f.type]) handlers[f.type](f);
    };
    sock.onclose = function (ev) {
      if (ws !== sock) return;
      clearTimeout(helloTimer);
      ws = null; ready = false; typingOn = false;
      // 4001: the hub no longer knows our visitor token (e.g. its data was reset): start as a new visitor.
      if (ev.code === 4001) { st.token = null; save(); }
      scheduleReconnect(ev.code === 1008 ? 30000 : 0);
    };
  }
  function scheduleReconnect(minDelay) {
    clearTimeout(retryTimer);
    if (navigator.onLine === false) { setNet('offline'); return; }
    setNet(attempts > 0 ? 'offline' : 'connecting');
    // Exponential backoff, capped at 30 s, with jitter so a hub restart is not hit by every visitor at once.
    var base = Math.min(30000, 500 * Math.pow(2, attempts++));
    retryTimer = setTimeout(connect, Math.max(minDelay, base / 2 + Math.random() * base / 2));
  }
  function reconnectNow() { attempts = 0; if (ws) ws.close(); else connect(); }
  window.addEventListener('online', function () { attempts = 0; connect(); });
  window.addEventListener('offline', function () {
    // The socket may look open for a long time after the network went away; drop it so we resync on return.
    if (ws) { var s = ws; ws = null; ready = false; s.close(); }
    clearTimeout(retryTimer);
    setNet('offline');
  });
  setInterval(function () {
    if (!ready) return;
    if (Date.now() - lastRx > 60000) { ws.close(); return; }  // silent half-open connection
    send({ type: 'ping' });
  }, 25000);

  function flushOutbox() {
    if (!ready) return;
    st.outbox.forEach(function (m) {
      if (!m.f) send(outFrame(m));
    });
  }
  function sync(cid) { send({ type: 'sync', conversation_id: cid, after_seq: lastSeq(cid), ref: 'r' + ++refN }); }

  var handlers = {
    welcome: function (f) {
      clearTimeout(helloTimer);
      ready = true; attempts = 0;
      if (st.token && f.visitor_token && f.visitor_token !== st.token) {
        // The hub did not know our token (its data was reset, or another hub): what we remember is not
        // its conversation any more. Start clean but keep the outbox, which becomes the new conversation.
        st.cid = st.survey = null; st.convs = {}; st.order = []; st.msgs = []; ui.typing(null);
      }
      st.token = f.visitor_token || st.token;
      st.dept = f.department || null;
      st.widget = f.widget || null;
      ui.theme();
      notices.set(f.notices || []);
      var old = cur();
      if (f.conversation && f.conversation.conversation_id) {
        // Another tab may have started a new conversation: the one we remember is then over.
        if (old && old.conversation_id !== f.conversation.conversation_id) old.status = 'resolved';
        adoptConv(f.conversation);
      } else if (old && old.status !== 'resolved') {
        // Resolved while we were away: the survey frame went to a dead socket, so offer it now.
        sync(old.conversation_id);
        old.status = 'resolved';
        if (st.rated.indexOf(old.conversation_id) < 0) st.survey = old.conversation_id;
      }
      save();
      setNet('online');
      // Outbox first: a resend that the hub already stored gets its old seq back, so the sync below dedupes it.
      flushOutbox();
      if (f.conversation && f.conversation.conversation_id) sync(f.conversation.conversation_id);
      ui.render();
    },
    notice: function (f) { notices.frame(f); ui.render(); },
    ack: function (f) {
      var i = -1;
      st.outbox.forEach(function (m, k) { if (m.id === f.client_msg_id) i = k; });
      if (i >= 0 && f.conversation_id && typeof f.seq === 'number') {
        var m = st.outbox.splice(i, 1)[0];
        if (!cur() || st.cid !== f.conversation_id) adoptConv({ conversation_id: f.conversation_id, status: 'queued' });
        ui.rekey('p:' + m.id, f.conversation_id + ':' + f.seq);
        addMsg({ conversation_id: f.conversation_id, seq: f.seq, from: { role: 'visitor' }, text: m.t, at: m.a });
        save(); ui.render();
      }
      if (f.ref && pendingRefs[f.ref]) { pendingRefs[f.ref](f); delete pendingRefs[f.ref]; }
    },
    error: function (f) {
      var m = st.outbox.filter(function (o) { return o.id === f.ref; })[0];
      if (m) {
        // Rate limiting is temporary: try again shortly. Anything else will fail again, so show it as not sent.
        if (f.code === 'rate_limited') setTimeout(flushOutbox, 3000); else { m.f = 1; save(); ui.render(); }
      }
      if (f.ref && pendingRefs[f.ref]) { pendingRefs[f.ref](f); delete pendingRefs[f.ref]; }
    },
    conversation: function (f) {
      var prev = st.convs[f.conversation_id];
      adoptConv(f);
      if (f.status === 'resolved' && prev && prev.status !== 'resolved') ui.typing(null);
      save(); ui.render();
    },
    message: function (f) {
      if (addMsg(f)) {
        var role = f.from && f.from.role;
        if (role === 'agent' || role === 'bot') { ui.typing(null); ui.unread(); }
        save(); ui.render();
      }
    },
    typing: function (f) {
      if ((f.from && f.from.role === 'visitor') || (f.conversation_id && f.conversation_id !== st.cid)) return;
      ui.typing(f.on ? (f.from && f.from.name) || t('support') : null);
    },
    survey: function (f) {
      if (st.rated.indexOf(f.conversation_id) < 0) { st.survey = f.conversation_id; save(); ui.render(); }
    }
  };

  function outFrame(m) {
    var f = { type: 'message', client_msg_id: m.id, text: m.t, ref: m.id };
    if (m.tp) f.topic = m.tp;
    return f;
  }
  // Topics of the department (welcome), asked for before the first message of a new conversation.
  function topics() { var d = st.dept; return (d && Array.isArray(d.topics) && d.topics) || []; }
  function needTopic() {
    var c = cur();
    return topics().length > 0 && (!c || c.status === 'resolved') && !st.outbox.length;
  }
  // Returns false when the text was not taken (a topic must be chosen first).
  function sendText(text) {
    text = text.trim();
    if (!text) return true;
    var tp = null;
    if (needTopic()) {
      tp = st.topic;
      if (!tp || !topics().some(function (x) { return x.key === tp; })) return false;
    }
    var id = 'c' + Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
    var m = { id: id, t: text, a: new Date().toISOString() };
    if (tp) m.tp = tp;
    st.outbox.push(m);
    st.topic = null;
    save();
    setTyping(false);
    ui.sent();
    if (ready) send(outFrame(m));
    ui.render();
    return true;
  }
  // Tell the other side we are typing, at most once per burst, and "stopped" after a quiet spell.
  function setTyping(on) {
    clearTimeout(typingTimer);
    var c = cur();
    if (on) typingTimer = setTimeout(function () { setTyping(false); }, 3000);
    if (on === typingOn || !ready || !c || c.status === 'resolved') return;
    typingOn = on;
    send({ type: 'typing', on: on });
  }
  function rate(cid, score, comment, done) {
    var ref = 'r' + ++refN;
    pendingRefs[ref] = function (f) { if (f.type === 'ack') done(); };
    var body = { type: 'rating', conversation_id: cid, score: score, ref: ref };
    if (comment) body.comment = comment;
    send(body);
  }
  function setNet(s) { netState = s; ui.render(); }

  /* ---------- 5. user interface ---------- */
  var CSS = [
    // all:initial (important, so it wins over the host page's !important rules) stops inherited fonts, colours
    // and sizes from leaking into the widget; custom properties still inherit, which is how theming works.
    ':host{all:initial!important;direction:ltr!important;position:fixed!important;z-index:var(--sb-z,2147483000)!important;',
    'bottom:0!important;right:0!important;width:0!important;height:0!important;display:block!important;',
    '--a:var(--sb-accent,#3556d8);--at:var(--sb-accent-text,#fff);--bg:var(--sb-bg,#fff);--tx:var(--sb-text,#1d2230);',
    '--mu:var(--sb-muted,#5d6574);--bd:var(--sb-border,#e2e5ec);--ob:var(--sb-bubble-other,#eef1f6);',
    '--ot:var(--sb-bubble-other-text,var(--tx));--vb:var(--sb-bubble-visitor,var(--a));--vt:var(--sb-bubble-visitor-text,var(--at));',
    '--r:var(--sb-radius,14px);--off:var(--sb-offset,20px)}',
    '*{box-sizing:border-box;font:inherit;color:inherit;margin:0}',
    '.root{font-family:var(--sb-font,system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans Arabic",sans-serif);',
    'font-size:var(--sb-font-size,14px);line-height:1.45;color:var(--tx)}',
    'button{cursor:pointer;border:0;background:none;padding:0}',
    ':focus-visible{outline:3px solid var(--sb-focus,#f59e0b);outline-offset:2px}',
    '.launcher{position:fixed;bottom:var(--off);right:var(--off);width:58px;height:58px;border-radius:50%;background:var(--a);',
    'color:var(--at);box-shadow:0 6px 20px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center}',
    '.launcher svg{width:28px;height:28px;fill:currentColor}',
    '.badge{position:absolute;top:-2px;right:-2px;min-width:20px;height:20px;border-radius:10px;background:#d92d20;color:#fff;',
    'font-size:12px;font-weight:700;line-height:20px;text-align:center;padding:0 5px}',
    '.panel{position:fixed;bottom:calc(var(--off) + 70px);right:var(--off);width:var(--sb-width,370px);',
    'height:min(var(--sb-height,600px),calc(100vh - var(--off) - 90px));background:var(--bg);border-radius:var(--r);',
    'box-shadow:0 12px 40px rgba(0,0,0,.28);display:flex;flex-direction:column;overflow:hidden}',
    '[hidden]{display:none!important}',
    'header{background:var(--a);color:var(--at);padding:12px 14px;display:flex;align-items:center;gap:10px}',
    'header div{flex:1;min-width:0}h2{font-size:1.15em;font-weight:700}.ticket{font-size:.85em;opacity:.9}',
    '.x{color:var(--at);width:34px;height:34px;border-radius:50%;font-size:22px;line-height:34px}',
    '.x:hover,.end:hover{background:rgba(255,255,255,.18)}',
    '.end{color:var(--at);border:1px solid currentColor;border-radius:999px;padding:3px 10px;font-size:.8em;opacity:.9}',
    '.status{padding:8px 14px;font-size:.9em;color:var(--mu);border-bottom:1px solid var(--bd);background:var(--bg)}',
    '.status[data-net=offline]{color:#9a3412;background:#fff7ed}',
    '.notice{padding:8px 14px;font-size:.86em;border-bottom:1px solid var(--bd);background:#eff6ff;color:#1e3a8a}',
    '.kb{border-top:1px solid var(--bd);padding:8px 12px 0}.kbq{width:100%;border:1px solid var(--bd);border-radius:10px;padding:6px 10px;background:var(--bg);color:var(--tx)}',
    '.kbr{list-style:none;padding:0;margin:6px 0 0;display:flex;flex-direction:column;gap:4px;max-height:150px;overflow-y:auto}',
    '.kbr a{color:var(--a);font-weight:600;text-decoration:underline}.kbr p{font-size:.82em;color:var(--mu)}',
    '.notice.incident.in_force{background:#fef2f2;color:#991b1b}.notice b{display:block;font-weight:700}.notice .when{opacity:.8;font-size:.92em}',
    '.log{flex:1 1 auto;min-height:120px;overflow-y:auto;padding:12px 14px;display:flex;flex-direction:column;gap:8px;background:var(--bg)}',
    '.msg{max-width:82%;align-self:flex-start;background:var(--ob);color:var(--ot);padding:8px 11px;border-radius:var(--r);',
    'white-space:pre-wrap;overflow-wrap:anywhere}',
    '.msg.visitor{align-self:flex-end;background:var(--vb);color:var(--vt)}',
    '.msg.pending{opacity:.7}.msg.failed{outline:2px solid #d92d20}',
    '.text{display:block}.who{display:block;font-size:.78em;font-weight:700;opacity:.8}.meta{display:block;font-size:.72em;opacity:.75;margin-top:2px}',
    '.sep{align-self:center;font-size:.78em;color:var(--mu)}',
    // System messages (queued, assigned, escalated...) are status lines, not bubbles.
    '.msg.system{align-self:stretch;max-width:none;background:none;color:var(--mu);padding:0;border-radius:0;font-size:.8em;',
    'text-align:center;display:flex;align-items:center;gap:8px}.msg.system .who,.msg.system .meta{display:none}',
    '.msg.system:before,.msg.system:after{content:"";flex:1;border-top:1px solid var(--bd)}.msg.system .text{max-width:80%}',
    // Consecutive messages of one sender form a group: the name once, tighter spacing.
    '.msg.cont{margin-top:-5px}.msg.cont .who{display:none}',
    '.topics,.quick{padding:6px 12px 0;display:flex;flex-direction:column;gap:6px}.topics p{font-weight:600;font-size:.9em}',
    '.topics.need p{color:#b42318}.chips{display:flex;flex-wrap:wrap;gap:6px}',
    '.chip{border:1px solid var(--a);color:var(--a);border-radius:999px;padding:5px 12px;font-size:.88em;background:var(--bg)}',
    '.chip[aria-pressed=true]{background:var(--a);color:var(--at)}.quick{flex-direction:row}',
    '.typing{padding:0 14px 4px;font-size:.82em;color:var(--mu);min-height:1.4em;font-style:italic}',
    '.survey{border-top:1px solid var(--bd);padding:8px 14px;display:flex;flex-wrap:wrap;align-items:center;gap:6px 10px;flex:0 0 auto}',
    '.survey p{width:100%;font-weight:600}.survey .comment{flex:1 1 100%}',
    '.stars{display:flex;gap:4px}.stars button{font-size:26px;line-height:1;color:#c4c9d4;padding:2px}',
    'textarea{width:100%;border:1px solid var(--bd);border-radius:10px;padding:8px 10px;resize:none;background:var(--bg);color:var(--tx)}',
    '.btn{background:var(--a);color:var(--at);border-radius:10px;padding:8px 14px;font-weight:600;align-self:flex-start}',
    'form{display:flex;gap:8px;padding:10px 12px;border-top:1px solid var(--bd);align-items:flex-end}',
    'form textarea{flex:1;max-height:120px;font-size:16px}',
    '.sendb{width:40px;height:40px;border-radius:50%;background:var(--a);color:var(--at);display:flex;align-items:center;justify-content:center}',
    '.sendb svg{width:20px;height:20px;fill:currentColor}[dir=rtl] .sendb svg{transform:scaleX(-1)}',
    // Right-to-left interfaces mirror the whole widget to the left edge.
    '[dir=rtl].panel,.rtl .launcher,.left .panel,.left .launcher{right:auto;left:var(--off)}.rtl .badge{right:auto;left:-2px}',
    // Narrow phones: the panel takes the whole screen, the launcher hides behind it.
    '@media (max-width:480px){.panel,[dir=rtl].panel{inset:0;width:100%;height:100%;border-radius:0}.open .launcher{display:none}}'
  ].join('');
  var ICON_CHAT = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z"/></svg>';
  var ICON_SEND = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M3 20.5 21 12 3 3.5V10l12 2-12 2z"/></svg>';
  var HTML = '<div class="root"><button class="launcher" aria-expanded="false" aria-controls="p">' + ICON_CHAT +
    '<span class="badge" hidden></span></button>' +
    '<section class="panel" id="p" role="dialog" aria-labelledby="h" hidden>' +
    '<header><div><h2 id="h"></h2><p class="ticket"></p></div><button class="end" type="button"></button>' +
    '<button class="x" type="button">×</button></header>' +
    '<p class="status" role="status" aria-live="polite"></p><div class="notices" role="status" aria-live="polite"></div>' +
    '<div class="log" role="log" aria-live="polite" tabindex="0"></div><p class="typing"></p>' +
    '<div class="topics" role="group" aria-labelledby="tq" hidden><p id="tq"></p><div class="chips"></div></div>' +
    '<div class="quick" hidden><button class="chip person" type="button"></button></div>' +
    '<div class="survey" role="group" aria-labelledby="sq" hidden><p id="sq"></p><div class="stars"></div>' +
    '<button class="btn rate" type="button"></button><textarea class="comment" rows="1"></textarea></div>' +
    '<div class="kb"><input class="kbq" type="search"><ul class="kbr"></ul></div>' +
    '<form><textarea class="input" rows="1"></textarea><button class="sendb" type="submit">' + ICON_SEND + '</button></form>' +
    '</section></div>';

  /* ---------- 5a. status notices (spec 7.4): incident banner, maintenance announcements ---------- */
  var notices = (function () {
    var list = [];  // not ended, soonest first, as the hub last told
    var NT = {
      en: { incident: 'Incident', maintenance: 'Scheduled maintenance', from: 'From {s}', span: '{s} – {e}' },
      de: { incident: 'Störung', maintenance: 'Geplante Wartung', from: 'Ab {s}', span: '{s} – {e}' },
      fr: { incident: 'Incident', maintenance: 'Maintenance prévue', from: 'À partir du {s}', span: '{s} – {e}' },
      es: { incident: 'Incidencia', maintenance: 'Mantenimiento programado', from: 'Desde {s}', span: '{s} – {e}' },
      ar: { incident: 'عطل', maintenance: 'صيانة مجدولة', from: 'من {s}', span: '{s} – {e}' }
    };
    function nt(lang, k, v) {
      var s = (NT[lang] || NT.en)[k];
      Object.keys(v || {}).forEach(function (x) { s = s.replace('{' + x + '}', v[x]); });
      return s;
    }
    function fmt(iso) {
      try { return new Date(iso).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' }); } catch (e) { return iso; }
    }
    function set(items) { list = items.filter(function (n) { return n.status !== 'ended'; }); sort(); }
    function sort() { list.sort(function (a, b) { return a.starts_at < b.starts_at ? -1 : a.starts_at > b.starts_at ? 1 : 0; }); }
    function frame(f) {
      list = list.filter(function (n) { return n.id !== f.notice.id; });
      if (f.state !== 'ended' && f.notice.status !== 'ended') { list.push(f.notice); sort(); }
    }
    function render(box, lang) {
      if (!box) return;
      box.textContent = '';
      box.hidden = !list.length;
      list.forEach(function (n) {
        var el = document.createElement('div'), head = document.createElement('b'), when = document.createElement('span');
        el.className = 'notice ' + n.kind + ' ' + n.status;
        el.dataset.notice = n.id;
        head.textContent = nt(lang, n.kind) + ': ' + n.title;
        el.appendChild(head);
        if (n.text) { var p = document.createElement('span'); p.textContent = n.text + ' '; p.setAttribute('dir', 'auto'); el.appendChild(p); }
        if (n.status === 'announced' || n.kind === 'maintenance') {
          when.className = 'when';
          when.textContent = n.ends_at ? nt(lang, 'span', { s: fmt(n.starts_at), e: fmt(n.ends_at) }) : nt(lang, 'from', { s: fmt(n.starts_at) });
          el.appendChild(when);
        }
        box.appendChild(el);
      });
    }
    return { set: set, frame: frame, render: render };
  })();

  /* ---------- 5b. knowledge base (spec 7.6): search before a chat, suggestions while typing ---------- */
  var kb = (function () {
    var timer = 0, seq = 0, results = [], shown = false, $ = null;
    var KT = {
      en: { search: 'Search our help articles', none: 'No article found.' },
      de: { search: 'Hilfeartikel durchsuchen', none: 'Kein Artikel gefunden.' },
      fr: { search: 'Rechercher dans l’aide', none: 'Aucun article trouvé.' },
      es: { search: 'Buscar en la ayuda', none: 'No se encontró ningún artículo.' },
      ar: { search: 'ابحث في مقالات المساعدة', none: 'لم يتم العثور على مقالات.' }
    };
    // Debounced: one request 300 ms after the last keystroke; a late answer to an older query is dropped.
    function ask(q) {
      clearTimeout(timer);
      q = q.trim();
      if (q.length < 3) { results = []; paint(); return; }
      timer = setTimeout(function () {
        var mine = ++seq;
        fetch(hubUrl + '/api/kb/search?limit=3&q=' + encodeURIComponent(q) + '&lang=' + encodeURIComponent(locale))
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (b) { if (mine === seq) { results = b.results || []; paint(); } })
          .catch(function () { /* offline: no suggestions */ });
      }, 300);
    }
    function mount(q$) {
      $ = q$;
      $('.kbq').addEventListener('input', function () { ask(this.value); });
      $('.input').addEventListener('input', function () { if (shown) ask(this.value); });
    }
    function paint() {
      if (!$) return;
      var list = $('.kbr'), lang = uiLang();
      list.textContent = '';
      results.forEach(function (r) {
        var li = document.createElement('li'), title = document.createElement(r.url ? 'a' : 'b'), p = document.createElement('p');
        title.textContent = r.title;
        if (r.url) { title.href = r.url; title.target = '_blank'; title.rel = 'noopener'; }
        p.textContent = r.snippet;
        p.setAttribute('dir', 'auto');
        li.appendChild(title); li.appendChild(p); list.appendChild(li);
      });
      if (!results.length && $('.kbq').value.trim().length >= 3) {
        var none = document.createElement('li'); none.textContent = (KT[lang] || KT.en).none; list.appendChild(none);
      }
    }
    // Shown only before a chat: once a conversation is open, the chat is the help.
    function render(q$, lang, before) {
      $ = q$;
      shown = before;
      $('.kb').hidden = !before;
      $('.kbq').placeholder = (KT[lang] || KT.en).search;
      $('.kbq').setAttribute('aria-label', (KT[lang] || KT.en).search);
      if (!before && results.length) { results = []; paint(); }
    }
    return { mount: mount, render: render };
  })();

  var ui = (function () {
    var root, $, hostEl = null, unreadN = 0, typingName = null, typingClear = 0, score = 0, thanksFor = null, stick = false;
    function mount(host) {
      if (root) return;
      root = host.shadowRoot || host.attachShadow({ mode: 'open' });
      root.innerHTML = '<style>' + CSS + '</style>' + HTML;
      hostEl = host;
      $ = function (s) { return root.querySelector(s); };
      var launcher = $('.launcher'), panel = $('.panel'), input = $('.input');
      launcher.onclick = function () { setOpen(panel.hidden); };
      $('.x').onclick = function () { setOpen(false); };
      $('.end').onclick = function () { var c = cur(); if (c) send({ type: 'end', conversation_id: c.conversation_id, ref: 'r' + ++refN }); };
      $('.root').addEventListener('keydown', function (e) {
        if (e.key === 'Escape' && !panel.hidden) { e.stopPropagation(); setOpen(false); }
      });
      $('form').onsubmit = function (e) {
        e.preventDefault();
        // No topic chosen yet: keep the text and point at the question.
        if (!sendText(input.value)) { $('.topics').classList.add('need'); var b = $('.chips button'); if (b) b.focus(); return; }
        input.value = ''; grow();
      };
      $('.person').onclick = function () { sendText(t('person')); };
      input.addEventListener('keydown', function (e) {
        // Enter sends, Shift+Enter adds a line; never while an IME is composing a character.
        if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); $('form').requestSubmit(); }
      });
      input.addEventListener('input', function () { grow(); setTyping(input.value.trim() !== ''); });
      for (var i = 1; i <= 5; i++) {
        var b = document.createElement('button');
        b.type = 'button'; b.textContent = '★'; b.dataset.score = i;
        b.onclick = function () { score = +this.dataset.score; render(); };
        $('.stars').appendChild(b);
      }
      $('.rate').onclick = function () {
        var cid = st.survey;
        if (!cid || !score) return;
        rate(cid, score, $('.comment').value.trim(), function () {
          st.rated.push(cid); st.survey = null; thanksFor = cid; score = 0; $('.comment').value = ''; save(); render();
          input.focus();
        });
      };
      kb.mount($);
      if (st.open) setOpen(true, true);
      applyTheme();
    }
    // The visitor wrote again: the thanks of an earlier rating is done, and the view follows the new message.
    function sent() { thanksFor = null; stick = true; }
    function renderTopics() {
      var box = $('.topics'), list = needTopic() ? topics() : [], chips = $('.chips');
      box.hidden = !list.length;
      if (!list.length) { box.classList.remove('need'); return; }
      $('#tq').textContent = t('topic');
      var sig = JSON.stringify(list);
      if (chips.dataset.sig !== sig) {
        chips.textContent = ''; chips.dataset.sig = sig;
        list.forEach(function (x) {
          var b = document.createElement('button');
          b.type = 'button'; b.className = 'chip'; b.dataset.key = x.key; b.textContent = x.label || x.key;
          b.onclick = function () { st.topic = x.key; save(); box.classList.remove('need'); render(); $('.input').focus(); };
          chips.appendChild(b);
        });
      }
      chips.querySelectorAll('button').forEach(function (b) { b.setAttribute('aria-pressed', String(b.dataset.key === st.topic)); });
    }
    function applyTheme() {
      var a = look('accent');
      if (hostEl && a && /^#[0-9a-f]{3,8}$|^rgb/i.test(a)) hostEl.style.setProperty('--sb-accent', a);
      render();
    }
    function grow() { var i = $('.input'); i.style.height = 'auto'; i.style.height = Math.min(i.scrollHeight + 2, 120) + 'px'; }
    function setOpen(open, quiet) {
      if (!root) return;
      var panel = $('.panel'), launcher = $('.launcher');
      panel.hidden = !open;
      $('.root').classList.toggle('open', open);
      launcher.setAttribute('aria-expanded', String(open));
      st.open = open; save();
      if (open) { unreadN = 0; render(); scrollDown(true); if (!quiet) $('.input').focus(); }
      else if (!quiet) launcher.focus();
    }
    function scrollDown(force) {
      var log = $('.log');
      if (force || log.scrollHeight - log.scrollTop - log.clientHeight < 80) log.scrollTop = log.scrollHeight;
    }
    var nodes = {};  // key -> element, so updates never recreate (and re-announce) existing messages
    function rekey(from, to) { if (nodes[from]) { nodes[to] = nodes[from]; delete nodes[from]; } }
    function statusText() {
      var c = cur(), d = st.dept || {};
      if (netState === 'offline') return t('offline');
      if (netState === 'connecting' && !ready) return t('connecting');
      if (!c) return d.open === false ? (d.next_change ? t('closed', { time: when(d.next_change) }) : t('closedNoTime'))
        : look('greeting') || (d.reply_minutes ? t('reply', { time: duration(d.reply_minutes) }) : t('idle'));
      if (c.status === 'queued') return c.queue_position ? t('queued', { n: c.queue_position }) : t('queuedNoPos');
      if (c.status === 'assigned') return t('agent', { name: (c.agent && c.agent.name) || t('support') });
      if (c.status === 'bot') {
        var name = (c.bot && c.bot.name) || 'Bot';
        return c.department_open === false && c.next_change ? t('botClosed', { name: name, time: when(c.next_change) }) : t('bot', { name: name });
      }
      if (c.status === 'resolved') return t('resolved');
      return t('idle');
    }
    function render() {
      if (!root) return;
      // Measured before anything changes size (the survey or a picker appearing shrinks the log).
      var lg = $('.log');
      if (lg.scrollHeight - lg.scrollTop - lg.clientHeight < 80) stick = true;
      var lang = uiLang(), c = cur(), panel = $('.panel'), launcher = $('.launcher');
      panel.setAttribute('dir', RTL[lang] ? 'rtl' : 'ltr');
      $('.root').classList.toggle('rtl', !!RTL[lang]);
      panel.setAttribute('lang', lang);
      launcher.setAttribute('aria-label', t('open'));
      launcher.setAttribute('lang', lang);
      $('.x').setAttribute('aria-label', t('close'));
      $('.end').textContent = t('end');
      $('.end').hidden = !c || c.status === 'resolved' || !ready;
      $('#h').textContent = look('title') || t('title');
      $('.root').classList.toggle('left', look('position') === 'left');
      $('.ticket').textContent = c && c.ticket ? t('ticket', { t: c.ticket }) : '';
      var status = $('.status');
      status.textContent = statusText();
      status.dataset.net = netState;
      $('.log').setAttribute('aria-label', t('log'));
      $('.input').setAttribute('aria-label', t('input'));
      $('.input').placeholder = t('input');
      $('.sendb').setAttribute('aria-label', t('send'));
      $('.typing').textContent = typingName ? t('typing', { name: typingName }) : '';
      var badge = $('.badge');
      badge.hidden = !unreadN || !panel.hidden;
      badge.textContent = unreadN;
      if (unreadN) launcher.setAttribute('aria-label', t('open') + ' (' + t('unread', { n: unreadN }) + ')');
      renderTopics();
      var q = $('.quick');
      q.hidden = !(c && c.status === 'bot' && !c.handoff_requested && ready);
      $('.person').textContent = t('person');
      notices.render($('.notices'), lang);
      kb.render($, lang, !c || c.status === 'resolved');
      renderSurvey();
      renderLog();
    }
    function agentReplied(cid) { return st.msgs.some(function (m) { return m.c === cid && m.r === 'agent'; }); }
    function renderSurvey() {
      // A survey only about a conversation in which a person answered; nothing to rate otherwise.
      var ask = st.survey && agentReplied(st.survey), showThanks = thanksFor && !st.survey;
      var box = $('.survey');
      box.hidden = !ask && !showThanks;
      $('#sq').textContent = showThanks ? t('thanks') : t('survey');
      $('.stars').hidden = $('.comment').hidden = $('.rate').hidden = !!showThanks;
      $('.comment').setAttribute('aria-label', t('comment'));
      $('.comment').placeholder = t('comment');
      $('.rate').textContent = t('rate');
      $('.rate').disabled = !score;
      root.querySelectorAll('.stars button').forEach(function (b, i) {
        b.setAttribute('aria-label', t('star', { n: i + 1 }));
        b.setAttribute('aria-pressed', String(i + 1 === score));
        b.style.color = i < score ? '#f5a300' : '';
      });
    }
    function renderLog() {
      var log = $('.log'), items = [], lang = uiLang(), seen = {};
      // Whether the view was at the end before this update: then it follows what is added, however tall.
      var atEnd = stick;
      var msgs = st.msgs.slice().sort(function (a, b) { return (st.order.indexOf(a.c) - st.order.indexOf(b.c)) || a.s - b.s; });
      var prevC = null, prevWho = null;
      msgs.forEach(function (m) {
        if (prevC && m.c !== prevC) { items.push({ key: 'sep:' + m.c, sep: 1, tk: st.convs[m.c] && st.convs[m.c].ticket }); prevWho = null; }
        prevC = m.c;
        var who = m.r === 'system' ? null : m.r + '|' + m.n;
        items.push({ key: m.c + ':' + m.s, m: m, cont: who && who === prevWho });
        prevWho = who;
      });
      st.outbox.forEach(function (o) {
        items.push({ key: 'p:' + o.id, m: { r: 'visitor', t: o.t, a: o.a }, p: o, cont: prevWho === 'visitor|' });
        prevWho = 'visitor|';
      });
      var prev = null, added = false;
      items.forEach(function (it) {
        seen[it.key] = 1;
        var el = nodes[it.key], sys = !it.sep && it.m.r === 'system';
        if (!el) {
          added = true;
          el = nodes[it.key] = document.createElement(it.sep ? 'p' : 'div');
          // dir=auto: each text takes its direction from its own script (an English bot reply in an Arabic panel).
          if (!it.sep) el.innerHTML = '<span class="who"></span><span class="text" dir="auto"></span><span class="meta"></span>';
        }
        if (it.sep) { el.className = 'sep'; el.textContent = it.tk ? t('ticket', { t: it.tk }) : '—'; }
        else if (sys) {
          // A status line, not a bubble (spec 7.1): the text alone, centred between two rules.
          el.className = 'msg system'; el.dataset.event = it.m.e || ''; el.dataset.seq = it.m.s;
          var conv = st.convs[it.m.c] || {};
          el.setAttribute('lang', conv.language || lang);
          el.children[1].textContent = it.m.t;
        } else fillMsg(el, it, lang);
        var want = prev ? prev.nextSibling : log.firstChild;
        if (want !== el) log.insertBefore(el, want);
        prev = el;
      });
      Object.keys(nodes).forEach(function (k) { if (!seen[k]) { nodes[k].remove(); delete nodes[k]; } });
      if (atEnd) log.scrollTop = log.scrollHeight;
      stick = false;
    }
    function fillMsg(el, it, lang) {
      var m = it.m, conv = (m.c && st.convs[m.c]) || cur() || {}, mine = m.r === 'visitor';
      el.className = 'msg ' + m.r + (it.cont ? ' cont' : '') + (it.p ? (it.p.f ? ' failed' : ' pending') : '');
      // Messages carry the conversation's language so screen readers pronounce them right; ours fall back to the UI's.
      el.setAttribute('lang', conv.language || lang);
      if (m.s) el.dataset.seq = m.s; else delete el.dataset.seq;
      el.children[0].textContent = mine ? t('you') : m.n || (m.r === 'bot' ? 'Bot' : t('support'));
      el.children[1].textContent = m.t;
      var time = '';
      try { time = new Date(m.a).toLocaleTimeString(locale, { hour: 'numeric', minute: '2-digit' }); } catch (e) { /* bad date */ }
      el.children[2].textContent = it.p ? (it.p.f ? t('failed') : t('pending')) : time;
    }
    function typing(name) {
      typingName = name;
      clearTimeout(typingClear);
      // A lost "typing off" must not leave the indicator on forever.
      if (name) typingClear = setTimeout(function () { typing(null); }, 8000);
      render();
    }
    function unread() { if (root && $('.panel').hidden) unreadN++; }
    return { mount: mount, render: render, setOpen: setOpen, rekey: rekey, typing: typing, unread: unread, sent: sent, theme: applyTheme };
  })();

  /* ---------- 6. boot and public API ---------- */
  var commands = {
    open: function () { ui.setOpen(true); },
    close: function () { ui.setOpen(false); },
    toggle: function () { ui.setOpen(!st.open); },
    identify: function (token) { identity = token || null; reconnectNow(); },
    setLocale: function (l) { if (l) { locale = String(l); ui.render(); reconnectNow(); } }
  };
  function run(args) {
    var fn = commands[args[0]];
    if (fn) fn.apply(null, Array.prototype.slice.call(args, 1));
  }
  var queued = (window.Switchboard && window.Switchboard.q) || [];
  window.Switchboard = function () { run(arguments); };

  if (!customElements.get('switchboard-widget')) {
    customElements.define('switchboard-widget', class extends HTMLElement {
      connectedCallback() { ui.mount(this); }
    });
  }
  function boot() {
    // A page may place <switchboard-widget> itself; otherwise add one at the end of <body>.
    if (!document.querySelector('switchboard-widget')) document.body.appendChild(document.createElement('switchboard-widget'));
    queued.forEach(run);
    connect();
  }
  if (document.body) boot(); else document.addEventListener('DOMContentLoaded', boot);
})();
