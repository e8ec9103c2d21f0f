//! HelpCrunch REST API v1's operation catalogue: every list, search and detail, the documented
//! errors, a customer that is created, changed, tagged, untagged, given an event and deleted
//! again, and the writes no operation undoes (chats and their actions, messages, unsubscribing
//! an agent), which run against the emulator only.

use crate::platform::catalogue::{Case, CaseAuth, Cleanup};
use crate::platform::dialect::{Representative, Write};

/// The surface's representative reads (see `platform::dialect::Representative`): seeded
/// records of every `--seed`.
pub(crate) const READS: Representative = Representative {
    record: "/customers/1",
    pages: &["/customers?limit=10&offset=100"],
    write: Write {
        method: "PATCH",
        path: "/customers/1",
        body: r#"{"company": "mockdesk"}"#,
        reads: &["/customers/1", "/customers?limit=10"],
    },
};

const CUSTOMER: Cleanup = Cleanup::OnCreated("createCustomer");
const CHAT: Cleanup = Cleanup::Lasting("HelpCrunch offers no way to delete a chat");

/// `PUT /chats/{action}` on the chat `createChat` made.
const fn action(operation: &'static str, path: &'static str, body: &'static str) -> Case {
    Case::write(operation, "PUT", path, path, 200, CHAT).body(body)
}

