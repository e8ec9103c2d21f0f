//! The accept loop: HTTP/1 and HTTP/2 (h2c, or h2 through ALPN over TLS) connections with the
//! limits a shared emulator needs against slow, stuck or silent clients:
//! - a new connection must start its first request within the header timeout and send the
//!   whole head within it (a socket that sends nothing, or dribbles a head — slowloris — is
//!   closed; hyper's own version sniffing would wait forever for a first byte);
//! - a keep-alive connection idle for the idle timeout is closed (HTTP/1 and HTTP/2);
//! - a request body must arrive within the client timeout;
//! - at the connection cap a new client is not kept waiting behind idle or silent sockets: the
//!   connection that has not yet sent a request (oldest first), else the one idle the longest,
//!   is closed to make room; only connections all busy with requests make a newcomer wait;
//! - shutdown lets open requests finish, for a grace period at most.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tower::{Service, ServiceExt};

mod deadline;
use deadline::Deadline;

/// How long clients may take, and how many may be connected at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeLimits {
    /// A request body must arrive within this.
    pub client_timeout: Duration,
    /// A new connection's first request head must arrive within this (TLS handshake included).
    pub header_timeout: Duration,
    /// A keep-alive connection with no request for this long is closed; a later request's
    /// head must also arrive within it.
    pub idle_timeout: Duration,
    /// Connections served at once; at the cap, an idle or silent one makes room.
    pub max_connections: usize,
    /// After shutdown is asked for, how long open requests may still finish.
    pub shutdown_grace: Duration,
}

