//! Hipcall v3 rules for contacts, companies and deals: create and update with the documented
//! validation (unique `external_id`, at most six phone numbers, custom fields checked against
//! their definitions), emails and phones, assignment, consents, lookups.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::super::state::{HipcallState, Party, PartyKind, PhoneEntry};
use super::super::time::format_ts;
use super::query::{contains, digits, FieldValue, ListQuery, ListSpec};
use crate::platform::error::{ApiError, ApiResult, Problem};
use crate::platform::input::{looks_like_email, Input, Presence as P};

/// Phone numbers one contact or company may hold.
pub(crate) const MAX_PHONES: usize = 6;

/// `GET /contacts`: sortable by id and names.
pub(crate) const CONTACTS: ListSpec = ListSpec {
    sorts: &["id", "first_name", "last_name", "full_name"],
    ..ListSpec::simple()
};

/// `GET /companies`: sortable by id and name.
pub(crate) const COMPANIES: ListSpec = ListSpec {
    sorts: &["id", "name"],
    ..ListSpec::simple()
};

/// `GET /deals`: sortable by id and name.
pub(crate) const DEALS: ListSpec = ListSpec {
    sorts: &["id", "name"],
    ..ListSpec::simple()
};

pub(crate) fn party_field(p: &Party, field: &str) -> FieldValue {
    match field {
        "id" => FieldValue::Int(p.id),
        "name" | "full_name" => FieldValue::Str(p.name.clone()),
        "first_name" => FieldValue::opt_str(p.details.first_name.as_deref()),
        "last_name" => FieldValue::opt_str(p.details.last_name.as_deref()),
        _ => FieldValue::Null,
    }
}

/// Fields a contact create accepts; update accepts the same less `phones` and `emails`.
const CONTACT_FIELDS: &[&str] = &[
    "first_name",
    "last_name",
    "job_title",
    "company_id",
    "assign_to_user_id",
    "external_id",
    "custom_url",
    "linkedin_url",
    "life_cycle_id",
    "sector_id",
    "source_id",
    "custom_fields",
    "phones",
    "emails",
];

const COMPANY_FIELDS: &[&str] = &[
    "name",
    "description",
    "assign_to_user_id",
    "external_id",
    "custom_url",
    "linkedin_url",
    "website_url",
    "employee_size",
    "life_cycle_id",
    "sector_id",
    "source_id",
    "custom_fields",
    "phones",
    "emails",
];

fn entity(kind: PartyKind) -> &'static str {
    match kind {
        PartyKind::Contact => "contact",
        PartyKind::Company => "company",
        PartyKind::Deal => "deal",
    }
}

impl HipcallState {
    pub fn party(&self, kind: PartyKind, id: i64) -> ApiResult<&Party> {
        self.parties(kind).find(&id, kind.resource())
    }

    pub fn party_mut(&mut self, kind: PartyKind, id: i64) -> ApiResult<&mut Party> {
        self.parties_mut(kind).find_mut(&id, kind.resource())
    }

    /// Contacts, companies or deals matching a list query: `q` searches the name (and, for
    /// contacts and companies, phone digits and emails).
    pub fn v3_parties(&self, kind: PartyKind, q: &ListQuery) -> Vec<&Party> {
        let needle = q.q.as_deref();
        let mut v: Vec<&Party> = self
            .parties(kind)
            .values()
            .filter(|p| {
                needle.is_none_or(|n| {
                    let d = digits(n);
                    contains(&p.name, n)
                        || p.details.emails.iter().any(|e| contains(e, n))
                        || (!d.is_empty()
                            && p.details
                                .phones
                                .iter()
                                .any(|ph| digits(&ph.number).contains(&d)))
                })
            })
            .collect();
        q.order(&mut v, party_field, |p| p.id);
        v
    }

    pub fn by_external_id(&self, kind: PartyKind, external: &str) -> ApiResult<&Party> {
        self.parties(kind)
            .values()
            .find(|p| p.details.external_id.as_deref() == Some(external))
            .ok_or_else(|| ApiError::not_found(kind.resource(), external))
    }

    fn check_ref(
        &self,
        input: &mut Input<'_>,
        field: &str,
        ok: impl Fn(&Self, i64) -> bool,
    ) -> Option<i64> {
        let id = input.integer(field, P::Optional)?;
        if !ok(self, id) {
            input.fail(field, Problem::UnknownReference);
        }
        Some(id)
    }

