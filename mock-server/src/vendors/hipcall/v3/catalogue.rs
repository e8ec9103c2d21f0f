//! Hipcall v3's operation catalogue: every SDK call once (operation ids are the SDK's method
//! names in camelCase), the documented errors, and writes — those that restore what they
//! change (user default number, inbox switch, conversation status) run with `--allow-writes`;
//! the rest (v3 offers no deletes for tasks, contacts, companies, comments…) only where lasting
//! writes are allowed (the emulator).

use crate::platform::catalogue::{Case, CaseAuth, Cleanup};
use crate::platform::dialect::{Representative, Write};

/// The surface's representative reads (see `platform::dialect::Representative`): seeded
/// records of every `--seed`.
pub(crate) const READS: Representative = Representative {
    record: "/tasks/1",
    pages: &["/calls?limit=10"],
    write: Write {
        method: "PATCH",
        path: "/tasks/1",
        body: r#"{"done": true}"#,
        reads: &["/tasks/1", "/tasks?limit=10"],
    },
};

const LASTING: Cleanup = Cleanup::Lasting("Hipcall v3 offers no way to delete it");
const DEVICE: Cleanup = Cleanup::Lasting("registers a device on the account");

fn get(op: &'static str, template: &'static str, path: &'static str) -> Case {
    Case::get(op, template, path)
}

fn write(
    op: &'static str,
    method: &'static str,
    template: &'static str,
    path: &'static str,
    expect: u16,
    body: Option<&'static str>,
) -> Case {
    let c = Case::write(op, method, template, path, expect, LASTING);
    match body {
        Some(b) => c.body(b),
        None => c,
    }
}

