//! Hipcall v20211124's operation catalogue: every list and the detail of its first record, the
//! call detail, the documented errors, a `PUT /users/{id}` that writes the user's default
//! number back, and the writes no operation undoes (tasks, comments, tags on a company or
//! contact the API cannot list), which run against the emulator only.

use crate::platform::catalogue::{Case, CaseAuth, Cleanup};
use crate::platform::dialect::{Representative, Write};

/// The surface's representative reads (see `platform::dialect::Representative`): seeded
/// records of every `--seed`.
pub(crate) const LEGACY_READS: Representative = Representative {
    record: "/tasks/1",
    pages: &["/users?page=2&limit=10", "/cdrs?page=3&limit=10"],
    write: Write {
        method: "PUT",
        path: "/users/2",
        body: r#"{"default_number_id": 1}"#,
        reads: &["/users/2", "/users?page=1&limit=10"],
    },
};

const NO_DELETE: Cleanup = Cleanup::Lasting("v20211124 offers no way to delete it");
const NO_LIST: Cleanup =
    Cleanup::Lasting("needs a company/contact id, which v20211124 cannot list");

pub fn legacy() -> Vec<Case> {
    vec![
        Case::get("listUsers", "/users", "/users"),
        Case::get("getUser", "/users/{id}", "/users/{$listUsers/data/0/id}"),
        Case::get("listTasks", "/tasks", "/tasks"),
        Case::get("getTask", "/tasks/{id}", "/tasks/{$listTasks/data/0/id}"),
        Case::get("listTeams", "/teams", "/teams"),
        Case::get("getTeam", "/teams/{id}", "/teams/{$listTeams/data/0/id}"),
        Case::get("listNumbers", "/numbers", "/numbers"),
        Case::get(
            "getNumber",
            "/numbers/{id}",
            "/numbers/{$listNumbers/data/0/id}",
        ),
        Case::get("listGreetings", "/greetings", "/greetings"),
        Case::get(
            "getGreeting",
            "/greetings/{id}",
            "/greetings/{$listGreetings/data/0/id}",
        ),
        Case::get("listExtensions", "/extensions", "/extensions"),
        Case::get(
            "getExtension",
            "/extensions/{id}",
            "/extensions/{$listExtensions/data/0/id}",
        ),
        Case::get("listCdrs", "/cdrs", "/cdrs"),
        Case::get(
            "getCdr",
            "/cdrs/{yyyy}/{mm}/{dd}/{uuid}",
            "/cdrs/{$listCdrs/data/0/started_at|ymd}/{$listCdrs/data/0/uuid}",
        ),
        Case::error("error_missing_token", "listUsers", "/users", "/users", 401)
            .auth(CaseAuth::Missing),
        Case::error("error_unknown_token", "listUsers", "/users", "/users", 401)
            .auth(CaseAuth::Invalid),
        Case::error(
            "error_unknown_task",
            "getTask",
            "/tasks/{id}",
            "/tasks/987654321",
            404,
        ),
        Case::error(
            "error_unknown_user",
            "getUser",
            "/users/{id}",
            "/users/987654321",
            404,
        ),
        Case::error(
            "error_bad_per_page",
            "listUsers",
            "/users",
            "/users?per_page=0",
            422,
        ),
        Case::write(
            "updateUser",
            "PUT",
            "/users/{id}",
            "/users/{$getUser/data/id}",
            200,
            Cleanup::WritesBack,
        )
        .body(r#"{"default_number_id": "{$getUser/data/default_number_id}"}"#),
        Case::write("createTask", "POST", "/tasks", "/tasks", 201, NO_DELETE).body(
            r#"{"name": "mockdesk verify", "description": "probe", "due_date": "20220612 12:12:12", "auto_assign_to_user": false, "priority": "low"}"#,
        ),
        Case::write("createComment", "POST", "/comments", "/comments", 201, NO_DELETE).body(
            r#"{"commentable_type": "task", "commentable_id": "{$createTask/data/id}", "content": "mockdesk verify"}"#,
        ),
        Case::write(
            "addCompanyTags",
            "POST",
            "/companies/{id}/tags",
            "/companies/1/tags",
            200,
            NO_LIST,
        )
        .body(r#"{"tags": ["mockdesk-verify"]}"#),
        Case::write(
            "removeCompanyTag",
            "DELETE",
            "/companies/{id}/tags/{tag_id}",
            "/companies/1/tags/{$addCompanyTags/data[name=mockdesk-verify]/id}",
            200,
            NO_LIST,
        ),
        Case::write(
            "addContactTags",
            "POST",
            "/contacts/{id}/tags",
            "/contacts/1/tags",
            200,
            NO_LIST,
        )
        .body(r#"{"tags": ["mockdesk-verify"]}"#),
        Case::write(
            "removeContactTag",
            "DELETE",
            "/contacts/{id}/tags/{tag_id}",
            "/contacts/1/tags/{$addContactTags/data[name=mockdesk-verify]/id}",
            200,
            NO_LIST,
        ),
    ]
}

/// The v3 catalogue (see `v3/catalogue.rs`).
pub fn v3() -> Vec<Case> {
    super::v3::catalogue::cases()
}
