//! What `mockdesk verify` sends to a HelpCrunch server: every list, search and detail, the
//! documented errors, and (with writes allowed) a customer it creates, changes, tags, untags,
//! records an event for, and deletes again.

use crate::platform::probe::{Probe, ProbeAuth};

pub fn probes() -> Vec<Probe> {
    vec![
        Probe::get("listCustomers", "/customers", "/customers?limit=5"),
        Probe::get(
            "getCustomer",
            "/customers/{id}",
            "/customers/{$listCustomers/data/0/id}",
        ),
        Probe::post_read(
            "searchCustomers",
            "/customers/search",
            "/customers/search",
            r#"{"filter": [{"field": "customers.id", "operator": ">", "value": 0}], "limit": 5}"#,
        ),
        Probe::get("listChats", "/chats", "/chats?limit=5"),
        Probe::get("getChat", "/chats/{id}", "/chats/{$listChats/data/0/id}"),
        Probe::get(
            "listMessages",
            "/chats/{id}/messages",
            "/chats/{$listChats/data/0/id}/messages?limit=5",
        ),
        Probe::post_read(
            "searchChats",
            "/chats/search",
            "/chats/search",
            r#"{"filter": [{"field": "chats.createdAt", "operator": ">", "value": 0}], "limit": 5}"#,
        ),
        Probe::get("listAgents", "/agents", "/agents"),
        Probe::get("listDepartments", "/departments", "/departments"),
        Probe::get("listApplications", "/applications", "/applications"),
        Probe::get("getOrganization", "/organization", "/organization"),
        Probe::get("error: missing key", "/customers", "/customers")
            .auth(ProbeAuth::Missing)
            .expect(401),
        Probe::get(
            "error: unknown customer",
            "/customers/{id}",
            "/customers/987654321",
        )
        .expect(404),
        Probe::get(
            "error: limit over 100",
            "/customers",
            "/customers?limit=101",
        )
        .expect(400),
        Probe::post_read(
            "error: bad filter",
            "/customers/search",
            "/customers/search",
            r#"{"filter": [{"field": "customers.shoeSize", "operator": "=", "value": 1}]}"#,
        )
        .expect(400),
        Probe::write(
            "createCustomer",
            "POST",
            "/customers",
            "/customers",
            r#"{"name": "mockdesk verify", "email": "mockdesk-verify@example.com"}"#,
            201,
        ),
        Probe::write(
            "patchCustomer",
            "PATCH",
            "/customers/{id}",
            "/customers/{$createCustomer/id}",
            r#"{"company": "mockdesk"}"#,
            200,
        ),
        Probe::write(
            "tagCustomer",
            "PUT",
            "/customers/{id}/tags",
            "/customers/{$createCustomer/id}/tags",
            r#"{"tags": [{"name": "mockdesk-verify"}]}"#,
            200,
        ),
        Probe::write(
            "untagCustomer",
            "DELETE",
            "/customers/{id}/tags",
            "/customers/{$createCustomer/id}/tags",
            r#"{"tags": [{"name": "mockdesk-verify"}]}"#,
            200,
        ),
        Probe::write(
            "addEvent",
            "POST",
            "/events",
            "/events",
            r#"{"name": "mockdesk-verify", "customer": "{$createCustomer/id}"}"#,
            200,
        ),
        Probe::delete(
            "deleteCustomer",
            "/customers/{id}",
            "/customers/{$createCustomer/id}",
            200,
        ),
    ]
}
