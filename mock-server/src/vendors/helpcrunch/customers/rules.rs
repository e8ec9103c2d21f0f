//! HelpCrunch customers: reads in list order, create / PUT / PATCH, the batch update, delete,
//! tags and events.

use serde_json::{json, Map, Value};

use super::super::input::{
    self, err, required, type_err, unix_input, CustomerInput, LocationField, TextField, Write,
};
use super::super::state::{Customer, CustomerRecord, Event, HelpCrunchState, DEFAULT_TAG_COLOR};
use crate::platform::error::{ApiError, ApiResult, FieldError, Problem};

impl HelpCrunchState {
    pub fn customer(&self, id: i64) -> ApiResult<&Customer> {
        self.customers.find(&id, "Customer")
    }

    /// Customers in list order: by id, or by `firstSeen`/`lastSeen` when asked.
    pub fn sorted_customers(&self, sort: Option<&str>, descending: bool) -> Vec<&Customer> {
        let mut v: Vec<&Customer> = self.customers.values().collect();
        super::super::order::order_customers(&mut v, sort, descending);
        v
    }

    fn apply_customer(&mut self, c: &mut Customer, input: CustomerInput, mode: Write) {
        if mode == Write::Replace {
            // Every writable field resets; what the API cannot write stays.
            *c = CustomerRecord {
                device: c.device.take(),
                created_from: c.created_from.take(),
                integration_id: c.integration_id.take(),
                ..CustomerRecord::blank(c.id, c.created_at)
            }
            .into();
        }
        for (f, v) in input.text {
            let slot = match f {
                TextField::UserId => &mut c.user_id,
                TextField::Name => &mut c.name,
                TextField::Email => &mut c.email,
                TextField::Phone => &mut c.phone,
                TextField::Company => &mut c.company,
                TextField::Source => &mut c.source,
                TextField::Referer => &mut c.referer,
                TextField::LastPage => &mut c.last_page,
                TextField::Locale => &mut c.locale,
                TextField::Notes => &mut c.notes,
            };
            *slot = v;
        }
        if let Some(v) = input.first_seen {
            c.first_seen = v;
        }
        if let Some(v) = input.last_seen {
            c.last_seen = v;
        }
        for (f, v) in input.location {
            match f {
                LocationField::RegionCode => c.location.region_code = v,
                LocationField::CountryCode => c.location.country_code = v,
                LocationField::City => c.location.city = v,
            }
        }
        if let Some(b) = input.unsubscribed {
            c.unsubscribed = b;
        }
        if let Some(b) = input.blocked {
            c.blocked = b;
        }
        if let Some(tags) = input.tags {
            c.tags.clear();
            for (name, color) in tags {
                self.ensure_tag(&name, color);
                if !c.tags.contains(&name) {
                    c.tags.push(name);
                }
            }
        }
        if input.clear_custom_data {
            c.custom_data.clear();
        }
        if let Some(data) = input.custom_data {
            if mode == Write::Merge {
                for (k, v) in data {
                    c.custom_data.insert(k, v);
                }
            } else {
                c.custom_data = data;
            }
        }
    }

    fn ensure_tag(&mut self, name: &str, color: Option<String>) {
        self.tags
            .entry(name.to_string())
            .or_insert_with(|| color.unwrap_or_else(|| DEFAULT_TAG_COLOR.to_string()));
    }

    fn user_id_taken(&self, user_id: &Option<String>, except: Option<i64>) -> bool {
        user_id.as_ref().is_some_and(|u| {
            self.customers
                .values()
                .any(|c| Some(c.id) != except && c.user_id.as_deref() == Some(u.as_str()))
        })
    }

