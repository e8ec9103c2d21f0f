//! Hipcall v3: contacts and companies (one set of handlers for both kinds of party), their
//! comments, emails, phones, tags and consents — routes and handlers.

use super::*;

pub(super) fn routes(r: V3Routes) -> V3Routes {
    party_routes::<Contacts>(party_routes::<Companies>(r)).route(
        "/contacts/{id}/consent",
        get(contact_consents).post(add_contact_consent),
    )
}

/// A kind of party as a type: one set of handlers, instantiated for each.
trait Party: Send + Sync + 'static {
    const KIND: PartyKind;
    /// The custom-field entity name.
    const ENTITY: &'static str;
    const PATHS: PartyPaths;
}

/// Where a kind of party's operations live.
struct PartyPaths {
    all: &'static str,
    custom_fields: &'static str,
    by_external_id: &'static str,
    one: &'static str,
    assign: &'static str,
    comments: &'static str,
    emails: &'static str,
    email: &'static str,
    phones: &'static str,
    phone: &'static str,
    tags: &'static str,
    tag: &'static str,
}

struct Contacts;
struct Companies;

impl Party for Contacts {
    const KIND: PartyKind = PartyKind::Contact;
    const ENTITY: &'static str = "contact";
    const PATHS: PartyPaths = PartyPaths {
        all: "/contacts",
        custom_fields: "/contacts/custom-fields",
        by_external_id: "/contacts/by-external-id/{external_id}",
        one: "/contacts/{id}",
        assign: "/contacts/{id}/assign",
        comments: "/contacts/{id}/comments",
        emails: "/contacts/{id}/emails",
        email: "/contacts/{id}/emails/{email}",
        phones: "/contacts/{id}/phones",
        phone: "/contacts/{id}/phones/{number}",
        tags: "/contacts/{id}/tags",
        tag: "/contacts/{id}/tags/{tag_id}",
    };
}

impl Party for Companies {
    const KIND: PartyKind = PartyKind::Company;
    const ENTITY: &'static str = "company";
    const PATHS: PartyPaths = PartyPaths {
        all: "/companies",
        custom_fields: "/companies/custom-fields",
        by_external_id: "/companies/by-external-id/{external_id}",
        one: "/companies/{id}",
        assign: "/companies/{id}/assign",
        comments: "/companies/{id}/comments",
        emails: "/companies/{id}/emails",
        email: "/companies/{id}/emails/{email}",
        phones: "/companies/{id}/phones",
        phone: "/companies/{id}/phones/{number}",
        tags: "/companies/{id}/tags",
        tag: "/companies/{id}/tags/{tag_id}",
    };
}

/// Every operation both kinds of party have.
fn party_routes<P: Party>(r: V3Routes) -> V3Routes {
    let p = P::PATHS;
    r.route(p.all, get(list_parties::<P>).post(create::<P>))
        .route(p.custom_fields, get(fields::<P>))
        .route(p.by_external_id, get(by_external_id::<P>))
        .route(p.one, get(read_party::<P>).patch(update::<P>))
        .route(p.assign, patch(assign::<P>))
        .route(p.comments, get(comments::<P>).post(add_party_comment::<P>))
        .route(p.emails, post(emails::<P>))
        .route(p.email, delete(rm_email::<P>))
        .route(p.phones, post(phones::<P>))
        .route(p.phone, delete(rm_phone::<P>))
        .route(p.tags, get(tags::<P>).post(add_party_tag::<P>))
        .route(p.tag, delete(rm_tag::<P>))
}

async fn parties(hc: &Hipcall, account: &Account, kind: PartyKind, q: &QueryPairs) -> Answer {
    let spec = if kind == PartyKind::Contact {
        CONTACTS
    } else {
        COMPANIES
    };
    let lq = parse(q, &spec)?;
    hc.read(account, |s| {
        let all = s.v3_parties(kind, &lq);
        match kind {
            PartyKind::Contact => page(&all, &lq, |p| s.v3_contact(p)),
            _ => page(&all, &lq, |p| s.v3_company(p)),
        }
    })
}

/// A contact or company in `{"data": …}` (status 200 or 201).
fn party_answer(
    s: &HipcallState,
    kind: PartyKind,
    p: &super::super::state::Party,
    status: StatusCode,
) -> Answer {
    match kind {
        PartyKind::Contact => json_with(status, &Data(s.v3_contact(p))),
        _ => json_with(status, &Data(s.v3_company(p))),
    }
}

async fn create_party(
    hc: &Hipcall,
    account: &Account,
    kind: PartyKind,
    b: &Map<String, Value>,
) -> Answer {
    let now = hc.clock.now();
    let (res, fired) = hc.write(account, |s| {
        let p = s.v3_create_party(kind, b, now)?;
        Ok::<_, ApiError>((
            party_answer(s, kind, &p, StatusCode::CREATED)?,
            party_fired(s, kind, true, &p),
        ))
    })?;
    hc.fire(&account.id, fired);
    Ok(res)
}