impl Default for ServeLimits {
    fn default() -> Self {
        Self {
            client_timeout: Duration::from_secs(30),
            header_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(30),
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
    Tls(Arc<super::tls::ServerConfig>),
}

/// One open connection as the accept loop tracks it.
struct Conn {
    /// Requests being answered on it now.
    busy: AtomicUsize,
    /// Whether a whole request head has arrived on it.
    proven: AtomicBool,
    /// When it last connected, began or finished a request (ms since the registry began).
    last: AtomicU64,
    /// Closes it (eviction at the cap).
    kill: Notify,
}

/// The open connections of one listener.
struct Registry {
    start: Instant,
    next: AtomicU64,
    conns: Mutex<HashMap<u64, Arc<Conn>>>,
    /// A connection ended (room for a waiting newcomer; the shutdown's last wait).
    freed: Notify,
}

impl Registry {
    fn new() -> Self {
        Self {
            start: Instant::now(),
            next: AtomicU64::new(0),
            conns: Mutex::new(HashMap::new()),
            freed: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Conn>>> {
        self.conns.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn now_ms(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    fn len(&self) -> usize {
        self.lock().len()
    }

    fn add(&self) -> (u64, Arc<Conn>) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let conn = Arc::new(Conn {
            busy: AtomicUsize::new(0),
            proven: AtomicBool::new(false),
            last: AtomicU64::new(self.now_ms()),
            kill: Notify::new(),
        });
        self.lock().insert(id, conn.clone());
        (id, conn)
    }

    fn remove(&self, id: u64) {
        self.lock().remove(&id);
        // One waiter at a time: the accept loop making room, or the shutdown draining.
        self.freed.notify_one();
    }

    /// Closes the connection that has waited longest without sending a request, else the one
    /// idle the longest; `false` when every connection is busy with a request.
    fn evict(&self) -> bool {
        let mut conns = self.lock();
        let victim = conns
            .iter()
            .filter(|(_, c)| c.busy.load(Ordering::Relaxed) == 0)
            .min_by_key(|(_, c)| {
                (
                    c.proven.load(Ordering::Relaxed),
                    c.last.load(Ordering::Relaxed),
                )
            })
            .map(|(id, _)| *id);
        match victim.and_then(|id| conns.remove(&id)) {
            Some(c) => {
                c.kill.notify_one();
                true
            }
            None => false,
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
    let registry = Arc::new(Registry::new());
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.idle_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(limits.idle_timeout));
    let acceptor = match &transport {
        Transport::Plain => None,
        Transport::Tls(config) => Some(super::tls::acceptor(config)),
    };
    let cap = limits.max_connections.max(1);
    tokio::pin!(shutdown);
    'accept: loop {
        let stream = tokio::select! {
            r = listener.accept() => match r {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: make room, wait a little, do not
                    // spin.
                    tracing::warn!(error = %e, "accept failed");
                    registry.evict();
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        // At the cap: an idle or silent connection makes room; if all are busy, wait.
        while registry.len() >= cap && !registry.evict() {
            tokio::select! {
                _ = registry.freed.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(100)) => {}
                _ = &mut shutdown => break 'accept,
            }
        }
        let _ = stream.set_nodelay(true);
        let (id, conn) = registry.add();
        let task = Connection {
            svc: svc.clone(),
            limits,
            secure: acceptor.is_some(),
            conn,
            registry: registry.clone(),
        };
        let (acceptor, builder, stop) = (acceptor.clone(), builder.clone(), stop_rx.clone());
        let registry = registry.clone();
        tokio::spawn(async move {
            task.run(stream, acceptor, builder, stop).await;
            registry.remove(id);
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let deadline = tokio::time::sleep(limits.shutdown_grace);
    tokio::pin!(deadline);
    while registry.len() > 0 {
        tokio::select! {
            _ = registry.freed.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(50)) => {}
            _ = &mut deadline => {
                tracing::warn!(
                    grace_ms = limits.shutdown_grace.as_millis() as u64,
                    "connections still open at the shutdown deadline; closing them"
                );
                break;
            }
        }
    }
    Ok(())
}

/// What one connection's task needs.
struct Connection<S> {
    svc: S,
    limits: ServeLimits,
    secure: bool,
    conn: Arc<Conn>,
    registry: Arc<Registry>,
}

impl<S> Connection<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    async fn run(
        self,
        stream: TcpStream,
        acceptor: Option<super::tls::Acceptor>,
        builder: auto::Builder<TokioExecutor>,
        stop: watch::Receiver<bool>,
    ) {
        let header_timeout = self.limits.header_timeout;
        let opened = Instant::now();
        match acceptor {
            None => {
                // Something must arrive before hyper sniffs the protocol (it would wait forever).
                let first = tokio::select! {
                    r = tokio::time::timeout(header_timeout, first_byte(&stream)) => r,
                    _ = self.conn.kill.notified() => return,
                };
                if !matches!(first, Ok(Some(_))) {
                    return;
                }
                self.serve_io(stream, builder, stop, opened).await;
            }
            Some(acceptor) => {
                let tls = tokio::select! {
                    t = super::tls::accept(&acceptor, stream, header_timeout) => t,
                    _ = self.conn.kill.notified() => return,
                };
                if let Some(tls) = tls {
                    self.serve_io(tls, builder, stop, opened).await;
                }
            }
        }
    }

    async fn serve_io<I>(
        self,
        io: I,
        builder: auto::Builder<TokioExecutor>,
        mut stop: watch::Receiver<bool>,
        opened: Instant,
    ) where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let Connection {
            svc,
            limits,
            secure,
            conn: this,
            registry: reg,
        } = self;
        let body_timeout = limits.client_timeout;
        let (conn, registry) = (this.clone(), reg.clone());
        let hyper_svc = hyper::service::service_fn(move |mut req: Request<Incoming>| {
            conn.proven.store(true, Ordering::Relaxed);
            conn.busy.fetch_add(1, Ordering::Relaxed);
            conn.last.store(registry.now_ms(), Ordering::Relaxed);
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
                    Body::new(Deadline::new(body_timeout, b))
                }
            });
            let answer = svc.clone().oneshot(req);
            let (conn, registry) = (conn.clone(), registry.clone());
            async move {
                let res = answer.await;
                conn.last.store(registry.now_ms(), Ordering::Relaxed);
                conn.busy.fetch_sub(1, Ordering::Relaxed);
                res
            }
        });
        let served = builder
            .serve_connection_with_upgrades(TokioIo::new(io), hyper_svc)
            .into_owned();
        tokio::pin!(served);
        let head_by = tokio::time::sleep_until((opened + limits.header_timeout).into());
        tokio::pin!(head_by);
        let idle = limits.idle_timeout;
        let mut stopping = false;
        loop {
            // While a request runs the connection is not idle: look again an idle period later.
            let idle_at = if this.busy.load(Ordering::Relaxed) > 0 {
                Instant::now() + idle
            } else {
                reg.start + Duration::from_millis(this.last.load(Ordering::Relaxed)) + idle
            };
            tokio::select! {
                // hyper first: bytes already received are parsed (and the request counted as
                // arrived) before a deadline is looked at, however late this task is polled.
                biased;
                _ = &mut served => return,
                _ = this.kill.notified() => return,
                // (The condition is read before hyper's poll above, so look again.)
                _ = &mut head_by, if !this.proven.load(Ordering::Relaxed) => {
                    if !this.proven.load(Ordering::Relaxed) {
                        return;
                    }
                }
                _ = tokio::time::sleep_until(idle_at.into()), if !stopping => {
                    let quiet = this.busy.load(Ordering::Relaxed) == 0
                        && reg.now_ms().saturating_sub(this.last.load(Ordering::Relaxed))
                            >= idle.as_millis() as u64;
                    if quiet {
                        served.as_mut().graceful_shutdown();
                        stopping = true;
                    }
                }
                r = stop.changed(), if !stopping => {
                    if r.is_err() || *stop.borrow() {
                        served.as_mut().graceful_shutdown();
                        stopping = true;
                    }
                }
            }
        }
    }
}

/// Waits until the peer sends something (`Some`) or closes (`None`).
async fn first_byte(stream: &TcpStream) -> Option<u8> {
    let mut b = [0u8; 1];
    match stream.peek(&mut b).await {
        Ok(1) => Some(b[0]),
        _ => None,
    }
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