    /// `POST /customers` (201), `PUT /customers/{id}` (replace), `PATCH /customers/{id}`
    /// (merge).
    pub fn write_customer(
        &mut self,
        id: Option<i64>,
        body: &Map<String, Value>,
        mode: Write,
        now: i64,
    ) -> ApiResult<i64> {
        if let Some(id) = id {
            self.customer(id)?;
        }
        let mut errors = Vec::new();
        let input = input::customer(body, &mut errors);
        if let Some(uid) = input.user_id() {
            if self.user_id_taken(uid, id) {
                errors.push(err("userId", Problem::Taken));
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        // An existing record is taken out of its place (an empty one stands there meanwhile)
        // rather than copied: applying the input needs the account too (its tag table).
        let mut c = match id.and_then(|id| self.customers.get_mut(&id)) {
            Some(slot) => std::mem::take(slot),
            None => CustomerRecord {
                first_seen: Some(now),
                created_from: Some("api".into()),
                ..CustomerRecord::blank(self.customers.next_id(), now)
            }
            .into(),
        };
        self.apply_customer(&mut c, input, mode);
        let id = c.id;
        self.customers.insert(id, c);
        Ok(id)
    }

    /// `PUT /customers/batch`: 1–10 items, each `{customer: id, …fields}`, merged; all or
    /// nothing.
    pub fn batch_update(&mut self, items: &Value) -> ApiResult<Vec<Customer>> {
        let Value::Array(items) = items else {
            return Err(ApiError::Validation(vec![type_err("body", "array")]));
        };
        if items.is_empty() || items.len() > 10 {
            return Err(ApiError::invalid(
                "body",
                Problem::Count { min: 1, max: 10 },
            ));
        }
        let mut errors = Vec::new();
        let mut plan = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let Some(obj) = item.as_object() else {
                errors.push(type_err(format!("[{i}]"), "array"));
                continue;
            };
            let Some(id) = obj
                .get("customer")
                .and_then(unix_input)
                .filter(|_| !obj["customer"].is_boolean())
            else {
                errors.push(type_err(format!("[{i}].customer"), "number"));
                continue;
            };
            if !self.customers.contains(&id) {
                errors.push(err(
                    format!("[{i}].customer"),
                    Problem::Missing {
                        resource: "Customer",
                    },
                ));
                continue;
            }
            let mut fields = obj.clone();
            fields.remove("customer");
            let mut item_errors = Vec::new();
            let input = input::customer(&fields, &mut item_errors);
            if let Some(uid) = input.user_id() {
                let taken_in_batch = plan.iter().any(|(other, inp): &(i64, CustomerInput)| {
                    *other != id && uid.is_some() && inp.user_id() == Some(uid)
                });
                if self.user_id_taken(uid, Some(id)) || taken_in_batch {
                    item_errors.push(err("userId", Problem::Taken));
                }
            }
            errors.extend(
                item_errors
                    .into_iter()
                    .map(|e| FieldError::new(format!("[{i}].{}", e.field), e.problem)),
            );
            plan.push((id, input));
        }
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let mut out = Vec::new();
        for (id, input) in plan {
            let mut c = self.customer(id)?.clone();
            self.apply_customer(&mut c, input, Write::Merge);
            self.customers.insert(id, c.clone());
            out.push(c);
        }
        Ok(out)
    }

    pub fn delete_customer(&mut self, id: i64) -> ApiResult<()> {
        self.customers
            .remove(&id)
            .map(|_| ())
            .ok_or_else(|| ApiError::not_found("Customer", id))
    }

    /// `PUT /customers/{id}/tags` (add; unknown tags are created with the default colour)
    /// and `DELETE /customers/{id}/tags` (remove by name).
    pub fn tag_customer(
        &mut self,
        id: i64,
        body: &Map<String, Value>,
        add: bool,
    ) -> ApiResult<Customer> {
        self.customer(id)?;
        let mut errors = Vec::new();
        let tags = match body.get("tags") {
            None | Some(Value::Null) => {
                errors.push(required("tags"));
                None
            }
            Some(v) => input::tag_list(v, "tags", &mut errors),
        };
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let tags = tags.unwrap_or_default();
        if add {
            for (name, color) in &tags {
                self.ensure_tag(name, color.clone());
            }
        }
        let Some(c) = self.customers.get_mut(&id) else {
            return Err(ApiError::not_found("Customer", id));
        };
        for (name, _) in tags {
            if add {
                if !c.tags.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
                    c.tags.push(name);
                }
            } else {
                c.tags.retain(|t| !t.eq_ignore_ascii_case(&name));
            }
        }
        Ok(c.clone())
    }

    /// `POST /events`.
    pub fn add_event(&mut self, body: &Map<String, Value>, now: i64) -> ApiResult<Event> {
        let mut errors = Vec::new();
        let name = match body.get("name") {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
            Some(Value::String(_)) | None | Some(Value::Null) => {
                errors.push(required("name"));
                None
            }
            Some(_) => {
                errors.push(type_err("name", "string"));
                None
            }
        };
        let data = match body.get("data") {
            None | Some(Value::Null) => json!({}),
            Some(v @ Value::Object(_)) => v.clone(),
            Some(_) => {
                errors.push(type_err("data", "array"));
                Value::Null
            }
        };
        let customer = match body.get("customer") {
            None | Some(Value::Null) => {
                errors.push(required("customer"));
                None
            }
            Some(v) => match unix_input(v).filter(|_| !v.is_boolean()) {
                Some(id) => Some(id),
                None => {
                    errors.push(type_err("customer", "number"));
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let customer = customer.unwrap_or_default();
        self.customer(customer)?;
        let e = Event {
            id: self.events.next_id(),
            customer,
            name: name.unwrap_or_default(),
            data,
            created_at: now,
        };
        self.events.insert(e.id, e.clone());
        Ok(e)
    }
}
