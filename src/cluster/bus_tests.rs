use super::*;

/// A field list as Redis gives it back.
fn read_back(fields: Fields) -> Vec<(String, Bytes)> {
    fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn hello() -> HelloWire {
    HelloWire {
        visitor: VisitorId(7),
        token: "sbv_x".into(),
        site: "default".into(),
        locale: Some("fi".into()),
        department: None,
        identity: IdentityCheck::Invalid("expired".into()),
        page: Some("https://example.com/".into()),
        user_agent: None,
        timezone: Some("Europe/Helsinki".into()),
        reference: Some("\"h1\"".into()),
        ip: Some("10.0.0.9".parse().unwrap()),
    }
}

#[test]
fn every_inbound_event_reads_back_as_written() {
    let conn = ConnId::new(2, 99);
    let visitor = Participant::Visitor(VisitorId(7));
    let events = [
        Inbound::Start { node: 2, instance: 1234 },
        Inbound::Visitor { conn, hello: Box::new(hello()) },
        Inbound::Agent { conn, agent: AgentId(3), reference: Some(Ref("{\"n\":1}".into())) },
        Inbound::Bot { conn, bot: BotId(4), reference: None },
        Inbound::Frame { conn, who: visitor, text: Bytes::from_static(br#"{"type":"message","text":"a\nb"}"#) },
        Inbound::Disconnected { conn, who: visitor },
    ];
    for event in events {
        assert_eq!(Inbound::decode(&read_back(event.encode())).unwrap(), event);
    }
}

#[test]
fn a_hello_keeps_everything_the_hub_reads() {
    let h = hello().into_hello(None);
    assert_eq!(HelloWire::from_hello(&h), hello());
    assert_eq!(h.reference, Some(Ref("\"h1\"".into())));
}

#[test]
fn every_delivery_reads_back_as_written() {
    let conns = vec![ConnId::new(2, 1), ConnId::new(2, 2)];
    let c = ConversationId(5);
    let items = [
        Item::Frames(vec![(Bytes::from_static(br#"{"type":"pong"}"#), HoldFacts::Other)]),
        Item::Frames(vec![
            (Bytes::from_static(br#"{"type":"message","seq":1}"#), HoldFacts::Message(c, 1)),
            (Bytes::from_static(br#"{"type":"welcome"}"#), HoldFacts::Welcome(vec![c])),
            (Bytes::from_static(br#"{"type":"synced"}"#), HoldFacts::Synced(c, 1)),
        ]),
        Item::Close(1012, "service restart".into()),
        Item::Backlog(Box::new(BacklogWire {
            conversation: c,
            after_seq: 3,
            last_seq: Some(9),
            sync_ref: Some(Some("7".into())),
            view: None,
        })),
        Item::Reset,
    ];
    for (n, item) in items.into_iter().enumerate() {
        let d = Delivery { number: n as u64 + 1, conns: conns.clone(), item };
        assert_eq!(Delivery::decode(&read_back(d.encode())).unwrap(), d);
    }
}

#[test]
fn a_malformed_entry_is_refused_not_misread() {
    let fields = vec![("k".to_string(), Bytes::from_static(b"f")), ("c".to_string(), Bytes::from_static(b"x"))];
    assert!(Inbound::decode(&fields).is_err());
    let mut d = read_back(Delivery { number: 1, conns: vec![], item: Item::Frames(vec![]) }.encode());
    d.retain(|(k, _)| k != "h");
    assert!(Delivery::decode(&d).is_err());
    let unknown = vec![("k".to_string(), Bytes::from_static(b"?"))];
    assert_eq!(Inbound::decode(&unknown), Err(Malformed("k")));
}

#[test]
fn packed_entries_unpack_as_they_were_and_a_cut_pack_is_refused() {
    let events = [
        Inbound::Start { node: 1, instance: 2 },
        Inbound::Frame {
            conn: ConnId::new(1, 5),
            who: Participant::Bot(BotId(1)),
            text: Bytes::from(vec![b'x'; 70_000]),
        },
        Inbound::Disconnected { conn: ConnId::new(1, 5), who: Participant::Bot(BotId(1)) },
    ];
    let packed = pack(events.iter().map(Inbound::encode));
    let back: Vec<Inbound> = unpack(&packed).unwrap().iter().map(|f| Inbound::decode(f).unwrap()).collect();
    assert_eq!(back, events);
    assert_eq!(unpack(&packed.slice(..packed.len() - 1)), Err(Malformed("b")));
    assert!(unpack(&Bytes::new()).unwrap().is_empty());
}
