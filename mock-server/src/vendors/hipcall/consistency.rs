//! The rules Hipcall call records keep, as the documented rows show them and the API's writes
//! build them: checked over the whole default seed (every `--seed`) by a test, and by the
//! writes that make a call record in debug builds.
//!
//! - `user_id` is never null: `0` means "no user" (as `contact_id` does).
//! - `call_duration` is `ended_at - started_at` in seconds (every documented row).
//! - `first_touch_duration` is `bridged_at - started_at`, and 0 when never bridged.
//! - A missed call has no user, no bridge, no recording, a `missing_call_reason` (1–4) and was
//!   not hung up by a user; an answered one has reason 0.
//! - Voicemail fields come together, only on missed inbound calls.
//! - Every enum is in its documented range; a non-zero user, contact or caller user exists.

use super::state::{Cdr, HipcallState};
use super::time::parse_date_input as at;

impl HipcallState {
    /// Every rule broken anywhere in the state, each naming its record.
    pub fn problems(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .cdrs
            .values()
            .flat_map(|c| self.cdr_problems(c))
            .collect();
        for t in self.tasks.values() {
            if t.assign_to.is_some_and(|u| !self.users.contains(&u)) {
                out.push(format!(
                    "task {}: user {:?} does not exist",
                    t.id, t.assign_to
                ));
            }
        }
        out
    }

    /// The rules of one call record.
    pub fn cdr_problems(&self, c: &Cdr) -> Vec<String> {
        let mut out = Vec::new();
        let mut say = |what: String| out.push(format!("cdr {}: {what}", c.uuid));
        let user = c.user_id.unwrap_or(-1);
        if c.user_id.is_none() {
            say("user_id is null (none is 0)".into());
        }
        if user > 0 && !self.users.contains(&user) {
            say(format!("user {user} does not exist"));
        }
        if c.contact_id > 0 && !self.contacts.contains(&c.contact_id) {
            say(format!("contact {} does not exist", c.contact_id));
        }
        if c.caller_type == 2
            && c.caller_id
                .is_some_and(|u| u > 0 && !self.users.contains(&u))
        {
            say(format!("caller user {:?} does not exist", c.caller_id));
        }
        let (started, ended) = (at(&c.started_at), c.ended_at.as_deref().and_then(at));
        match (started, ended) {
            (Some(s), Some(e)) if (e - s).num_seconds() != c.call_duration => say(format!(
                "call_duration {} but ended - started = {}",
                c.call_duration,
                (e - s).num_seconds()
            )),
            (None, _) => say("started_at is not a timestamp".into()),
            _ => {}
        }
        let bridged = c.bridged_at.as_deref().and_then(at);
        let touch = match (started, bridged) {
            (Some(s), Some(b)) => (b - s).num_seconds(),
            _ => 0,
        };
        if c.first_touch_duration != touch {
            say(format!(
                "first_touch_duration {} but {touch} to the bridge",
                c.first_touch_duration
            ));
        }
        if c.missing_call {
            if user != 0 {
                say(format!("missed, with user {user}"));
            }
            if c.bridged_at.is_some() || c.answered_at.is_some() || c.record_url.is_some() {
                say("missed, but bridged, answered or recorded".into());
            }
            if !(1..=4).contains(&c.missing_call_reason) {
                say(format!("missed, reason {}", c.missing_call_reason));
            }
            if c.hangup_by == 1 {
                say("missed, hung up by a user".into());
            }
        } else if c.missing_call_reason != 0 {
            say(format!("answered, reason {}", c.missing_call_reason));
        }
        let vm = [
            c.voicemail_type.is_some(),
            c.voicemail_id.is_some(),
            c.voicemail_url.is_some(),
        ];
        if vm.iter().any(|v| *v) && !vm.iter().all(|v| *v) {
            say("voicemail fields only partly set".into());
        }
        if c.voicemail_id.is_some() && !(c.missing_call && c.direction == 1) {
            say("voicemail on a call that is not a missed inbound one".into());
        }
        if !(1..=3).contains(&c.direction)
            || !(1..=3).contains(&c.hangup_by)
            || !(1..=2).contains(&c.caller_type)
            || c.callee_type.is_some_and(|t| !(1..=4).contains(&t))
        {
            say("an enum out of its documented range".into());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    /// The seed shows every documented branch on any seed: each direction, hang-up side,
    /// missed reason and callee type, voicemails and recordings.
    #[test]
    fn seed_covers_every_branch() {
        for seed in 0..8 {
            let s = super::super::seed::build(seed);
            let cdrs: Vec<_> = s.cdrs.values().collect();
            for d in 1..=3 {
                assert!(cdrs.iter().any(|c| c.direction == d), "direction {d}");
                assert!(cdrs.iter().any(|c| c.hangup_by == d), "hangup_by {d}");
            }
            for r in 1..=4 {
                assert!(
                    cdrs.iter().any(|c| c.missing_call_reason == r),
                    "reason {r}"
                );
                assert!(
                    cdrs.iter().any(|c| c.callee_type == Some(r)),
                    "callee_type {r}"
                );
            }
            for t in 1..=2 {
                assert!(
                    cdrs.iter().any(|c| c.voicemail_type == Some(t)),
                    "voicemail {t}"
                );
            }
            assert!(cdrs.iter().any(|c| c.record_url.is_some()), "recordings");
            assert!(cdrs.iter().any(|c| c.bridged_at.is_some()), "bridged calls");
        }
    }
}
