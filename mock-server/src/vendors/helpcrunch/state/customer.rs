//! A HelpCrunch customer: the flat record state files and exports spell, and the stored form
//! that keeps the rarely-set fields apart (`platform::sparse`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Device, Location};
use crate::platform::sparse::Sparse;

/// A customer as state files and exports spell it: every field flat.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
pub struct CustomerRecord {
    pub id: i64,
    pub user_id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    pub location: Location,
    pub device: Option<Device>,
    pub unsubscribed: bool,
    pub blocked: bool,
    pub source: Option<String>,
    pub referer: Option<String>,
    pub last_page: Option<String>,
    pub locale: Option<String>,
    pub created_from: Option<String>,
    pub integration_id: Option<String>,
    pub notes: Option<String>,
    /// Tag names; colours live in the account's tag table.
    pub tags: Vec<String>,
    pub custom_data: Map<String, Value>,
    pub created_at: i64,
}

impl CustomerRecord {
    /// A customer with every writable field empty (strings null, flags false, no tags or
    /// customData).
    pub fn blank(id: i64, created_at: i64) -> Self {
        Self {
            id,
            created_at,
            ..Self::default()
        }
    }
}

/// A stored customer: the fields most records carry inline, the rest ([`CustomerMore`]) kept
/// apart while they are all empty — a million imported customers with a name and an email take
/// a quarter of the memory the flat record would. Reads and writes of the other fields go
/// through `Deref`/`DerefMut` (a write allocates them). It reads and writes as the flat
/// [`CustomerRecord`], borrowing its fields (an export copies nothing).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Customer {
    pub id: i64,
    pub user_id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub unsubscribed: bool,
    pub blocked: bool,
    /// Tag names; colours live in the account's tag table.
    pub tags: Vec<String>,
    pub created_at: i64,
    more: Sparse<CustomerMore>,
}

/// The customer fields kept apart (see [`Customer`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CustomerMore {
    pub company: Option<String>,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    pub location: Location,
    pub device: Option<Device>,
    pub source: Option<String>,
    pub referer: Option<String>,
    pub last_page: Option<String>,
    pub locale: Option<String>,
    pub created_from: Option<String>,
    pub integration_id: Option<String>,
    pub notes: Option<String>,
    pub custom_data: Map<String, Value>,
}

crate::rare!(CustomerMore);

impl std::ops::Deref for Customer {
    type Target = CustomerMore;

    fn deref(&self) -> &CustomerMore {
        self.more.get()
    }
}

impl std::ops::DerefMut for Customer {
    fn deref_mut(&mut self) -> &mut CustomerMore {
        self.more.get_mut()
    }
}

impl From<CustomerRecord> for Customer {
    fn from(r: CustomerRecord) -> Self {
        Self {
            id: r.id,
            user_id: r.user_id,
            name: r.name,
            email: r.email,
            phone: r.phone,
            unsubscribed: r.unsubscribed,
            blocked: r.blocked,
            tags: r.tags,
            created_at: r.created_at,
            more: Sparse::new(CustomerMore {
                company: r.company,
                first_seen: r.first_seen,
                last_seen: r.last_seen,
                location: r.location,
                device: r.device,
                source: r.source,
                referer: r.referer,
                last_page: r.last_page,
                locale: r.locale,
                created_from: r.created_from,
                integration_id: r.integration_id,
                notes: r.notes,
                custom_data: r.custom_data,
            }),
        }
    }
}

impl From<Customer> for CustomerRecord {
    fn from(c: Customer) -> Self {
        let more = c.more.into_inner();
        Self {
            id: c.id,
            user_id: c.user_id,
            name: c.name,
            email: c.email,
            phone: c.phone,
            company: more.company,
            first_seen: more.first_seen,
            last_seen: more.last_seen,
            location: more.location,
            device: more.device,
            unsubscribed: c.unsubscribed,
            blocked: c.blocked,
            source: more.source,
            referer: more.referer,
            last_page: more.last_page,
            locale: more.locale,
            created_from: more.created_from,
            integration_id: more.integration_id,
            notes: more.notes,
            tags: c.tags,
            custom_data: more.custom_data,
            created_at: c.created_at,
        }
    }
}

