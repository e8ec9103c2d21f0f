use super::*;
use axum::Router;
use proptest::prelude::*;
use tower::ServiceExt;

/// What an axum router with the same patterns makes of `path`: not routed (`None`), or
/// routed with its parameters percent-decoded (`Err` when one is not UTF-8), as axum's
/// own `RawPathParams` hands them over.
async fn axum_routes(router: &Router, path: &str) -> Option<Result<Vec<String>, ()>> {
    let req = Request::builder()
        .uri(path)
        .body(Body::empty())
        .expect("request");
    let res = router.clone().oneshot(req).await.expect("infallible");
    match res.status() {
        StatusCode::NOT_FOUND => None,
        StatusCode::OK => {
            let body = body_bytes(res.into_body()).await;
            Some(Ok(serde_json::from_slice(&body).expect("values")))
        }
        StatusCode::BAD_REQUEST => Some(Err(())),
        other => panic!("{path}: {other}"),
    }
}

/// An axum router over `patterns` whose every route answers its raw parameters.
fn axum_router(patterns: &[&'static str]) -> Router {
    let mut router = Router::new();
    for p in patterns {
        router = router.route(
            p,
            axum::routing::get(|params: axum::extract::RawPathParams| async move {
                let values: Vec<&str> = params.iter().map(|(_, v)| v).collect();
                Json(serde_json::json!(values))
            }),
        );
    }
    router
}

/// What the surface's own table makes of `path`, in the same terms.
fn table_routes(table: &Table, path: &str) -> Option<Result<Vec<String>, ()>> {
    table.at(path).map(|m| {
        let (values, count) = m.params.decoded(path).map_err(|_| ())?;
        Ok(values[..count].to_vec())
    })
}

/// Paths built from a surface's own patterns: each with sample parameters, and near
/// misses (trailing slash, one segment more or less, changed case, empty parameter).
fn near_paths(patterns: &[&str]) -> Vec<String> {
    let fill = |p: &str, v: &str| {
        p.split('/')
            .map(|seg| {
                if seg.starts_with("{*") {
                    format!("{v}/more")
                } else if seg.starts_with('{') {
                    v.to_string()
                } else {
                    seg.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("/")
    };
    let mut out = vec!["/".to_string(), "/x".to_string()];
    for p in patterns {
        for v in ["1", "abc", "x%20y", "", "%C3%A9", "%FF"] {
            let path = fill(p, v);
            out.push(format!("{path}/"));
            out.push(format!("{path}/extra"));
            out.push(path.to_uppercase());
            if let Some((head, _)) = path.rsplit_once('/') {
                out.push(head.to_string());
            }
            out.push(path);
        }
    }
    out.retain(|p| p.starts_with('/'));
    out
}

fn surfaces() -> Vec<Surface> {
    let state = crate::AppState::new(&crate::Config::default()).expect("state");
    state.routers.iter().cloned().collect()
}

/// The surface's table and an axum router with the same patterns agree on every path
/// near a surface's routes, and on the parameters they read from it (so the edge routes
/// exactly where axum's router routed before it, and authentication and rate limits
/// apply exactly where a route answers).
#[tokio::test]
async fn table_agrees_with_axum_near_routes() {
    for surface in surfaces() {
        let table = &surface.ctx.table;
        assert!(!table.patterns().is_empty());
        let axum = axum_router(table.patterns());
        let mut routed = 0;
        for path in near_paths(table.patterns()) {
            let ours = table_routes(table, &path);
            routed += usize::from(ours.is_some());
            assert_eq!(
                ours,
                axum_routes(&axum, &path).await,
                "{}: {path}",
                surface.ctx.dialect.info().id
            );
        }
        assert!(
            routed > table.patterns().len(),
            "{}",
            surface.ctx.dialect.info().id
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// ...and on paths made of any of their segments (and percent-encoded bytes, some not
    /// UTF-8), in any order.
    #[test]
    fn table_agrees_with_axum_anywhere(picks in proptest::collection::vec(0usize..400, 1..6), slash in any::<bool>()) {
        let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        for surface in surfaces() {
            let table = &surface.ctx.table;
            let mut segments: Vec<&str> = table
                .patterns()
                .iter()
                .flat_map(|p| p.split('/'))
                .filter(|s| !s.is_empty() && !s.starts_with('{'))
                .collect();
            segments.extend(["1", "x", "0f8fad5b-d9cb-469f-a165-70867728950e", "2024", "a%20b", "%C3%A9", "%FF", "%zz", "50%"]);
            let mut path: String = picks
                .iter()
                .map(|i| format!("/{}", segments[i % segments.len()]))
                .collect();
            if slash {
                path.push('/');
            }
            let axum = rt.block_on(axum_routes(&axum_router(table.patterns()), &path));
            prop_assert_eq!(table_routes(table, &path), axum, "{}", path);
        }
    }
}

fn stream(chunks: Vec<Result<&'static str, std::io::Error>>) -> Body {
    Body::from_stream(futures_util::stream::iter(
        chunks
            .into_iter()
            .map(|c| c.map(|s: &'static str| Bytes::from_static(s.as_bytes()))),
    ))
}

/// One frame is handed back as it is; several are joined in order; a failed body is
/// empty (as `to_bytes(..).unwrap_or_default()` was).
#[tokio::test]
async fn body_bytes_whole() {
    let one = Bytes::from_static(b"{\"a\":1}");
    let got = body_bytes(Body::from(one.clone())).await;
    assert_eq!(got, one);
    assert_eq!(got.as_ptr(), one.as_ptr(), "a single frame is not copied");
    assert_eq!(body_bytes(Body::empty()).await, Bytes::new());
    assert_eq!(
        body_bytes(stream(vec![Ok("{\"a\""), Ok(":"), Ok("1}")])).await,
        Bytes::from_static(b"{\"a\":1}")
    );
    assert_eq!(
        body_bytes(stream(vec![Ok(""), Ok("x"), Ok("y")])).await,
        Bytes::from_static(b"xy")
    );
    let broken = stream(vec![Ok("{\"a\""), Err(std::io::Error::other("gone"))]);
    assert_eq!(body_bytes(broken).await, Bytes::new());
}
