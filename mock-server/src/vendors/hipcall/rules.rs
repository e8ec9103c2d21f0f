//! The rules both Hipcall APIs apply to the shared state: tasks (creation with the documented
//! assignment rules), users, comments and tags. No HTTP types: the legacy handlers
//! (`routes.rs`) and v3's (`v3/`) call these methods and shape the responses.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::state::*;
use super::time::{format_ts, parse_date_input};
use crate::platform::error::{ApiError, ApiResult, Problem};
use crate::platform::input::{Input, Presence};

impl HipcallState {
    /// `POST /tasks`: validates the body and creates the task, applying the documented
    /// assignment rules. Returns the new task.
    pub fn create_task(
        &mut self,
        body: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> ApiResult<Task> {
        let mut input = Input::new(body).lenient();
        let name = input.string("name", Presence::Required, Some(255));
        let description = input.string("description", Presence::Optional, None);
        let due_date = match input.string("due_date", Presence::Optional, None) {
            Some(s) => match parse_date_input(&s) {
                Some(t) => Some(format_ts(t)),
                None => {
                    input.fail("due_date", Problem::Type { expected: "date" });
                    None
                }
            },
            None => None,
        };
        // `assign_to` may be an integer, null or false.
        let assign_to = match body.get("assign_to") {
            None | Some(Value::Null) | Some(Value::Bool(false)) => None,
            Some(_) => input.integer("assign_to", Presence::Optional),
        };
        if let Some(uid) = assign_to {
            if !self.users.contains(&uid) {
                input.fail("assign_to", Problem::UnknownReference);
            }
        }
        let auto = input
            .boolean("auto_assign_to_user", Presence::Optional)
            .unwrap_or(false);
        let priority = match body.get("priority") {
            None | Some(Value::Null) => String::new(),
            Some(_) => input
                .one_of(
                    "priority",
                    Presence::Optional,
                    &["", "low", "medium", "high"],
                )
                .unwrap_or_default(),
        };
        let task_list_id = input.integer("task_list", Presence::Optional);
        let mut links = TaskLinks::default();
        for (field, kind, out) in [
            ("contact_ids", PartyKind::Contact, &mut links.contact_ids),
            ("company_ids", PartyKind::Company, &mut links.company_ids),
            ("deal_ids", PartyKind::Deal, &mut links.deal_ids),
        ] {
            if let Some(ids) = input.integer_list(field, Presence::Optional) {
                for (i, id) in ids.iter().enumerate() {
                    if !self.parties(kind).contains(id) {
                        input.fail(format!("{field}.{i}"), Problem::UnknownReference);
                    }
                }
                *out = ids;
            }
        }
        input.finish()?;
        let assign_to = assign_to.or_else(|| {
            if auto {
                self.auto_assignee(&links)
            } else {
                None
            }
        });
        let ts = format_ts(now);
        let task = Task {
            resource_type: "task".into(),
            id: self.tasks.next_id(),
            name: name.unwrap_or_default(),
            description,
            due_date,
            done: false,
            done_at: None,
            assign_to,
            priority,
            task_list_id,
            created_at: ts.clone(),
            updated_at: ts,
        };
        links.auto_assign = auto;
        self.task_links.insert(task.id, links);
        self.tasks.insert(task.id, task.clone());
        Ok(task)
    }

    /// The documented auto-assignment: the owner of the first listed company that has one,
    /// else of the first contact that has one, else of the first deal; none when no listed
    /// record has an owner (including when no ids were sent).
    pub fn auto_assignee(&self, links: &TaskLinks) -> Option<i64> {
        [
            (PartyKind::Company, &links.company_ids),
            (PartyKind::Contact, &links.contact_ids),
            (PartyKind::Deal, &links.deal_ids),
        ]
        .into_iter()
        .find_map(|(kind, ids)| {
            ids.iter()
                .find_map(|id| self.parties(kind).get(id).and_then(|p| p.owner_id))
        })
    }

    /// `PUT /users/{id}`: sets (or clears, with null) the user's default number. The number
    /// is read from `default_number_id` or its alias `default_number`.
    pub fn update_user(
        &mut self,
        id: i64,
        body: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> ApiResult<User> {
        if !self.users.contains(&id) {
            return Err(ApiError::not_found("User", id));
        }
        let given: Vec<&str> = ["default_number_id", "default_number"]
            .into_iter()
            .filter(|f| body.contains_key(*f))
            .collect();
        if given.is_empty() {
            return Err(ApiError::invalid("default_number_id", Problem::Required));
        }
        // Both names are checked when both are sent; the first one given is the one used.
        let mut input = Input::new(body).lenient();
        let mut chosen = None;
        for field in given {
            let number = input.integer(field, Presence::Optional);
            if let Some(n) = number {
                if !self.numbers.contains(&n) {
                    input.fail(field, Problem::UnknownReference);
                }
            }
            chosen.get_or_insert(number);
        }
        input.finish()?;
        self.stamp_user(id, chosen, now)
    }

    /// A user update both APIs share: the default number when given (`Some(None)` clears
    /// it), and `updated_at` in any case.
    pub(super) fn stamp_user(
        &mut self,
        id: i64,
        number: Option<Option<i64>>,
        now: DateTime<Utc>,
    ) -> ApiResult<User> {
        let user = self.users.find_mut(&id, "User")?;
        if let Some(n) = number {
            user.default_number_id = n;
        }
        user.updated_at = format_ts(now);
        Ok(user.clone())
    }

    /// `POST /comments`.
    pub fn create_comment(
        &mut self,
        body: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> ApiResult<Comment> {
        let mut input = Input::new(body).lenient();
        let kind = input.one_of(
            "commentable_type",
            Presence::Required,
            &["company", "contact", "deal", "task"],
        );
        let target = input.integer("commentable_id", Presence::Required);
        let content = input.string("content", Presence::Required, Some(65_535));
        if let (Some(kind), Some(id)) = (&kind, target) {
            let exists = match kind.as_str() {
                "company" => Some(self.companies.contains(&id)),
                "contact" => Some(self.contacts.contains(&id)),
                "deal" => Some(self.deals.contains(&id)),
                "task" => Some(self.tasks.contains(&id)),
                // `one_of` above admits only the four kinds.
                _ => None,
            };
            if exists == Some(false) {
                input.fail("commentable_id", Problem::UnknownReference);
            }
        }
        input.finish()?;
        let ts = format_ts(now);
        let comment = Comment {
            resource_type: "comment".into(),
            id: self.comments.next_id(),
            content: content.unwrap_or_default(),
            commentable_type: kind.unwrap_or_default(),
            created_at: ts.clone(),
            updated_at: ts,
            commentable_id: target.unwrap_or_default(),
            commentable_uuid: None,
            user_id: Some(self.owner_id),
        };
        self.comments.insert(comment.id, comment.clone());
        Ok(comment)
    }

    /// `POST /{companies|contacts}/{id}/tags` with `{"tags": [names]}`: attaches tags by name,
    /// creating unknown ones, and returns the record's tags afterwards.
    pub fn add_tags(
        &mut self,
        kind: PartyKind,
        id: i64,
        body: &Map<String, Value>,
    ) -> ApiResult<Vec<Tag>> {
        if !self.parties(kind).contains(&id) {
            return Err(ApiError::not_found(kind.resource(), id));
        }
        let mut input = Input::new(body);
        let names = input.string_list("tags", Presence::Required);
        if let Some(n) = &names {
            if n.is_empty() {
                input.fail("tags", Problem::Required);
            }
        }
        input.finish()?;
        for name in names.unwrap_or_default() {
            let existing = self.tags.values().find(|t| t.name == name).map(|t| t.id);
            let tag_id = match existing {
                Some(id) => id,
                None => {
                    let t = Tag {
                        resource_type: "tag".into(),
                        id: self.tags.next_id(),
                        name,
                        tag_type: 1,
                        color: "#025196".into(),
                        description: None,
                    };
                    let tid = t.id;
                    self.tags.insert(tid, t);
                    tid
                }
            };
            let party = self
                .parties_mut(kind)
                .get_mut(&id)
                .ok_or(ApiError::Internal)?;
            if !party.tag_ids.contains(&tag_id) {
                party.tag_ids.push(tag_id);
            }
        }
        Ok(self.tags_of(kind, id))
    }

    /// `DELETE /{companies|contacts}/{id}/tags/{tag_id}`: detaches the tag (idempotent for a
    /// known tag that is not attached).
    pub fn remove_tag(&mut self, kind: PartyKind, id: i64, tag_id: i64) -> ApiResult<()> {
        if !self.parties(kind).contains(&id) {
            return Err(ApiError::not_found(kind.resource(), id));
        }
        if !self.tags.contains(&tag_id) {
            return Err(ApiError::not_found("Tag", tag_id));
        }
        if let Some(p) = self.parties_mut(kind).get_mut(&id) {
            p.tag_ids.retain(|t| *t != tag_id);
        }
        Ok(())
    }

    pub fn tags_of(&self, kind: PartyKind, id: i64) -> Vec<Tag> {
        self.parties(kind)
            .get(&id)
            .map(|p| {
                p.tag_ids
                    .iter()
                    .filter_map(|t| self.tags.get(t).cloned())
                    .collect()
            })
            .unwrap_or_default()
    }
}
