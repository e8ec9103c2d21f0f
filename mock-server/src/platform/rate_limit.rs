//! Per-account rate limiting with fixed windows.
//!
//! Why not `governor`: the vendors we emulate document fixed-window counters (Laravel's
//! throttle: `x-ratelimit-remaining` counts 29, 28, … within a minute and the whole budget
//! comes back when the window ends; "5000 per day"). GCRA, which governor implements,
//! replenishes continuously, so the remaining counts and the `Retry-After` values a client sees
//! would differ from the vendor's. A fixed-window counter is a few lines, reads the injectable
//! clock, and reproduces the documented numbers exactly.
//!
//! A policy is a list of windows; a request must fit in all of them. Counters are kept per
//! (budget, account): surfaces that share a budget (one vendor's two APIs) name the same budget.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::clock::Clock;

/// One fixed window: at most `limit` requests per `seconds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    pub limit: u32,
    pub seconds: u64,
}

impl Window {
    /// The window's length in milliseconds (saturating).
    fn span_ms(&self) -> i64 {
        i64::try_from(self.seconds)
            .unwrap_or(i64::MAX)
            .saturating_mul(1000)
    }
}

/// What a surface allows; an empty list means unlimited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Policy {
    pub windows: Vec<Window>,
}

impl Policy {
    pub fn unlimited() -> Self {
        Self::default()
    }

    pub fn per(limit: u32, seconds: u64) -> Self {
        Self {
            windows: vec![Window { limit, seconds }],
        }
    }
}

/// The outcome of one check, enough for any header style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// The limit of the tightest window (the one with the fewest requests left).
    pub limit: u32,
    /// Requests left in the tightest window after this one.
    pub remaining: u32,
    /// Seconds until the blocking window resets (only meaningful when not allowed),
    /// or until the tightest window resets when allowed.
    pub reset_after: u64,
}

#[derive(Debug, Clone, Copy)]
struct Counter {
    window_start_ms: i64,
    count: u32,
}

/// The value under `key`, inserted empty first if absent. The key is copied only then (the
/// entry API would copy it on every call).
fn slot<'m, V: Default>(map: &'m mut HashMap<String, V>, key: &str) -> &'m mut V {
    if !map.contains_key(key) {
        map.insert(key.to_string(), V::default());
    }
    map.get_mut(key).expect("inserted above")
}

/// The longest window accepted from flags or the admin API (a year).
pub const MAX_WINDOW_SECONDS: u64 = 366 * 86_400;

/// Counters for every budget, account and window seen so far (looked up by borrowed names,
/// so a request allocates nothing once its account has counters).
#[derive(Debug, Default)]
pub struct RateLimiter {
    counters: Mutex<HashMap<String, HashMap<String, Vec<Counter>>>>,
}

impl RateLimiter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one request against every window (none: unlimited). A rejected request does
    /// not consume budget in any window.
    pub fn check(
        &self,
        clock: &Clock,
        budget: &str,
        account: &str,
        windows: &[Window],
    ) -> Decision {
        let unlimited = Decision {
            allowed: true,
            limit: u32::MAX,
            remaining: u32::MAX,
            reset_after: 0,
        };
        if windows.is_empty() {
            return unlimited;
        }
        let now = clock.now_ms();
        let mut all = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        let counters = slot(slot(&mut all, budget), account);
        if counters.len() < windows.len() {
            counters.resize(
                windows.len(),
                Counter {
                    window_start_ms: now,
                    count: 0,
                },
            );
        }
        // First pass: roll expired windows and find whether any window is full.
        let mut blocked: Option<u64> = None;
        for (w, c) in windows.iter().zip(counters.iter_mut()) {
            let span = w.span_ms();
            if now.saturating_sub(c.window_start_ms) >= span || now < c.window_start_ms {
                *c = Counter {
                    window_start_ms: now,
                    count: 0,
                };
            }
            if c.count >= w.limit {
                let reset_s = reset_seconds(c, span, now);
                blocked = Some(blocked.map_or(reset_s, |b| b.max(reset_s)));
            }
        }
        if let Some(retry_after) = blocked {
            let tightest = windows.iter().map(|w| w.limit).min().unwrap_or(0);
            return Decision {
                allowed: false,
                limit: tightest,
                remaining: 0,
                reset_after: retry_after,
            };
        }
        let mut best: Option<Decision> = None;
        for (w, c) in windows.iter().zip(counters.iter_mut()) {
            c.count += 1;
            let d = Decision {
                allowed: true,
                limit: w.limit,
                remaining: w.limit.saturating_sub(c.count),
                reset_after: reset_seconds(c, w.span_ms(), now),
            };
            if best.is_none_or(|b| d.remaining < b.remaining) {
                best = Some(d);
            }
        }
        best.unwrap_or(unlimited)
    }

    /// What is left for an account in the tightest window, without counting a request
    /// (`None`: no limit in force).
    pub fn peek(
        &self,
        clock: &Clock,
        budget: &str,
        account: &str,
        windows: &[Window],
    ) -> Option<Decision> {
        let now = clock.now_ms();
        let all = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        let counters = all.get(budget).and_then(|a| a.get(account));
        windows
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let span = w.span_ms();
                let live = counters
                    .and_then(|c| c.get(i))
                    .filter(|c| now >= c.window_start_ms && now - c.window_start_ms < span);
                let used = live.map_or(0, |c| c.count);
                Decision {
                    allowed: used < w.limit,
                    limit: w.limit,
                    remaining: w.limit.saturating_sub(used),
                    reset_after: live.map_or(w.seconds, |c| reset_seconds(c, span, now)),
                }
            })
            .min_by_key(|d| d.remaining)
    }

    /// Forgets every counter of one account in one budget (or all, with `None`).
    pub fn clear(&self, budget: Option<&str>, account: Option<&str>) {
        let mut all = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        for (b, accounts) in all.iter_mut() {
            if budget.is_none_or(|x| x == b) {
                accounts.retain(|a, _| account.is_some_and(|x| x != a));
            }
        }
    }
}