pub fn cases() -> Vec<Case> {
    let mut v = vec![
        get("getCalls", "/calls", "/calls?limit=2"),
        get("getCall", "/calls/{uuid}", "/calls/{$getCalls/data/0/uuid}?date={$getCalls/data/0/started_at|date}").unsnapshotted(),
        get("getCallComments", "/calls/{uuid}/comments", "/calls/{$getCalls/data/0/uuid}/comments?limit=2"),
        get("getCallTags", "/calls/{uuid}/tags", "/calls/{$getCalls/data/0/uuid}/tags"),
        get("getCallCards", "/calls/{uuid}/cards", "/calls/{$getCalls/data/0/uuid}/cards"),
        get("getCallDisposition", "/calls/{uuid}/disposition", "/calls/{$getCalls/data/0/uuid}/disposition").unsnapshotted(),
        get("getDispositions", "/dispositions", "/dispositions?active=true"),
        get("getTasks", "/tasks", "/tasks?limit=2"),
        get("getTask", "/tasks/{id}", "/tasks/{$getTasks/data/0/id}"),
        get("getTaskComments", "/tasks/{id}/comments", "/tasks/{$getTasks/data/0/id}/comments?limit=2"),
        get("getTaskTags", "/tasks/{id}/tags", "/tasks/{$getTasks/data/0/id}/tags"),
        get("getExtensions", "/extensions", "/extensions?limit=2"),
        get("getExtension", "/extensions/{id}", "/extensions/{$getExtensions/data/0/id}"),
        get("getGreetings", "/greetings", "/greetings?limit=2"),
        get("getGreeting", "/greetings/{id}", "/greetings/{$getGreetings/data/0/id}"),
        get("getNumbers", "/numbers", "/numbers?limit=2"),
        get("getNumber", "/numbers/{id}", "/numbers/{$getNumbers/data/0/id}"),
        get("getTeams", "/teams", "/teams?limit=2"),
        get("getTeam", "/teams/{id}", "/teams/{$getTeams/data/0/id}"),
        get("getVoicemails", "/voicemails", "/voicemails?limit=2"),
        get("getVoicemail", "/voicemails/{id}", "/voicemails/{$getVoicemails/data/0/id}"),
        get("getUsers", "/users", "/users?limit=2"),
        get("getUser", "/users/{id}", "/users/{$getUsers/data/1/id}"),
        get("getUserTodayStats", "/users/{id}/stats/today", "/users/{$getUsers/data/1/id}/stats/today").unsnapshotted(),
        get("getProfile", "/profile", "/profile"),
        get("getProfileTodayStats", "/profile/stats/today", "/profile/stats/today").unsnapshotted(),
        get("getContacts", "/contacts", "/contacts?limit=2"),
        get("getContact", "/contacts/{id}", "/contacts/{$getContacts/data/0/id}"),
        get("getContactByExternalId", "/contacts/by-external-id/{external_id}", "/contacts/by-external-id/{$getContacts/data/0/external_id}").unsnapshotted(),
        get("getContactCustomFields", "/contacts/custom-fields", "/contacts/custom-fields?active=true"),
        get("getContactComments", "/contacts/{id}/comments", "/contacts/{$getContacts/data/0/id}/comments?limit=2"),
        get("getContactConsents", "/contacts/{id}/consent", "/contacts/{$getContacts/data/0/id}/consent"),
        get("getContactTags", "/contacts/{id}/tags", "/contacts/{$getContacts/data/0/id}/tags"),
        get("getCompanies", "/companies", "/companies?limit=2"),
        get("getCompany", "/companies/{id}", "/companies/{$getCompanies/data/0/id}"),
        get("getCompanyByExternalId", "/companies/by-external-id/{external_id}", "/companies/by-external-id/{$getCompanies/data/0/external_id}").unsnapshotted(),
        get("getCompanyCustomFields", "/companies/custom-fields", "/companies/custom-fields"),
        get("getCompanyComments", "/companies/{id}/comments", "/companies/{$getCompanies/data/0/id}/comments?limit=2"),
        get("getCompanyTags", "/companies/{id}/tags", "/companies/{$getCompanies/data/0/id}/tags"),
        get("getEmployeeSizes", "/employee-sizes", "/employee-sizes"),
        get("getLifeCycles", "/life-cycles", "/life-cycles?limit=2"),
        get("getSectors", "/sectors", "/sectors?limit=2"),
        get("getSources", "/sources", "/sources?limit=2"),
        get("getContactCenterAttributes", "/contact-center/attributes", "/contact-center/attributes").unsnapshotted(),
        get("lookupByEmail", "/lookup/by_email", "/lookup/by_email?email={$getContacts/data/0/emails/0/email}").unsnapshotted(),
        get("lookupByPhone", "/lookup/by_phone", "/lookup/by_phone?number={$getContacts/data/0/phones/0/number}").unsnapshotted(),
        get("getTags", "/tags", "/tags?type=task&limit=2"),
        get("getInboxes", "/inbox", "/inbox?limit=2"),
        get("getInbox", "/inbox/{id}", "/inbox/{$getInboxes/data/0/id}"),
        get("getConversations", "/conversations", "/conversations?limit=2"),
        get("getConversation", "/conversations/{id}", "/conversations/{$getConversations/data/0/id}?date={$getConversations/data/0/last_activity_at|date}"),
        get("getConversationMessages", "/conversations/{id}/messages", "/conversations/{$getConversations/data/0/id}/messages?limit=2"),
        get("getDeals", "/deals", "/deals?limit=2"),
        get("getDeal", "/deals/{id}", "/deals/{$getDeals/data/0/id}"),
        get("getDealComments", "/deals/{id}/comments", "/deals/{$getDeals/data/0/id}/comments?limit=2"),
        get("getProcedures", "/procedures", "/procedures"),
        get("getProcedure", "/procedures/{uuid}", "/procedures/{$getProcedures/data/0/uuid}"),
        Case::error("error_missing_token", "getCalls", "/calls", "/calls", 401).auth(CaseAuth::Missing),
        Case::error("error_invalid_token", "getCalls", "/calls", "/calls", 401).auth(CaseAuth::Invalid),
        Case::error("error_unknown_task", "getTask", "/tasks/{id}", "/tasks/987654321", 404),
        Case::error("error_limit_too_large", "getCalls", "/calls", "/calls?limit=101", 422),
        Case::error("error_bad_sort", "getCalls", "/calls", "/calls?sort=user_id.asc", 422),
        Case::error("error_unknown_filter", "getCalls", "/calls", "/calls?created_at%5Beq%5D=2024-01-01", 422),
        Case::error("error_bad_direction", "getCalls", "/calls", "/calls?direction%5Beq%5D=3", 422),
        Case::error("error_task_without_name", "createTask", "/tasks", "/tasks", 400)
            .method("POST")
            .body(r#"{"data": {"description": "no name"}}"#),
        // Writes that put back what they read.
        Case::write("updateUser", "PATCH", "/users/{id}", "/users/{$getUser/data/id}", 200, Cleanup::WritesBack)
            .body(r#"{"default_number": "{$getUser/data/default_number/id}"}"#),
        Case::write("updateInbox", "PATCH", "/inbox/{id}", "/inbox/{$getInbox/data/id}", 200, Cleanup::WritesBack)
            .body(r#"{"whatsapp_calls_enabled": "{$getInbox/data/whatsapp_calls_enabled}"}"#),
        Case::write("updateConversation", "PATCH", "/conversations/{id}", "/conversations/{$getConversation/data/id}", 200, Cleanup::WritesBack)
            .body(r#"{"status": "{$getConversation/data/status}"}"#),
    ];
    v.extend(lasting_writes());
    v
}

/// The writes no v3 operation undoes, in an order where each finds what it needs.
fn lasting_writes() -> Vec<Case> {
    vec![
        write("callAndBridge", "POST", "/users/{id}/call", "/users/{$getUser/data/id}/call", 201,
              Some(r#"{"callee_number": "+905550001122", "ring_user_first": true}"#)),
        write("createCallComment", "POST", "/calls/{uuid}/comments", "/calls/{$callAndBridge/data/id}/comments", 201,
              Some(r#"{"content": "mockdesk verify"}"#)),
        write("addCallTag", "POST", "/calls/{uuid}/tags", "/calls/{$callAndBridge/data/id}/tags", 200,
              Some(r#"{"tag_id": "{$getTags/data/0/id}"}"#)),
        write("deleteCallTag", "DELETE", "/calls/{uuid}/tags/{tag_id}", "/calls/{$callAndBridge/data/id}/tags/{$getTags/data/0/id}", 204, None),
        write("createCallCard", "POST", "/calls/{uuid}/cards", "/calls/{$callAndBridge/data/id}/cards", 201,
              Some(r#"{"card": [{"type": "title", "text": "mockdesk", "link": "https://mockdesk.example"}]}"#)),
        write("setCallDisposition", "PUT", "/calls/{uuid}/disposition", "/calls/{$callAndBridge/data/id}/disposition", 200,
              Some(r#"{"disposition_code": "FOLLOWUP"}"#)),
        write("createTask", "POST", "/tasks", "/tasks", 201, Some(r#"{"data": {"name": "mockdesk verify"}}"#)),
        write("updateTask", "PATCH", "/tasks/{id}", "/tasks/{$createTask/data/id}", 200, Some(r#"{"done": true}"#)),
        write("createTaskComment", "POST", "/tasks/{id}/comments", "/tasks/{$createTask/data/id}/comments", 201,
              Some(r#"{"data": {"content": "mockdesk verify"}}"#)),
        write("addTaskTag", "POST", "/tasks/{id}/tags", "/tasks/{$createTask/data/id}/tags", 200,
              Some(r#"{"tag_id": "{$getTags/data/0/id}"}"#)),
        write("deleteTaskTag", "DELETE", "/tasks/{id}/tags/{tag_id}", "/tasks/{$createTask/data/id}/tags/{$getTags/data/0/id}", 204, None),
        write("callExtension", "POST", "/extensions/{id}/call", "/extensions/{$getExtension/data/id}/call", 201,
              Some(r#"{"number_id": "{$getNumber/data/id}", "callee_number": "+905550001133"}"#)),
        write("createContact", "POST", "/contacts", "/contacts", 201,
              Some(r#"{"first_name": "Mockdesk", "last_name": "Verify", "phones": [{"number": "+905550001144", "country": "TR"}]}"#)),
        write("updateContact", "PATCH", "/contacts/{id}", "/contacts/{$createContact/data/id}", 200, Some(r#"{"job_title": "Probe"}"#)),
        write("assignContact", "PATCH", "/contacts/{id}/assign", "/contacts/{$createContact/data/id}/assign", 200,
              Some(r#"{"assign_to_user_id": null}"#)),
        write("createContactComment", "POST", "/contacts/{id}/comments", "/contacts/{$createContact/data/id}/comments", 201,
              Some(r#"{"content": "mockdesk verify"}"#)),
        write("createContactConsent", "POST", "/contacts/{id}/consent", "/contacts/{$createContact/data/id}/consent", 201,
              Some(r#"{"action": "grant", "evidence": {"note": "mockdesk verify"}}"#)),
        write("addContactEmails", "POST", "/contacts/{id}/emails", "/contacts/{$createContact/data/id}/emails", 201,
              Some(r#"{"emails": ["verify@mockdesk.example"]}"#)),
        write("deleteContactEmail", "DELETE", "/contacts/{id}/emails/{email}", "/contacts/{$createContact/data/id}/emails/verify@mockdesk.example", 204, None),
        write("addContactPhones", "POST", "/contacts/{id}/phones", "/contacts/{$createContact/data/id}/phones", 201,
              Some(r#"{"phones": [{"number": "+905550001155", "country": "TR"}]}"#)),
        write("deleteContactPhone", "DELETE", "/contacts/{id}/phones/{number}", "/contacts/{$createContact/data/id}/phones/%2B905550001155", 204, None),
        write("addContactTag", "POST", "/contacts/{id}/tags", "/contacts/{$createContact/data/id}/tags", 200,
              Some(r#"{"tag_id": "{$getTags/data/0/id}"}"#)),
        write("deleteContactTag", "DELETE", "/contacts/{id}/tags/{tag_id}", "/contacts/{$createContact/data/id}/tags/{$getTags/data/0/id}", 204, None),
        write("createCompany", "POST", "/companies", "/companies", 201, Some(r#"{"name": "Mockdesk Verify Ltd"}"#)),
        write("updateCompany", "PATCH", "/companies/{id}", "/companies/{$createCompany/data/id}", 200,
              Some(r#"{"website_url": "https://mockdesk.example"}"#)),
        write("assignCompany", "PATCH", "/companies/{id}/assign", "/companies/{$createCompany/data/id}/assign", 200,
              Some(r#"{"assign_to_user_id": null}"#)),
        write("createCompanyComment", "POST", "/companies/{id}/comments", "/companies/{$createCompany/data/id}/comments", 201,
              Some(r#"{"content": "mockdesk verify"}"#)),
        write("addCompanyEmails", "POST", "/companies/{id}/emails", "/companies/{$createCompany/data/id}/emails", 201,
              Some(r#"{"emails": ["verify@mockdesk.example"]}"#)),
        write("deleteCompanyEmail", "DELETE", "/companies/{id}/emails/{email}", "/companies/{$createCompany/data/id}/emails/verify@mockdesk.example", 204, None),
        write("addCompanyPhones", "POST", "/companies/{id}/phones", "/companies/{$createCompany/data/id}/phones", 201,
              Some(r#"{"phones": [{"number": "+905550001166", "country": "TR"}]}"#)),
        write("deleteCompanyPhone", "DELETE", "/companies/{id}/phones/{number}", "/companies/{$createCompany/data/id}/phones/%2B905550001166", 204, None),
        write("addCompanyTag", "POST", "/companies/{id}/tags", "/companies/{$createCompany/data/id}/tags", 200,
              Some(r#"{"tag_id": "{$getTags/data/0/id}"}"#)),
        write("deleteCompanyTag", "DELETE", "/companies/{id}/tags/{tag_id}", "/companies/{$createCompany/data/id}/tags/{$getTags/data/0/id}", 204, None),
        write("sendTextMessage", "POST", "/conversations/{id}/messages/text", "/conversations/{$getConversation/data/id}/messages/text", 201,
              Some(r#"{"text": "mockdesk verify"}"#)),
        write("sendTemplateMessage", "POST", "/inbox/{id}/messages/template", "/inbox/{$getInbox/data/id}/messages/template", 201,
              Some(r#"{"element_name": "welcome", "language_code": "en", "to": "+905550001177"}"#)),
        get("getTemplateMessage", "/inbox/{id}/messages/template/{template_id}",
            "/inbox/{$getInbox/data/id}/messages/template/{$sendTemplateMessage/data/id}").unsnapshotted(),
        write("createDealComment", "POST", "/deals/{id}/comments", "/deals/{$getDeal/data/id}/comments", 201,
              Some(r#"{"content": "mockdesk verify"}"#)),
        Case::write("registerMobileDevice", "POST", "/mobile/devices", "/mobile/devices", 201, DEVICE).body(
            r#"{"device_id": "mockdesk-verify", "fcm_token": "t", "platform": "android", "app_version": "1", "os_version": "14"}"#,
        ),
        Case::write("updateMobileDevice", "PATCH", "/mobile/devices/{device_id}", "/mobile/devices/mockdesk-verify", 200, DEVICE)
            .body(r#"{"do_not_disturb": true}"#),
        Case::write("deleteMobileDevice", "DELETE", "/mobile/devices/{device_id}", "/mobile/devices/mockdesk-verify", 200,
            Cleanup::Deletes("registerMobileDevice")),
        write("registerPushToken", "POST", "/push/token", "/push/token", 201, Some(r#"{"token": "t", "token_type": "fcm"}"#)),
        write("deletePushToken", "DELETE", "/push/token", "/push/token", 204, None),
        write("createSipToken", "POST", "/sip/token", "/sip/token", 201, Some("{}")),
        write("createAttribution", "POST", "/attribution", "/attribution", 201,
              Some(r#"{"source": {"url": "https://mockdesk.example/?utm_source=verify"}, "consent": true}"#)),
    ]
}
