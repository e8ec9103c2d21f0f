//! Hipcall v3: attribute lists, contact-center attributes, lookups and tags — routes and handlers.

use super::*;

pub(super) fn routes(r: V3Routes) -> V3Routes {
    r.route("/employee-sizes", get(employee_sizes))
        .route("/life-cycles", get(life_cycles))
        .route("/sectors", get(sectors))
        .route("/sources", get(sources))
        .route("/contact-center/attributes", get(contact_center_attributes))
        .route("/lookup/by_email", get(lookup_by_email))
        .route("/lookup/by_phone", get(lookup_by_phone))
        .route("/tags", get(list_tags))
}

async fn employee_sizes(State(_hc): Hc, _account: Account, q: QueryPairs) -> Answer {
    parse(&q, &plain(&[]))?;
    let all: Vec<&(&str, &str)> = super::records::EMPLOYEE_SIZES.iter().collect();
    counted(
        &all,
        |(value, label)| json!({"value": value, "label": label}),
    )
}

macro_rules! attribute_list {
    ($name:ident, $field:ident) => {
        async fn $name(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
            let lq = parse(&q, &ListSpec::simple())?;
            hc.read(&account, |s| {
                let all = named_search(s.v3.$field.values(), &lq, |a| &a.name, |a| a.id);
                page(&all, &lq, v::attribute)
            })
        }
    };
}

attribute_list!(life_cycles, life_cycles);
attribute_list!(sectors, sectors);
attribute_list!(sources, sources);

async fn contact_center_attributes(State(hc): Hc, account: Account) -> Answer {
    hc.read(&account, |s| {
        let group = |items: Vec<Value>| json!({"count": items.len(), "truncated": false, "data": items});
        let attrs = |list: &crate::platform::store::Collection<i64, super::records::Attribute>| {
            group(list.values().map(|a| json!({"id": a.id, "name": a.name})).collect())
        };
        json(&Data(json!({
            "employee_sizes": group(super::records::EMPLOYEE_SIZES.iter().map(|(v, l)| json!({"value": v, "label": l})).collect()),
            "life_cycles": attrs(&s.v3.life_cycles),
            "sectors": attrs(&s.v3.sectors),
            "sources": attrs(&s.v3.sources),
        })))
    })
}

fn lookup_answer(
    s: &HipcallState,
    found: (
        Vec<&super::super::state::Party>,
        Vec<&super::super::state::Party>,
    ),
) -> Answer {
    let contacts: Vec<_> = found.0.iter().map(|p| s.v3_contact(p)).collect();
    let companies: Vec<_> = found.1.iter().map(|p| s.v3_company(p)).collect();
    json(&Data(json!({"contacts": contacts, "companies": companies})))
}

async fn lookup_by_email(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
    let lq = parse(&q, &plain(&["email"]))?;
    let email = lq
        .plain("email")
        .ok_or_else(|| ApiError::invalid("email", crate::platform::error::Problem::Required))?
        .to_string();
    hc.read(&account, |s| lookup_answer(s, s.v3_lookup_email(&email)))
}

async fn lookup_by_phone(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
    let lq = parse(&q, &plain(&["number"]))?;
    let number = lq
        .plain("number")
        .ok_or_else(|| ApiError::invalid("number", crate::platform::error::Problem::Required))?
        .to_string();
    hc.read(&account, |s| lookup_answer(s, s.v3_lookup_phone(&number)))
}

async fn list_tags(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
    let spec = ListSpec {
        sorts: &["id", "name"],
        plain: &["type"],
        ..ListSpec::simple()
    };
    let lq = parse(&q, &spec)?;
    lq.plain_one_of("type", super::records::TAG_TYPES)?;
    hc.read(&account, |s| {
        let mut all: Vec<_> = s
            .tags
            .values()
            .filter(|t| lq.plain("type").is_none_or(|want| v::tag_type(t) == want))
            .filter(|t| lq.q.as_deref().is_none_or(|n| contains(&t.name, n)))
            .collect();
        lq.order(
            &mut all,
            |t, f| match f {
                "name" => query::FieldValue::Str(t.name.clone()),
                _ => query::FieldValue::Int(t.id),
            },
            |t| t.id,
        );
        page(&all, &lq, |t| HipcallState::v3_tag(t))
    })
}

// ---- rules ---------------------------------------------------------------------------------

impl HipcallState {
    /// `GET /lookup/by_email`: contacts and companies holding the address.
    pub fn v3_lookup_email(&self, email: &str) -> (Vec<&Party>, Vec<&Party>) {
        let has = |p: &&Party| {
            p.details
                .emails
                .iter()
                .any(|e| e.eq_ignore_ascii_case(email.trim()))
        };
        (
            self.contacts.values().filter(has).collect(),
            self.companies.values().filter(has).collect(),
        )
    }

    /// `GET /lookup/by_phone`: contacts and companies holding the number (compared by digits).
    pub fn v3_lookup_phone(&self, number: &str) -> (Vec<&Party>, Vec<&Party>) {
        let want = digits(number);
        let has = |p: &&Party| {
            !want.is_empty() && p.details.phones.iter().any(|x| digits(&x.number) == want)
        };
        (
            self.contacts.values().filter(has).collect(),
            self.companies.values().filter(has).collect(),
        )
    }
}
