//! Hipcall v3: deals and procedures — routes and handlers.

use super::*;

pub(super) fn routes(r: V3Routes) -> V3Routes {
    r.route("/deals", get(list_deals))
        .route("/deals/{id}", get(get_deal))
        .route(
            "/deals/{id}/comments",
            get(deal_comments).post(add_deal_comment),
        )
        .route("/procedures", get(list_procedures))
        .route("/procedures/{uuid}", get(get_procedure))
}

async fn list_deals(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
    let lq = parse(&q, &DEALS)?;
    hc.read(&account, |s| {
        page(&s.v3_parties(PartyKind::Deal, &lq), &lq, |p| {
            HipcallState::v3_deal(p, false)
        })
    })
}

async fn get_deal(State(hc): Hc, account: Account, Path(id): Path<String>) -> Answer {
    let id = path_id("Deal", &id)?;
    hc.read(&account, |s| {
        json(&Data(HipcallState::v3_deal(
            s.party(PartyKind::Deal, id)?,
            true,
        )))
    })
}

async fn deal_comments(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    q: QueryPairs,
) -> Answer {
    comments_of(&hc, &account, party_target(PartyKind::Deal, &id)?, &q).await
}

async fn add_deal_comment(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    add_comment(&hc, &account, party_target(PartyKind::Deal, &id)?, &b).await
}

async fn list_procedures(State(hc): Hc, account: Account) -> Answer {
    hc.read(&account, |s| {
        let all: Vec<_> = s.v3.procedures.values().collect();
        json(&list(&all, Envelope::Data, |p| procedure(p, false)))
    })
}

async fn get_procedure(State(hc): Hc, account: Account, Path(uuid): Path<String>) -> Answer {
    hc.read(&account, |s| {
        let p =
            s.v3.procedures
                .get(&uuid)
                .ok_or_else(|| ApiError::not_found("Procedure", &uuid))?;
        json(&Data(procedure(p, true)))
    })
}

// ---- views ---------------------------------------------------------------------------------

/// A procedure as the list shows it (`detail` adds the body, version and steps).
fn procedure(p: &super::records::Procedure, detail: bool) -> Value {
    let mut v = json!({
        "uuid": p.uuid,
        "name": p.name,
        "slug": p.slug,
        "status": p.status,
        "description": p.description,
        "category": {"id": p.category.0, "name": p.category.1, "slug": p.category.2},
    });
    if detail {
        if let Value::Object(m) = &mut v {
            m.insert("body".into(), json!(p.body));
            m.insert(
                "version".into(),
                json!({"number": p.version, "published_at": super::super::time::Iso(&p.published_at)}),
            );
            m.insert(
                "steps".into(),
                Value::Array(
                    p.steps
                        .iter()
                        .map(|s| {
                            json!({"uuid": s.uuid, "title": s.title, "body": s.body,
                                "step_type": s.step_type, "decision_kind": null, "order": s.order,
                                "options": [], "conditions": [], "related_article": null})
                        })
                        .collect(),
                ),
            );
        }
    }
    v
}
