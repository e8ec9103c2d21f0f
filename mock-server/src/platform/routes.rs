//! A surface's routes: path patterns, and per pattern the handlers by method. The edge looks
//! the path up once (that one lookup tells a routed path from an unknown one, and yields the
//! path parameters) and calls the handler itself.
//!
//! Authentication, the rate limit and injected faults apply to routed paths only (an unknown
//! path is a 404 even without credentials), so the edge needs the match before anything else;
//! handing the request on to axum's `Router` afterwards matched the path a second time, copied
//! its parameters into a request extension and went through three more boxed services and
//! futures — more work than the handler on a single-record GET. Handlers are still axum
//! handlers (any `axum::handler::Handler`, with axum's extractors); path parameters are read
//! by this module's [`Path`] instead of axum's, which only axum's router can feed. The
//! matcher is the one axum uses (`matchit`, the same pinned version), so a path routes here
//! exactly where an axum router with the same patterns would route it; tests hold the two
//! together, parameters included.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::extract::Request;
use axum::handler::Handler;
use axum::http::Method;
use axum::response::Response;

use super::error::ApiError;

/// A handler's answer, boxed (as axum boxes it): the edge awaits it.
pub type Answering = Pin<Box<dyn Future<Output = Response> + Send>>;

/// A handler with its type erased, called with the request and the surface's state.
type Erased<S> = Arc<dyn Fn(Request, S) -> Answering + Send + Sync>;

fn erase<H, T, S>(handler: H) -> Erased<S>
where
    H: Handler<T, S>,
    T: 'static,
    S: Clone + Send + Sync + 'static,
{
    Arc::new(move |req, state| Box::pin(handler.clone().call(req, state)))
}

/// The handlers of one path, by method: built like axum's `MethodRouter`
/// (`get(list).post(create)`).
pub struct Methods<S = ()> {
    by_method: Vec<(Method, Erased<S>)>,
}

macro_rules! method_fns {
    ($($name:ident => $method:ident),* $(,)?) => {
        $(
            #[doc = concat!("A `", stringify!($method), "` handler, as axum's `routing::", stringify!($name), "`.")]
            pub fn $name<H, T, S>(handler: H) -> Methods<S>
            where
                H: Handler<T, S>,
                T: 'static,
                S: Clone + Send + Sync + 'static,
            {
                Methods { by_method: Vec::new() }.$name(handler)
            }
        )*

        impl<S: Clone + Send + Sync + 'static> Methods<S> {
            $(
                #[doc = concat!("Adds a `", stringify!($method), "` handler.")]
                pub fn $name<H, T>(mut self, handler: H) -> Self
                where
                    H: Handler<T, S>,
                    T: 'static,
                {
                    self.by_method.push((Method::$method, erase(handler)));
                    self
                }
            )*
        }
    };
}

method_fns!(get => GET, post => POST, put => PUT, patch => PATCH, delete => DELETE);

impl<S: Clone + Send + Sync + 'static> Methods<S> {
    fn with_state(self, state: &S) -> Methods {
        Methods {
            by_method: self
                .by_method
                .into_iter()
                .map(|(m, h)| {
                    let state = state.clone();
                    let h: Erased<()> = Arc::new(move |req, ()| h(req, state.clone()));
                    (m, h)
                })
                .collect(),
        }
    }
}

impl Methods {
    /// The methods this path serves, as a framework lists them in `Allow`: GET (and HEAD with
    /// it), POST, PUT, PATCH, DELETE.
    fn allowed(&self) -> Vec<String> {
        const ORDER: [Method; 6] = [
            Method::GET,
            Method::HEAD,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ];
        let serves = |m: &Method| {
            self.by_method.iter().any(|(have, _)| have == m)
                || (*m == Method::HEAD
                    && self.by_method.iter().any(|(have, _)| have == Method::GET))
        };
        ORDER
            .iter()
            .filter(|m| serves(m))
            .map(|m| m.as_str().to_string())
            .collect()
    }

    /// The handler for `method`. `HEAD` without a handler of its own is answered by the
    /// `GET` handler (the caller drops the body), as axum does; `None`: the method is not
    /// allowed on this path.
    fn pick(&self, method: &Method) -> Option<(&Erased<()>, bool)> {
        let find = |m: &Method| self.by_method.iter().find(|(have, _)| have == m);
        match find(method) {
            Some((_, h)) => Some((h, false)),
            None if method == Method::HEAD => find(&Method::GET).map(|(_, h)| (h, true)),
            None => None,
        }
    }
}

