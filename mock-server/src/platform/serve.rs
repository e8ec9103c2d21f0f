//! The accept loop: HTTP/1 and HTTP/2 (h2c) connections with the limits a shared emulator
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
        let hyper_svc = hyper::service::service_fn(move |req: Request<Incoming>| {
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
        let conn = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), hyper_svc)
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
            drop(slot);
        });
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
