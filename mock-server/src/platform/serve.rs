//! The accept loop: HTTP/1 and HTTP/2 (h2c, or h2 through ALPN over TLS) connections with the limits a shared emulator
//! needs against slow or stuck clients — a header-read timeout that is also the keep-alive idle
//! timeout, a request-body timeout, a cap on open connections (more wait in the listen
//! backlog), and a graceful shutdown that stops waiting after a deadline.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::{Service, ServiceExt};
use tower_http::timeout::TimeoutBody;

/// How long clients may take, and how many may be connected at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeLimits {
    /// A request's headers must arrive within this; an idle keep-alive connection is closed
    /// after it; a request body must arrive within it too.
    pub client_timeout: Duration,
    /// Connections served at once; further ones wait to be accepted.
    pub max_connections: usize,
    /// After shutdown is asked for, how long open requests may still finish.
    pub shutdown_grace: Duration,
}

impl Default for ServeLimits {
    fn default() -> Self {
        Self {
            client_timeout: Duration::from_secs(30),
            max_connections: 1024,
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

/// What a listener speaks.
#[derive(Clone, Default)]
pub enum Transport {
    /// Plain HTTP/1.1 and h2c.
    #[default]
    Plain,
    /// HTTPS (HTTP/1.1 and HTTP/2 through ALPN).
    Tls(Arc<rustls::ServerConfig>),
}

/// Serves `svc` on `listener` until `shutdown` resolves, then lets open connections finish
/// for at most [`ServeLimits::shutdown_grace`].
pub async fn serve<S>(
    listener: TcpListener,
    svc: S,
    limits: ServeLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    serve_on(listener, Transport::Plain, svc, limits, shutdown).await
}

/// [`serve`] over a given transport.
pub async fn serve_on<S>(
    listener: TcpListener,
    transport: Transport,
    svc: S,
    limits: ServeLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.client_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(limits.client_timeout));
    let acceptor = match &transport {
        Transport::Plain => None,
        Transport::Tls(config) => Some(tokio_rustls::TlsAcceptor::from(config.clone())),
    };
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            s = slots.clone().acquire_owned() => match s {
                Ok(s) => s,
                Err(_) => break,
            },
            _ = &mut shutdown => break,
        };
        let stream = tokio::select! {
            r = listener.accept() => match r {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little, do not spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let (svc, body_timeout) = (svc.clone(), limits.client_timeout);
        let secure = acceptor.is_some();
        let hyper_svc = hyper::service::service_fn(move |mut req: Request<Incoming>| {
            if req.version() == axum::http::Version::HTTP_2 {
                authority_as_host(&mut req);
            }
            if secure && !req.headers().contains_key(FORWARDED_PROTO) {
                // As a TLS-terminating proxy would: links and base URLs the surfaces build
                // from the request say https.
                req.headers_mut()
                    .insert(FORWARDED_PROTO, HeaderValue::from_static("https"));
            }
            // Only a body that is coming needs a deadline (and a box).
            let req = req.map(|b| {
                if hyper::body::Body::is_end_stream(&b) {
                    Body::empty()
                } else {
                    Body::new(TimeoutBody::new(body_timeout, b))
                }
            });
            svc.clone().oneshot(req)
        });
        match &acceptor {
            None => {
                let conn = builder
                    .serve_connection_with_upgrades(TokioIo::new(stream), hyper_svc)
                    .into_owned();
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    let _ = conn.await;
                    drop(slot);
                });
            }
            Some(acceptor) => {
                let (acceptor, builder, watcher) =
                    (acceptor.clone(), builder.clone(), graceful.watcher());
                let handshake_timeout = limits.client_timeout;
                tokio::spawn(async move {
                    if let Some(tls) = tls_handshake(&acceptor, stream, handshake_timeout).await {
                        let conn = builder
                            .serve_connection_with_upgrades(TokioIo::new(tls), hyper_svc)
                            .into_owned();
                        let _ = watcher.watch(conn).await;
                    }
                    drop(slot);
                });
            }
        }
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(limits.shutdown_grace) => {
            tracing::warn!(
                grace_ms = limits.shutdown_grace.as_millis() as u64,
                "connections still open at the shutdown deadline; closing them"
            );
        }
    }
    Ok(())
}

/// HTTP/2 carries the host in `:authority` (the URI), not in a `Host` header; host routing and
/// the base URLs answers show read `Host`, so it is filled in from the authority.
fn authority_as_host<B>(req: &mut Request<B>) {
    if req.headers().contains_key(axum::http::header::HOST) {
        return;
    }
    let value = req
        .uri()
        .authority()
        .and_then(|a| HeaderValue::from_str(a.as_str()).ok());
    if let Some(v) = value {
        req.headers_mut().insert(axum::http::header::HOST, v);
    }
}

const FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");

/// The first byte of every TLS connection: a handshake record.
const TLS_HANDSHAKE_RECORD: u8 = 0x16;

/// What a plain-HTTP client gets on the TLS port: a readable refusal instead of a hang or a
/// handshake error it cannot show.
const PLAIN_ON_TLS_PORT: &[u8] = b"HTTP/1.1 400 Bad Request\r\n\
content-type: text/plain; charset=utf-8\r\n\
connection: close\r\n\
content-length: 66\r\n\
\r\n\
This port speaks HTTPS: use an https:// URL (plain HTTP was sent)\n";

/// Completes the TLS handshake within `timeout`. A client that sends plain HTTP gets a 400 in
/// plain text; a silent or failing client is dropped.
async fn tls_handshake(
    acceptor: &tokio_rustls::TlsAcceptor,
    stream: tokio::net::TcpStream,
    timeout: Duration,
) -> Option<tokio_rustls::server::TlsStream<tokio::net::TcpStream>> {
    use tokio::io::AsyncWriteExt as _;
    let work = async {
        let mut first = [0u8; 1];
        let n = stream.peek(&mut first).await.ok()?;
        if n == 0 {
            return None;
        }
        if first[0] != TLS_HANDSHAKE_RECORD {
            let mut stream = stream;
            let _ = stream.write_all(PLAIN_ON_TLS_PORT).await;
            let _ = stream.shutdown().await;
            return None;
        }
        match acceptor.accept(stream).await {
            Ok(tls) => Some(tls),
            Err(e) => {
                tracing::debug!(error = %e, "TLS handshake failed");
                None
            }
        }
    };
    tokio::time::timeout(timeout, work).await.ok().flatten()
}