/// Builds like `axum::Router` (`route`, then `with_state`).
pub struct Routes<S = ()> {
    routes: Vec<(&'static str, Methods<S>)>,
}

impl<S: Clone + Send + Sync + 'static> Default for Routes<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Clone + Send + Sync + 'static> Routes<S> {
    pub fn new() -> Self {
        Self { routes: Vec::new() }
    }

    /// As [`axum::Router::route`]; a pattern given twice adds the second one's methods (a
    /// method given twice is a programming error, as in axum).
    pub fn route(mut self, path: &'static str, methods: Methods<S>) -> Self {
        match self.routes.iter_mut().find(|(p, _)| *p == path) {
            Some((_, have)) => {
                for (m, h) in methods.by_method {
                    assert!(
                        have.by_method.iter().all(|(had, _)| *had != m),
                        "{m} {path} is routed twice"
                    );
                    have.by_method.push((m, h));
                }
            }
            None => self.routes.push((path, methods)),
        }
        self
    }

    /// As [`axum::Router::with_state`].
    pub fn with_state(self, state: S) -> Routes {
        Routes {
            routes: self
                .routes
                .into_iter()
                .map(|(p, m)| (p, m.with_state(&state)))
                .collect(),
        }
    }
}

impl Routes {
    /// The lookup table the edge routes with.
    pub(crate) fn table(self) -> Table {
        let mut paths = matchit::Router::new();
        let mut methods = Vec::with_capacity(self.routes.len());
        #[cfg(test)]
        let patterns = self.routes.iter().map(|(p, _)| *p).collect();
        for (i, (p, m)) in self.routes.into_iter().enumerate() {
            assert!(
                p.matches('{').count() <= MAX_PARAMS,
                "route {p} has more than {MAX_PARAMS} parameters"
            );
            paths
                .insert(p, i)
                .unwrap_or_else(|e| panic!("route {p} conflicts: {e}"));
            methods.push(m);
        }
        Table {
            paths,
            methods,
            #[cfg(test)]
            patterns,
        }
    }
}

/// A surface's routes, looked up by path (relative to the surface root).
pub(crate) struct Table {
    paths: matchit::Router<usize>,
    methods: Vec<Methods>,
    /// For the tests that hold the table to axum's router.
    #[cfg(test)]
    patterns: Vec<&'static str>,
}

/// A routed path: which handlers serve it, and its parameters in pattern order.
pub(crate) struct Matched<'t> {
    methods: &'t Methods,
    pub params: Params,
}

impl Table {
    pub(crate) fn at(&self, path: &str) -> Option<Matched<'_>> {
        let m = self.paths.at(path).ok()?;
        let mut params = Params::default();
        for (_, v) in m.params.iter() {
            // The matcher's values are slices of `path`: kept as where they sit in it.
            let start = (v.as_ptr() as usize).wrapping_sub(path.as_ptr() as usize);
            debug_assert_eq!(path.get(start..start + v.len()), Some(v));
            params.spans[usize::from(params.count)] = (start, start + v.len());
            params.count += 1;
        }
        Some(Matched {
            methods: &self.methods[*m.value],
            params,
        })
    }

    /// The patterns, in the order they were routed.
    #[cfg(test)]
    pub(crate) fn patterns(&self) -> &[&'static str] {
        &self.patterns
    }
}

impl Matched<'_> {
    /// Calls the handler for the request's method (the caller has put [`Matched::params`] in
    /// the request's [`Arrival`](super::arrival::Arrival), for [`Path`]); a method the path
    /// does not serve is the vendor's 405.
    pub(crate) fn call(self, req: Request) -> Answering {
        let Some((handler, head)) = self.methods.pick(req.method()) else {
            let method = req.method().to_string();
            let path = req.uri().path().trim_start_matches('/').to_string();
            let allowed = self.methods.allowed();
            return Box::pin(async move {
                axum::response::IntoResponse::into_response(ApiError::MethodNotAllowed {
                    method,
                    path,
                    allowed,
                })
            });
        };
        let answer = handler(req, ());
        if !head {
            return answer;
        }
        Box::pin(async move {
            // As axum: the GET answer's length is announced, its body is not sent.
            let mut res = answer.await;
            use axum::body::HttpBody;
            if let Some(n) = res.body().size_hint().exact() {
                res.headers_mut()
                    .entry(axum::http::header::CONTENT_LENGTH)
                    .or_insert_with(|| n.into());
            }
            res.map(|_| axum::body::Body::empty())
        })
    }
}

/// The most parameters a pattern may have.
const MAX_PARAMS: usize = 4;

/// Where a routed path's parameters sit in it (byte ranges, in pattern order): the values
/// are read from the request's path when a handler asks, not copied out on every request.
#[derive(Debug, Clone, Copy, Default)]
pub struct Params {
    spans: [(usize, usize); MAX_PARAMS],
    count: u8,
}