    /// Reads the fields shared by create and update into `p` (only those present).
    fn read_party(
        &self,
        kind: PartyKind,
        input: &mut Input<'_>,
        body: &Map<String, Value>,
        p: &mut Party,
        creating: bool,
    ) {
        let d = &mut p.details;
        match kind {
            PartyKind::Contact => {
                if creating || input.present("first_name") {
                    d.first_name = input.string("first_name", P::Required, Some(255));
                }
                if input.present("last_name") {
                    d.last_name = input.string("last_name", P::Optional, Some(255));
                }
                if input.present("job_title") {
                    d.job_title = input.string("job_title", P::Optional, Some(255));
                }
                if input.present("company_id") {
                    d.company_id =
                        self.check_ref(input, "company_id", |s, id| s.companies.contains(&id));
                }
                p.name = [d.first_name.as_deref(), d.last_name.as_deref()]
                    .into_iter()
                    .flatten()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
            }
            PartyKind::Company | PartyKind::Deal => {
                if creating || input.present("name") {
                    if let Some(n) = input.string("name", P::Required, Some(255)) {
                        p.name = n;
                    }
                }
                if input.present("description") {
                    d.description = input.string("description", P::Optional, None);
                }
                if input.present("website_url") {
                    d.website_url = input.string("website_url", P::Optional, Some(2048));
                }
                if input.present("employee_size") {
                    d.employee_size = match input.string("employee_size", P::Optional, None) {
                        Some(e) if super::records::EMPLOYEE_SIZES.iter().any(|(v, _)| *v == e) => {
                            Some(e)
                        }
                        Some(_) => {
                            input.fail(
                                "employee_size",
                                Problem::OneOf {
                                    allowed: super::records::EMPLOYEE_SIZES
                                        .iter()
                                        .map(|(v, _)| v.to_string())
                                        .collect(),
                                },
                            );
                            None
                        }
                        None => None,
                    };
                }
            }
        }
        for (field, slot) in [
            ("external_id", &mut d.external_id),
            ("custom_url", &mut d.custom_url),
            ("linkedin_url", &mut d.linkedin_url),
        ] {
            if input.present(field) {
                *slot = input.string(field, P::Optional, Some(2048));
            }
        }
        if input.present("assign_to_user_id") {
            p.owner_id = self.check_ref(input, "assign_to_user_id", |s, id| s.users.contains(&id));
        }
        if input.present("life_cycle_id") {
            d.life_cycle_id = self.check_ref(input, "life_cycle_id", |s, id| {
                s.v3.life_cycles.contains(&id)
            });
        }
        if input.present("sector_id") {
            d.sector_id = self.check_ref(input, "sector_id", |s, id| s.v3.sectors.contains(&id));
        }
        if input.present("source_id") {
            d.source_id = self.check_ref(input, "source_id", |s, id| s.v3.sources.contains(&id));
        }
        if let Some(ext) = d.external_id.as_deref() {
            let taken = self
                .parties(kind)
                .values()
                .any(|o| o.id != p.id && o.details.external_id.as_deref() == Some(ext));
            if taken {
                input.fail("external_id", Problem::Taken);
            }
        }
        match body.get("custom_fields") {
            None => {}
            Some(Value::Object(m)) => {
                for (k, v) in m {
                    d.custom_fields.insert(k.clone(), v.clone());
                }
            }
            Some(Value::Null) => d.custom_fields.clear(),
            Some(_) => input.fail("custom_fields", Problem::Type { expected: "object" }),
        }
        self.check_custom_fields(kind, input, &d.custom_fields, creating);
    }

    /// Custom-field values against the account's definitions: unknown slugs, wrong types and
    /// (on create) missing required fields are errors under `custom_fields.<slug>`.
    fn check_custom_fields(
        &self,
        kind: PartyKind,
        input: &mut Input<'_>,
        values: &Map<String, Value>,
        creating: bool,
    ) {
        let defs: Vec<_> = self
            .v3
            .custom_fields
            .iter()
            .filter(|f| f.entity == entity(kind) && f.active)
            .collect();
        for (k, v) in values {
            let at = format!("custom_fields.{k}");
            let Some(def) = defs.iter().find(|f| f.slug == *k) else {
                input.fail(at, Problem::NotAllowed);
                continue;
            };
            let ok = match (def.field_type.as_str(), v) {
                (_, Value::Null) => true,
                ("number", Value::Number(_)) | ("boolean", Value::Bool(_)) => true,
                ("text", Value::String(_)) => true,
                ("date", Value::String(s)) => super::super::time::parse_date_input(s).is_some(),
                ("select", Value::String(s)) => def.options.as_ref().is_some_and(|o| o.contains(s)),
                _ => false,
            };
            if !ok {
                input.fail(
                    at,
                    Problem::OneOf {
                        allowed: def.options.clone().unwrap_or_default(),
                    },
                );
            }
        }
        if creating {
            for def in defs.iter().filter(|f| f.required) {
                if values.get(&def.slug).is_none_or(Value::is_null) {
                    input.fail(format!("custom_fields.{}", def.slug), Problem::Required);
                }
            }
        }
    }

