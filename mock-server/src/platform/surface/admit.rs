//! What the guard asks of every routed request before its handler runs, and the kept lane
//! (`kept`) before it answers: who is asking, whether the rate limit lets them, and the
//! headers that say how much of it is left.

use super::*;

/// The account the request's credential opens (the vendor's 401 body otherwise).
pub(super) fn authenticate(ctx: &SurfaceCtx, headers: &HeaderMap) -> Result<Account, ApiError> {
    let info = ctx.dialect.info();
    ctx.platform
        .accounts
        .authenticate(info.vendor, &credential(headers, info.auth))
}

/// The rate limit's decision on one more request of `account` (counted when allowed; a
/// refused one is not counted, so asking again refuses it again). With limits off, the
/// documented budget reported untouched; `None` where the vendor documents none.
pub(super) fn decide(ctx: &SurfaceCtx, account: &Account) -> Option<Decision> {
    let info = ctx.dialect.info();
    let documented = ctx.dialect.documented;
    let windows = ctx.platform.windows_in_force(info.id, documented);
    if windows.is_empty() {
        return documented.iter().min_by_key(|w| w.limit).map(|w| Decision {
            allowed: true,
            limit: w.limit,
            remaining: w.limit,
            reset_after: w.seconds,
        });
    }
    Some(
        ctx.platform
            .limiter
            .check(&ctx.platform.clock, info.budget, &account.id, &windows),
    )
}

/// A number as a header value; the small ones (every documented per-minute budget) come from
/// a table built once, so the rate-limit headers cost no allocation.
fn number_header(n: u64) -> HeaderValue {
    static SMALL: std::sync::LazyLock<Vec<HeaderValue>> =
        std::sync::LazyLock::new(|| (0..=1024u64).map(HeaderValue::from).collect());
    usize::try_from(n)
        .ok()
        .and_then(|i| SMALL.get(i))
        .cloned()
        .unwrap_or_else(|| HeaderValue::from(n))
}

pub(super) fn rate_headers(
    info: &SurfaceInfo,
    platform: &Platform,
    d: &Decision,
    headers: &mut HeaderMap,
) {
    // Checked once, at compile time (`from_static` in a const), not on every answer.
    const LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
    const REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
    const RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");
    match info.rate_headers {
        RateHeaders::RetryAfterOnly => {}
        RateHeaders::XRateLimit => {
            headers.insert(LIMIT, number_header(u64::from(d.limit)));
            headers.insert(REMAINING, number_header(u64::from(d.remaining)));
            if !d.allowed {
                let reset = platform.clock.now_ms() / 1000 + d.reset_after as i64;
                headers.insert(RESET, HeaderValue::from(reset));
            }
        }
    }
}
