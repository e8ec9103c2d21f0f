//! `/__admin/accounts`: the tokens the emulator accepts, and adding one while it runs (a new
//! token on an existing account, or a new account that starts from the seed).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde_json::{json, Value};

use super::{bad_request, AdminResult};
use crate::platform::auth::TokenEntry;
use crate::platform::auth::{reserved_account, unnamed_account};
use crate::state::AppState;

/// `GET /__admin/accounts`.
pub(super) async fn list(State(st): State<AppState>) -> Json<Value> {
    Json(json!({ "accounts": st.platform.accounts.list() }))
}

/// `POST /__admin/accounts` with `{"vendor", "token", "account"?}`; without `account` the
/// token gets its own (`token:<token>`), as an unnamed `--token` does.
pub(super) async fn add(State(st): State<AppState>, body: axum::body::Bytes) -> AdminResult {
    let obj = super::json_object(&body)?;
    if let Some(k) = obj
        .keys()
        .find(|k| !["vendor", "token", "account"].contains(&k.as_str()))
    {
        return Err(bad_request(format!("unknown field {k}")));
    }
    // A token travels in an `Authorization` header: visible ASCII only. An account name may be
    // any text without spaces or control characters.
    let text = |k: &str| {
        let ok = |s: &str| {
            !s.is_empty()
                && if k == "token" {
                    s.bytes().all(|b| b.is_ascii_graphic())
                } else {
                    !s.chars().any(|c| c.is_whitespace() || c.is_control())
                }
        };
        match obj.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if ok(s) => Ok(Some(s.clone())),
            Some(_) if k == "token" => Err(bad_request(
                "token must be a non-empty string of visible ASCII characters",
            )),
            Some(_) => Err(bad_request(format!(
                "{k} must be a non-empty string without spaces or control characters"
            ))),
        }
    };
    let vendor = text("vendor")?.ok_or_else(|| bad_request("vendor is required"))?;
    let token = text("token")?.ok_or_else(|| bad_request("token is required"))?;
    super::backend(&st, &vendor)?;
    let account = match text("account")? {
        Some(a) if reserved_account(&a) => {
            return Err(bad_request(
                "account names starting with `token:` are kept for tokens without an account",
            ))
        }
        Some(a) => a,
        None => unnamed_account(&token),
    };
    let entry = TokenEntry {
        vendor,
        token,
        account,
    };
    st.platform.accounts.add_runtime(entry.clone());
    st.store_settings().map_err(super::not_stored)?;
    Ok((StatusCode::CREATED, Json(json!(entry))).into_response())
}
