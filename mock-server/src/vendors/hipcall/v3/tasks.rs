//! Hipcall v3: tasks, their comments and tags — routes, handlers and the rules they apply to the
//! state.

use super::*;

pub(super) fn routes(r: V3Routes) -> V3Routes {
    r.route("/tasks", get(list_tasks).post(create_task))
        .route("/tasks/{id}", get(get_task).patch(update_task))
        .route(
            "/tasks/{id}/comments",
            get(task_comments).post(add_task_comment),
        )
        .route("/tasks/{id}/tags", get(task_tags).post(add_task_tag))
        .route("/tasks/{id}/tags/{tag_id}", delete(remove_task_tag))
}

async fn list_tasks(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
    let lq = parse(&q, &TASKS)?;
    let heavy = hc
        .tenants
        .read(&account.id, |s| s.tasks.len() >= LARGE_COLLECTION);
    off_workers_if(heavy, move || {
        hc.read_memo(&account, |s, memo| {
            page(&s.v3_tasks(&lq), &lq, |t| {
                memo.show_in::<KeptTask, _>(&s.tasks, t)
            })
        })
    })
    .await
}

async fn create_task(State(hc): Hc, account: Account, JsonObject(b): JsonObject) -> Answer {
    let now = hc.clock.now();
    let (res, fired) = hc.write(&account, |s| {
        let t = s.v3_create_task(&b, now)?;
        Ok::<_, ApiError>((
            created(&HipcallState::v3_task(&t))?,
            task_fired(s, "task_created", &t),
        ))
    })?;
    hc.fire(&account.id, fired);
    Ok(res)
}

async fn get_task(State(hc): Hc, account: Account, Path(id): Path<String>) -> Answer {
    let id = path_id("Task", &id)?;
    hc.read_memo(&account, |s, memo| {
        let t = s.tasks.find(&id, "Task")?;
        json(&Data(memo.show::<KeptTaskDetail>(s, t)))
    })
}

async fn update_task(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    let id = path_id("Task", &id)?;
    let now = hc.clock.now();
    let res = hc.write(&account, |s| {
        s.v3_update_task(id, &b, now)?;
        json(&Data(HipcallState::v3_task(s.tasks.find(&id, "Task")?)))
    })?;
    target_changed(&hc, &account, &Target::Task(id));
    Ok(res)
}

fn task_target(id: &str) -> ApiResult<Target> {
    Ok(Target::Task(path_id("Task", id)?))
}

async fn task_comments(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    q: QueryPairs,
) -> Answer {
    comments_of(&hc, &account, task_target(&id)?, &q).await
}

async fn add_task_comment(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    add_comment(&hc, &account, task_target(&id)?, &b).await
}

async fn task_tags(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    q: QueryPairs,
) -> Answer {
    tags_of(&hc, &account, task_target(&id)?, &q).await
}

async fn add_task_tag(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    add_tag(&hc, &account, task_target(&id)?, &b).await
}

async fn remove_task_tag(
    State(hc): Hc,
    account: Account,
    Path((id, tag)): Path<(String, String)>,
) -> Answer {
    remove_tag(&hc, &account, task_target(&id)?, &tag).await
}

// ---- rules ---------------------------------------------------------------------------------

/// `GET /tasks`: by id by default; `name` sorts too.
pub(super) const TASKS: ListSpec = ListSpec {
    sorts: &["id", "name"],
    default_descending: false,
    filters: &[
        filter("assign_to_user_id", Kind::Int, &[Op::Eq, Op::In]),
        filter("done", Kind::Bool, &[Op::Eq]),
    ],
    plain: &[],
    paged: true,
    searchable: true,
};

pub(super) fn task_field(t: &Task, field: &str) -> FieldValue {
    match field {
        "id" => FieldValue::Int(t.id),
        "name" => FieldValue::Str(t.name.clone()),
        "assign_to_user_id" => FieldValue::opt_int(t.assign_to),
        "done" => FieldValue::Bool(t.done),
        _ => FieldValue::Null,
    }
}

impl HipcallState {
    /// Tasks matching a list query (`q` searches the name).
    pub fn v3_tasks(&self, q: &ListQuery) -> Vec<&Task> {
        let mut v: Vec<&Task> = self
            .tasks
            .values()
            .filter(|t| q.matches(|f| task_field(t, f)))
            .filter(|t| {
                q.q.as_deref()
                    .is_none_or(|n| super::query::contains(&t.name, n))
            })
            .collect();
        q.order(&mut v, task_field, |t| t.id);
        v
    }

