//! How `mockdesk snapshot` reads a Chative account: the contacts list pages through every
//! contact (`page` from 0, `limit` up to 200); the custom-field definitions cannot be listed,
//! so each field a contact holds is defined from its values (a number field for numbers —
//! dates are numbers too and read back alike —, a boolean field for booleans, else text; the
//! label is the key). Personal data: names, email, phone, and the text of custom values.

use serde_json::{json, Value};

use super::state::{CustomField, FieldType};
use crate::platform::snapshot::{Listed, Listing, Paging, Personal, PersonalField, SnapshotSpec};

pub(crate) static SPEC: SnapshotSpec = SnapshotSpec {
    listed: &[Listed::new(
        "contacts",
        "/contacts",
        "/list",
        Paging::PageLimit {
            page: "page",
            limit: "limit",
            first: 0,
            size: 200,
        },
    )],
    not_listed: &["customFields"],
    personal: &[
        PersonalField::new("contacts", "firstName", Personal::FirstName),
        PersonalField::new("contacts", "lastName", Personal::LastName),
        PersonalField::new("contacts", "email", Personal::Email),
        PersonalField::new("contacts", "phone", Personal::Phone),
        PersonalField::new("contacts", "customFields.*", Personal::Text),
    ],
    assemble,
};

fn assemble(mut listed: Listing) -> Result<Value, String> {
    let contacts = listed.remove("contacts").unwrap_or_default();
    let mut fields: Vec<CustomField> = Vec::new();
    for c in &contacts {
        let Some(custom) = c.get("customFields").and_then(Value::as_object) else {
            continue;
        };
        for (key, v) in custom {
            let seen = match v {
                Value::Number(_) => FieldType::Number,
                Value::Bool(_) => FieldType::Boolean,
                Value::Null => continue,
                _ => FieldType::Text,
            };
            match fields.iter_mut().find(|f| &f.key == key) {
                Some(f) if f.field_type != seen => f.field_type = FieldType::Text,
                Some(_) => {}
                None => fields.push(CustomField {
                    key: key.clone(),
                    label: key.clone(),
                    field_type: seen,
                }),
            }
        }
    }
    // A field whose values are of several types cannot be text either: text takes strings
    // only. Such a snapshot is refused with the field named.
    for f in fields.iter().filter(|f| f.field_type == FieldType::Text) {
        let mixed = contacts.iter().any(|c| {
            c["customFields"]
                .get(&f.key)
                .is_some_and(|v| !v.is_string() && !v.is_null())
        });
        if mixed {
            return Err(format!(
                "custom field {} holds values of several types",
                f.key
            ));
        }
    }
    Ok(json!({"customFields": fields, "contacts": contacts}))
}
