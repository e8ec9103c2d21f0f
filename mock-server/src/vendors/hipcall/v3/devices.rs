//! Hipcall v3: mobile devices, push and SIP tokens, attribution (answered without a `data` wrapper)
//! — routes and handlers.

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

// ---- rules ---------------------------------------------------------------------------------

fn unix(now: DateTime<Utc>) -> i64 {
    now.timestamp()
}

impl HipcallState {
    /// `POST /mobile/devices`: registers (or re-registers) a device for the token's user.
    pub fn v3_register_device(
        &mut self,
        body: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> ApiResult<MobileDevice> {
        let mut input = Input::new(body);
        input.only(&[
            "device_id",
            "fcm_token",
            "platform",
            "app_version",
            "os_version",
            "apns_token",
        ]);
        let device = input.string("device_id", P::Required, Some(255));
        let fcm = input.string("fcm_token", P::Required, None);
        let platform = input.one_of("platform", P::Required, &["ios", "android"]);
        let app = input.string("app_version", P::Required, Some(32));
        let os = input.string("os_version", P::Required, Some(32));
        let apns = input.string("apns_token", P::Optional, None);
        input.finish()?;
        let device = device.unwrap_or_default();
        let registered = self
            .v3
            .devices
            .get(&device)
            .map_or(unix(now), |d| d.registered_at);
        let d = MobileDevice {
            device_id: device.clone(),
            user_id: self.owner_id,
            fcm_token: fcm.unwrap_or_default(),
            apns_token: apns,
            platform: platform.unwrap_or_default(),
            app_version: app.unwrap_or_default(),
            os_version: os.unwrap_or_default(),
            do_not_disturb: false,
            registered_at: registered,
            updated_at: unix(now),
        };
        self.v3.devices.insert(device, d.clone());
        Ok(d)
    }

    pub fn v3_user_devices(&self, user: i64) -> usize {
        self.v3
            .devices
            .values()
            .filter(|d| d.user_id == user)
            .count()
    }

    /// `PATCH /mobile/devices/{id} {"do_not_disturb"}`.
    pub fn v3_update_device(
        &mut self,
        id: &str,
        body: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> ApiResult<MobileDevice> {
        let mut input = Input::new(body);
        input.only(&["do_not_disturb"]);
        let dnd = input.boolean("do_not_disturb", P::Required);
        input.finish()?;
        let d = self.v3.devices.find_mut(&id.to_string(), "MobileDevice")?;
        d.do_not_disturb = dnd.unwrap_or_default();
        d.updated_at = unix(now);
        Ok(d.clone())
    }

    pub fn v3_delete_device(&mut self, id: &str) -> ApiResult<MobileDevice> {
        self.v3
            .devices
            .remove(&id.to_string())
            .ok_or_else(|| ApiError::not_found("MobileDevice", id))
    }

    /// `POST /push/token {token, token_type}`.
    pub fn v3_push_token(
        &mut self,
        body: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> ApiResult<PushToken> {
        let mut input = Input::new(body);
        input.only(&["token", "token_type"]);
        let token = input.string("token", P::Required, None);
        let kind = input.one_of("token_type", P::Required, &["fcm", "apns", "voip"]);
        input.finish()?;
        let t = PushToken {
            user_id: self.owner_id,
            token: token.unwrap_or_default(),
            token_type: kind.unwrap_or_default(),
            last_seen: unix(now),
        };
        self.v3.push_tokens.insert(t.user_id, t.clone());
        Ok(t)
    }

    /// `DELETE /push/token`: 404 when the user has none.
    pub fn v3_delete_push_token(&mut self) -> ApiResult<()> {
        self.v3
            .push_tokens
            .remove(&self.owner_id)
            .map(|_| ())
            .ok_or_else(|| ApiError::not_found("PushToken", self.owner_id))
    }

    /// `POST /sip/token {user_id?}`: a SIP credential for the user (default: the token's user),
    /// valid for an hour.
    pub fn v3_sip_token(
        &mut self,
        body: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> ApiResult<SipToken> {
        let mut input = Input::new(body);
        input.only(&["user_id"]);
        let user = input
            .integer("user_id", P::Optional)
            .unwrap_or(self.owner_id);
        if !self.users.contains(&user) {
            input.fail("user_id", Problem::UnknownReference);
        }
        input.finish()?;
        let n = self.v3.next("sip", 1);
        let t = SipToken {
            user_id: user,
            sip_token: format!("sip-{user}-{n:08x}"),
            sip_username: format!("u{user}"),
            expires_at: unix(now) + 3600,
        };
        self.v3.sip_tokens.push(t.clone());
        Ok(t)
    }

    /// `POST /attribution`: records a marketing touch; links earlier touches of the same
    /// visitor.
    pub fn v3_attribution(&mut self, body: &Map<String, Value>) -> ApiResult<Attribution> {
        let mut input = Input::new(body);
        input.only(&[
            "source",
            "consent",
            "companyId",
            "contactId",
            "device",
            "visitorId",
        ]);
        match body.get("source") {
            Some(Value::Object(m)) => {
                if !matches!(m.get("url"), Some(Value::String(u)) if !u.is_empty()) {
                    input.fail("source.url", Problem::Required);
                }
            }
            None | Some(Value::Null) => input.fail("source", Problem::Required),
            Some(_) => input.fail("source", Problem::Type { expected: "object" }),
        }
        input.boolean("consent", P::Required);
        let company = input.integer("companyId", P::Optional);
        let contact = input.integer("contactId", P::Optional);
        if company.is_some_and(|c| !self.parties(PartyKind::Company).contains(&c)) {
            input.fail("companyId", Problem::UnknownReference);
        }
        if contact.is_some_and(|c| !self.parties(PartyKind::Contact).contains(&c)) {
            input.fail("contactId", Problem::UnknownReference);
        }
        input.string("visitorId", P::Optional, None);
        input.string("device", P::Optional, None);
        input.finish()?;
        let event = self.v3.next("attribution", 1);
        let a = Attribution {
            event_id: event,
            body: body.clone(),
            company_id: company,
            contact_id: contact,
        };
        self.v3.attributions.push(a.clone());
        Ok(a)
    }

    /// How many recorded touches share this one's visitor (itself included).
    pub fn v3_linked_events(&self, a: &Attribution) -> usize {
        match a.body.get("visitorId").and_then(Value::as_str) {
            Some(v) => self
                .v3
                .attributions
                .iter()
                .filter(|x| x.body.get("visitorId").and_then(Value::as_str) == Some(v))
                .count(),
            None => 1,
        }
    }
}