pub fn cases() -> Vec<Case> {
    vec![
        Case::get("listCustomers", "/customers", "/customers?limit=3"),
        Case::get(
            "getCustomer",
            "/customers/{id}",
            "/customers/{$listCustomers/data/0/id}",
        ),
        Case::search(
            "searchCustomers",
            "/customers/search",
            "/customers/search",
            r#"{"filter": [{"field": "customers.id", "operator": ">", "value": 0}], "limit": 5}"#,
        )
        .unsnapshotted(),
        Case::get(
            "listChats",
            "/chats",
            "/chats?limit=3&sort=chats.lastMessageAt&order=desc",
        ),
        Case::get("listChats", "/chats", "/chats?limit=1")
            .named("listChats_first")
            .unsnapshotted(),
        Case::get("getChat", "/chats/{id}", "/chats/{$listChats_first/data/0/id}"),
        Case::get(
            "listMessages",
            "/chats/{id}/messages",
            "/chats/{$listChats_first/data/0/id}/messages",
        ),
        Case::search(
            "searchChats",
            "/chats/search",
            "/chats/search",
            r#"{"filter": [{"field": "chats.createdAt", "operator": ">", "value": 0}], "limit": 5}"#,
        )
        .unsnapshotted(),
        Case::get("listAgents", "/agents", "/agents"),
        Case::get("listDepartments", "/departments", "/departments"),
        Case::get("listApplications", "/applications", "/applications"),
        Case::get("getOrganization", "/organization", "/organization"),
        Case::error(
            "error_missing_key",
            "listCustomers",
            "/customers",
            "/customers",
            401,
        )
        .auth(CaseAuth::Missing),
        Case::error(
            "error_invalid_key",
            "listCustomers",
            "/customers",
            "/customers",
            401,
        )
        .auth(CaseAuth::Invalid),
        Case::error(
            "error_unknown_customer",
            "getCustomer",
            "/customers/{id}",
            "/customers/987654321",
            404,
        ),
        Case::error(
            "error_unknown_chat",
            "getChat",
            "/chats/{id}",
            "/chats/987654321",
            404,
        ),
        Case::error(
            "error_limit_too_large",
            "listCustomers",
            "/customers",
            "/customers?limit=101",
            400,
        ),
        Case::error(
            "error_bad_filter",
            "searchCustomers",
            "/customers/search",
            "/customers/search",
            400,
        )
        .method("POST")
        .body(
            r#"{"filter": [{"field": "", "operator": "=", "value": 1}, {"field": "customers.id", "operator": "=", "value": "one"}]}"#,
        ),
        Case::write(
            "createCustomer",
            "POST",
            "/customers",
            "/customers",
            201,
            Cleanup::DeletedBy("deleteCustomer"),
        )
        .body(r#"{"name": "mockdesk verify", "email": "mockdesk-verify@example.com"}"#),
        Case::write(
            "patchCustomer",
            "PATCH",
            "/customers/{id}",
            "/customers/{$createCustomer/id}",
            200,
            CUSTOMER,
        )
        .body(r#"{"company": "mockdesk"}"#),
        Case::write(
            "replaceCustomer",
            "PUT",
            "/customers/{id}",
            "/customers/{$createCustomer/id}",
            200,
            CUSTOMER,
        )
        .body(r#"{"name": "mockdesk verify", "email": "mockdesk-verify@example.com"}"#),
        Case::write(
            "batchUpdateCustomers",
            "PUT",
            "/customers/batch",
            "/customers/batch",
            200,
            CUSTOMER,
        )
        .body(r#"[{"customer": "{$createCustomer/id}", "notes": "mockdesk verify"}]"#),
        Case::write(
            "tagCustomer",
            "PUT",
            "/customers/{id}/tags",
            "/customers/{$createCustomer/id}/tags",
            200,
            CUSTOMER,
        )
        .body(r#"{"tags": [{"name": "mockdesk-verify"}]}"#),
        Case::write(
            "untagCustomer",
            "DELETE",
            "/customers/{id}/tags",
            "/customers/{$createCustomer/id}/tags",
            200,
            CUSTOMER,
        )
        .body(r#"{"tags": [{"name": "mockdesk-verify"}]}"#),
        Case::write("addEvent", "POST", "/events", "/events", 200, CUSTOMER)
            .body(r#"{"name": "mockdesk-verify", "customer": "{$createCustomer/id}"}"#),
        Case::write("createChat", "POST", "/chats", "/chats", 201, CHAT).body(
            r#"{"customer": "{$createCustomer/id}", "application": "{$listApplications/data/0/id}"}"#,
        ),
        Case::write("createMessage", "POST", "/messages", "/messages", 200, CHAT).body(
            r#"{"chat": "{$createChat/id}", "text": "mockdesk verify", "agent": "{$listAgents/data/0/id}"}"#,
        ),
        action(
            "chatAssignee",
            "/chats/assignee",
            r#"{"id": "{$createChat/id}", "assignee": "{$listAgents/data/0/id}"}"#,
        ),
        action(
            "chatDepartment",
            "/chats/department",
            r#"{"id": "{$createChat/id}", "department": "{$listDepartments/data/0/id}"}"#,
        ),
        action(
            "chatSnooze",
            "/chats/snooze",
            r#"{"id": "{$createChat/id}", "snoozedUntil": null}"#,
        ),
        action(
            "chatReadByAgent",
            "/chats/readByAgent",
            r#"{"id": "{$createChat/id}", "read": true}"#,
        ),
        action(
            "chatReadByCustomer",
            "/chats/readByCustomer",
            r#"{"id": "{$createChat/id}", "read": true}"#,
        ),
        action(
            "chatRead",
            "/chats/read",
            r#"{"id": "{$createChat/id}", "read": true}"#,
        ),
        action(
            "chatStatus",
            "/chats/status",
            r#"{"id": "{$createChat/id}", "status": "closed"}"#,
        ),
        action(
            "chatRate",
            "/chats/rate",
            r#"{"id": "{$createChat/id}", "rating": "great"}"#,
        ),
        Case::write(
            "unsubscribeAgent",
            "GET",
            "/agents/{id}/unsubscribe",
            "/agents/{$listAgents/data/0/id}/unsubscribe",
            200,
            Cleanup::Lasting("no operation subscribes an agent again"),
        ),
        Case::write(
            "deleteCustomer",
            "DELETE",
            "/customers/{id}",
            "/customers/{$createCustomer/id}",
            200,
            Cleanup::Deletes("createCustomer"),
        ),
    ]
}
