//! What `mockdesk verify` sends to a Chative.IO server: the first page and first contact, the
//! documented errors, and (with writes allowed) a PATCH that sets a contact's first name to the
//! value it already has.

use crate::platform::probe::{Probe, ProbeAuth};

pub fn probes() -> Vec<Probe> {
    vec![
        Probe::get("listContacts", "/contacts", "/contacts?page=0&limit=5"),
        Probe::get(
            "getContact",
            "/contacts/{id}",
            "/contacts/{$listContacts/list/0/id}",
        ),
        Probe::get("error: missing token", "/contacts", "/contacts")
            .auth(ProbeAuth::Missing)
            .expect(401),
        Probe::get("error: invalid token", "/contacts", "/contacts")
            .auth(ProbeAuth::Invalid)
            .expect(401),
        Probe::get(
            "error: unknown contact",
            "/contacts/{id}",
            "/contacts/00000000-0000-4000-8000-000000000000",
        )
        .expect(404),
        Probe::get("error: limit over 200", "/contacts", "/contacts?limit=201").expect(400),
        Probe::write(
            "updateContact",
            "PATCH",
            "/contacts/{id}",
            "/contacts/{$getContact/id}",
            r#"{"firstName": "{$getContact/firstName}"}"#,
            200,
        ),
    ]
}