impl Params {
    /// The values in `path` (the path they were matched in), percent-decoded as axum decodes
    /// them; one that is not UTF-8 then is a 400 in the vendor's body.
    pub(crate) fn decoded(&self, path: &str) -> Result<([String; MAX_PARAMS], usize), ApiError> {
        let mut out: [String; MAX_PARAMS] = Default::default();
        let count = usize::from(self.count);
        for (slot, &(start, end)) in out.iter_mut().zip(&self.spans[..count]) {
            // A path other than the matched one is a bug, not the client's.
            let raw = path.get(start..end).ok_or(ApiError::Internal)?;
            // Most values have nothing to decode (ids, uuids): copied as they are.
            *slot = if raw.contains('%') {
                percent_encoding::percent_decode_str(raw)
                    .decode_utf8()
                    .map_err(|_| ApiError::not_understood())?
                    .into_owned()
            } else {
                raw.to_owned()
            };
        }
        Ok((out, count))
    }
}

/// Path parameters, as axum's `Path`: `Path(id): Path<String>`, or a tuple of `String`s for
/// several (in pattern order). Values are percent-decoded; one that does not decode to UTF-8
/// is a 400, as with axum.
#[derive(Debug)]
pub struct Path<T>(pub T);

/// What [`Path`] can hold: built from the first `count` decoded values, if that is how many
/// it takes.
pub trait FromParams: Sized {
    fn from_params(values: [String; MAX_PARAMS], count: usize) -> Option<Self>;
}

impl FromParams for String {
    fn from_params(values: [String; MAX_PARAMS], count: usize) -> Option<Self> {
        let [one, ..] = values;
        (count == 1).then_some(one)
    }
}

macro_rules! tuple_params {
    ($n:literal: $($v:ident),*) => {
        impl FromParams for ($(tuple_params!(@string $v),)*) {
            fn from_params(values: [String; MAX_PARAMS], count: usize) -> Option<Self> {
                let [$($v,)* ..] = values;
                (count == $n).then_some(($($v,)*))
            }
        }
    };
    (@string $v:ident) => { String };
}

tuple_params!(2: a, b);
tuple_params!(3: a, b, c);
tuple_params!(4: a, b, c, d);

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        async fn nothing() {}
        Routes::new()
            .route("/a/{x}", get(nothing))
            .route("/b/{w}/{x}/{y}/{z}", get(nothing).post(nothing))
            .route("/b/{w}/{x}/{y}/{z}", delete(nothing))
            .route("/c", put(nothing))
            .with_state(())
            .table()
    }

    /// Parameters come back decoded and in pattern order, as many as the pattern has; a
    /// `Path` of another arity is refused rather than filled wrongly.
    #[test]
    fn parameters_in_order() {
        let t = table();
        let path = "/b/2024/0%31/x%20y/%C3%A9";
        let (values, count) = t.at(path).unwrap().params.decoded(path).unwrap();
        assert_eq!(&values[..count], ["2024", "01", "x y", "é"]);
        let four = <(String, String, String, String)>::from_params(values.clone(), count);
        assert_eq!(
            four,
            Some(("2024".into(), "01".into(), "x y".into(), "é".into()))
        );
        assert_eq!(String::from_params(values.clone(), count), None);
        assert_eq!(<(String, String)>::from_params(values, count), None);
        let (values, count) = t.at("/a/7").unwrap().params.decoded("/a/7").unwrap();
        assert_eq!(String::from_params(values, count), Some("7".into()));
        assert!(t.at("/c").unwrap().params.decoded("/c").unwrap().1 == 0);
        assert!(t.at("/a").is_none() && t.at("/b/1/2/3").is_none());
    }

    /// Methods: a pattern given twice gathers both routes' methods; HEAD falls back to GET
    /// (marked so the body is dropped) only where there is a GET.
    #[test]
    fn methods_by_pattern() {
        let t = table();
        let m = t.at("/b/1/2/3/4").unwrap().methods;
        for method in [Method::GET, Method::POST, Method::DELETE] {
            assert!(matches!(m.pick(&method), Some((_, false))), "{method}");
        }
        assert!(matches!(m.pick(&Method::HEAD), Some((_, true))));
        assert!(m.pick(&Method::PUT).is_none());
        let c = t.at("/c").unwrap().methods;
        assert!(c.pick(&Method::HEAD).is_none() && c.pick(&Method::PUT).is_some());
    }

    #[test]
    #[should_panic(expected = "routed twice")]
    fn a_method_routed_twice_is_refused() {
        async fn nothing() {}
        let _ = Routes::<()>::new()
            .route("/a", get(nothing))
            .route("/a", get(nothing));
    }
}
