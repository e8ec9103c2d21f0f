//! HelpCrunch's team and account: agents (and the agent unsubscribe), departments,
//! applications and the organization.

use crate::platform::routes::{get, Path};
use axum::extract::State;

use super::routes::{meta_total, ok_text, paged, path_id, Answer, Hc, HcRoutes, PAGE_RULES};
use crate::platform::auth::Account;
use crate::platform::extract::QueryPairs;
use crate::platform::pagination::offset_limit_query;
use crate::platform::view::{json, list, Envelope};

pub(super) fn routes(r: HcRoutes) -> HcRoutes {
    r.route("/agents", get(list_agents))
        .route("/agents/{id}/unsubscribe", get(unsubscribe_agent))
        .route("/departments", get(list_departments))
        .route("/applications", get(list_applications))
        .route("/organization", get(organization))
}

async fn list_agents(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
    let window = offset_limit_query(&q.0, PAGE_RULES)?;
    hc.read(&account, |s| {
        let all: Vec<_> = s.agents.values().collect();
        paged(&all, window, meta_total, |a| s.agent_ref(a.id))
    })
}

async fn unsubscribe_agent(State(hc): Hc, account: Account, Path(id): Path<String>) -> Answer {
    let id = path_id("Agent", &id)?;
    hc.write(&account, |s| s.unsubscribe_agent(id))?;
    // A GET that writes: tell the surface layer so `--state-dir` stores it.
    let mut res = ok_text()?;
    res.extensions_mut()
        .insert(crate::platform::surface::StateChanged);
    Ok(res)
}

async fn list_departments(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
    let window = offset_limit_query(&q.0, PAGE_RULES)?;
    hc.read(&account, |s| {
        let all: Vec<_> = s.departments.values().collect();
        paged(&all, window, meta_total, |d| s.department_view(d))
    })
}

async fn list_applications(State(hc): Hc, account: Account) -> Answer {
    hc.read(&account, |s| {
        let all: Vec<_> = s.applications.values().collect();
        json(&list(&all, Envelope::Data, |a| *a))
    })
}

async fn organization(State(hc): Hc, account: Account) -> Answer {
    #[derive(serde::Serialize)]
    struct Data<'a, T> {
        data: &'a T,
    }
    hc.read(&account, |s| {
        json(&Data {
            data: &s.organization,
        })
    })
}
