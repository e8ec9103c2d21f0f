//! The Hiver surfaces' operation catalogues.

use crate::platform::catalogue::{Case, CaseAuth, Cleanup};
use crate::platform::dialect::{Representative, Write};

/// The surface's representative reads (see `platform::dialect::Representative`): seeded
/// records of every `--seed`.
pub(crate) const TUTORIAL_READS: Representative = Representative {
    record: "/conversations/234232",
    pages: &["/conversations?limit=10"],
    write: Write {
        method: "PUT",
        path: "/conversations/234232/status",
        body: r#"{"status": "open"}"#,
        reads: &["/conversations/234232", "/conversations?limit=10"],
    },
};

/// The surface's representative reads (see `platform::dialect::Representative`): seeded
/// records of every `--seed`.
pub(crate) const OFFICIAL_READS: Representative = Representative {
    record: "/inboxes/102/conversations/234232",
    pages: &["/inboxes/102/conversations?limit=10"],
    write: Write {
        method: "PATCH",
        path: "/inboxes/102/conversations/234232",
        body: r#"{"status": {"name": "open"}}"#,
        reads: &[
            "/inboxes/102/conversations/234232",
            "/inboxes/102/conversations?limit=10",
        ],
    },
};

const NO_DELETE: Cleanup = Cleanup::Lasting("Hiver offers no way to delete it");
const TUTORIAL_ONLY: Cleanup = Cleanup::Lasting("the tutorial surface exists only in the emulator");