async fn get_party(hc: &Hipcall, account: &Account, kind: PartyKind, id: &str) -> Answer {
    let id = path_id(kind.resource(), id)?;
    hc.read(account, |s| {
        party_answer(s, kind, s.party(kind, id)?, StatusCode::OK)
    })
}

async fn update_party(
    hc: &Hipcall,
    account: &Account,
    kind: PartyKind,
    id: &str,
    b: &Map<String, Value>,
) -> Answer {
    let id = path_id(kind.resource(), id)?;
    let res = hc.write(account, |s| {
        let p = s.v3_update_party(kind, id, b)?;
        party_answer(s, kind, &p, StatusCode::OK)
    })?;
    target_changed(hc, account, &Target::Party(kind, id));
    Ok(res)
}

async fn party_by_external(hc: &Hipcall, account: &Account, kind: PartyKind, ext: &str) -> Answer {
    hc.read(account, |s| {
        party_answer(s, kind, s.by_external_id(kind, ext)?, StatusCode::OK)
    })
}

async fn assign_party(
    hc: &Hipcall,
    account: &Account,
    kind: PartyKind,
    id: &str,
    b: &Map<String, Value>,
) -> Answer {
    let id = path_id(kind.resource(), id)?;
    let res = hc.write(account, |s| {
        let p = s.v3_assign(kind, id, b)?;
        party_answer(s, kind, &p, StatusCode::OK)
    })?;
    target_changed(hc, account, &Target::Party(kind, id));
    Ok(res)
}

async fn custom_fields(hc: &Hipcall, account: &Account, entity: &str, q: &QueryPairs) -> Answer {
    let lq = parse(q, &plain(&["active"]))?;
    let active = lq.plain_bool("active")?;
    hc.read(account, |s| {
        let all: Vec<_> =
            s.v3.custom_fields
                .iter()
                .filter(|f| f.entity == entity && active.is_none_or(|a| f.active == a))
                .collect();
        counted(&all, party_views::custom_field)
    })
}

async fn add_emails(
    hc: &Hipcall,
    account: &Account,
    kind: PartyKind,
    id: &str,
    b: &Map<String, Value>,
) -> Answer {
    let id = path_id(kind.resource(), id)?;
    let p = hc.write(account, |s| s.v3_add_emails(kind, id, b))?;
    target_changed(hc, account, &Target::Party(kind, id));
    let all: Vec<(usize, &String)> = p.details.emails.iter().enumerate().collect();
    let meta = json!({ "count": all.len() });
    json_with(
        StatusCode::CREATED,
        &list(
            &all,
            Envelope::DataMeta { meta },
            |(i, e)| json!({"email": e, "order": i + 1}),
        ),
    )
}

async fn remove_email(
    hc: &Hipcall,
    account: &Account,
    kind: PartyKind,
    id: &str,
    email: &str,
) -> Answer {
    let id = path_id(kind.resource(), id)?;
    hc.write(account, |s| s.v3_remove_email(kind, id, email))?;
    target_changed(hc, account, &Target::Party(kind, id));
    no_content()
}

async fn add_phones(
    hc: &Hipcall,
    account: &Account,
    kind: PartyKind,
    id: &str,
    b: &Map<String, Value>,
) -> Answer {
    let id = path_id(kind.resource(), id)?;
    let p = hc.write(account, |s| s.v3_add_phones(kind, id, b))?;
    target_changed(hc, account, &Target::Party(kind, id));
    let all: Vec<(usize, &super::super::state::PhoneEntry)> =
        p.details.phones.iter().enumerate().collect();
    let meta = json!({ "count": all.len() });
    json_with(
        StatusCode::CREATED,
        &list(
            &all,
            Envelope::DataMeta { meta },
            |(i, x)| json!({"id": x.id, "number": x.number, "country": x.country, "order": i + 1}),
        ),
    )
}

async fn remove_phone(
    hc: &Hipcall,
    account: &Account,
    kind: PartyKind,
    id: &str,
    number: &str,
) -> Answer {
    let id = path_id(kind.resource(), id)?;
    hc.write(account, |s| s.v3_remove_phone(kind, id, number))?;
    target_changed(hc, account, &Target::Party(kind, id));
    no_content()
}

// The handlers of both kinds of party: each reads its request and calls the shared body.

async fn list_parties<P: Party>(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
    parties(&hc, &account, P::KIND, &q).await
}

async fn create<P: Party>(State(hc): Hc, account: Account, JsonObject(b): JsonObject) -> Answer {
    create_party(&hc, &account, P::KIND, &b).await
}

