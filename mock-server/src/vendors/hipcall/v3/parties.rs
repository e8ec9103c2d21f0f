//! Hipcall v3: contacts and companies (one set of handlers for both kinds of party), their
//! comments, emails, phones, tags and consents — routes and handlers.

use super::*;

pub(super) fn routes(r: V3Routes) -> V3Routes {
    r.route("/contacts", get(list_contacts).post(create_contact))
        .route("/contacts/custom-fields", get(contact_custom_fields))
        .route(
            "/contacts/by-external-id/{external_id}",
            get(contact_by_external_id),
        )
        .route("/contacts/{id}", get(get_contact).patch(update_contact))
        .route("/contacts/{id}/assign", patch(assign_contact))
        .route(
            "/contacts/{id}/comments",
            get(contact_comments).post(add_contact_comment),
        )
        .route(
            "/contacts/{id}/consent",
            get(contact_consents).post(add_contact_consent),
        )
        .route("/contacts/{id}/emails", post(add_contact_emails))
        .route(
            "/contacts/{id}/emails/{email}",
            delete(remove_contact_email),
        )
        .route("/contacts/{id}/phones", post(add_contact_phones))
        .route(
            "/contacts/{id}/phones/{number}",
            delete(remove_contact_phone),
        )
        .route(
            "/contacts/{id}/tags",
            get(contact_tags).post(add_contact_tag),
        )
        .route("/contacts/{id}/tags/{tag_id}", delete(remove_contact_tag))
        .route("/companies", get(list_companies).post(create_company))
        .route("/companies/custom-fields", get(company_custom_fields))
        .route(
            "/companies/by-external-id/{external_id}",
            get(company_by_external_id),
        )
        .route("/companies/{id}", get(get_company).patch(update_company))
        .route("/companies/{id}/assign", patch(assign_company))
        .route(
            "/companies/{id}/comments",
            get(company_comments).post(add_company_comment),
        )
        .route("/companies/{id}/emails", post(add_company_emails))
        .route(
            "/companies/{id}/emails/{email}",
            delete(remove_company_email),
        )
        .route("/companies/{id}/phones", post(add_company_phones))
        .route(
            "/companies/{id}/phones/{number}",
            delete(remove_company_phone),
        )
        .route(
            "/companies/{id}/tags",
            get(company_tags).post(add_company_tag),
        )
        .route("/companies/{id}/tags/{tag_id}", delete(remove_company_tag))
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

/// The handlers of the contact and company sub-resources.
macro_rules! party_routes {
    ($kind:expr, $entity:literal, $list:ident, $create:ident, $get:ident, $update:ident, $ext:ident,
     $assign:ident, $fields:ident, $comments:ident, $add_comment:ident, $emails:ident, $rm_email:ident,
     $phones:ident, $rm_phone:ident, $tags:ident, $add_tag:ident, $rm_tag:ident) => {
        async fn $list(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
            parties(&hc, &account, $kind, &q).await
        }
        async fn $create(State(hc): Hc, account: Account, JsonObject(b): JsonObject) -> Answer {
            create_party(&hc, &account, $kind, &b).await
        }
        async fn $get(State(hc): Hc, account: Account, Path(id): Path<String>) -> Answer {
            get_party(&hc, &account, $kind, &id).await
        }
        async fn $update(
            State(hc): Hc,
            account: Account,
            Path(id): Path<String>,
            JsonObject(b): JsonObject,
        ) -> Answer {
            update_party(&hc, &account, $kind, &id, &b).await
        }
        async fn $ext(State(hc): Hc, account: Account, Path(ext): Path<String>) -> Answer {
            party_by_external(&hc, &account, $kind, &ext).await
        }
        async fn $assign(
            State(hc): Hc,
            account: Account,
            Path(id): Path<String>,
            JsonObject(b): JsonObject,
        ) -> Answer {
            assign_party(&hc, &account, $kind, &id, &b).await
        }
        async fn $fields(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
            custom_fields(&hc, &account, $entity, &q).await
        }
        async fn $comments(
            State(hc): Hc,
            account: Account,
            Path(id): Path<String>,
            q: QueryPairs,
        ) -> Answer {
            comments_of(&hc, &account, party_target($kind, &id)?, &q).await
        }
        async fn $add_comment(
            State(hc): Hc,
            account: Account,
            Path(id): Path<String>,
            JsonObject(b): JsonObject,
        ) -> Answer {
            add_comment(&hc, &account, party_target($kind, &id)?, &b).await
        }
        async fn $emails(
            State(hc): Hc,
            account: Account,
            Path(id): Path<String>,
            JsonObject(b): JsonObject,
        ) -> Answer {
            add_emails(&hc, &account, $kind, &id, &b).await
        }
        async fn $rm_email(
            State(hc): Hc,
            account: Account,
            Path((id, email)): Path<(String, String)>,
        ) -> Answer {
            remove_email(&hc, &account, $kind, &id, &email).await
        }
        async fn $phones(
            State(hc): Hc,
            account: Account,
            Path(id): Path<String>,
            JsonObject(b): JsonObject,
        ) -> Answer {
            add_phones(&hc, &account, $kind, &id, &b).await
        }
        async fn $rm_phone(
            State(hc): Hc,
            account: Account,
            Path((id, number)): Path<(String, String)>,
        ) -> Answer {
            remove_phone(&hc, &account, $kind, &id, &number).await
        }
        async fn $tags(
            State(hc): Hc,
            account: Account,
            Path(id): Path<String>,
            q: QueryPairs,
        ) -> Answer {
            tags_of(&hc, &account, party_target($kind, &id)?, &q).await
        }
        async fn $add_tag(
            State(hc): Hc,
            account: Account,
            Path(id): Path<String>,
            JsonObject(b): JsonObject,
        ) -> Answer {
            add_tag(&hc, &account, party_target($kind, &id)?, &b).await
        }
        async fn $rm_tag(
            State(hc): Hc,
            account: Account,
            Path((id, tag)): Path<(String, String)>,
        ) -> Answer {
            remove_tag(&hc, &account, party_target($kind, &id)?, &tag).await
        }
    };
}

party_routes!(
    PartyKind::Contact,
    "contact",
    list_contacts,
    create_contact,
    get_contact,
    update_contact,
    contact_by_external_id,
    assign_contact,
    contact_custom_fields,
    contact_comments,
    add_contact_comment,
    add_contact_emails,
    remove_contact_email,
    add_contact_phones,
    remove_contact_phone,
    contact_tags,
    add_contact_tag,
    remove_contact_tag
);
party_routes!(
    PartyKind::Company,
    "company",
    list_companies,
    create_company,
    get_company,
    update_company,
    company_by_external_id,
    assign_company,
    company_custom_fields,
    company_comments,
    add_company_comment,
    add_company_emails,
    remove_company_email,
    add_company_phones,
    remove_company_phone,
    company_tags,
    add_company_tag,
    remove_company_tag
);

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
