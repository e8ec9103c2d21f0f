//! A surface's routes: axum's router, plus the path patterns it serves in a matcher of their
//! own, so the edge can tell a routed path from an unknown one before routing.
//!
//! Authentication, the rate limit and injected faults apply to routed paths only (an unknown
//! path is a 404 even without credentials). The edge runs them itself when the matcher of the
//! patterns says the path is routed, instead of a layer around every route: a layer axum
//! applies per route wraps each handler in two more boxed services and futures, which cost
//! more than the handler on a single-record GET. The matcher is the one axum uses
//! (`matchit`, the same pinned version), fed the same patterns, so both agree on every path;
//! a test checks that against axum's own answer.

use axum::routing::MethodRouter;
use axum::Router;

/// Builds like `axum::Router` (`route`, then `with_state`), recording each pattern.
pub struct Routes<S = ()> {
    router: Router<S>,
    patterns: Vec<&'static str>,
}

impl<S: Clone + Send + Sync + 'static> Default for Routes<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Clone + Send + Sync + 'static> Routes<S> {
    pub fn new() -> Self {
        Self {
            router: Router::new(),
            patterns: Vec::new(),
        }
    }

    /// As [`Router::route`]; a pattern given twice (different methods) is served once.
    pub fn route(mut self, path: &'static str, method_router: MethodRouter<S>) -> Self {
        self.router = self.router.route(path, method_router);
        if !self.patterns.contains(&path) {
            self.patterns.push(path);
        }
        self
    }

    /// As [`Router::with_state`].
    pub fn with_state<S2>(self, state: S) -> Routes<S2> {
        Routes {
            router: self.router.with_state(state),
            patterns: self.patterns,
        }
    }
}

impl Routes {
    /// The router and the matcher of its patterns.
    pub(crate) fn split(self) -> (Router, Matcher) {
        let mut paths = matchit::Router::new();
        for p in &self.patterns {
            // axum has inserted the same pattern into the same matcher without conflict.
            paths
                .insert(*p, ())
                .unwrap_or_else(|e| panic!("route {p} conflicts: {e}"));
        }
        (
            self.router,
            Matcher {
                paths,
                #[cfg(test)]
                patterns: self.patterns,
            },
        )
    }
}

/// Whether a surface routes a path (relative to the surface root, as axum sees it).
pub(crate) struct Matcher {
    paths: matchit::Router<()>,
    /// For the tests that hold the matcher to axum's router.
    #[cfg(test)]
    patterns: Vec<&'static str>,
}

impl Matcher {
    pub(crate) fn serves(&self, path: &str) -> bool {
        self.paths.at(path).is_ok()
    }

    /// The patterns, in the order they were routed.
    #[cfg(test)]
    pub(crate) fn patterns(&self) -> &[&'static str] {
        &self.patterns
    }
}
