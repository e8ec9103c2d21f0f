//! Hipcall v3: mobile devices, push and SIP tokens, attribution (answered without a `data` wrapper) — routes and handlers.

use super::*;

pub(super) fn routes(r: V3Routes) -> V3Routes {
    r.route("/mobile/devices", post(register_device))
        .route(
            "/mobile/devices/{device_id}",
            patch(update_device).delete(delete_device),
        )
        .route(
            "/push/token",
            post(register_push_token).delete(delete_push_token),
        )
        .route("/sip/token", post(create_sip_token))
        .route("/attribution", post(create_attribution))
}

async fn register_device(State(hc): Hc, account: Account, JsonObject(b): JsonObject) -> Answer {
    let now = hc.clock.now();
    hc.write(&account, |s| {
        let d = s.v3_register_device(&b, now)?;
        json_with(
            StatusCode::CREATED,
            &json!({"device_id": d.device_id, "devices_count": s.v3_user_devices(d.user_id),
                "do_not_disturb": d.do_not_disturb, "registered_at": d.registered_at,
                "updated_at": d.updated_at, "user_id": d.user_id}),
        )
    })
}

async fn update_device(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    let now = hc.clock.now();
    let d = hc.write(&account, |s| s.v3_update_device(&id, &b, now))?;
    json(
        &json!({"device_id": d.device_id, "do_not_disturb": d.do_not_disturb, "updated_at": d.updated_at}),
    )
}

async fn delete_device(State(hc): Hc, account: Account, Path(id): Path<String>) -> Answer {
    hc.write(&account, |s| {
        let d = s.v3_delete_device(&id)?;
        json(&json!({"deleted": true, "device_id": d.device_id, "devices_count": s.v3_user_devices(d.user_id)}))
    })
}

async fn register_push_token(State(hc): Hc, account: Account, JsonObject(b): JsonObject) -> Answer {
    let now = hc.clock.now();
    let t = hc.write(&account, |s| s.v3_push_token(&b, now))?;
    json_with(
        StatusCode::CREATED,
        &json!({"user_id": t.user_id, "token_type": t.token_type, "last_seen": t.last_seen}),
    )
}

async fn delete_push_token(State(hc): Hc, account: Account) -> Answer {
    hc.write(&account, |s| s.v3_delete_push_token())?;
    no_content()
}

async fn create_sip_token(State(hc): Hc, account: Account, body: axum::body::Bytes) -> Answer {
    let b: Map<String, Value> = if body.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        crate::platform::extract::parse_object(&body)?
    };
    let now = hc.clock.now();
    let t = hc.write(&account, |s| s.v3_sip_token(&b, now))?;
    json_with(
        StatusCode::CREATED,
        &json!({"user_id": t.user_id, "sip_token": t.sip_token, "sip_username": t.sip_username,
            "sip_realm": "sip.mockdesk.local", "wss_url": "wss://sip.mockdesk.local:7443",
            "expires_at": t.expires_at}),
    )
}

async fn create_attribution(State(hc): Hc, account: Account, JsonObject(b): JsonObject) -> Answer {
    hc.write(&account, |s| {
        let a = s.v3_attribution(&b)?;
        json_with(
            StatusCode::CREATED,
            &json!({"eventId": a.event_id, "linkedEvents": s.v3_linked_events(&a),
                "companyId": a.company_id, "contactId": a.contact_id}),
        )
    })
}
