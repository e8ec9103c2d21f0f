//! Assertions every surface's checks share.

use crate::schema::Contract;
use reqwest::Method;

use crate::target::{mock_config, Exchange, Surface, Target};

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
}

/// Property cases: `PROPTEST_CASES` if set, else `mock_default` on the emulator and
/// `real_default` on a real API (every case costs real, rate-limited requests there).
pub fn cases(t: &Target, mock_default: u32, real_default: u32) -> u32 {
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
