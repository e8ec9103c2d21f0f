//! The ways a request reaches a surface besides its path prefix: the `Host` header (a
//! vendor's real host name) and a surface's own port.

use super::*;

/// How a request outside the path-prefix scheme maps onto a surface.
#[derive(Debug, Clone)]
pub struct Route {
    pub vendor: &'static str,
    pub real_path: &'static str,
    pub hosts: &'static [&'static str],
    /// `/{vendor}{real_path}`: where the surface sits on the main port.
    pub prefix: String,
    pub trailing_slash: TrailingSlash,
    /// `real_path`, shared, for the requests this route rewrites.
    real_base: Arc<str>,
}

impl From<&SurfaceInfo> for Route {
    fn from(i: &SurfaceInfo) -> Self {
        Self {
            vendor: i.vendor,
            real_path: i.real_path,
            hosts: i.hosts,
            prefix: i.prefix(),
            trailing_slash: i.framework.trailing_slash,
            real_base: Arc::from(i.real_path),
        }
    }
}

/// Where frameworks that ignore a trailing slash (Laravel, Phoenix) would route: the path
/// without it, inside a surface whose policy is [`TrailingSlash::Serve`]. The surface's own
/// root (`prefix/`) is left alone.
fn trim_slash(req: &mut Request, table: &[Route]) {
    let path = req.uri().path();
    if path.len() < 2 || !path.ends_with('/') {
        return;
    }
    let serves = table.iter().any(|r| {
        r.trailing_slash == TrailingSlash::Serve
            && path.len() > r.prefix.len() + 1
            && path.starts_with(&r.prefix)
            && path.as_bytes()[r.prefix.len()] == b'/'
    });
    if !serves {
        return;
    }
    let trimmed = path.trim_end_matches('/');
    let new = match req.uri().query() {
        Some(q) => format!("{trimmed}?{q}"),
        None => trimmed.to_string(),
    };
    if let Ok(uri) = new.parse::<Uri>() {
        *req.uri_mut() = uri;
    }
}

/// Path prefix reserved for the admin API: never routed to a vendor.
pub const ADMIN_PREFIX: &str = "/__admin";

/// Puts the surface's prefix in front of a vendor path. A path outside the surface's real
/// base path still goes to that surface (its own 404 in the vendor's shape), never to
/// another surface of the vendor.
fn prepend(req: &mut Request, route: &Route) {
    let pq = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let path = req.uri().path();
    let under = path == route.real_path
        || path
            .strip_prefix(route.real_path)
            .is_some_and(|rest| rest.starts_with('/'));
    let new = if under {
        format!("/{}{}", route.vendor, pq)
    } else {
        format!("{}{}", route.prefix, pq)
    };
    if let Ok(uri) = new.parse::<Uri>() {
        *req.uri_mut() = uri;
        Arrival::of(req).base = Some(Arc::clone(&route.real_base));
    }
}

/// Paths mockdesk itself answers on every listener: the admin API and media.
fn platform_path(path: &str) -> bool {
    path.starts_with(ADMIN_PREFIX) || path.starts_with(crate::platform::media::MEDIA_PREFIX)
}

/// Routes by `Host`: a request to a vendor's real host (port ignored) is served by that
/// surface as if it had come with the path prefix. Admin paths are never rewritten.
pub fn route_by_host(mut req: Request, table: &[Route]) -> Request {
    if platform_path(req.uri().path()) {
        return req;
    }
    let Some(host) = header_str(req.headers(), HOST) else {
        return req;
    };
    // The port is ignored (a name holds no `:`; an IPv6 literal never names a vendor).
    let host = host.rfind(':').map_or(host, |i| &host[..i]);
    let path = req.uri().path();
    // One pass: the route under whose real path the request falls, the longest such path
    // winning (two surfaces may share a host; the last of equals, as before); failing that,
    // the first route serving the host.
    let (mut under, mut first): (Option<&Route>, Option<&Route>) = (None, None);
    for r in table {
        if !r.hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
            continue;
        }
        first = first.or(Some(r));
        let falls_under = path
            .strip_prefix(r.real_path)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
        if falls_under && under.is_none_or(|u| r.real_path.len() >= u.real_path.len()) {
            under = Some(r);
        }
    }
    if let Some(route) = under.or(first) {
        prepend(&mut req, route);
    }
    trim_slash(&mut req, table);
    req
}

/// For a surface's own port: every non-admin path is the vendor's own path.
pub fn route_to_surface(mut req: Request, route: &Route) -> Request {
    if !platform_path(req.uri().path()) {
        prepend(&mut req, route);
        trim_slash(&mut req, std::slice::from_ref(route));
    }
    req
}
