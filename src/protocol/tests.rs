use super::*;
use crate::domain::SystemEvent;

fn system_line(event: SystemEvent) -> serde_json::Value {
    let view = MessageView {
        conversation_id: ConversationId(7),
        seq: 3,
        from: From { role: Role::System, name: None },
        text: "…".into(),
        at: "2026-12-07T10:00:00Z".parse().unwrap(),
        event: Some(event),
        tier: None,
    };
    serde_json::to_value(&view).unwrap()
}

#[test]
fn system_lines_carry_only_the_contracts_five_events() {
    let wire: Vec<String> =
        SystemEvent::ALL.iter().map(|e| system_line(*e)["event"].as_str().unwrap().to_string()).collect();
    for event in &wire {
        assert!(["queued", "assigned", "transferred", "escalated", "resolved"].contains(&event.as_str()), "{event}");
    }
    assert_eq!(system_line(SystemEvent::ResolvedInactive)["event"], "resolved");
}
