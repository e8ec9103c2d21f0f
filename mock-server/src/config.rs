//! Run-time configuration. Every flag is also an environment variable (`MOCKDESK_*`); list
//! flags take comma-separated values in their variable.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use crate::platform::rate_limit::Window;
use crate::platform::{RateLimitMode, RateOverride};

/// A surface served at the root of its own port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurfacePort {
    pub surface: String,
    pub port: u16,
}

/// An extra token, mapped to its own account unless an account is named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraToken {
    pub vendor: String,
    pub token: String,
    pub account: Option<String>,
}

/// A per-surface rate-limit override given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurfaceRate {
    pub surface: String,
    pub rate: RateOverride,
}

// Read by the command line only.
#[cfg_attr(not(feature = "cli"), allow(dead_code))]
fn split_pair(s: &str) -> Result<(String, String), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=VALUE, got `{s}`"))?;
    if k.trim().is_empty() || v.trim().is_empty() {
        return Err(format!("expected NAME=VALUE, got `{s}`"));
    }
    Ok((k.trim().to_string(), v.trim().to_string()))
}

// Read by the command line only.
#[cfg_attr(not(feature = "cli"), allow(dead_code))]
fn parse_port(s: &str) -> Result<SurfacePort, String> {
    let (surface, port) = split_pair(s)?;
    let port = port
        .parse()
        .map_err(|_| format!("`{port}` is not a port number"))?;
    Ok(SurfacePort { surface, port })
}

// Read by the command line only.
#[cfg_attr(not(feature = "cli"), allow(dead_code))]
fn parse_token(s: &str) -> Result<ExtraToken, String> {
    let (vendor, rest) = split_pair(s)?;
    let (token, account) = match rest.split_once('@') {
        Some((_, a)) if crate::platform::auth::reserved_account(a) => {
            return Err(format!(
                "account `{a}`: names starting with `token:` are kept for tokens without an account"
            ))
        }
        Some((t, a)) if !t.is_empty() && !a.is_empty() => (t.to_string(), Some(a.to_string())),
        Some(_) => return Err(format!("expected VENDOR=TOKEN[@ACCOUNT], got `{s}`")),
        None => (rest, None),
    };
    Ok(ExtraToken {
        vendor,
        token,
        account,
    })
}

/// `off`, `documented`, or `LIMIT/SECONDS[+LIMIT/SECONDS…]`.
pub fn parse_rate_spec(spec: &str) -> Result<RateOverride, String> {
    match spec {
        "off" => Ok(RateOverride::Off),
        "documented" => Ok(RateOverride::Documented),
        custom => {
            let mut windows = Vec::new();
            for part in custom.split('+') {
                let (l, s) = part.split_once('/').ok_or_else(|| {
                    format!("expected off, documented or LIMIT/SECONDS, got `{custom}`")
                })?;
                let limit = l.parse().map_err(|_| format!("bad limit `{l}`"))?;
                let seconds: u64 = s.parse().map_err(|_| format!("bad seconds `{s}`"))?;
                if seconds == 0 || seconds > crate::platform::rate_limit::MAX_WINDOW_SECONDS {
                    return Err("a window must last between one second and a year".into());
                }
                windows.push(Window { limit, seconds });
            }
            Ok(RateOverride::Custom { windows })
        }
    }
}

/// A webhook subscription from the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurfaceWebhook {
    pub surface: String,
    pub url: String,
}

// Read by the command line only.
#[cfg_attr(not(feature = "cli"), allow(dead_code))]
fn parse_webhook(s: &str) -> Result<SurfaceWebhook, String> {
    let (surface, url) = split_pair(s)?;
    Ok(SurfaceWebhook { surface, url })
}

// Read by the command line only.
#[cfg_attr(not(feature = "cli"), allow(dead_code))]
fn parse_rate(s: &str) -> Result<SurfaceRate, String> {
    let (surface, spec) = split_pair(s)?;
    Ok(SurfaceRate {
        surface,
        rate: parse_rate_spec(&spec)?,
    })
}

