use super::*;

/// Every accepted spelling of a status maps to the response spelling.
#[test]
fn status_spellings() {
    for s in ["on hold", "on-hold", "onhold", "ON HOLD", "4"] {
        assert_eq!(ChatStatus::parse(s), Some(ChatStatus::OnHold));
    }
    assert_eq!(ChatStatus::parse("3"), Some(ChatStatus::Pending));
    assert_eq!(ChatStatus::parse("later"), None);
    for s in ChatStatus::ALL {
        assert_eq!(ChatStatus::parse(s.as_str()), Some(s));
        assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
    }
}