/// Whole seconds until the window of `c` (`span_ms` long) ends, at least one.
fn reset_seconds(c: &Counter, span_ms: i64, now: i64) -> u64 {
    let reset_ms = c
        .window_start_ms
        .saturating_add(span_ms)
        .saturating_sub(now);
    (reset_ms.saturating_add(999) / 1000).max(1) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The limit+1st request inside a window is refused; remaining counts down; a new window
    /// restores the budget.
    #[test]
    fn fixed_window_counts_down_and_resets() {
        let clock = Clock::frozen_at_ms(0);
        let rl = RateLimiter::new();
        let p = Policy::per(3, 60);
        let rem: Vec<u32> = (0..3)
            .map(|_| rl.check(&clock, "b", "a", &p.windows).remaining)
            .collect();
        assert_eq!(rem, vec![2, 1, 0]);
        let d = rl.check(&clock, "b", "a", &p.windows);
        assert!(!d.allowed);
        assert_eq!(d.reset_after, 60);
        clock.advance_ms(59_000);
        let d = rl.check(&clock, "b", "a", &p.windows);
        assert!(!d.allowed);
        assert_eq!(d.reset_after, 1);
        clock.advance_ms(1_000);
        assert!(rl.check(&clock, "b", "a", &p.windows).allowed);
    }

    /// Accounts and budgets have separate counters.
    #[test]
    fn accounts_are_isolated() {
        let clock = Clock::frozen_at_ms(0);
        let rl = RateLimiter::new();
        let p = Policy::per(1, 1);
        assert!(rl.check(&clock, "b", "a1", &p.windows).allowed);
        assert!(rl.check(&clock, "b", "a2", &p.windows).allowed);
        assert!(rl.check(&clock, "c", "a1", &p.windows).allowed);
        assert!(!rl.check(&clock, "b", "a1", &p.windows).allowed);
    }

    /// With two windows (per second and per day) both must have room, and a refused request
    /// consumes nothing.
    #[test]
    fn all_windows_must_have_room() {
        let clock = Clock::frozen_at_ms(0);
        let rl = RateLimiter::new();
        let p = Policy {
            windows: vec![
                Window {
                    limit: 1,
                    seconds: 1,
                },
                Window {
                    limit: 2,
                    seconds: 86_400,
                },
            ],
        };
        assert!(rl.check(&clock, "b", "a", &p.windows).allowed);
        assert!(!rl.check(&clock, "b", "a", &p.windows).allowed);
        clock.advance_ms(1_000);
        let d = rl.check(&clock, "b", "a", &p.windows);
        assert!(d.allowed);
        assert_eq!(d.remaining, 0);
        clock.advance_ms(1_000);
        let d = rl.check(&clock, "b", "a", &p.windows);
        assert!(!d.allowed);
        assert!(d.reset_after > 80_000);
    }

    /// Absurd windows saturate instead of overflowing.
    #[test]
    fn huge_windows_do_not_overflow() {
        let clock = Clock::frozen_at_ms(i64::MAX / 2);
        let rl = RateLimiter::new();
        let p = Policy::per(1, u64::MAX);
        assert!(rl.check(&clock, "b", "a", &p.windows).allowed);
        let d = rl.check(&clock, "b", "a", &p.windows);
        assert!(!d.allowed && d.reset_after > 0);
    }

    /// Clearing an account restores its budget at once.
    #[test]
    fn clear_restores_budget() {
        let clock = Clock::frozen_at_ms(0);
        let rl = RateLimiter::new();
        let p = Policy::per(1, 60);
        rl.check(&clock, "b", "a", &p.windows);
        assert!(!rl.check(&clock, "b", "a", &p.windows).allowed);
        rl.clear(Some("b"), Some("a"));
        assert!(rl.check(&clock, "b", "a", &p.windows).allowed);
    }
}