/// Options of the emulator.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct Config {
    /// Address of the main port: every surface under its path prefix, plus /__admin.
    /// Also `localhost:4010`, `:4010` or `4010` (loopback), `0.0.0.0:4010` (every interface).
    #[cfg_attr(feature = "cli", arg(long, env = "MOCKDESK_LISTEN", default_value = "127.0.0.1:4010", value_parser = parse_listen))]
    pub listen: SocketAddr,

    /// Seed of the generated records (documented example records never change).
    #[cfg_attr(
        feature = "cli",
        arg(long, env = "MOCKDESK_SEED", default_value_t = 42)
    )]
    pub seed: u64,

    /// Also serve a surface at the root of its own port with the vendor's own paths,
    /// e.g. `--port hipcall=4013` (repeatable).
    #[cfg_attr(feature = "cli", arg(long = "port", env = "MOCKDESK_PORT", value_delimiter = ',', value_parser = parse_port))]
    pub ports: Vec<SurfacePort>,

    /// Extra token `VENDOR=TOKEN[@ACCOUNT]`; without an account the token gets an isolated
    /// account of its own (repeatable).
    #[cfg_attr(feature = "cli", arg(long = "token", env = "MOCKDESK_TOKEN", value_delimiter = ',', value_parser = parse_token))]
    pub tokens: Vec<ExtraToken>,

    /// Rate limits of every surface: the documented ones, or none.
    #[cfg_attr(
        feature = "cli",
        arg(
            long,
            env = "MOCKDESK_RATE_LIMITS",
            value_enum,
            default_value = "documented"
        )
    )]
    pub rate_limits: RateLimitMode,

    /// Per-surface override `SURFACE=off|documented|LIMIT/SECONDS[+LIMIT/SECONDS]`,
    /// e.g. `hipcall=5/60` (repeatable).
    #[cfg_attr(feature = "cli", arg(long = "rate-limit", env = "MOCKDESK_RATE_LIMIT", value_delimiter = ',', value_parser = parse_rate))]
    pub rate_limit_overrides: Vec<SurfaceRate>,

    /// How many requests the journal (`GET /__admin/requests`) keeps.
    #[cfg_attr(
        feature = "cli",
        arg(long, env = "MOCKDESK_JOURNAL_CAPACITY", default_value_t = 1000)
    )]
    pub journal_capacity: usize,

    /// Largest request body accepted, in bytes (larger ones get the vendor's 413).
    #[cfg_attr(feature = "cli", arg(long, env = "MOCKDESK_MAX_BODY_BYTES", default_value_t = 1 << 20))]
    pub max_body_bytes: usize,

    /// Subscribe `URL` to every webhook event of a surface's default account,
    /// `SURFACE=URL`, e.g. `helpcrunch=http://127.0.0.1:9000/hooks` (repeatable).
    #[cfg_attr(feature = "cli", arg(long = "webhook", env = "MOCKDESK_WEBHOOK", value_delimiter = ',', value_parser = parse_webhook))]
    pub webhooks: Vec<SurfaceWebhook>,

    /// Largest admin request body (a state import), in bytes; larger ones are refused with
    /// 413 from their declared length, or as soon as they grow past it while streaming.
    #[cfg_attr(feature = "cli", arg(long, env = "MOCKDESK_MAX_IMPORT_BYTES", default_value_t = 512 << 20))]
    pub max_import_bytes: usize,

    /// Events waiting per webhook subscription at most; when full, the oldest undelivered
    /// event is dropped (counted on the subscription and logged as a delivery).
    #[cfg_attr(feature = "cli", arg(long, env = "MOCKDESK_WEBHOOK_QUEUE_LIMIT", default_value_t = crate::platform::webhooks::DEFAULT_QUEUE_LIMIT))]
    pub webhook_queue_limit: usize,

    /// Start from this state file instead of the seed where it says so: a JSON object keyed
    /// by vendor, each value in the form `GET /__admin/state/{vendor}` returns.
    #[cfg_attr(feature = "cli", arg(long, env = "MOCKDESK_STATE_FILE"))]
    pub state_file: Option<std::path::PathBuf>,

    /// Keep state on disk here: every acknowledged write is stored before its answer goes out,
    /// and a restart continues from it (accounts, ids, webhook subscriptions included).
    #[cfg_attr(feature = "cli", arg(long, env = "MOCKDESK_STATE_DIR"))]
    pub state_dir: Option<std::path::PathBuf>,

    /// Require `Authorization: Bearer TOKEN` on the admin API (`/__admin`).
    #[cfg_attr(
        feature = "cli",
        arg(long, env = "MOCKDESK_ADMIN_TOKEN", hide_env_values = true)
    )]
    pub admin_token: Option<String>,

    /// A host name the admin API and dashboard answer to without --admin-token, besides
    /// localhost and IP addresses (against DNS rebinding), e.g. a container alias (repeatable).
    #[cfg_attr(
        feature = "cli",
        arg(
            long = "admin-host",
            env = "MOCKDESK_ADMIN_HOST",
            value_delimiter = ','
        )
    )]
    pub admin_hosts: Vec<String>,

    /// Bytes the journal keeps at most (oldest entries go first), besides its entry count.
    #[cfg_attr(feature = "cli", arg(long, env = "MOCKDESK_JOURNAL_MAX_BYTES", default_value_t = 4 << 20))]
    pub journal_max_bytes: usize,

    /// A request body must arrive within this: `30s`, `500ms` (a stalled body gets the
    /// vendor's 400).
    #[cfg_attr(feature = "cli", arg(long, env = "MOCKDESK_CLIENT_TIMEOUT", default_value = "30s", value_parser = parse_duration))]
    pub client_timeout: Duration,

    /// A new connection must send its first request head within this (TLS handshake
    /// included), or it is closed: silent sockets and slowloris clients cost only their own
    /// connection.
    #[cfg_attr(feature = "cli", arg(long, env = "MOCKDESK_HEADER_TIMEOUT", default_value = "5s", value_parser = parse_duration))]
    pub header_timeout: Duration,

    /// A keep-alive connection with no request for this long is closed (and a later
    /// request's head must arrive within it).
    #[cfg_attr(feature = "cli", arg(long, env = "MOCKDESK_IDLE_TIMEOUT", default_value = "30s", value_parser = parse_duration))]
    pub idle_timeout: Duration,

    /// Connections served at once; at the cap an idle or silent connection is closed to make
    /// room, and only when every one is busy with a request does a newcomer wait.
    #[cfg_attr(
        feature = "cli",
        arg(long, env = "MOCKDESK_MAX_CONNECTIONS", default_value_t = 1024)
    )]
    pub max_connections: usize,

    /// On SIGTERM/SIGINT, how long open requests may still finish before the process exits.
    #[cfg_attr(feature = "cli", arg(long, env = "MOCKDESK_SHUTDOWN_GRACE", default_value = "5s", value_parser = parse_duration))]
    pub shutdown_grace: Duration,

    /// Also serve everything the main port serves (prefixes, Host routing, /__admin) over
    /// HTTPS here, e.g. `127.0.0.1:4443` or `0.0.0.0:443` (HTTP/1.1 and HTTP/2).
    #[cfg_attr(feature = "cli", arg(long, env = "MOCKDESK_TLS_LISTEN", value_parser = parse_listen))]
    pub tls_listen: Option<SocketAddr>,

    /// Serve a surface at the root of its own HTTPS port, `SURFACE=PORT` (repeatable).
    #[cfg_attr(feature = "cli", arg(long = "tls-port", env = "MOCKDESK_TLS_PORT", value_delimiter = ',', value_parser = parse_port))]
    pub tls_ports: Vec<SurfacePort>,

    /// Where the local CA that issues the HTTPS certificate is kept (made on first start, the
    /// same afterwards). Default: $XDG_DATA_HOME/mockdesk/tls or ~/.local/share/mockdesk/tls.
    #[cfg_attr(feature = "cli", arg(long, env = "MOCKDESK_TLS_DIR", global = true))]
    pub tls_dir: Option<PathBuf>,

    /// An extra host name the HTTPS certificate is valid for, besides every surface's real
    /// host names and localhost/127.0.0.1/::1 (repeatable).
    #[cfg_attr(
        feature = "cli",
        arg(long = "tls-host", env = "MOCKDESK_TLS_HOST", value_delimiter = ',')
    )]
    pub tls_hosts: Vec<String>,

    /// Serve HTTPS with this certificate chain (PEM) instead of one from the local CA.
    #[cfg_attr(
        feature = "cli",
        arg(long, env = "MOCKDESK_TLS_CERT", requires = "tls_key")
    )]
    pub tls_cert: Option<PathBuf>,

    /// The private key (PEM) of --tls-cert.
    #[cfg_attr(
        feature = "cli",
        arg(long, env = "MOCKDESK_TLS_KEY", requires = "tls_cert")
    )]
    pub tls_key: Option<PathBuf>,

    /// Also trust this CA certificate (PEM) when mockdesk calls out: webhook deliveries,
    /// `verify`, `health` (repeatable; the platform's roots and SSL_CERT_FILE stay trusted).
    #[cfg_attr(
        feature = "cli",
        arg(
            long = "ca-cert",
            env = "MOCKDESK_CA_CERT",
            value_delimiter = ',',
            global = true
        )
    )]
    pub ca_certs: Vec<PathBuf>,

    /// A CA made in memory for this process alone instead of one kept in `tls_dir` (the
    /// embedded API's default; no flag).
    #[cfg_attr(feature = "cli", arg(skip))]
    pub tls_ephemeral_ca: bool,
}

