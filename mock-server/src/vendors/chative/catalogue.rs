//! Chative.IO v1.0's operation catalogue: the first page and first contact, the documented
//! errors, a PATCH that writes a contact's first name back, and a DELETE (which no operation
//! undoes, so it runs against the emulator only).

use crate::platform::catalogue::{Case, CaseAuth, Cleanup};
use crate::platform::dialect::{Representative, Write};

/// The surface's representative reads (see `platform::dialect::Representative`): seeded
/// records of every `--seed`.
pub(crate) const READS: Representative = Representative {
    record: "/contacts/183ccf94-3111-480f-8b12-4d19d65d3c78",
    pages: &["/contacts?limit=10&page=2"],
    write: Write {
        method: "PATCH",
        path: "/contacts/183ccf94-3111-480f-8b12-4d19d65d3c78",
        body: r#"{"firstName": "Bench"}"#,
        reads: &[
            "/contacts/183ccf94-3111-480f-8b12-4d19d65d3c78",
            "/contacts?limit=10&page=0",
        ],
    },
};

pub fn cases() -> Vec<Case> {
    vec![
        Case::get("listContacts", "/contacts", "/contacts?page=0&limit=5"),
        Case::get(
            "getContact",
            "/contacts/{id}",
            "/contacts/{$listContacts/list/0/id}",
        ),
        Case::error(
            "error_missing_token",
            "listContacts",
            "/contacts",
            "/contacts",
            401,
        )
        .auth(CaseAuth::Missing),
        Case::error(
            "error_invalid_token",
            "listContacts",
            "/contacts",
            "/contacts",
            401,
        )
        .auth(CaseAuth::Invalid),
        Case::error(
            "error_contact_not_found",
            "getContact",
            "/contacts/{id}",
            "/contacts/00000000-0000-4000-8000-000000000000",
            404,
        ),
        Case::error(
            "error_bad_limit",
            "listContacts",
            "/contacts",
            "/contacts?limit=201",
            400,
        ),
        Case::write(
            "updateContact",
            "PATCH",
            "/contacts/{id}",
            "/contacts/{$getContact/id}",
            200,
            Cleanup::WritesBack,
        )
        .body(r#"{"firstName": "{$getContact/firstName}"}"#),
        Case::write(
            "deleteContact",
            "DELETE",
            "/contacts/{id}",
            "/contacts/{$getContact/id}",
            200,
            Cleanup::Lasting("the API cannot create a contact again"),
        ),
    ]
}
