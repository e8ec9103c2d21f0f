//! Every HTTP request mockdesk itself sends (`verify`, the contract suite's target, `health`,
//! webhook deliveries) goes through a client built here, so they trust the same roots and
//! explain their failures the same way.
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
use std::path::PathBuf;
use std::sync::Arc;

/// The environment variable holding extra CA files (comma-separated), as `--ca-cert` does.
pub const CA_CERT_ENV: &str = "MOCKDESK_CA_CERT";

/// Extra certificate authorities to trust besides the platform's roots.
#[derive(Clone, Default)]
pub struct Trust {
    certs: Arc<Vec<reqwest::Certificate>>,
    files: Vec<PathBuf>,
}

impl fmt::Debug for Trust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Trust").field("files", &self.files).finish()
    }
}

impl Trust {
    /// Trust what the platform trusts, nothing more.
    pub fn platform() -> Self {
        Self::default()
    }

    /// The platform's roots plus every certificate in `files` (PEM; a file may hold several).
    /// A file that cannot be read or holds no certificate is an error naming it.
    pub fn with_files(files: &[PathBuf]) -> Result<Self, String> {
        let mut certs = Vec::new();
        for f in files {
            let ders = super::tls::read_certs(f).map_err(|e| e.to_string())?;
            for der in ders {
                let cert = reqwest::Certificate::from_der(der.as_ref())
                    .map_err(|e| format!("{}: {}", f.display(), cause_chain(&e)))?;
                certs.push(cert);
            }
        }
        Ok(Self {
            certs: Arc::new(certs),
            files: files.to_vec(),
        })
    }

    /// The files named by `MOCKDESK_CA_CERT` (comma-separated), or the platform's roots alone.
    pub fn from_env() -> Result<Self, String> {
        match std::env::var(CA_CERT_ENV) {
            Ok(v) if !v.trim().is_empty() => Self::with_files(&split_files(&v)),
            _ => Ok(Self::platform()),
        }
    }

    /// The extra CA files.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// A client builder that trusts these roots (plus the platform's), over rustls.
    pub fn client_builder(&self) -> reqwest::ClientBuilder {
        let mut b = reqwest::Client::builder().use_rustls_tls();
        for c in self.certs.iter() {
            b = b.add_root_certificate(c.clone());
        }
        b
    }
}

/// `a.pem,b.pem` as paths (empty parts skipped).
pub fn split_files(list: &str) -> Vec<PathBuf> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .collect()
}

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
        let text = match e.downcast_ref::<reqwest::Error>() {
            Some(r) if r.url().is_some() => {
                // reqwest prints the URL; the caller already shows it (and it may hold a token).
                let mut s = r.to_string();
                if let Some(i) = s.find(" for url (") {
                    s.truncate(i);
                }
                s
            }
            _ => e.to_string(),
        };
        // An io::Error shows its inner error's text; skip repeats.
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
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

/// Names the cause of a failed request.
pub fn explain(err: &reqwest::Error) -> Failure {
    Failure {
        cause: classify(err),
        chain: cause_chain(err),
    }
}

fn classify(err: &reqwest::Error) -> Cause {
    let links = chain(err);
    for e in &links {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return tls_cause(tls);
        }
    }
    for e in &links {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => return Cause::ConnectionRefused,
                std::io::ErrorKind::TimedOut => return Cause::Timeout,
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted => {
                    return Cause::ConnectionReset
                }
                _ => {}
            }
        }
    }
    let text = cause_chain(err).to_ascii_lowercase();
    if err.is_timeout() || text.contains("timed out") || text.contains("deadline") {
        return Cause::Timeout;
    }
    if text.contains("dns error")
        || text.contains("failed to lookup address")
        || text.contains("name or service not known")
    {
        return Cause::Dns;
    }
    if err.is_builder() || text.contains("url scheme is not allowed") {
        return Cause::BadUrl;
    }
    if text.contains("tls handshake eof") || (text.contains("handshake") && err.is_connect()) {
        return Cause::TlsHandshake;
    }
    if err.is_body()
        || err.is_decode()
        || text.contains("incomplete")
        || text.contains("end of file before message length")
    {
        return Cause::BodyCutOff;
    }
    if text.contains("connection closed") || text.contains("connection reset") {
        return Cause::ConnectionReset;
    }
    Cause::Other
}

fn tls_cause(e: &rustls::Error) -> Cause {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            C::UnknownIssuer => Cause::UntrustedCertificate,
            C::NotValidForName | C::NotValidForNameContext { .. } => Cause::CertificateNameMismatch,
            C::Expired | C::ExpiredContext { .. } => Cause::CertificateExpired,
            _ => Cause::CertificateInvalid,
        },
        rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType) => Cause::NotTls,
        _ => Cause::TlsHandshake,
    }
}

/// Explains a failure for a request to `url` (the URL shown without its query).
pub fn explain_for(url: &str, err: &reqwest::Error) -> String {
    let shown = url.split('?').next().unwrap_or(url);
    format!("{shown}: {}", explain(err))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A refused connection and an unknown host are named as such.
    #[tokio::test]
    async fn refused_and_dns_are_named() {
        let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = free.local_addr().unwrap();
        drop(free);
        let client = Trust::platform().client_builder().build().unwrap();
        let e = client
            .get(format!("http://{addr}/"))
            .send()
            .await
            .unwrap_err();
        let f = explain(&e);
        assert_eq!(f.cause, Cause::ConnectionRefused, "{f}");
        assert!(!f.to_string().contains(&addr.to_string()), "no URL in {f}");
        let e = client
            .get("http://no-such-host.invalid/")
            .send()
            .await
            .unwrap_err();
        assert_eq!(explain(&e).cause, Cause::Dns, "{}", explain(&e));
    }

    /// A server that accepts and never answers is a timeout.
    #[tokio::test]
    async fn silence_is_a_timeout() {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let held = tokio::spawn(async move {
            let (s, _) = l.accept().await.unwrap();
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            drop(s);
        });
        let client = Trust::platform()
            .client_builder()
            .timeout(std::time::Duration::from_millis(300))
            .build()
            .unwrap();
        let e = client
            .get(format!("http://{addr}/"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(explain(&e).cause, Cause::Timeout, "{}", explain(&e));
        held.abort();
    }

    /// Extra CA files: a list splits on commas; a file without a certificate is refused.
    #[test]
    fn ca_files() {
        assert_eq!(
            split_files("a.pem, b.pem,,"),
            vec![PathBuf::from("a.pem"), PathBuf::from("b.pem")]
        );
        let dir = tempfile::tempdir().unwrap();
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "not a certificate").unwrap();
        let e = Trust::with_files(std::slice::from_ref(&junk)).unwrap_err();
        assert!(e.contains("junk.pem"), "{e}");
    }
}