async fn read_party<P: Party>(State(hc): Hc, account: Account, Path(id): Path<String>) -> Answer {
    get_party(&hc, &account, P::KIND, &id).await
}

async fn update<P: Party>(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    update_party(&hc, &account, P::KIND, &id, &b).await
}

async fn by_external_id<P: Party>(
    State(hc): Hc,
    account: Account,
    Path(ext): Path<String>,
) -> Answer {
    party_by_external(&hc, &account, P::KIND, &ext).await
}

async fn assign<P: Party>(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    assign_party(&hc, &account, P::KIND, &id, &b).await
}

async fn fields<P: Party>(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
    custom_fields(&hc, &account, P::ENTITY, &q).await
}

async fn comments<P: Party>(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    q: QueryPairs,
) -> Answer {
    comments_of(&hc, &account, party_target(P::KIND, &id)?, &q).await
}

async fn add_party_comment<P: Party>(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    add_comment(&hc, &account, party_target(P::KIND, &id)?, &b).await
}

async fn emails<P: Party>(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    add_emails(&hc, &account, P::KIND, &id, &b).await
}

async fn rm_email<P: Party>(
    State(hc): Hc,
    account: Account,
    Path((id, email)): Path<(String, String)>,
) -> Answer {
    remove_email(&hc, &account, P::KIND, &id, &email).await
}

async fn phones<P: Party>(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    add_phones(&hc, &account, P::KIND, &id, &b).await
}

async fn rm_phone<P: Party>(
    State(hc): Hc,
    account: Account,
    Path((id, number)): Path<(String, String)>,
) -> Answer {
    remove_phone(&hc, &account, P::KIND, &id, &number).await
}

async fn tags<P: Party>(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    q: QueryPairs,
) -> Answer {
    tags_of(&hc, &account, party_target(P::KIND, &id)?, &q).await
}

async fn add_party_tag<P: Party>(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    add_tag(&hc, &account, party_target(P::KIND, &id)?, &b).await
}

async fn rm_tag<P: Party>(
    State(hc): Hc,
    account: Account,
    Path((id, tag)): Path<(String, String)>,
) -> Answer {
    remove_tag(&hc, &account, party_target(P::KIND, &id)?, &tag).await
}

async fn contact_consents(State(hc): Hc, account: Account, Path(id): Path<String>) -> Answer {
    let id = path_id("Contact", &id)?;
    hc.read(&account, |s| {
        let all = s.v3_consents(id)?;
        json(&list(&all, Envelope::Data, |c| party_views::consent(c)))
    })
}

async fn add_contact_consent(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    let id = path_id("Contact", &id)?;
    let now = hc.clock.now();
    let c = hc.write(&account, |s| s.v3_add_consent(id, &b, now))?;
    created(&party_views::consent(&c))
}

// ---- rules ---------------------------------------------------------------------------------

impl HipcallState {
    pub fn v3_consents(&self, contact: i64) -> ApiResult<Vec<&Consent>> {
        self.party(PartyKind::Contact, contact)?;
        Ok(self
            .v3
            .consents
            .values()
            .filter(|c| c.contact_id == contact)
            .collect())
    }

    /// `POST /contacts/{id}/consent {action, evidence: {note}, expires_at?}` (201).
    pub fn v3_add_consent(
        &mut self,
        contact: i64,
        body: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> ApiResult<Consent> {
        self.party(PartyKind::Contact, contact)?;
        let mut input = Input::new(body);
        input.only(&["action", "evidence", "expires_at"]);
        let action = input.one_of("action", P::Required, &["grant", "revoke"]);
        let evidence = match body.get("evidence") {
            Some(Value::Object(m)) => {
                if !matches!(m.get("note"), Some(Value::String(n)) if !n.trim().is_empty()) {
                    input.fail("evidence.note", Problem::Required);
                }
                m.clone()
            }
            None | Some(Value::Null) => {
                input.fail("evidence", Problem::Required);
                Map::new()
            }
            Some(_) => {
                input.fail("evidence", Problem::Type { expected: "object" });
                Map::new()
            }
        };
        let expires = match input.string("expires_at", P::Optional, None) {
            Some(s) => match super::super::time::parse_date_input(&s) {
                Some(t) => Some(format_ts(t)),
                None => {
                    input.fail("expires_at", Problem::Type { expected: "date" });
                    None
                }
            },
            None => None,
        };
        input.finish()?;
        let c = Consent {
            id: self.v3.consents.next_id(),
            contact_id: contact,
            action: action.unwrap_or_default(),
            purpose: "marketing".into(),
            source: "api".into(),
            performed_at: format_ts(now),
            expires_at: expires,
            evidence,
            text_version: "v1".into(),
        };
        self.v3.consents.insert(c.id, c.clone());
        Ok(c)
    }
}
