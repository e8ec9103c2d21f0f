//! Hipcall v3: tasks, their comments and tags — routes and handlers.

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
        hc.tenants.read_memo(&account.id, |s, memo| {
            page(&s.v3_tasks(&lq), &lq, |t| {
                memo.view(TASK_VIEW, t, |t| s.v3_task(t))
            })
        })
    })
    .await
}

async fn create_task(State(hc): Hc, account: Account, JsonObject(b): JsonObject) -> Answer {
    let now = hc.clock.now();
    let (res, fired) = hc.write(&account, |s| {
        let t = s.v3_create_task(&b, now)?;
        Ok::<_, ApiError>((created(&s.v3_task(&t))?, task_fired(s, "task_created", &t)))
    })?;
    hc.fire(&account.id, fired);
    Ok(res)
}

async fn get_task(State(hc): Hc, account: Account, Path(id): Path<String>) -> Answer {
    let id = path_id("Task", &id)?;
    hc.tenants.read_memo(&account.id, |s, memo| {
        let t = s.tasks.find(&id, "Task")?;
        json(&Data(memo.view(TASK_DETAIL, t, |t| s.v3_task_detail(t))))
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
        let t = s.v3_update_task(id, &b, now)?;
        json(&Data(s.v3_task(&t)))
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