    /// Reads `emails` (`[{"email"}]` on create, `["a@b"]` on the add endpoint).
    fn read_emails(input: &mut Input<'_>, v: &Value, field: &str) -> Vec<String> {
        let Value::Array(items) = v else {
            input.fail(field, Problem::Type { expected: "array" });
            return vec![];
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let e = match item {
                Value::String(s) => Some(s.as_str()),
                Value::Object(m) => m.get("email").and_then(Value::as_str),
                _ => None,
            };
            match e {
                Some(e) if looks_like_email(e) => out.push(e.to_string()),
                _ => input.fail(format!("{field}.{i}"), Problem::Email),
            }
        }
        out
    }

    /// Reads `phones` (`[{"number", "country"}]`).
    fn read_phones(input: &mut Input<'_>, v: &Value, field: &str) -> Vec<(String, String)> {
        let Value::Array(items) = v else {
            input.fail(field, Problem::Type { expected: "array" });
            return vec![];
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let number = item.get("number").and_then(Value::as_str).map(str::trim);
            let country = match item.get("country") {
                None | Some(Value::Null) => "TR",
                Some(Value::String(c)) => c.as_str(),
                Some(_) => {
                    input.fail(
                        format!("{field}.{i}.country"),
                        Problem::Type { expected: "string" },
                    );
                    continue;
                }
            };
            match number {
                Some(n)
                    if digits(n).len() >= 7
                        && n.chars().all(|c| c.is_ascii_digit() || "+ -()".contains(c)) =>
                {
                    out.push((n.to_string(), country.to_string()))
                }
                _ => input.fail(
                    format!("{field}.{i}.number"),
                    Problem::Other("is not a valid phone number".into()),
                ),
            }
        }
        out
    }

    /// Appends phones: duplicates and more than six in all are a 422.
    fn push_phones(
        &mut self,
        kind: PartyKind,
        p: &mut Party,
        new: Vec<(String, String)>,
        input: &mut Input<'_>,
    ) {
        for (number, country) in new {
            if p.details
                .phones
                .iter()
                .any(|x| digits(&x.number) == digits(&number))
            {
                input.fail("phones", Problem::Taken);
                continue;
            }
            if p.details.phones.len() >= MAX_PHONES {
                input.fail(
                    "phones",
                    Problem::Other(format!(
                        "{} already has {MAX_PHONES} phone numbers",
                        kind.resource()
                    )),
                );
                break;
            }
            let id = self.v3.next("phone", 10_000);
            p.details.phones.push(PhoneEntry {
                id,
                number,
                country,
            });
        }
    }

