//! Field-by-field validation of a JSON object body, collecting neutral [`FieldError`]s so the
//! vendor renders them in its own words. Rules are the common ones (required / nullable,
//! type, length, range, allowed values); vendors add their own checks on top.

use serde_json::{Map, Value};

use super::error::{ApiError, FieldError, Problem};

/// A plausible email address: one `@`, a non-empty local part, a dotted domain.
pub fn looks_like_email(s: &str) -> bool {
    let mut parts = s.split('@');
    matches!((parts.next(), parts.next(), parts.next()),
        (Some(a), Some(b), None) if !a.is_empty() && b.contains('.') && !b.starts_with('.') && !b.ends_with('.'))
}

/// A JSON number that is a whole number, whether written `232` or `232.0` (as JSON Schema
/// counts integers); floats beyond 9e15 are no longer exact and read as none.
pub fn whole_number(n: &serde_json::Number) -> Option<i64> {
    n.as_i64().or_else(|| {
        n.as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
            .map(|f| f as i64)
    })
}

/// Whether a field must be present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Absent or null is an error.
    Required,
    /// Absent or null reads as `None`.
    Optional,
}

/// A validating reader over one JSON object.
pub struct Input<'a> {
    obj: &'a Map<String, Value>,
    errors: Vec<FieldError>,
    /// Accept numeric strings for integers and "0"/"1"/"true"/"false" for booleans, as
    /// form-oriented frameworks do.
    lenient: bool,
}

impl<'a> Input<'a> {
    pub fn new(obj: &'a Map<String, Value>) -> Self {
        Self {
            obj,
            errors: Vec::new(),
            lenient: false,
        }
    }

    /// Accepts numeric strings as integers and 0/1 strings or numbers as booleans.
    pub fn lenient(mut self) -> Self {
        self.lenient = true;
        self
    }

    pub fn fail(&mut self, field: impl Into<String>, problem: Problem) {
        self.errors.push(FieldError::new(field, problem));
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// Refuses every field not in `allowed` (`Problem::NotAllowed`), in the body's order.
    pub fn only(&mut self, allowed: &[&str]) {
        let unknown: Vec<String> = self
            .obj
            .keys()
            .filter(|k| !allowed.contains(&k.as_str()))
            .cloned()
            .collect();
        for k in unknown {
            self.fail(k, Problem::NotAllowed);
        }
    }

    /// A nullable reference: `Some(None)` when sent as null, `None` when absent or invalid.
    pub fn nullable_integer(&mut self, field: &str) -> Option<Option<i64>> {
        match self.obj.get(field) {
            None => None,
            Some(Value::Null) => Some(None),
            Some(_) => self.integer(field, Presence::Optional).map(Some),
        }
    }

    /// Whether `field` is present (even if null).
    pub fn present(&self, field: &str) -> bool {
        self.obj.contains_key(field)
    }

    fn value(&mut self, field: &str, presence: Presence) -> Option<&'a Value> {
        match self.obj.get(field) {
            None | Some(Value::Null) => {
                if presence == Presence::Required {
                    self.fail(field, Problem::Required);
                }
                None
            }
            Some(v) => Some(v),
        }
    }

    pub fn string(
        &mut self,
        field: &str,
        presence: Presence,
        max: Option<usize>,
    ) -> Option<String> {
        let v = self.value(field, presence)?;
        match v {
            Value::String(s) => {
                if presence == Presence::Required && s.trim().is_empty() {
                    self.fail(field, Problem::Required);
                    return None;
                }
                if let Some(m) = max {
                    if s.chars().count() > m {
                        self.fail(field, Problem::TooLong { max: m });
                        return None;
                    }
                }
                Some(s.clone())
            }
            _ => {
                self.fail(field, Problem::Type { expected: "string" });
                None
            }
        }
    }

