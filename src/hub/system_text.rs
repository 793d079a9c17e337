//! The text of system messages (spec 7.1) in the conversation's language: one table, English where a
//! language has no row. `{agent}` and `{tier}` are filled in.

use crate::domain::Language;
use crate::domain::SystemEvent;

/// Language, then queued, assigned, transferred, escalated, resolved, resolved for inactivity.
const PHRASES: [(&str, [&str; 6]); 16] = [
    (
        "en",
        [
            "You are in the queue. The next available agent will be with you shortly.",
            "{agent} has joined the chat.",
            "Your chat has been passed to {agent}.",
            "Your request has been passed to the next level of support: {tier}.",
            "This chat has been closed. Thank you for contacting us.",
            "This chat was closed because you were away for a while. Write to us again any time.",
        ],
    ),
    (
        "de",
        [
            "Sie sind in der Warteschlange. Der nächste freie Mitarbeiter ist gleich für Sie da.",
            "{agent} ist dem Chat beigetreten.",
            "Ihr Chat wurde an {agent} übergeben.",
            "Ihr Anliegen wurde an die nächste Support-Stufe weitergeleitet: {tier}.",
            "Dieser Chat wurde beendet. Danke für Ihre Nachricht.",
            "Dieser Chat wurde beendet, weil Sie eine Weile nicht da waren. Schreiben Sie uns jederzeit wieder.",
        ],
    ),
    (
        "fr",
        [
            "Vous êtes dans la file d'attente. Le prochain conseiller disponible va vous répondre.",
            "{agent} a rejoint la conversation.",
            "Votre conversation a été transmise à {agent}.",
            "Votre demande a été transmise au niveau de support suivant : {tier}.",
            "Cette conversation est terminée. Merci de nous avoir contactés.",
            "Cette conversation a été fermée car vous étiez absent un moment. Écrivez-nous à nouveau quand vous voulez.",
        ],
    ),
    (
        "es",
        [
            "Está en la cola. El próximo agente disponible le atenderá en breve.",
            "{agent} se ha unido al chat.",
            "Su chat ha sido transferido a {agent}.",
            "Su solicitud ha pasado al siguiente nivel de soporte: {tier}.",
            "Este chat se ha cerrado. Gracias por contactarnos.",
            "Este chat se ha cerrado porque estuvo ausente un tiempo. Escríbanos de nuevo cuando quiera.",
        ],
    ),
    (
        "it",
        [
            "Sei in coda. Il primo operatore disponibile ti risponderà a breve.",
            "{agent} si è unito alla chat.",
            "La tua chat è stata passata a {agent}.",
            "La tua richiesta è stata passata al livello di assistenza successivo: {tier}.",
            "Questa chat è stata chiusa. Grazie per averci contattato.",
            "Questa chat è stata chiusa perché sei stato assente per un po'. Scrivici di nuovo quando vuoi.",
        ],
    ),
    (
        "pt",
        [
            "Você está na fila. O próximo atendente disponível falará com você em breve.",
            "{agent} entrou no chat.",
            "Seu chat foi transferido para {agent}.",
            "Sua solicitação foi encaminhada ao próximo nível de suporte: {tier}.",
            "Este chat foi encerrado. Obrigado pelo contato.",
            "Este chat foi encerrado porque você ficou ausente por um tempo. Escreva-nos novamente quando quiser.",
        ],
    ),
    (
        "nl",
        [
            "U staat in de wachtrij. De eerstvolgende medewerker helpt u zo.",
            "{agent} neemt deel aan de chat.",
            "Uw chat is overgedragen aan {agent}.",
            "Uw verzoek is doorgezet naar het volgende supportniveau: {tier}.",
            "Deze chat is afgesloten. Bedankt voor uw bericht.",
            "Deze chat is afgesloten omdat u een tijd afwezig was. Schrijf ons gerust opnieuw.",
        ],
    ),
    (
        "pl",
        [
            "Jesteś w kolejce. Pierwszy wolny konsultant wkrótce się odezwie.",
            "{agent} dołączył(a) do czatu.",
            "Twój czat został przekazany do: {agent}.",
            "Twoje zgłoszenie przekazano na wyższy poziom wsparcia: {tier}.",
            "Ten czat został zamknięty. Dziękujemy za kontakt.",
            "Ten czat został zamknięty, ponieważ przez dłuższy czas nie było Cię na czacie. Napisz do nas ponownie w dowolnej chwili.",
        ],
    ),
    (
        "sv",
        [
            "Du står i kö. Nästa lediga handläggare hjälper dig strax.",
            "{agent} har anslutit till chatten.",
            "Din chatt har lämnats över till {agent}.",
            "Ditt ärende har skickats vidare till nästa supportnivå: {tier}.",
            "Chatten är avslutad. Tack för att du kontaktade oss.",
            "Chatten avslutades eftersom du var borta en stund. Skriv till oss igen när du vill.",
        ],
    ),
    (
        "fi",
        [
            "Olet jonossa. Seuraava vapaa asiakaspalvelija vastaa sinulle pian.",
            "{agent} liittyi keskusteluun.",
            "Keskustelusi siirrettiin henkilölle {agent}.",
            "Pyyntösi siirrettiin seuraavalle tukitasolle: {tier}.",
            "Tämä keskustelu on päättynyt. Kiitos yhteydenotostasi.",
            "Tämä keskustelu suljettiin, koska olit poissa jonkin aikaa. Kirjoita meille uudelleen milloin tahansa.",
        ],
    ),
    (
        "tr",
        [
            "Sıradasınız. İlk müsait temsilci birazdan size yardımcı olacak.",
            "{agent} sohbete katıldı.",
            "Sohbetiniz {agent} adlı temsilciye aktarıldı.",
            "Talebiniz bir üst destek seviyesine iletildi: {tier}.",
            "Bu sohbet kapatıldı. Bize ulaştığınız için teşekkürler.",
            "Bir süre uzak kaldığınız için bu sohbet kapatıldı. Dilediğiniz zaman bize yeniden yazabilirsiniz.",
        ],
    ),
    (
        "ru",
        [
            "Вы в очереди. Первый свободный специалист скоро ответит вам.",
            "{agent} присоединился к чату.",
            "Ваш чат передан сотруднику {agent}.",
            "Ваш запрос передан на следующий уровень поддержки: {tier}.",
            "Чат завершён. Спасибо за обращение.",
            "Чат закрыт, так как вас некоторое время не было. Напишите нам снова в любое время.",
        ],
    ),
    (
        "ar",
        [
            "أنت في قائمة الانتظار. سيتواصل معك أول موظف متاح قريبًا.",
            "انضم {agent} إلى المحادثة.",
            "تم تحويل محادثتك إلى {agent}.",
            "تم تحويل طلبك إلى المستوى التالي من الدعم: {tier}.",
            "تم إغلاق هذه المحادثة. شكرًا لتواصلك معنا.",
            "تم إغلاق هذه المحادثة لأنك كنت غائبًا لفترة. راسلنا مجددًا في أي وقت.",
        ],
    ),
    (
        "he",
        [
            "אתם בתור. הנציג הפנוי הבא יענה לכם בקרוב.",
            "{agent} הצטרף/ה לשיחה.",
            "השיחה שלכם הועברה אל {agent}.",
            "הפנייה שלכם הועברה לשלב התמיכה הבא: {tier}.",
            "השיחה נסגרה. תודה שפניתם אלינו.",
            "השיחה נסגרה כי לא הייתם זמינים במשך זמן מה. אפשר לכתוב לנו שוב בכל עת.",
        ],
    ),
    (
        "ja",
        [
            "順番をお待ちください。担当者が空き次第すぐに対応いたします。",
            "{agent}がチャットに参加しました。",
            "チャットを{agent}に引き継ぎました。",
            "お問い合わせを次のサポート窓口に引き継ぎました：{tier}。",
            "このチャットは終了しました。お問い合わせありがとうございました。",
            "しばらく応答がなかったため、このチャットを終了しました。いつでも改めてお問い合わせください。",
        ],
    ),
    (
        "zh",
        [
            "您正在排队，下一位空闲的客服将很快为您服务。",
            "{agent} 已加入对话。",
            "您的对话已转给 {agent}。",
            "您的请求已转至下一级支持：{tier}。",
            "本次对话已结束，感谢您的联系。",
            "由于您离开了一段时间，本次对话已关闭。欢迎随时再次联系我们。",
        ],
    ),
];

