//! Credentials -> account. A token belongs to one vendor: the same string never opens another
//! vendor's surfaces. Each account has isolated state and its own rate-limit budget.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use axum::http::HeaderMap;
use serde::Serialize;

use super::error::ApiError;

/// The account a request was authenticated as (cheap to clone: the id is shared).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub vendor: &'static str,
    pub id: Arc<str>,
}

/// How a surface carries its credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AuthScheme {
    /// `Authorization: Bearer <token>` (scheme name case-insensitive).
    Bearer,
}

/// What the request presented, before looking it up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential<'a> {
    Missing,
    Token(&'a str),
}

/// Reads the credential of `scheme` from the headers. A header in another scheme, or an empty
/// token, counts as missing.
pub fn credential(headers: &HeaderMap, scheme: AuthScheme) -> Credential<'_> {
    match scheme {
        AuthScheme::Bearer => {
            let Some(value) = headers
                .get(axum::http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
            else {
                return Credential::Missing;
            };
            // `to_str` let through visible ASCII, spaces and tabs only: the ASCII trim is
            // the whole trim.
            let value = value.trim_ascii();
            let Some((kind, token)) = value.split_once(' ') else {
                return Credential::Missing;
            };
            let token = token.trim_ascii();
            if !kind.eq_ignore_ascii_case("bearer") || token.is_empty() {
                return Credential::Missing;
            }
            Credential::Token(token)
        }
    }
}

/// The account an unnamed token gets: its own, named after the token so it can never be
/// another token's explicit account by accident (`token:<token>`).
pub fn unnamed_account(token: &str) -> String {
    format!("{UNNAMED_PREFIX}{token}")
}

const UNNAMED_PREFIX: &str = "token:";

/// Whether an explicit account name would be in the unnamed tokens' namespace (refused).
pub fn reserved_account(name: &str) -> bool {
    name.starts_with(UNNAMED_PREFIX)
}

/// One token as listed by the admin API.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct TokenEntry {
    pub vendor: String,
    pub token: String,
    pub account: String,
}

type Fold<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// The token registry: vendor -> token -> account id.
#[derive(Debug, Default)]
pub struct Accounts {
    /// Hashed with foldhash: two lookups on every request, where SipHash cost more than the
    /// rest of authentication.
    tokens: RwLock<Fold<String, Fold<String, Arc<str>>>>,
    /// Tokens added while running (`POST /__admin/accounts`), which `--state-dir` keeps.
    added: RwLock<Vec<TokenEntry>>,
}

impl Accounts {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&self, vendor: &str, token: &str, account: &str) {
        self.tokens
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .entry(vendor.to_string())
            .or_default()
            .insert(token.to_string(), Arc::from(account));
    }

    /// Adds a token at run time and remembers it among [`Accounts::added`].
    pub fn add_runtime(&self, entry: TokenEntry) {
        self.add(&entry.vendor, &entry.token, &entry.account);
        let mut added = self.added.write().unwrap_or_else(|p| p.into_inner());
        added.retain(|e| (&e.vendor, &e.token) != (&entry.vendor, &entry.token));
        added.push(entry);
    }

    /// The tokens added at run time, oldest first.
    pub fn added(&self) -> Vec<TokenEntry> {
        self.added.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Authenticates a credential for `vendor`.
    pub fn authenticate(
        &self,
        vendor: &'static str,
        cred: &Credential<'_>,
    ) -> Result<Account, ApiError> {
        match cred {
            Credential::Missing => Err(ApiError::Unauthenticated { missing: true }),
            Credential::Token(t) => self
                .lookup(vendor, t)
                .map(|id| Account { vendor, id })
                .ok_or(ApiError::Unauthenticated { missing: false }),
        }
    }

    fn lookup(&self, vendor: &str, token: &str) -> Option<Arc<str>> {
        self.tokens
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(vendor)
            .and_then(|t| t.get(token))
            .cloned()
    }

    /// The account a vendor's token opens, if any.
    pub fn account_of(&self, vendor: &str, token: &str) -> Option<String> {
        self.lookup(vendor, token).map(|a| a.to_string())
    }

    /// Every registered token, sorted by vendor then account.
    pub fn list(&self) -> Vec<TokenEntry> {
        let mut out: Vec<TokenEntry> = self
            .tokens
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .flat_map(|(v, tokens)| {
                tokens.iter().map(move |(t, a)| TokenEntry {
                    vendor: v.clone(),
                    token: t.clone(),
                    account: a.to_string(),
                })
            })
            .collect();
        out.sort_by(|a, b| {
            (&a.vendor, &a.account, &a.token).cmp(&(&b.vendor, &b.account, &b.token))
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("authorization", HeaderValue::from_str(v).unwrap());
        h
    }

    /// Bearer parsing: case-insensitive scheme; other schemes and empty tokens are "missing".
    #[test]
    fn bearer_parsing() {
        assert_eq!(
            credential(&headers("bearer abc"), AuthScheme::Bearer),
            Credential::Token("abc")
        );
        assert_eq!(
            credential(&headers("Basic abc"), AuthScheme::Bearer),
            Credential::Missing
        );
        assert_eq!(
            credential(&headers("Bearer   "), AuthScheme::Bearer),
            Credential::Missing
        );
        assert_eq!(
            credential(&HeaderMap::new(), AuthScheme::Bearer),
            Credential::Missing
        );
    }

    /// A token only authenticates for its own vendor; unknown tokens are "invalid", not missing.
    #[test]
    fn tokens_are_per_vendor() {
        let a = Accounts::new();
        a.add("v1", "t", "acct");
        let t = Credential::Token("t");
        assert_eq!(&*a.authenticate("v1", &t).unwrap().id, "acct");
        assert_eq!(
            a.authenticate("v2", &t),
            Err(ApiError::Unauthenticated { missing: false })
        );
        assert_eq!(
            a.authenticate("v1", &Credential::Missing),
            Err(ApiError::Unauthenticated { missing: true })
        );
    }
}