    fn as_integer(&self, v: &Value) -> Option<i64> {
        match v {
            Value::Number(n) => whole_number(n),
            Value::String(s) if self.lenient => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn integer(&mut self, field: &str, presence: Presence) -> Option<i64> {
        let v = self.value(field, presence)?;
        let n = self.as_integer(v);
        if n.is_none() {
            self.fail(
                field,
                Problem::Type {
                    expected: "integer",
                },
            );
        }
        n
    }

    pub fn boolean(&mut self, field: &str, presence: Presence) -> Option<bool> {
        let v = self.value(field, presence)?;
        let b = match v {
            Value::Bool(b) => Some(*b),
            Value::Number(n) if self.lenient => match n.as_i64() {
                Some(0) => Some(false),
                Some(1) => Some(true),
                _ => None,
            },
            Value::String(s) if self.lenient => match s.as_str() {
                "0" | "false" => Some(false),
                "1" | "true" => Some(true),
                _ => None,
            },
            _ => None,
        };
        if b.is_none() {
            self.fail(
                field,
                Problem::Type {
                    expected: "boolean",
                },
            );
        }
        b
    }

    /// A list of integers; each bad element is reported as `field.i`.
    pub fn integer_list(&mut self, field: &str, presence: Presence) -> Option<Vec<i64>> {
        let v = self.value(field, presence)?;
        let Value::Array(items) = v else {
            self.fail(field, Problem::Type { expected: "array" });
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            match self.as_integer(item) {
                Some(n) => out.push(n),
                None => {
                    ok = false;
                    self.fail(
                        format!("{field}.{i}"),
                        Problem::Type {
                            expected: "integer",
                        },
                    );
                }
            }
        }
        ok.then_some(out)
    }

    /// A list of strings; each bad element is reported as `field.i`.
    pub fn string_list(&mut self, field: &str, presence: Presence) -> Option<Vec<String>> {
        let v = self.value(field, presence)?;
        let Value::Array(items) = v else {
            self.fail(field, Problem::Type { expected: "array" });
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            match item {
                Value::String(s) if !s.trim().is_empty() => out.push(s.clone()),
                _ => {
                    ok = false;
                    self.fail(format!("{field}.{i}"), Problem::Type { expected: "string" });
                }
            }
        }
        ok.then_some(out)
    }

    /// A string that must be one of `allowed`.
    pub fn one_of(&mut self, field: &str, presence: Presence, allowed: &[&str]) -> Option<String> {
        let s = self.string(field, presence, None)?;
        if allowed.contains(&s.as_str()) {
            Some(s)
        } else {
            self.fail(
                field,
                Problem::OneOf {
                    allowed: allowed.iter().map(|a| a.to_string()).collect(),
                },
            );
            None
        }
    }

    /// Ends validation: `Err` with every collected problem, in field order of discovery.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    /// Every problem is collected, with element paths for lists.
    #[test]
    fn collects_all_problems() {
        let o = obj(json!({"name": 5, "ids": [1, "x"], "flag": "yes"}));
        let mut i = Input::new(&o);
        assert_eq!(i.string("name", Presence::Required, None), None);
        assert_eq!(i.integer_list("ids", Presence::Optional), None);
        assert_eq!(i.boolean("flag", Presence::Optional), None);
        assert_eq!(i.string("missing", Presence::Required, None), None);
        let Err(ApiError::Validation(errs)) = i.finish() else {
            panic!("expected validation errors")
        };
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "ids.1", "flag", "missing"]);
        assert_eq!(errs[3].problem, Problem::Required);
    }

    /// Lenient mode accepts numeric strings and 0/1 booleans; strict mode does not.
    #[test]
    fn lenient_scalars() {
        let o = obj(json!({"n": "42", "b": "1"}));
        let mut i = Input::new(&o).lenient();
        assert_eq!(i.integer("n", Presence::Required), Some(42));
        assert_eq!(i.boolean("b", Presence::Required), Some(true));
        assert!(i.finish().is_ok());
        let mut i = Input::new(&o);
        assert_eq!(i.integer("n", Presence::Required), None);
        assert!(i.finish().is_err());
    }

    /// Email plausibility: one @, a local part, a dotted domain.
    #[test]
    fn email_shape() {
        assert!(looks_like_email("user@example.com"));
        assert!(!looks_like_email("user@"));
        assert!(!looks_like_email("a@b@c.d"));
        assert!(!looks_like_email("user@example."));
    }

    /// Null is allowed for optional fields and reads as None; too-long strings are refused.
    #[test]
    fn null_and_length() {
        let o = obj(json!({"d": null, "s": "abcdef"}));
        let mut i = Input::new(&o);
        assert_eq!(i.string("d", Presence::Optional, None), None);
        assert_eq!(i.string("s", Presence::Optional, Some(3)), None);
        let Err(ApiError::Validation(errs)) = i.finish() else {
            panic!()
        };
        assert_eq!(
            errs,
            vec![FieldError::new("s", Problem::TooLong { max: 3 })]
        );
    }
}