    /// `POST /contacts` / `POST /companies` (201).
    pub fn v3_create_party(
        &mut self,
        kind: PartyKind,
        body: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> ApiResult<Party> {
        let mut input = Input::new(body);
        input.only(if kind == PartyKind::Contact {
            CONTACT_FIELDS
        } else {
            COMPANY_FIELDS
        });
        let mut p = Party {
            id: self.parties(kind).next_id(),
            ..Party::default()
        };
        self.read_party(kind, &mut input, body, &mut p, true);
        if let Some(v) = body.get("emails").filter(|v| !v.is_null()) {
            p.details.emails = Self::read_emails(&mut input, v, "emails");
        }
        if let Some(v) = body.get("phones").filter(|v| !v.is_null()) {
            let new = Self::read_phones(&mut input, v, "phones");
            self.push_phones(kind, &mut p, new, &mut input);
        }
        input.finish()?;
        let _ = format_ts(now);
        self.parties_mut(kind).insert(p.id, p.clone());
        Ok(p)
    }

    /// `PATCH /contacts/{id}` / `PATCH /companies/{id}`: the fields sent; `phones` and
    /// `emails` have their own endpoints (422 "Unexpected field").
    pub fn v3_update_party(
        &mut self,
        kind: PartyKind,
        id: i64,
        body: &Map<String, Value>,
    ) -> ApiResult<Party> {
        let mut p = self.party(kind, id)?.clone();
        let mut input = Input::new(body);
        let allowed: Vec<&str> = (if kind == PartyKind::Contact {
            CONTACT_FIELDS
        } else {
            COMPANY_FIELDS
        })
        .iter()
        .copied()
        .filter(|f| *f != "phones" && *f != "emails" && *f != "description")
        .collect();
        input.only(&allowed);
        self.read_party(kind, &mut input, body, &mut p, false);
        input.finish()?;
        self.parties_mut(kind).insert(id, p.clone());
        Ok(p)
    }

    /// `PATCH …/assign {"assign_to_user_id": id | null}`.
    pub fn v3_assign(
        &mut self,
        kind: PartyKind,
        id: i64,
        body: &Map<String, Value>,
    ) -> ApiResult<Party> {
        self.party(kind, id)?;
        let mut input = Input::new(body);
        input.only(&["assign_to_user_id"]);
        if !input.present("assign_to_user_id") {
            input.fail("assign_to_user_id", Problem::Required);
        }
        let owner = input.nullable_integer("assign_to_user_id").flatten();
        if owner.is_some_and(|u| !self.users.contains(&u)) {
            input.fail("assign_to_user_id", Problem::UnknownReference);
        }
        input.finish()?;
        let p = self.party_mut(kind, id)?;
        p.owner_id = owner;
        Ok(p.clone())
    }

    /// `POST …/emails {"emails": [..]}`: appends new addresses (existing ones are kept once).
    pub fn v3_add_emails(
        &mut self,
        kind: PartyKind,
        id: i64,
        body: &Map<String, Value>,
    ) -> ApiResult<Party> {
        let mut p = self.party(kind, id)?.clone();
        let mut input = Input::new(body);
        input.only(&["emails"]);
        let list = match body.get("emails") {
            None | Some(Value::Null) => {
                input.fail("emails", Problem::Required);
                vec![]
            }
            Some(v) => Self::read_emails(&mut input, v, "emails"),
        };
        input.finish()?;
        for e in list {
            if !p.details.emails.iter().any(|x| x.eq_ignore_ascii_case(&e)) {
                p.details.emails.push(e);
            }
        }
        self.parties_mut(kind).insert(id, p.clone());
        Ok(p)
    }

    /// `DELETE …/emails/{email}`: 404 when the record has no such address.
    pub fn v3_remove_email(&mut self, kind: PartyKind, id: i64, email: &str) -> ApiResult<()> {
        let p = self.party_mut(kind, id)?;
        let before = p.details.emails.len();
        p.details.emails.retain(|e| !e.eq_ignore_ascii_case(email));
        if p.details.emails.len() == before {
            return Err(ApiError::not_found("Email", email));
        }
        Ok(())
    }

    /// `POST …/phones {"phones": [{number, country}]}`: at most six per record, no duplicates.
    pub fn v3_add_phones(
        &mut self,
        kind: PartyKind,
        id: i64,
        body: &Map<String, Value>,
    ) -> ApiResult<Party> {
        let mut p = self.party(kind, id)?.clone();
        let mut input = Input::new(body);
        input.only(&["phones"]);
        let new = match body.get("phones") {
            None | Some(Value::Null) => {
                input.fail("phones", Problem::Required);
                vec![]
            }
            Some(v) => Self::read_phones(&mut input, v, "phones"),
        };
        if !input.has_errors() {
            self.push_phones(kind, &mut p, new, &mut input);
        }
        input.finish()?;
        self.parties_mut(kind).insert(id, p.clone());
        Ok(p)
    }

    /// `DELETE …/phones/{number}`: matched by digits; 404 when absent.
    pub fn v3_remove_phone(&mut self, kind: PartyKind, id: i64, number: &str) -> ApiResult<()> {
        let p = self.party_mut(kind, id)?;
        let before = p.details.phones.len();
        let want = digits(number);
        p.details.phones.retain(|x| digits(&x.number) != want);
        if p.details.phones.len() == before {
            return Err(ApiError::not_found("Phone", number));
        }
        Ok(())
    }
}
