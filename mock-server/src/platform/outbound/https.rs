//! The https-capable client (the `tls` feature): rustls with the platform's and Mozilla's
//! roots plus every `--ca-cert`, and the causes its failures name.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use super::{cause_chain, chain, io_cause, text_cause, Cause, Failure};

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
            let ders = crate::platform::tls::read_certs(f).map_err(|e| e.to_string())?;
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
    if let Some(c) = io_cause(&links) {
        return c;
    }
    let text = cause_chain(err).to_ascii_lowercase();
    if err.is_timeout() {
        return Cause::Timeout;
    }
    if let Some(c) = text_cause(&text) {
        return c;
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
