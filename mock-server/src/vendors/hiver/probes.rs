//! What `mockdesk verify` sends to Hiver servers.

use crate::platform::probe::{Probe, ProbeAuth};

/// The official API: every list, search and detail of the first inbox, the documented errors,
/// and (with writes allowed) a PATCH setting a conversation's status to the one it has.
pub fn official() -> Vec<Probe> {
    vec![
        Probe::get("listInboxes", "/inboxes", "/inboxes"),
        Probe::get("getInbox", "/inboxes/{inbox_id}", "/inboxes/{$listInboxes/data/results/0/id}"),
        Probe::get("listInboxUsers", "/inboxes/{inbox_id}/users", "/inboxes/{$listInboxes/data/results/0/id}/users"),
        Probe::get(
            "searchInboxUsers",
            "/inboxes/{inbox_id}/users/search",
            "/inboxes/{$listInboxes/data/results/0/id}/users/search?email={$listInboxUsers/data/results/0/email}",
        ),
        Probe::get("listInboxTags", "/inboxes/{inbox_id}/tags", "/inboxes/{$listInboxes/data/results/0/id}/tags"),
        Probe::get(
            "searchInboxTags",
            "/inboxes/{inbox_id}/tags/search",
            "/inboxes/{$listInboxes/data/results/0/id}/tags/search?name={$listInboxTags/data/results/0/name}",
        ),
        Probe::get("listConversations", "/inboxes/{inbox_id}/conversations", "/inboxes/{$listInboxes/data/results/0/id}/conversations"),
        Probe::get(
            "getConversation",
            "/inboxes/{inbox_id}/conversations/{conversation_id}",
            "/inboxes/{$listInboxes/data/results/0/id}/conversations/{$listConversations/data/results/0/id}",
        ),
        Probe::get("error: missing key", "/inboxes", "/inboxes").auth(ProbeAuth::Missing).expect(401),
        Probe::get("error: unknown inbox", "/inboxes/{inbox_id}", "/inboxes/987654321").expect(404),
        Probe::get("error: limit under 10", "/inboxes", "/inboxes?limit=5").expect(400),
        Probe::write(
            "updateConversation",
            "PATCH",
            "/inboxes/{inbox_id}/conversations/{conversation_id}",
            "/inboxes/{$listInboxes/data/results/0/id}/conversations/{$listConversations/data/results/0/id}",
            r#"{"status": {"name": "{$getConversation/data/0/status}"}}"#,
            204,
        ),
    ]
}

/// The tutorial surface: its reads and the missing-key error.
pub fn tutorial() -> Vec<Probe> {
    vec![
        Probe::get("listMailboxes", "/mailboxes", "/mailboxes"),
        Probe::get(
            "listConversations",
            "/conversations",
            "/conversations?limit=5",
        ),
        Probe::get(
            "getConversation",
            "/conversations/{id}",
            "/conversations/{$listConversations/conversations/0/id}",
        ),
        Probe::get("listUsers", "/users", "/users"),
        Probe::get("listTags", "/tags", "/tags"),
        Probe::get("error: missing key", "/mailboxes", "/mailboxes")
            .auth(ProbeAuth::Missing)
            .expect(401),
    ]
}
