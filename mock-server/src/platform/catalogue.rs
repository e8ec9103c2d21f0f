//! A surface's operation catalogue: every documented operation once, each with the request that
//! exercises it, the status it should answer, whether it writes and how it cleans up after
//! itself. `mockdesk verify` sends the cases, the contract suite iterates the reads and the
//! errors (and snapshots them), and a coverage test checks that every operation of the
//! surface's OpenAPI document has a case, a route and a contract check. Neutral data: vendors
//! fill it in their `catalogue.rs`.
//!
//! Paths and bodies may refer to earlier answers with `{$case/json/pointer}`, e.g.
//! `/users/{$listUsers/data/0/id}`, so a case addresses a record the target really has. A
//! segment `name[field=value]` picks the first array element whose `field` prints as `value`
//! (`{$listInboxes/data/results[is_authorised=true]/id}`); a `|ymd` suffix turns a timestamp
//! into `yyyy/mm/dd` path segments, `|date` into `yyyy-mm-dd`.

/// Which credentials a case sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseAuth {
    /// The token the run was given.
    Token,
    /// No `Authorization` header.
    Missing,
    /// A bearer token no account has.
    Invalid,
}

/// How a write leaves the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cleanup {
    /// Writes back a value it read first: the record ends as it was.
    WritesBack,
    /// Creates a record that the named later case deletes.
    DeletedBy(&'static str),
    /// Changes the record the named earlier case created (and a later case deletes).
    OnCreated(&'static str),
    /// Deletes the record the named earlier case created.
    Deletes(&'static str),
    /// Leaves a change no operation of the API undoes (the reason says what); sent only where
    /// lasting writes are allowed (the emulator).
    Lasting(&'static str),
}

/// What a case does to the target's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Read,
    Write(Cleanup),
}

/// Where the contract suite snapshots a case's exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Snapshot {
    /// Not snapshotted from the catalogue (a contract check snapshots it with its own data).
    No,
    /// On the emulator only: the answer depends on the seeded data.
    Emulator,
    /// On every target: the answer does not depend on account data (errors).
    Everywhere,
}

/// One request of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// Unique within the surface: the report row, the snapshot name (`{surface}_{name}`) and
    /// what later cases refer to.
    pub name: &'static str,
    /// The schema's `operationId` this case exercises.
    pub operation: &'static str,
    pub method: &'static str,
    /// The OpenAPI path template the answer is validated against.
    pub template: &'static str,
    /// The request path (may hold `{$case/pointer}` references).
    pub path: &'static str,
    /// A JSON body; string values `"{$case/pointer}"` are replaced by the referenced value.
    pub body: Option<&'static str>,
    /// Send the body's top-level fields as `multipart/form-data` text parts instead of JSON.
    pub form: bool,
    pub auth: CaseAuth,
    /// The documented status this request answers.
    pub expect: u16,
    pub effect: Effect,
    pub snapshot: Snapshot,
}

impl Case {
    const fn new(
        name: &'static str,
        method: &'static str,
        template: &'static str,
        path: &'static str,
    ) -> Self {
        Self {
            name,
            operation: name,
            method,
            template,
            path,
            body: None,
            form: false,
            auth: CaseAuth::Token,
            expect: 200,
            effect: Effect::Read,
            snapshot: Snapshot::Emulator,
        }
    }

    /// A GET of operation `operation` expected to answer 200, snapshotted on the emulator.
    pub const fn get(operation: &'static str, template: &'static str, path: &'static str) -> Self {
        Self::new(operation, "GET", template, path)
    }

    /// A read-only POST (a search) with a JSON body.
    pub const fn search(
        operation: &'static str,
        template: &'static str,
        path: &'static str,
        body: &'static str,
    ) -> Self {
        Self::new(operation, "POST", template, path).body(body)
    }

    /// A write with an optional JSON body, expected to answer `expect`; not snapshotted here
    /// (the contract suite's write checks snapshot writes on records they make).
    pub const fn write(
        operation: &'static str,
        method: &'static str,
        template: &'static str,
        path: &'static str,
        expect: u16,
        cleanup: Cleanup,
    ) -> Self {
        let mut c = Self::new(operation, method, template, path);
        c.expect = expect;
        c.effect = Effect::Write(cleanup);
        c.snapshot = Snapshot::No;
        c
    }

    /// An error case: a GET named `error_…` against `operation`, snapshotted everywhere.
    pub const fn error(
        name: &'static str,
        operation: &'static str,
        template: &'static str,
        path: &'static str,
        expect: u16,
    ) -> Self {
        let mut c = Self::new(name, "GET", template, path);
        c.operation = operation;
        c.expect = expect;
        c.snapshot = Snapshot::Everywhere;
        c
    }

    /// The same case under another name (a second request to one operation).
    pub const fn named(mut self, name: &'static str) -> Self {
        self.name = name;
        self
    }

    pub const fn method(mut self, method: &'static str) -> Self {
        self.method = method;
        self
    }

    pub const fn body(mut self, body: &'static str) -> Self {
        self.body = Some(body);
        self
    }

    /// Sends the body as multipart form fields.
    pub const fn form(mut self) -> Self {
        self.form = true;
        self
    }

    pub const fn auth(mut self, auth: CaseAuth) -> Self {
        self.auth = auth;
        self
    }

    /// Not snapshotted from the catalogue.
    pub const fn unsnapshotted(mut self) -> Self {
        self.snapshot = Snapshot::No;
        self
    }

    pub fn is_write(&self) -> bool {
        matches!(self.effect, Effect::Write(_))
    }

    /// Whether the case leaves a change the API cannot undo.
    pub fn is_lasting(&self) -> bool {
        matches!(self.effect, Effect::Write(Cleanup::Lasting(_)))
    }
}

/// The operations a catalogue names, each once, in catalogue order.
pub fn operations(cases: &[Case]) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for c in cases {
        if !out.contains(&c.operation) {
            out.push(c.operation);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builders set what they say and nothing else.
    #[test]
    fn builders() {
        let c = Case::get("listThings", "/things", "/things?limit=3");
        assert_eq!(
            (c.name, c.operation, c.method, c.expect),
            ("listThings", "listThings", "GET", 200)
        );
        assert_eq!((c.effect, c.snapshot), (Effect::Read, Snapshot::Emulator));
        let e = Case::error("error_missing_key", "listThings", "/things", "/things", 401)
            .auth(CaseAuth::Missing);
        assert_eq!(
            (e.name, e.operation, e.auth),
            ("error_missing_key", "listThings", CaseAuth::Missing)
        );
        assert_eq!(e.snapshot, Snapshot::Everywhere);
        let w = Case::write(
            "deleteThing",
            "DELETE",
            "/things/{id}",
            "/things/1",
            204,
            Cleanup::Lasting("x"),
        );
        assert!(w.is_write() && w.is_lasting());
        assert_eq!(
            operations(&[c.clone(), c.named("again"), w]),
            ["listThings", "deleteThing"]
        );
    }
}
