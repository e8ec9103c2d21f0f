//! Every HTTP request mockdesk itself sends (`verify`, the contract suite's target, `health`,
//! webhook deliveries) explains its failures the same way ([`Cause`]); the https-capable
//! client (the `tls` feature, [`Trust`]) is built here so they all trust the same roots.
//!
//! - **Trust**: rustls with the platform's roots (`SSL_CERT_FILE`/`SSL_CERT_DIR` honoured, as
//!   rustls-native-certs reads them), Mozilla's bundled roots (an image without a system store
//!   still reaches the vendors), and every extra CA file ([`Trust`]: `--ca-cert`,
//!   `MOCKDESK_CA_CERT`).
//! - **Causes**: [`explain`] walks a failed request's `source()` chain and names what went wrong
//!   — connection refused, DNS, timeout, an untrusted/mismatched/expired certificate, a TLS
//!   handshake that failed, a body cut off — instead of reqwest's "error sending request".

use std::error::Error as StdError;
use std::fmt;

#[cfg(feature = "tls")]
mod https;
#[cfg(feature = "tls")]
pub use https::{explain, explain_for, split_files, Trust, CA_CERT_ENV};

#[cfg(not(feature = "tls"))]
mod off;
#[cfg(not(feature = "tls"))]
pub use off::Trust;

/// What kind of failure a request met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    ConnectionRefused,
    Dns,
    Timeout,
    /// The certificate's issuer is not among the trusted roots.
    UntrustedCertificate,
    /// The certificate is not valid for the host name asked for.
    CertificateNameMismatch,
    CertificateExpired,
    /// Any other certificate problem (not yet valid, revoked, bad signature, wrong usage …).
    CertificateInvalid,
    /// The peer answered, but not in TLS (an https URL for a plain-http port).
    NotTls,
    /// The TLS handshake failed for another reason (an alert, a protocol mismatch).
    TlsHandshake,
    ConnectionReset,
    /// The answer stopped before its end.
    BodyCutOff,
    /// The URL could not be used (bad scheme, no host …).
    BadUrl,
    Other,
}

impl Cause {
    /// A short phrase a person reads first.
    pub fn phrase(self) -> &'static str {
        match self {
            Cause::ConnectionRefused => "connection refused (nothing listens there)",
            Cause::Dns => "DNS lookup failed (unknown host name)",
            Cause::Timeout => "timed out",
            Cause::UntrustedCertificate => {
                "certificate not trusted: unknown issuer (trust its CA with --ca-cert FILE or MOCKDESK_CA_CERT)"
            }
            Cause::CertificateNameMismatch => {
                "certificate not valid for this host name (name mismatch)"
            }
            Cause::CertificateExpired => "certificate expired",
            Cause::CertificateInvalid => "certificate rejected",
            Cause::NotTls => {
                "TLS handshake failed: the server did not answer in TLS (a plain-http port? try http://)"
            }
            Cause::TlsHandshake => "TLS handshake failed",
            Cause::ConnectionReset => "connection reset or closed by the server",
            Cause::BodyCutOff => "the answer was cut off before its end",
            Cause::BadUrl => "the URL cannot be requested",
            Cause::Other => "request failed",
        }
    }
}

/// A failed request: its cause and the whole chain of messages behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub cause: Cause,
    /// Every distinct message of the error's `source()` chain, outermost first.
    pub chain: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.cause.phrase(), self.chain)
    }
}

/// The messages of an error and its sources, joined by ": " (each once, URLs left out).
pub fn cause_chain(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    for e in chain(err) {
        let text = shown(e);
        // An io::Error shows its inner error's text; skip repeats.
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

/// An error's own message; reqwest's without the URL it prints (the caller already shows it,
/// and it may hold a token).
fn shown(e: &(dyn StdError + 'static)) -> String {
    #[cfg(feature = "tls")]
    if let Some(r) = e
        .downcast_ref::<reqwest::Error>()
        .filter(|r| r.url().is_some())
    {
        let mut s = r.to_string();
        if let Some(i) = s.find(" for url (") {
            s.truncate(i);
        }
        return s;
    }
    e.to_string()
}

/// The error and every source below it. An `io::Error` wrapping another error shows that
/// error's text but returns that error's *source* as its own, so the wrapped error is
/// visited explicitly.
fn chain<'a>(err: &'a (dyn StdError + 'static)) -> Vec<&'a (dyn StdError + 'static)> {
    let mut out = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        out.push(e);
        // Walk into a wrapped error itself (its own chain follows from it), else the source.
        let wrapped = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .map(|inner| inner as &(dyn StdError + 'static));
        next = wrapped.or_else(|| e.source());
        if out.len() > 32 {
            break;
        }
    }
    out
}

/// The cause an I/O error in the chain names (refused, timed out, reset), if one does.
fn io_cause(links: &[&(dyn StdError + 'static)]) -> Option<Cause> {
    links.iter().find_map(|e| {
        let io = e.downcast_ref::<std::io::Error>()?;
        match io.kind() {
            std::io::ErrorKind::ConnectionRefused => Some(Cause::ConnectionRefused),
            std::io::ErrorKind::TimedOut => Some(Cause::Timeout),
            std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted => {
                Some(Cause::ConnectionReset)
            }
            _ => None,
        }
    })
}

/// The cause a chain's text names (lower-cased), for what carries no typed cause.
fn text_cause(text: &str) -> Option<Cause> {
    if text.contains("timed out") || text.contains("deadline") {
        Some(Cause::Timeout)
    } else if text.contains("dns error")
        || text.contains("failed to lookup address")
        || text.contains("name or service not known")
    {
        Some(Cause::Dns)
    } else {
        None
    }
}

/// Names the cause of a failed plain-HTTP exchange (an I/O or hyper error).
pub fn explain_plain(err: &(dyn StdError + 'static)) -> Failure {
    let chain_text = cause_chain(err);
    let text = chain_text.to_ascii_lowercase();
    let cause = io_cause(&chain(err))
        .or_else(|| text_cause(&text))
        .unwrap_or_else(|| {
            if text.contains("incomplete") || text.contains("end of file before message length") {
                Cause::BodyCutOff
            } else if text.contains("connection closed") || text.contains("connection reset") {
                Cause::ConnectionReset
            } else {
                Cause::Other
            }
        });
    Failure {
        cause,
        chain: chain_text,
    }
}
