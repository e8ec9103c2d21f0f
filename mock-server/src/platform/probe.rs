//! Probes: the requests `mockdesk verify` sends to check a surface against its schema. A vendor
//! lists them (`Dialect::probes`); this is neutral data.
//!
//! Paths and bodies may refer to earlier responses with `{$operation/json/pointer}` — e.g.
//! `/users/{$listUsers/data/0/id}` — so a probe can address a record the target really has.

/// Which credentials a probe sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeAuth {
    /// The token given to verify.
    Token,
    /// No `Authorization` header.
    Missing,
    /// A token no account has.
    Invalid,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// The name shown in reports (the schema's operationId, or a label for error probes).
    pub name: &'static str,
    pub method: &'static str,
    /// The OpenAPI path template the response is validated against.
    pub template: &'static str,
    /// The request path (may hold `{$op/pointer}` references).
    pub path: &'static str,
    /// A JSON body; string values `"{$op/pointer}"` are replaced by the referenced value.
    pub body: Option<&'static str>,
    pub auth: ProbeAuth,
    pub expect: u16,
    /// Writes run only with `--allow-writes`.
    pub write: bool,
}

impl Probe {
    /// A read expected to answer 200.
    pub const fn get(name: &'static str, template: &'static str, path: &'static str) -> Self {
        Self {
            name,
            method: "GET",
            template,
            path,
            body: None,
            auth: ProbeAuth::Token,
            expect: 200,
            write: false,
        }
    }

    /// A write with a JSON body.
    pub const fn write(
        name: &'static str,
        method: &'static str,
        template: &'static str,
        path: &'static str,
        body: &'static str,
        expect: u16,
    ) -> Self {
        Self {
            name,
            method,
            template,
            path,
            body: Some(body),
            auth: ProbeAuth::Token,
            expect,
            write: true,
        }
    }

    /// A write without a body (a DELETE).
    pub const fn delete(
        name: &'static str,
        template: &'static str,
        path: &'static str,
        expect: u16,
    ) -> Self {
        Self {
            name,
            method: "DELETE",
            template,
            path,
            body: None,
            auth: ProbeAuth::Token,
            expect,
            write: true,
        }
    }

    pub const fn expect(mut self, status: u16) -> Self {
        self.expect = status;
        self
    }

    pub const fn auth(mut self, auth: ProbeAuth) -> Self {
        self.auth = auth;
        self
    }

    /// A read-only POST (a search).
    pub const fn post_read(
        name: &'static str,
        template: &'static str,
        path: &'static str,
        body: &'static str,
    ) -> Self {
        Self {
            name,
            method: "POST",
            template,
            path,
            body: Some(body),
            auth: ProbeAuth::Token,
            expect: 200,
            write: false,
        }
    }
}