/// A listen address: `HOST:PORT` (an IP address or `localhost`), `:PORT` or `PORT` (both on
/// 127.0.0.1), `[::1]:PORT`.
pub fn parse_listen(s: &str) -> Result<SocketAddr, String> {
    let s = s.trim();
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Ok(a);
    }
    let bad = || {
        format!("`{s}` is not a listen address (e.g. 127.0.0.1:4010, localhost:4010, :4010, 4010, 0.0.0.0:4010)")
    };
    let (host, port) = match s.rsplit_once(':') {
        Some((h, p)) => (h, p),
        None => ("", s),
    };
    let port: u16 = port.parse().map_err(|_| bad())?;
    let ip = match host {
        "" | "localhost" => IpAddr::V4(Ipv4Addr::LOCALHOST),
        "*" => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        h => h
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .map_err(|_| bad())?,
    };
    Ok(SocketAddr::new(ip, port))
}

/// `30s`, `500ms`, `2m`, or a bare number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration (e.g. 30s, 500ms)"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        _ => return Err(format!("`{s}`: unit must be ms, s or m")),
    };
    if !(0.0..=86_400.0).contains(&secs) {
        return Err(format!("`{s}` is out of range"));
    }
    Ok(Duration::from_secs_f64(secs))
}

impl Config {
    /// The listeners' limits.
    pub fn limits(&self) -> crate::platform::serve::ServeLimits {
        crate::platform::serve::ServeLimits {
            client_timeout: self.client_timeout,
            header_timeout: self.header_timeout,
            idle_timeout: self.idle_timeout,
            max_connections: self.max_connections,
            shutdown_grace: self.shutdown_grace,
        }
    }

