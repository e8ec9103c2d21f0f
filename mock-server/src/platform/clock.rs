//! Injectable clock. Everything that reads "now" (timestamps on created records, rate-limit
//! windows) reads it here, so tests and the admin API can freeze or advance time instead of
//! sleeping.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Wall clock plus an offset (advancing moves the offset).
    Real { offset_ms: i64 },
    /// A fixed instant in unix milliseconds; only `advance` moves it.
    Frozen { at_ms: i64 },
}

/// The latest time the clock shows: the end of year 9999 (Unix milliseconds).
pub const MAX_MS: i64 = 253_402_300_799_999;
/// The earliest: the start of year 1.
pub const MIN_MS: i64 = -62_135_596_800_000;

/// A cheap, cloneable handle to the shared clock. Every part of an instance holds its
/// clock, so it also carries the instance's change counters ([`Clock::changes`]).
#[derive(Debug, Clone)]
pub struct Clock {
    mode: Arc<Mutex<Mode>>,
    changes: Arc<super::answers::Epochs>,
}

impl Default for Clock {
    fn default() -> Self {
        Self::real()
    }
}

#[allow(clippy::disallowed_methods)] // the one reader of the wall clock
fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_millis() as i64
}

impl Clock {
    pub fn real() -> Self {
        Self {
            mode: Arc::new(Mutex::new(Mode::Real { offset_ms: 0 })),
            changes: Default::default(),
        }
    }

    pub fn frozen_at_ms(at_ms: i64) -> Self {
        Self {
            mode: Arc::new(Mutex::new(Mode::Frozen { at_ms })),
            changes: Default::default(),
        }
    }

    /// The instance's change counters: what its surfaces' kept answers are checked against
    /// (`super::answers`). Moving this clock moves them.
    pub fn changes(&self) -> &Arc<super::answers::Epochs> {
        &self.changes
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Mode> {
        self.mode.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Current time in unix milliseconds.
    /// Now, within years 1 to 9999 however far the clock was moved (so every timestamp a
    /// vendor writes keeps four digits of year).
    pub fn now_ms(&self) -> i64 {
        // An answer that shows the time is not kept for the next request.
        super::answers::noted_clock_read();
        let t = match *self.lock() {
            Mode::Real { offset_ms } => wall_ms().saturating_add(offset_ms),
            Mode::Frozen { at_ms } => at_ms,
        };
        t.clamp(MIN_MS, MAX_MS)
    }

    pub fn now(&self) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp_millis(self.now_ms()).unwrap_or_default()
    }

    /// Moves time forward (or back, with a negative value) without waiting.
    pub fn advance_ms(&self, delta_ms: i64) {
        let mut mode = self.lock();
        *mode = match *mode {
            Mode::Real { offset_ms } => Mode::Real {
                offset_ms: offset_ms.saturating_add(delta_ms),
            },
            Mode::Frozen { at_ms } => Mode::Frozen {
                at_ms: at_ms.saturating_add(delta_ms),
            },
        };
        self.changes.changed();
    }

    /// Stops time at `at_ms` (unix milliseconds).
    pub fn freeze_at_ms(&self, at_ms: i64) {
        *self.lock() = Mode::Frozen { at_ms };
        self.changes.changed();
    }

    /// Returns to the wall clock (offset cleared).
    pub fn unfreeze(&self) {
        *self.lock() = Mode::Real { offset_ms: 0 };
        self.changes.changed();
    }

    pub fn is_frozen(&self) -> bool {
        matches!(*self.lock(), Mode::Frozen { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A frozen clock only moves when advanced.
    #[test]
    fn frozen_clock_moves_only_when_advanced() {
        let c = Clock::frozen_at_ms(1_000);
        assert_eq!(c.now_ms(), 1_000);
        c.advance_ms(500);
        assert_eq!(c.now_ms(), 1_500);
        assert!(c.is_frozen());
    }

    /// Absurd advances saturate instead of overflowing, and the clock stays within years
    /// 1 to 9999 either way.
    #[test]
    fn advance_saturates() {
        let c = Clock::real();
        c.advance_ms(i64::MAX);
        c.advance_ms(i64::MAX);
        assert_eq!(c.now_ms(), MAX_MS);
        assert!(c.now().format("%Y").to_string() == "9999");
        c.freeze_at_ms(0);
        c.advance_ms(i64::MIN);
        assert_eq!(c.now_ms(), MIN_MS);
        assert!(c.now().format("%Y").to_string() == "0001");
    }

    /// Advancing a real clock shifts it by the offset.
    #[test]
    fn real_clock_advance_adds_offset() {
        let c = Clock::real();
        let before = c.now_ms();
        c.advance_ms(3_600_000);
        assert!(c.now_ms() >= before + 3_600_000);
        c.unfreeze();
        assert!(c.now_ms() < before + 3_600_000);
    }
}
