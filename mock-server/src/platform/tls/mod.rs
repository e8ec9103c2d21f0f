//! Serving HTTPS: the certificate a TLS listener presents and the rustls configuration around it.
//!
//! By default mockdesk is its own small certificate authority: on first start it makes a CA key
//! and certificate in the TLS directory (`--tls-dir`) and keeps them there, so a user trusts the
//! CA once and it stays the same across restarts. At every start it issues a fresh leaf for the
//! names it serves (every surface's real host names, the loopback names and each `--tls-host`).
//! Alternatively a user brings a certificate chain and key of their own (`--tls-cert`,
//! `--tls-key`).
//!
//! Both TLS 1.2 and 1.3, ALPN `h2` and `http/1.1`; the `ring` provider is named explicitly so no
//! process-wide default provider has to be installed.
//!
//! Serving HTTPS takes the `tls` feature (rustls); without it the declarations below stay, and
//! [`setup`] refuses with the reason, so a configuration asking for HTTPS fails at start.

use std::path::PathBuf;
use std::sync::Arc;

#[cfg(feature = "tls")]
mod local;
#[cfg(feature = "tls")]
mod x509;
#[cfg(feature = "tls")]
pub use local::{
    accept, acceptor, read_certs, server_config, setup, Acceptor, LocalCa, ServerConfig, Stream,
};

#[cfg(not(feature = "tls"))]
mod off;
#[cfg(not(feature = "tls"))]
pub use off::{accept, acceptor, setup, Acceptor, ServerConfig, Stream};

/// File names inside the TLS directory.
pub const CA_CERT_FILE: &str = "ca.pem";
pub const CA_KEY_FILE: &str = "ca-key.pem";
/// Why TLS could not be set up (start-up refuses to continue: exit 2).
#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    #[error("TLS directory {0}: {1}")]
    Dir(String, String),
    #[error("{0}: {1}")]
    File(String, String),
    #[error("the key in {key} does not belong to the certificate in {cert}")]
    KeyMismatch { cert: String, key: String },
    #[error("cannot make a certificate: {0}")]
    Generate(String),
    #[error("TLS configuration: {0}")]
    Config(String),
}

/// What a TLS listener presents and how a client can come to trust it.
#[derive(Clone)]
pub struct ServerTls {
    /// The rustls configuration every TLS listener shares.
    pub config: Arc<ServerConfig>,
    /// The CA certificate (PEM) when mockdesk issued the leaf; `None` with `--tls-cert`.
    pub ca_pem: Option<String>,
    /// Where that CA certificate is kept.
    pub ca_file: Option<PathBuf>,
    /// The names the leaf is valid for (empty with a certificate of the user's own).
    pub names: Vec<String>,
}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerTls")
            .field("ca_file", &self.ca_file)
            .field("names", &self.names)
            .finish_non_exhaustive()
    }
}

/// The loopback names every issued leaf covers.
pub const LOOPBACK_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// The TLS directory when none is given: `$XDG_DATA_HOME/mockdesk/tls`, else
/// `$HOME/.local/share/mockdesk/tls`, else `.mockdesk/tls` under the working directory.
pub fn default_dir() -> PathBuf {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(x) = env("XDG_DATA_HOME") {
        return PathBuf::from(x).join("mockdesk/tls");
    }
    if let Some(h) = env("HOME") {
        return PathBuf::from(h).join(".local/share/mockdesk/tls");
    }
    PathBuf::from(".mockdesk/tls")
}

/// Where the certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertSource {
    /// A leaf for these names, issued by the CA kept in this directory (`None`: a CA made
    /// in memory for this process alone).
    LocalCa {
        dir: Option<PathBuf>,
        names: Vec<String>,
    },
    /// The user's own chain and key (PEM files).
    Files { cert: PathBuf, key: PathBuf },
}
