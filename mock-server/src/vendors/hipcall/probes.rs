//! What `mockdesk verify` sends to a Hipcall v20211124 server: every list and the detail of its
//! first record, the call detail, the documented errors, and (with writes allowed) a
//! `PUT /users/{id}` that sets the user's default number to the value it already has.

use crate::platform::probe::{Probe, ProbeAuth};

pub fn probes() -> Vec<Probe> {
    vec![
        Probe::get("listUsers", "/users", "/users"),
        Probe::get("getUser", "/users/{id}", "/users/{$listUsers/data/0/id}"),
        Probe::get("listTasks", "/tasks", "/tasks"),
        Probe::get("getTask", "/tasks/{id}", "/tasks/{$listTasks/data/0/id}"),
        Probe::get("listTeams", "/teams", "/teams"),
        Probe::get("getTeam", "/teams/{id}", "/teams/{$listTeams/data/0/id}"),
        Probe::get("listNumbers", "/numbers", "/numbers"),
        Probe::get(
            "getNumber",
            "/numbers/{id}",
            "/numbers/{$listNumbers/data/0/id}",
        ),
        Probe::get("listGreetings", "/greetings", "/greetings"),
        Probe::get(
            "getGreeting",
            "/greetings/{id}",
            "/greetings/{$listGreetings/data/0/id}",
        ),
        Probe::get("listExtensions", "/extensions", "/extensions"),
        Probe::get(
            "getExtension",
            "/extensions/{id}",
            "/extensions/{$listExtensions/data/0/id}",
        ),
        Probe::get("listCdrs", "/cdrs", "/cdrs"),
        Probe::get(
            "getCdr",
            "/cdrs/{yyyy}/{mm}/{dd}/{uuid}",
            "/cdrs/{$listCdrs/data/0/started_at|ymd}/{$listCdrs/data/0/uuid}",
        ),
        Probe::get("error: missing token", "/users", "/users")
            .auth(ProbeAuth::Missing)
            .expect(401),
        Probe::get("error: invalid token", "/users", "/users")
            .auth(ProbeAuth::Invalid)
            .expect(401),
        Probe::get("error: unknown task", "/tasks/{id}", "/tasks/987654321").expect(404),
        Probe::get("error: bad per_page", "/users", "/users?per_page=0").expect(422),
        Probe::write(
            "updateUser",
            "PUT",
            "/users/{id}",
            "/users/{$getUser/data/id}",
            r#"{"default_number_id": "{$getUser/data/default_number_id}"}"#,
            200,
        ),
    ]
}