/// The text for `event` in `language` (English where there is no row), with the names filled in.
pub fn text(event: SystemEvent, language: Option<Language>, agent: Option<&str>, tier: Option<&str>) -> String {
    let row = language.and_then(|l| PHRASES.iter().find(|(code, _)| *code == l.as_str())).unwrap_or(&PHRASES[0]);
    row.1[event as usize].replace("{agent}", agent.unwrap_or("")).replace("{tier}", tier.unwrap_or(""))
}

/// Languages with their own row.
pub fn languages() -> impl Iterator<Item = &'static str> {
    PHRASES.iter().map(|(code, _)| *code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_names_the_same_placeholders_as_english() {
        for (code, row) in PHRASES {
            for (i, phrase) in row.iter().enumerate() {
                for placeholder in ["{agent}", "{tier}"] {
                    assert_eq!(phrase.contains(placeholder), PHRASES[0].1[i].contains(placeholder), "{code} #{i}");
                }
            }
        }
        assert!(languages().count() >= 15);
    }

    #[test]
    fn every_language_says_why_an_inactive_chat_closed_in_its_own_words() {
        for (code, row) in PHRASES {
            let (resolved, inactive) =
                (row[SystemEvent::Resolved as usize], row[SystemEvent::ResolvedInactive as usize]);
            assert!(!inactive.is_empty() && inactive != resolved, "{code}");
            assert!(
                code == "en" || inactive != PHRASES[0].1[SystemEvent::ResolvedInactive as usize],
                "{code} is English"
            );
        }
        let fr = text(SystemEvent::ResolvedInactive, Language::parse("fr"), None, None);
        assert!(fr.contains("absent"), "{fr}");
    }

    #[test]
    fn text_is_in_the_conversation_language_or_english() {
        let de = Language::parse("de");
        assert_eq!(text(SystemEvent::Assigned, de, Some("Anna"), None), "Anna ist dem Chat beigetreten.");
        let sw = Language::parse("sw");
        assert_eq!(text(SystemEvent::Assigned, sw, Some("Anna"), None), "Anna has joined the chat.");
        assert!(text(SystemEvent::Escalated, None, None, Some("Developers")).ends_with(": Developers."));
    }
}
