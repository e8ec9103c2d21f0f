//! Assertions every surface's checks share, the catalogue-driven read and error checks, and the
//! coverage check (every schema operation has a catalogue case, a route and a contract check).

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use crate::schema::Contract;
use mock_server::client::CaseRun;
use mock_server::platform::catalogue::{self, Effect, Snapshot};
use reqwest::Method;

use crate::target::{mock_config, Exchange, Surface, Target};

thread_local! {
    /// While [`covered_by`] runs: every (method, template) a check asserted conformance for.
    static COVERED: RefCell<Option<BTreeSet<(String, String)>>> = const { RefCell::new(None) };
}

/// Runs `f` and returns every (method, template) that `conforms` checked meanwhile on this
/// thread. Property checks run one case each meanwhile (see [`cases`]).
pub fn covered_by(f: impl FnOnce()) -> BTreeSet<(String, String)> {
    COVERED.with(|c| *c.borrow_mut() = Some(BTreeSet::new()));
    f();
    COVERED.with(|c| c.borrow_mut().take().unwrap_or_default())
}

fn recording() -> bool {
    COVERED.with(|c| c.borrow().is_some())
}

/// Asserts the exchange matches the documented response for `template`, listing every
/// deviation (pointer, kind, expected vs found) and the body when it does not.
pub fn conforms(contract: &Contract, ex: &Exchange, template: &str) {
    let d = contract.validate_response(&ex.method, template, ex.status, &ex.headers, &ex.body);
    let list: Vec<String> = d.iter().map(ToString::to_string).collect();
    assert!(
        list.is_empty(),
        "{} {} ({}) deviates:\n  {}\nbody: {}",
        ex.method,
        ex.path,
        ex.status,
        list.join("\n  "),
        ex.raw
    );
    COVERED.with(|c| {
        if let Some(set) = c.borrow_mut().as_mut() {
            set.insert((ex.method.to_uppercase(), template.to_string()));
        }
    });
}

/// Property cases: `PROPTEST_CASES` if set, else `mock_default` on the emulator and
/// `real_default` on a real API (every case costs real, rate-limited requests there).
pub fn cases(t: &Target, mock_default: u32, real_default: u32) -> u32 {
    if recording() {
        return 1;
    }
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if t.is_mock() {
            mock_default
        } else {
            real_default
        })
}

/// A fresh emulator enforcing the documented rate limits (for the limit + 1st request checks).
pub fn rate_limited_emulator(surface: Surface) -> Target {
    let cfg = mock_server::Config {
        rate_limits: mock_server::platform::RateLimitMode::Documented,
        ..mock_config()
    };
    Target::mock(surface, cfg)
}

/// Spends a window's budget with `budget` GETs of `path` (each must answer 200 and pass
/// `each`, given its index), then returns the next exchange, which should be the 429.
pub fn exhaust(t: &Target, path: &str, budget: u32, each: impl Fn(u32, &Exchange)) -> Exchange {
    for i in 0..budget {
        let ex = t.call(Method::GET, path, None);
        assert_eq!(ex.status, 200, "request {} of {budget}: {}", i + 1, ex.raw);
        each(i, &ex);
    }
    let ex = t.call(Method::GET, path, None);
    assert_eq!(
        ex.status,
        429,
        "request {} should be refused: {}",
        budget + 1,
        ex.raw
    );
    ex
}

/// The name a catalogue case is snapshotted under: `{surface}_{case}` (`-` as `_`).
pub fn snapshot_name(surface: &Surface, case: &str) -> String {
    format!("{}_{case}", surface.id().replace('-', "_"))
}

/// Sends the catalogue's reads and errors in order: each answers its documented status and
/// conforms to `contract`; `snapshot` gets the cases the catalogue snapshots on this target.
/// A case whose record the target lacks is skipped with a message. Returns the answers by
/// case name.
pub fn catalogue_reads(
    t: &Target,
    contract: &Contract,
    snapshot: impl Fn(&str, &Exchange),
) -> HashMap<&'static str, Exchange> {
    let cases: Vec<_> = t
        .surface
        .dialect
        .catalogue()
        .into_iter()
        .filter(|c| c.effect == Effect::Read)
        .collect();
    let mut out = HashMap::new();
    for (case, run) in cases.iter().zip(t.run_cases(&cases, false)) {
        let ex = match run {
            CaseRun::Answered(ex) => ex,
            CaseRun::Skipped(why) => {
                eprintln!("{}: {} not checked: {why}", t.surface.id(), case.name);
                continue;
            }
            CaseRun::Failed(e) => panic!("{}: {e}", case.name),
        };
        assert_eq!(ex.status, case.expect, "{}: {}", case.name, ex.raw);
        conforms(contract, &ex, case.template);
        let name = snapshot_name(&t.surface, case.name);
        match case.snapshot {
            Snapshot::Everywhere => snapshot(&name, &ex),
            Snapshot::Emulator if !t.skip_unless_mock(case.name) => snapshot(&name, &ex),
            Snapshot::Emulator | Snapshot::No => {}
        }
        out.insert(case.name, ex);
    }
    out
}

/// A surface's contract checks, by name.
pub type Checks = &'static [(&'static str, fn(&Target))];

/// Every operation of the surface's schema has a catalogue case, a route that answers the
/// case as documented on a fresh emulator (writes included), and a contract check that
/// asserts conformance for it: deleting a case, a route or a check makes this fail.
pub fn every_operation_has_a_case_a_route_and_a_check(
    surface: Surface,
    contract: &Contract,
    checks: Checks,
) {
    let schema: BTreeSet<(String, String, String)> = contract.operations().into_iter().collect();
    let ids: BTreeSet<&str> = schema.iter().map(|o| o.2.as_str()).collect();
    let cases = surface.dialect.catalogue();
    let named: BTreeSet<&str> = catalogue::operations(&cases).into_iter().collect();
    assert_eq!(ids, named, "schema operations vs catalogue operations");
    let mut names = BTreeSet::new();
    for c in &cases {
        assert!(names.insert(c.name), "case name {} is used twice", c.name);
        assert!(
            schema.contains(&(
                c.method.to_string(),
                c.template.to_string(),
                c.operation.to_string()
            )),
            "{}: {} {} is not operation {} in the schema",
            c.name,
            c.method,
            c.template,
            c.operation
        );
    }
    let t = Target::mock(surface, mock_config());
    for (case, run) in cases.iter().zip(t.run_cases(&cases, true)) {
        let CaseRun::Answered(ex) = run else {
            panic!("{}: not answered on the emulator: {run:?}", case.name);
        };
        assert_eq!(ex.status, case.expect, "{}: {}", case.name, ex.raw);
        conforms(contract, &ex, case.template);
    }
    let covered = covered_by(|| {
        for (name, check) in checks {
            eprintln!("coverage: running {name}");
            check(&Target::mock(surface, mock_config()));
        }
    });
    let unchecked: Vec<&String> = schema
        .iter()
        .filter(|(m, p, _)| !covered.contains(&(m.clone(), p.clone())))
        .map(|o| &o.2)
        .collect();
    assert!(
        unchecked.is_empty(),
        "no contract check covers {unchecked:?}"
    );
}