/// [`CustomerRecord`] borrowed from a stored customer: the same fields in the same order (a
/// test holds the two to the same text).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RecordRef<'a> {
    id: i64,
    user_id: &'a Option<String>,
    name: &'a Option<String>,
    email: &'a Option<String>,
    phone: &'a Option<String>,
    company: &'a Option<String>,
    first_seen: Option<i64>,
    last_seen: Option<i64>,
    location: &'a Location,
    device: &'a Option<Device>,
    unsubscribed: bool,
    blocked: bool,
    source: &'a Option<String>,
    referer: &'a Option<String>,
    last_page: &'a Option<String>,
    locale: &'a Option<String>,
    created_from: &'a Option<String>,
    integration_id: &'a Option<String>,
    notes: &'a Option<String>,
    tags: &'a [String],
    custom_data: &'a Map<String, Value>,
    created_at: i64,
}

impl Serialize for Customer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let m = self.more.get();
        RecordRef {
            id: self.id,
            user_id: &self.user_id,
            name: &self.name,
            email: &self.email,
            phone: &self.phone,
            company: &m.company,
            first_seen: m.first_seen,
            last_seen: m.last_seen,
            location: &m.location,
            device: &m.device,
            unsubscribed: self.unsubscribed,
            blocked: self.blocked,
            source: &m.source,
            referer: &m.referer,
            last_page: &m.last_page,
            locale: &m.locale,
            created_from: &m.created_from,
            integration_id: &m.integration_id,
            notes: &m.notes,
            tags: &self.tags,
            custom_data: &m.custom_data,
            created_at: self.created_at,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Customer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        CustomerRecord::deserialize(d).map(Customer::from)
    }
}

impl Customer {
    /// A customer with every writable field empty (strings null, flags false, no tags or
    /// customData).
    pub fn blank(id: i64, created_at: i64) -> Self {
        CustomerRecord::blank(id, created_at).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A customer with only the common fields keeps nothing apart; every field survives the
    /// trip through the stored layout and back to the flat JSON, in the same order.
    #[test]
    fn compact_and_faithful() {
        let plain: Customer = serde_json::from_value(
            json!({"id": 1, "name": "A", "email": "a@x.io", "createdAt": 5}),
        )
        .unwrap();
        assert!(!plain.more.is_allocated());
        assert_eq!(plain.location.city, None);
        let full = json!({
            "id": 2, "userId": "u", "name": "B", "email": "b@x.io", "phone": "+1",
            "company": "C", "firstSeen": 1, "lastSeen": 2,
            "location": {"regionCode": "r", "countryCode": "c", "city": "k"},
            "device": {"id": 3, "ip": "1.2.3.4", "timezone": "UTC", "platform": "p", "userAgent": "ua"},
            "unsubscribed": true, "blocked": false, "source": "s", "referer": "r",
            "lastPage": "l", "locale": "en", "createdFrom": "api", "integrationId": "i",
            "notes": "n", "tags": ["t"], "customData": {"k": 1}, "createdAt": 9
        });
        let c: Customer = serde_json::from_value(full.clone()).unwrap();
        assert!(c.more.is_allocated());
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            serde_json::to_string(&full).unwrap()
        );
        // The borrowed writer and the flat record write the same text.
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            serde_json::to_string(&CustomerRecord::from(c.clone())).unwrap()
        );
        let blank = Customer::blank(7, 3);
        assert_eq!(
            serde_json::to_string(&blank).unwrap(),
            serde_json::to_string(&CustomerRecord::blank(7, 3)).unwrap()
        );
        // Misspelt keys are still refused.
        assert!(serde_json::from_value::<Customer>(json!({"id": 3, "nmae": "x"})).is_err());
        // A write through the shared fields allocates them; an emptied record equals a blank.
        let mut w = Customer::blank(4, 0);
        w.company = Some("D".into());
        assert!(w.more.is_allocated());
        w.company = None;
        assert_eq!(w, Customer::blank(4, 0));
    }
}