/// The official API: every list, search and detail of the first authorised inbox, the
/// documented errors, a PATCH that writes a conversation's status back, and the writes Hiver
/// cannot undo (tags, notes, drafts), which run against the emulator only.
pub fn official() -> Vec<Case> {
    vec![
        Case::get("listInboxes", "/inboxes", "/inboxes"),
        Case::get(
            "getInbox",
            "/inboxes/{inbox_id}",
            "/inboxes/{$listInboxes/data/results[is_authorised=true]/id}",
        ),
        Case::get(
            "listInboxUsers",
            "/inboxes/{inbox_id}/users",
            "/inboxes/{$listInboxes/data/results[is_authorised=true]/id}/users",
        ),
        Case::get(
            "listInboxTags",
            "/inboxes/{inbox_id}/tags",
            "/inboxes/{$listInboxes/data/results[is_authorised=true]/id}/tags",
        ),
        Case::get(
            "listConversations",
            "/inboxes/{inbox_id}/conversations",
            "/inboxes/{$listInboxes/data/results[is_authorised=true]/id}/conversations",
        ),
        Case::get(
            "searchInboxUsers",
            "/inboxes/{inbox_id}/users/search",
            "/inboxes/{$listInboxes/data/results[is_authorised=true]/id}/users/search?email={$listInboxUsers/data/results/0/email}",
        ),
        Case::get(
            "searchInboxTags",
            "/inboxes/{inbox_id}/tags/search",
            "/inboxes/{$listInboxes/data/results[is_authorised=true]/id}/tags/search?name={$listInboxTags/data/results/0/name}",
        ),
        Case::get(
            "getConversation",
            "/inboxes/{inbox_id}/conversations/{conversation_id}",
            "/inboxes/{$listInboxes/data/results[is_authorised=true]/id}/conversations/{$listConversations/data/results/0/id}",
        ),
        Case::get(
            "getConversation",
            "/inboxes/{inbox_id}/conversations/{conversation_id}",
            "/inboxes/{$listInboxes/data/results[is_authorised=true]/id}/conversations/{$listConversations/data/results/0/gmail_thread_id}",
        )
        .named("getConversationByThread"),
        Case::error(
            "error_missing_key",
            "listInboxes",
            "/inboxes",
            "/inboxes",
            401,
        )
        .auth(CaseAuth::Missing),
        Case::error(
            "error_invalid_key",
            "listInboxes",
            "/inboxes",
            "/inboxes",
            401,
        )
        .auth(CaseAuth::Invalid),
        Case::error(
            "error_unknown_inbox",
            "getInbox",
            "/inboxes/{inbox_id}",
            "/inboxes/987654321",
            404,
        ),
        Case::error(
            "error_limit_too_small",
            "listInboxes",
            "/inboxes",
            "/inboxes?limit=5",
            400,
        ),
        Case::error(
            "error_bad_token",
            "listConversations",
            "/inboxes/{inbox_id}/conversations",
            "/inboxes/{$listInboxes/data/results[is_authorised=true]/id}/conversations?next_page=not-a-token",
            400,
        ),
        Case::write(
            "updateConversation",
            "PATCH",
            "/inboxes/{inbox_id}/conversations/{conversation_id}",
            "/inboxes/{$listInboxes/data/results[is_authorised=true]/id}/conversations/{$listConversations/data/results/0/id}",
            204,
            Cleanup::WritesBack,
        )
        .body(r#"{"status": {"name": "{$getConversation/data/0/status}"}}"#),
        Case::write(
            "createInboxTag",
            "POST",
            "/inboxes/{inbox_id}/tags",
            "/inboxes/{$listInboxes/data/results[is_authorised=true]/id}/tags",
            200,
            NO_DELETE,
        )
        .body(r#"{"name": "mockdesk-verify"}"#),
        Case::write(
            "createNote",
            "POST",
            "/inboxes/{inbox_id}/conversations/{conversation_id}/notes",
            "/inboxes/{$listInboxes/data/results[is_authorised=true]/id}/conversations/{$listConversations/data/results/0/id}/notes",
            201,
            NO_DELETE,
        )
        .body(r#"{"content": "mockdesk verify", "notify_all": "false"}"#)
        .form(),
        Case::write(
            "createSharedDraft",
            "POST",
            "/inboxes/{inbox_id}/conversations/shared-drafts",
            "/inboxes/{$listInboxes/data/results[is_authorised=true]/id}/conversations/shared-drafts",
            200,
            NO_DELETE,
        )
        .body(r#"{"body": "mockdesk verify", "hiver_message_id": "{$getConversation/data/0/message_ids/0/hiver_message_id}"}"#)
        .form(),
    ]
}

/// The tutorial surface (seed 001, third party): its reads, the missing-key error, and its
/// writes, which exist only in the emulator.
pub fn tutorial() -> Vec<Case> {
    vec![
        Case::get("listMailboxes", "/mailboxes", "/mailboxes"),
        Case::get("listUsers", "/users", "/users"),
        Case::get("listTags", "/tags", "/tags"),
        Case::get(
            "listConversations",
            "/conversations",
            "/conversations?status=open&limit=5",
        ),
        Case::get(
            "listConversations",
            "/conversations",
            "/conversations?limit=1",
        )
        .named("listConversations_first")
        .unsnapshotted(),
        Case::get(
            "getConversation",
            "/conversations/{id}",
            "/conversations/{$listConversations_first/conversations/0/id}",
        )
        .unsnapshotted(),
        Case::error(
            "error_missing_key",
            "listMailboxes",
            "/mailboxes",
            "/mailboxes",
            401,
        )
        .auth(CaseAuth::Missing)
        .unsnapshotted(),
        Case::write("createTag", "POST", "/tags", "/tags", 201, TUTORIAL_ONLY)
            .body(r#"{"name": "mockdesk-verify-tutorial", "mailbox_id": "{$getConversation/mailbox_id}"}"#),
        Case::write(
            "applyTag",
            "POST",
            "/conversations/{id}/tags",
            "/conversations/{$getConversation/id}/tags",
            200,
            TUTORIAL_ONLY,
        )
        .body(r#"{"tag_id": "{$createTag/id}"}"#),
        Case::write(
            "removeTag",
            "DELETE",
            "/conversations/{id}/tags/{tag_id}",
            "/conversations/{$getConversation/id}/tags/{$createTag/id}",
            200,
            TUTORIAL_ONLY,
        ),
        Case::write(
            "assignConversation",
            "POST",
            "/conversations/{id}/assign",
            "/conversations/{$getConversation/id}/assign",
            200,
            TUTORIAL_ONLY,
        )
        .body(r#"{"user_id": "{$listUsers/users/0/id}"}"#),
        Case::write(
            "setConversationStatus",
            "PUT",
            "/conversations/{id}/status",
            "/conversations/{$getConversation/id}/status",
            200,
            TUTORIAL_ONLY,
        )
        .body(r#"{"status": "pending"}"#),
        Case::write(
            "addNote",
            "POST",
            "/conversations/{id}/notes",
            "/conversations/{$getConversation/id}/notes",
            201,
            TUTORIAL_ONLY,
        )
        .body(r#"{"body": "mockdesk verify"}"#),
    ]
}