    /// Whether the admin API is reachable beyond this machine without a token (start-up warns).
    pub fn admin_exposed(&self) -> bool {
        let beyond = !self.listen.ip().is_loopback()
            || self.tls_listen.is_some_and(|a| !a.ip().is_loopback());
        beyond && self.admin_token.is_none()
    }

    /// Whether anything is served over HTTPS.
    pub fn serves_tls(&self) -> bool {
        self.tls_listen.is_some() || !self.tls_ports.is_empty()
    }
}

impl Default for Config {
    /// The defaults of the command line, without reading the environment.
    fn default() -> Self {
        let serve = crate::platform::serve::ServeLimits::default();
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 4010)),
            seed: 42,
            ports: vec![],
            tokens: vec![],
            rate_limits: RateLimitMode::Documented,
            rate_limit_overrides: vec![],
            journal_capacity: 1000,
            max_body_bytes: 1 << 20,
            webhooks: vec![],
            webhook_queue_limit: crate::platform::webhooks::DEFAULT_QUEUE_LIMIT,
            max_import_bytes: 512 << 20,
            state_file: None,
            state_dir: None,
            admin_token: None,
            admin_hosts: vec![],
            journal_max_bytes: 4 << 20,
            client_timeout: serve.client_timeout,
            header_timeout: serve.header_timeout,
            idle_timeout: serve.idle_timeout,
            max_connections: serve.max_connections,
            shutdown_grace: serve.shutdown_grace,
            tls_listen: None,
            tls_ports: vec![],
            tls_dir: None,
            tls_hosts: vec![],
            tls_cert: None,
            tls_key: None,
            ca_certs: vec![],
            tls_ephemeral_ca: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only a non-loopback listen address without an admin token counts as exposed.
    #[test]
    fn admin_exposure() {
        let mut c = Config::default();
        assert!(!c.admin_exposed(), "loopback");
        c.listen = SocketAddr::from(([0, 0, 0, 0], 4010));
        assert!(c.admin_exposed(), "all interfaces, no token");
        c.admin_token = Some("t".into());
        assert!(!c.admin_exposed(), "token set");
        c.listen = "[::1]:4010".parse().unwrap();
        c.admin_token = None;
        assert!(!c.admin_exposed(), "IPv6 loopback");
    }

    /// Flag values parse into their parts and bad ones are refused with a message.
    #[test]
    fn parsers() {
        assert_eq!(
            parse_port("hipcall=4013").unwrap(),
            SurfacePort {
                surface: "hipcall".into(),
                port: 4013
            }
        );
        assert!(parse_port("hipcall").is_err());
        assert!(parse_port("hipcall=x").is_err());
        let t = parse_token("hipcall=abc@team").unwrap();
        assert_eq!(
            (t.token.as_str(), t.account.as_deref()),
            ("abc", Some("team"))
        );
        assert_eq!(parse_token("hipcall=abc").unwrap().account, None);
        assert!(parse_token("hipcall=abc@").is_err());
        assert!(parse_token("hipcall=abc@token:b").is_err(), "reserved");
        assert_eq!(parse_rate_spec("off").unwrap(), RateOverride::Off);
        assert_eq!(
            parse_rate_spec("1/1+5000/86400").unwrap(),
            RateOverride::Custom {
                windows: vec![
                    Window {
                        limit: 1,
                        seconds: 1
                    },
                    Window {
                        limit: 5000,
                        seconds: 86400
                    }
                ]
            }
        );
        assert!(parse_rate_spec("5/0").is_err());
        assert!(parse_rate_spec("5/99999999999").is_err());
        assert!(parse_rate_spec("fast").is_err());
    }

    /// Listen addresses in the forms people type.
    #[test]
    fn listen_forms() {
        let l = |s: &str| parse_listen(s).map(|a| a.to_string());
        assert_eq!(l("127.0.0.1:4010").unwrap(), "127.0.0.1:4010");
        assert_eq!(l("localhost:4011").unwrap(), "127.0.0.1:4011");
        assert_eq!(l(":4012").unwrap(), "127.0.0.1:4012");
        assert_eq!(l("4013").unwrap(), "127.0.0.1:4013");
        assert_eq!(l("0.0.0.0:80").unwrap(), "0.0.0.0:80");
        assert_eq!(l("[::1]:4014").unwrap(), "[::1]:4014");
        for bad in [
            "",
            "host.example:4010",
            "localhost",
            "127.0.0.1:99999",
            ":x",
        ] {
            let e = parse_listen(bad).unwrap_err();
            assert!(e.contains("listen address"), "{bad}: {e}");
        }
    }
}
