//! Hipcall v3 response shapes of contacts, companies and deals (with their emails, phones and
//! line items), custom-field definitions and consents.

use serde::Serialize;
use serde_json::{Map, Value};

use super::super::state::{HipcallState, Party};
use super::super::time::Iso;
use super::records::{Attribute, Consent, CustomFieldDef};
use super::views::{opt_iso, Named, UserSummary};

#[derive(Serialize)]
pub(crate) struct EmailView<'a> {
    email: &'a str,
    order: usize,
}

#[derive(Serialize)]
pub(crate) struct PhoneView<'a> {
    id: i64,
    number: &'a str,
    country: &'a str,
    order: usize,
}

#[derive(Serialize)]
pub(crate) struct ContactCompany<'a> {
    id: i64,
    name: &'a str,
    linkedin_url: &'a Option<String>,
    website_url: &'a Option<String>,
}

#[derive(Serialize)]
pub struct ContactView<'a> {
    id: i64,
    first_name: Option<&'a str>,
    last_name: Option<&'a str>,
    full_name: &'a str,
    job_title: &'a Option<String>,
    external_id: &'a Option<String>,
    custom_url: &'a Option<String>,
    linkedin_url: &'a Option<String>,
    emails: Vec<EmailView<'a>>,
    phones: Vec<PhoneView<'a>>,
    company: Option<ContactCompany<'a>>,
    user: Option<UserSummary<'a>>,
    life_cycle: Option<Named<'a>>,
    sector: Option<Named<'a>>,
    source: Option<Named<'a>>,
    custom_fields: &'a Map<String, Value>,
}

#[derive(Serialize)]
pub(crate) struct CompanyContact<'a> {
    id: i64,
    first_name: Option<&'a str>,
    last_name: Option<&'a str>,
    full_name: &'a str,
    job_title: &'a Option<String>,
}

#[derive(Serialize)]
pub struct CompanyView<'a> {
    id: i64,
    name: &'a str,
    description: &'a Option<String>,
    external_id: &'a Option<String>,
    custom_url: &'a Option<String>,
    linkedin_url: &'a Option<String>,
    website_url: &'a Option<String>,
    employee_size: &'a Option<String>,
    emails: Vec<EmailView<'a>>,
    phones: Vec<PhoneView<'a>>,
    contacts: Vec<CompanyContact<'a>>,
    user: Option<UserSummary<'a>>,
    life_cycle: Option<Named<'a>>,
    sector: Option<Named<'a>>,
    source: Option<Named<'a>>,
    custom_fields: &'a Map<String, Value>,
}

#[derive(Serialize)]
pub(crate) struct LineItem<'a> {
    id: i64,
    name: &'static str,
    quantity: f64,
    unit_price: f64,
    total: f64,
    billing_frequency: &'static str,
    billing_cycles: Option<i64>,
    code: String,
    currency: &'a Option<String>,
    position: i64,
    /// The SDK's other optional line-item fields: a line item made from the deal's amount has
    /// no value for them, and the vendor sends them as null.
    #[serde(flatten)]
    unset: LineItemUnset,
}

/// Line-item fields with no value here (all null).
#[derive(Serialize, Default)]
pub(crate) struct LineItemUnset {
    commissionable: Option<bool>,
    communications_tax_rate: Option<f64>,
    discount_type: Option<&'static str>,
    discount_value: Option<f64>,
    excise_duty_type: Option<&'static str>,
    excise_duty_value: Option<f64>,
    product_id: Option<i64>,
    starts_on: Option<&'static str>,
    unit: Option<&'static str>,
    unit_code: Option<&'static str>,
    vat_rate: Option<f64>,
    vat_withholding_rate: Option<f64>,
}

#[derive(Serialize)]
pub struct DealView<'a> {
    id: i64,
    name: &'a str,
    amount: Option<f64>,
    arr: Option<f64>,
    mrr: Option<f64>,
    currency: &'a Option<String>,
    state: &'a str,
    won_at: Option<Iso<'a>>,
    lost_at: Option<Iso<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    amount_source: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line_items: Option<Vec<LineItem<'a>>>,
}

