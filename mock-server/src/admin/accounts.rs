//! `/__admin/accounts`: the tokens the emulator accepts, and adding one while it runs (a new
//! token on an existing account, or a new account that starts from the seed).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde_json::{json, Value};

use super::{bad_request, AdminResult};
use crate::platform::auth::TokenEntry;
use crate::platform::extract::parse_object;
use crate::state::{reserved_account, unnamed_account, AppState};

/// `GET /__admin/accounts`.
pub async fn list(State(st): State<AppState>) -> Json<Value> {
    Json(json!({ "accounts": st.platform.accounts.list() }))
}

/// `POST /__admin/accounts` with `{"vendor", "token", "account"?}`; without `account` the
/// token gets its own (`token:<token>`), as an unnamed `--token` does.
pub async fn add(State(st): State<AppState>, body: axum::body::Bytes) -> AdminResult {
    let obj = parse_object(&body).map_err(|_| bad_request("body must be a JSON object"))?;
    if let Some(k) = obj
        .keys()
        .find(|k| !["vendor", "token", "account"].contains(&k.as_str()))
    {
        return Err(bad_request(format!("unknown field {k}")));
    }
    let text = |k: &str| match obj.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() && !s.contains(char::is_whitespace) => {
            Ok(Some(s.clone()))
        }
        Some(_) => Err(bad_request(format!(
            "{k} must be a non-empty string without spaces"
        ))),
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
