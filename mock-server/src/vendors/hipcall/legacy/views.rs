//! Hipcall v20211124 response shapes that differ from the stored records, serialized from
//! borrowed records: the call list row (no `call_flow`) and the user detail (no `full_name`,
//! no `status`). Every other record serializes as stored.

use serde::Serialize;

use crate::platform::memo::KeptView;

use super::super::state::{Cdr, Comment, User};

#[derive(Serialize)]
pub(crate) struct CdrView<'a> {
    resource_type: &'a str,
    uuid: &'a str,
    direction: i64,
    user_id: Option<i64>,
    contact_id: i64,
    channel_type: i64,
    channel_id: i64,
    started_at: &'a str,
    answered_at: &'a Option<String>,
    bridged_at: &'a Option<String>,
    ended_at: &'a Option<String>,
    call_duration: i64,
    first_touch_duration: i64,
    missing_call: bool,
    missing_call_reason: i64,
    caller_id: Option<i64>,
    caller_type: i64,
    caller_number: &'a str,
    callee_id: Option<i64>,
    callee_type: Option<i64>,
    callee_number: &'a str,
    record_url: &'a Option<String>,
    hangup_by: i64,
    voicemail_type: Option<i64>,
    voicemail_id: Option<i64>,
    voicemail_url: &'a Option<String>,
}

/// The `GET /cdrs` row: the stored record without `call_flow` (the detail is the stored
/// record itself).
pub(crate) fn cdr_row(c: &Cdr) -> CdrView<'_> {
    CdrView {
        resource_type: &c.resource_type,
        uuid: &c.uuid,
        direction: c.direction,
        user_id: c.user_id,
        contact_id: c.contact_id,
        channel_type: c.channel_type,
        channel_id: c.channel_id,
        started_at: &c.started_at,
        answered_at: &c.answered_at,
        bridged_at: &c.bridged_at,
        ended_at: &c.ended_at,
        call_duration: c.call_duration,
        first_touch_duration: c.first_touch_duration,
        missing_call: c.missing_call,
        missing_call_reason: c.missing_call_reason,
        caller_id: c.caller_id,
        caller_type: c.caller_type,
        caller_number: &c.caller_number,
        callee_id: c.callee_id,
        callee_type: c.callee_type,
        callee_number: &c.callee_number,
        record_url: &c.record_url,
        hangup_by: c.hangup_by,
        voicemail_type: c.voicemail_type,
        voicemail_id: c.voicemail_id,
        voicemail_url: &c.voicemail_url,
    }
}

#[derive(Serialize)]
pub(crate) struct UserView<'a> {
    resource_type: &'a str,
    id: i64,
    email: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    full_name: Option<&'a str>,
    title: &'a str,
    owner: bool,
    locale: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'a str>,
    default_number_id: Option<i64>,
    default_extension_id: Option<i64>,
    #[serde(rename = "2fa")]
    two_fa: bool,
    last_logged_in: &'a Option<String>,
    created_at: &'a str,
    updated_at: &'a str,
}

/// The `GET /users/{id}` shape (seed 004: no `full_name`, no `status`).
pub(crate) fn user_detail(u: &User) -> UserView<'_> {
    UserView {
        resource_type: &u.resource_type,
        id: u.id,
        email: &u.email,
        name: &u.name,
        full_name: None,
        title: &u.title,
        owner: u.owner,
        locale: &u.locale,
        status: None,
        default_number_id: u.default_number_id,
        default_extension_id: u.default_extension_id,
        two_fa: u.two_fa,
        last_logged_in: &u.last_logged_in,
        created_at: &u.created_at,
        updated_at: &u.updated_at,
    }
}

/// A comment as v20211124 shows it (the target and author stay internal).
#[derive(Serialize)]
pub(crate) struct CommentView<'a> {
    resource_type: &'a str,
    id: i64,
    content: &'a str,
    commentable_type: &'a str,
    created_at: &'a str,
    updated_at: &'a str,
}

pub(crate) fn comment(c: &Comment) -> CommentView<'_> {
    CommentView {
        resource_type: &c.resource_type,
        id: c.id,
        content: &c.content,
        commentable_type: &c.commentable_type,
        created_at: &c.created_at,
        updated_at: &c.updated_at,
    }
}

/// The `GET /cdrs` row (kept in the account's memo until its next write; see `platform::memo`).
pub(crate) struct KeptCdrRow;

impl KeptView for KeptCdrRow {
    type State = ();
    type Record = Cdr;
    type Out<'r> = CdrView<'r>;
    fn render<'r>(_: &'r (), r: &'r Cdr) -> Self::Out<'r> {
        cdr_row(r)
    }
}

/// The `GET /users/{id}` shape (kept in the account's memo until its next write; see `platform::memo`).
pub(crate) struct KeptUserDetail;

impl KeptView for KeptUserDetail {
    type State = ();
    type Record = User;
    type Out<'r> = UserView<'r>;
    fn render<'r>(_: &'r (), r: &'r User) -> Self::Out<'r> {
        user_detail(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rows are the stored record minus the documented omissions, in order (the detail is
    /// the stored record, checked against the documented example by the API tests).
    #[test]
    fn shapes_are_the_record_minus_omissions() {
        let s = super::super::super::seed::build(0);
        let c = s.cdrs.values().next().unwrap();
        let mut whole = serde_json::to_value(c).unwrap();
        whole.as_object_mut().unwrap().shift_remove("call_flow");
        assert_eq!(serde_json::to_value(cdr_row(c)).unwrap(), whole);
        let u = s.users.values().next().unwrap();
        let mut whole = serde_json::to_value(u).unwrap();
        whole.as_object_mut().unwrap().shift_remove("full_name");
        whole.as_object_mut().unwrap().shift_remove("status");
        assert_eq!(serde_json::to_value(user_detail(u)).unwrap(), whole);
    }
}