impl HipcallState {
    fn attribute<'a>(
        list: &'a crate::platform::store::Collection<i64, Attribute>,
        id: Option<i64>,
    ) -> Option<Named<'a>> {
        id.and_then(|id| list.get(&id)).map(|a| Named {
            id: a.id,
            name: &a.name,
        })
    }

    pub fn v3_contact<'a>(&'a self, p: &'a Party) -> ContactView<'a> {
        let d = &p.details;
        ContactView {
            id: p.id,
            first_name: d.first_name.as_deref(),
            last_name: d.last_name.as_deref(),
            full_name: &p.name,
            job_title: &d.job_title,
            external_id: &d.external_id,
            custom_url: &d.custom_url,
            linkedin_url: &d.linkedin_url,
            emails: emails(&d.emails),
            phones: phones(&d.phones),
            company: d
                .company_id
                .and_then(|c| self.companies.get(&c))
                .map(|c| ContactCompany {
                    id: c.id,
                    name: &c.name,
                    linkedin_url: &c.details.linkedin_url,
                    website_url: &c.details.website_url,
                }),
            user: p.owner_id.and_then(|u| self.v3_user_summary(u)),
            life_cycle: Self::attribute(&self.v3.life_cycles, d.life_cycle_id),
            sector: Self::attribute(&self.v3.sectors, d.sector_id),
            source: Self::attribute(&self.v3.sources, d.source_id),
            custom_fields: &d.custom_fields,
        }
    }

    pub fn v3_company<'a>(&'a self, p: &'a Party) -> CompanyView<'a> {
        let d = &p.details;
        CompanyView {
            id: p.id,
            name: &p.name,
            description: &d.description,
            external_id: &d.external_id,
            custom_url: &d.custom_url,
            linkedin_url: &d.linkedin_url,
            website_url: &d.website_url,
            employee_size: &d.employee_size,
            emails: emails(&d.emails),
            phones: phones(&d.phones),
            contacts: self
                .contacts
                .values()
                .filter(|c| c.details.company_id == Some(p.id))
                .map(|c| CompanyContact {
                    id: c.id,
                    first_name: c.details.first_name.as_deref(),
                    last_name: c.details.last_name.as_deref(),
                    full_name: &c.name,
                    job_title: &c.details.job_title,
                })
                .collect(),
            user: p.owner_id.and_then(|u| self.v3_user_summary(u)),
            life_cycle: Self::attribute(&self.v3.life_cycles, d.life_cycle_id),
            sector: Self::attribute(&self.v3.sectors, d.sector_id),
            source: Self::attribute(&self.v3.sources, d.source_id),
            custom_fields: &d.custom_fields,
        }
    }

    /// A deal; `detail` adds `amount_source` and one monthly line item for the amount.
    pub fn v3_deal<'a>(p: &'a Party, detail: bool) -> DealView<'a> {
        let terms = p.details.deal.as_ref();
        let amount = terms.and_then(|t| t.amount);
        static NO_CURRENCY: Option<String> = None;
        let currency = terms.map_or(&NO_CURRENCY, |t| &t.currency);
        DealView {
            id: p.id,
            name: &p.name,
            amount,
            arr: amount.map(|a| a * 12.0),
            mrr: amount,
            currency,
            state: terms.map_or("open", |t| t.state.as_str()),
            won_at: terms.and_then(|t| opt_iso(&t.won_at)),
            lost_at: terms.and_then(|t| opt_iso(&t.lost_at)),
            amount_source: detail.then_some("line_items"),
            line_items: detail.then(|| {
                amount
                    .map(|a| LineItem {
                        id: p.id * 10 + 1,
                        name: "Subscription",
                        quantity: 1.0,
                        unit_price: a,
                        total: a,
                        billing_frequency: "monthly",
                        billing_cycles: None,
                        code: format!("SUB-{}", p.id),
                        currency,
                        position: 1,
                        unset: LineItemUnset::default(),
                    })
                    .into_iter()
                    .collect()
            }),
        }
    }
}

fn emails(list: &[String]) -> Vec<EmailView<'_>> {
    list.iter()
        .enumerate()
        .map(|(i, e)| EmailView {
            email: e,
            order: i + 1,
        })
        .collect()
}

fn phones(list: &[super::super::state::PhoneEntry]) -> Vec<PhoneView<'_>> {
    list.iter()
        .enumerate()
        .map(|(i, p)| PhoneView {
            id: p.id,
            number: &p.number,
            country: &p.country,
            order: i + 1,
        })
        .collect()
}

#[derive(Serialize)]
pub(crate) struct CustomFieldView<'a> {
    name: &'a str,
    slug: &'a str,
    field_type: &'a str,
    active: bool,
    position: i64,
    required: bool,
    number_type: &'a Option<String>,
    options: &'a Option<Vec<String>>,
}

pub(crate) fn custom_field(f: &CustomFieldDef) -> CustomFieldView<'_> {
    CustomFieldView {
        name: &f.name,
        slug: &f.slug,
        field_type: &f.field_type,
        active: f.active,
        position: f.position,
        required: f.required,
        number_type: &f.number_type,
        options: &f.options,
    }
}

#[derive(Serialize)]
pub(crate) struct ConsentView<'a> {
    id: i64,
    action: &'a str,
    purpose: &'a str,
    source: &'a str,
    performed_at: Iso<'a>,
    expires_at: Option<Iso<'a>>,
    evidence: &'a Map<String, Value>,
    text_version: &'a str,
}

pub(crate) fn consent(c: &Consent) -> ConsentView<'_> {
    ConsentView {
        id: c.id,
        action: &c.action,
        purpose: &c.purpose,
        source: &c.source,
        performed_at: Iso(&c.performed_at),
        expires_at: opt_iso(&c.expires_at),
        evidence: &c.evidence,
        text_version: &c.text_version,
    }
}
