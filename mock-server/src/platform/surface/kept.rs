//! The kept lane: a GET the surface keeps the answer to (`super::super::answers`), answered as
//! it arrives, before the main port's dispatcher rewrites its URI for the vendor's routes.
//!
//! What the edge and the guard do for such a request, done here in the same order without
//! their futures, the route table or the body read: authentication, the rate limit and its
//! headers, the framework's headers, CORS, the journal. What it skips cannot apply: a kept
//! answer's key (every header and the whole target) passed the edge's early answers when it
//! was made, and its answer is a success without extensions (nothing to render, store or
//! mark). Nor can a stub: one matches by what the key holds (surface, method, path, query,
//! body, account), so a stub in force when the answer was made did not match it (it would
//! have answered instead), and adding one moves the instance's epoch. Whatever would change
//! the outcome sends the request the usual way instead, before anything is counted: a body, a
//! credential that opens nothing, injected faults in force (a rule may draw per request), a
//! refusal by the rate limit (it counts nothing, so the guard refuses again), and the debug
//! builds' check of kept answers (`Platform::check_answers`), which needs the handler to
//! run.
//!
//! Measured (`scripts/instr.sh`, `docs/performance.md`): a HelpCrunch customer GET 23.4k →
//! 17.0k instructions per request, its list page 24.6k → 17.0k (bare axum answering prebuilt
//! bytes: 14.3k); 6 allocations per steady read, from 15.

use super::super::answers::Asked;
use super::*;

impl Surface {
    /// The kept answer to `req`, when the kept lane may give it (see the module notes).
    /// `below` is the path below the surface's prefix (empty at its root), as the dispatcher
    /// found it.
    pub fn kept_answer(&self, req: &Request, below: &str) -> Option<Response> {
        let ctx = &*self.ctx;
        let platform = &ctx.platform;
        if req.method() != Method::GET
            || !axum::body::HttpBody::is_end_stream(req.body())
            || platform.check_answers.load(Ordering::Relaxed)
            || !platform.faults.is_empty()
        {
            return None;
        }
        let started = std::time::Instant::now();
        let account = authenticate(ctx, req.headers()).ok()?;
        let request_headers = super::super::journal::header_text(req.headers());
        let path = if below.is_empty() { "/" } else { below };
        let (mut res, response_body) = ctx.answers.kept(&Asked {
            account: &account.id,
            base: key_base(ctx, req.extensions()),
            path,
            query: req.uri().query(),
            headers: &request_headers,
        })?;
        let decision = decide(ctx, &account);
        if decision.is_some_and(|d| !d.allowed) {
            return None;
        }
        // Framed when kept; then as `edge` finishes an answer: CORS, the rate limit's headers.
        let info = ctx.dialect.info();
        cors(
            req.headers().get(axum::http::header::ORIGIN),
            res.headers_mut(),
        );
        if let Some(d) = decision {
            rate_headers(info, platform, &d, res.headers_mut());
        }
        platform.journal.record(Recorded {
            at_ms: platform.clock.now_ms(),
            surface: info.id,
            account: Some(account.id),
            method: Method::GET,
            paths: Paths::of(
                req.uri().path_and_query().map_or("/", |pq| pq.as_str()),
                path,
            ),
            status: res.status().as_u16(),
            request_headers,
            request_body: None,
            response_body,
            fault: None,
            stub: None,
            latency_us: u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        });
        ctx.lane.0.fetch_add(1, Ordering::Relaxed);
        Some(res)
    }

    /// How many requests the kept lane has answered (for tests and diagnostics: which way a
    /// request went is otherwise invisible by design).
    pub fn kept_lane_answers(&self) -> u64 {
        self.ctx.lane.0.load(Ordering::Relaxed)
    }
}
