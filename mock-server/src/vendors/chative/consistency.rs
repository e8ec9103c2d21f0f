//! The rules Chative contacts keep, as the API's update builds them: every custom value is
//! for a custom field the account defines and fits its type (dates as millisecond numbers);
//! the contact type is one of Guest, Lead, Customer. Checked over the seed (every `--seed`)
//! by a test and by the update in debug builds.

use super::state::{coerce, ChativeState, Contact};

impl ChativeState {
    /// Every rule broken anywhere in the state, each naming its record.
    pub fn problems(&self) -> Vec<String> {
        self.contacts
            .values()
            .flat_map(|c| self.contact_problems(c))
            .collect()
    }

    /// The rules of one contact.
    pub fn contact_problems(&self, c: &Contact) -> Vec<String> {
        let mut out = Vec::new();
        for (key, value) in &c.custom_fields {
            match self.custom_fields.iter().find(|f| &f.key == key) {
                None => out.push(format!("contact {}: no custom field {key}", c.id)),
                Some(f) if coerce(f.field_type, value).as_ref() != Some(value) => out.push(
                    format!("contact {}: {key} = {value} does not fit its type", c.id),
                ),
                Some(_) => {}
            }
        }
        if !["Guest", "Lead", "Customer"].contains(&c.contact_type.as_str()) {
            out.push(format!("contact {}: type {}", c.id, c.contact_type));
        }
        out
    }
}