    /// `POST /tasks`: the body is `{"data": {…}}` (what the SDK sends) or the fields flat
    /// (what older clients send). A missing name is the documented 400.
    pub fn v3_create_task(
        &mut self,
        body: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> ApiResult<Task> {
        let fields = wrapped(body)?.clone();
        if !fields.contains_key("name") {
            return Err(ApiError::Vendor {
                code: "data".into(),
                status: axum::http::StatusCode::BAD_REQUEST,
                message: "#/data/name: Missing field: name".into(),
            });
        }
        let mut input = Input::new(&fields);
        input.only(&[
            "name",
            "description",
            "assign_to_user_id",
            "auto_assign_to_user",
            "company_ids",
            "contact_ids",
            "deal_ids",
            "due_date",
            "priority",
            "task_list_id",
        ]);
        // v3 reads JSON types strictly (the shared rules below also take the legacy API's
        // numeric strings and `false` for "nobody").
        input.nullable_integer("assign_to_user_id");
        input.nullable_integer("task_list_id");
        input.boolean("auto_assign_to_user", P::Optional);
        for field in ["company_ids", "contact_ids", "deal_ids"] {
            input.integer_list(field, P::Optional);
        }
        input.finish()?;
        // The shared rules (validation, links, auto-assignment) under the legacy names.
        let mut legacy = fields.clone();
        if let Some(v) = legacy.remove("assign_to_user_id") {
            legacy.insert("assign_to".into(), v);
        }
        if let Some(v) = legacy.remove("task_list_id") {
            legacy.insert("task_list".into(), v);
        }
        self.create_task(&legacy, now).map_err(|e| {
            rename_fields(
                e,
                &[
                    ("assign_to", "assign_to_user_id"),
                    ("task_list", "task_list_id"),
                ],
            )
        })
    }

    /// `PATCH /tasks/{id}`: changes the fields sent; `done: true` stamps `done_at`.
    pub fn v3_update_task(
        &mut self,
        id: i64,
        body: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> ApiResult<()> {
        let mut task = self.tasks.find(&id, "Task")?.clone();
        let mut links = self.task_links.get(&id).cloned().unwrap_or_default();
        let mut input = Input::new(body);
        input.only(&[
            "name",
            "description",
            "done",
            "assign_to_user_id",
            "company_ids",
            "contact_ids",
            "deal_ids",
            "due_date",
            "priority",
            "task_list_id",
        ]);
        if input.present("name") {
            if let Some(n) = input.string("name", P::Required, Some(255)) {
                task.name = n;
            }
        }
        if input.present("description") {
            task.description = input.string("description", P::Optional, None);
        }
        if let Some(done) = input.boolean("done", P::Optional) {
            if done && !task.done {
                task.done_at = Some(format_ts(now));
            }
            if !done {
                task.done_at = None;
            }
            task.done = done;
        }
        if let Some(a) = input.nullable_integer("assign_to_user_id") {
            if a.is_some_and(|u| !self.users.contains(&u)) {
                input.fail("assign_to_user_id", Problem::UnknownReference);
            }
            task.assign_to = a;
        }
        for (field, kind) in [
            ("company_ids", PartyKind::Company),
            ("contact_ids", PartyKind::Contact),
            ("deal_ids", PartyKind::Deal),
        ] {
            if let Some(ids) = input.integer_list(field, P::Optional) {
                for (i, x) in ids.iter().enumerate() {
                    if !self.parties(kind).contains(x) {
                        input.fail(format!("{field}.{i}"), Problem::UnknownReference);
                    }
                }
                let slot: &mut Vec<i64> = match kind {
                    PartyKind::Company => &mut links.company_ids,
                    PartyKind::Contact => &mut links.contact_ids,
                    PartyKind::Deal => &mut links.deal_ids,
                };
                *slot = ids;
            }
        }
        if input.present("due_date") {
            task.due_date = match input.string("due_date", P::Optional, None) {
                None => None,
                Some(s) => match parse_date_input(&s) {
                    Some(t) => Some(format_ts(t)),
                    None => {
                        input.fail("due_date", Problem::Type { expected: "date" });
                        None
                    }
                },
            };
        }
        if input.present("priority") {
            task.priority = match input.string("priority", P::Optional, None) {
                None => String::new(),
                Some(p) if ["low", "medium", "high", ""].contains(&p.as_str()) => p,
                Some(_) => {
                    input.fail(
                        "priority",
                        Problem::OneOf {
                            allowed: vec!["low".into(), "medium".into(), "high".into()],
                        },
                    );
                    String::new()
                }
            };
        }
        if let Some(l) = input.nullable_integer("task_list_id") {
            task.task_list_id = l;
        }
        input.finish()?;
        task.updated_at = format_ts(now);
        self.tasks.insert(id, task);
        self.task_links.insert(id, TaskLinks { ..links });
        Ok(())
    }
}

/// A task as a list row, from the task alone (kept beside it until it changes).
pub(crate) struct KeptTask;

impl KeptView for KeptTask {
    type State = ();
    type Record = Task;
    type Out<'r> = v::TaskView<'r>;
    fn render<'r>(_: &'r (), r: &'r Task) -> Self::Out<'r> {
        HipcallState::v3_task(r)
    }
}

/// A task with its links (kept in the account's memo until its next write).
pub(crate) struct KeptTaskDetail;

impl KeptView for KeptTaskDetail {
    type State = HipcallState;
    type Record = Task;
    type Out<'r> = v::TaskDetailView<'r>;
    fn render<'r>(s: &'r HipcallState, r: &'r Task) -> Self::Out<'r> {
        s.v3_task_detail(r)
    }
}
