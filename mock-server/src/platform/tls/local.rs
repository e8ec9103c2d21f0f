//! The local CA, certificates and the rustls server configuration (the `tls` feature).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::x509::{self, KeyPair, Params, Signer};
use super::{CertSource, ServerTls, TlsSetupError, CA_CERT_FILE, CA_KEY_FILE};
pub use rustls::ServerConfig;

/// What accepts TLS connections on a listener.
pub type Acceptor = tokio_rustls::TlsAcceptor;
/// A connection after its handshake.
pub type Stream = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;

fn shown(p: &Path) -> String {
    p.display().to_string()
}

/// The acceptor for a listener serving `config`.
pub fn acceptor(config: &Arc<ServerConfig>) -> Acceptor {
    Acceptor::from(config.clone())
}

/// The CA's subject; a restart rebuilds the issuer from this name and the kept key, so leaves
/// issued later chain to the certificate already on disk.
const CA_COMMON_NAME: &str = "mockdesk local CA";
const CA_ORGANIZATION: &str = "mockdesk";

/// A CA kept in a directory: its certificate (PEM), and what signing a leaf takes — its key,
/// and its name and key identifier exactly as its certificate holds them.
pub struct LocalCa {
    pub cert_pem: String,
    /// Where the certificate is kept (`None` for a CA made in memory).
    pub cert_file: Option<PathBuf>,
    cert_der: CertificateDer<'static>,
    name: Vec<u8>,
    key_id: Vec<u8>,
    key: KeyPair,
}

/// A certificate is checked against real time, not the emulated clock.
#[allow(clippy::disallowed_methods)]
fn current_year() -> i32 {
    use chrono::Datelike;
    chrono::Utc::now().year()
}

impl LocalCa {
    /// The CA in `dir`, made (with the directory) when it is not there yet.
    pub fn load_or_create(dir: &Path) -> Result<Self, TlsSetupError> {
        let dir_err = |e: String| TlsSetupError::Dir(shown(dir), e);
        std::fs::create_dir_all(dir).map_err(|e| dir_err(e.to_string()))?;
        let cert_file = dir.join(CA_CERT_FILE);
        let key_file = dir.join(CA_KEY_FILE);
        match (cert_file.exists(), key_file.exists()) {
            (true, true) => Self::load(&cert_file, &key_file),
            (false, false) => Self::create(&cert_file, &key_file),
            _ => Err(dir_err(format!(
                "holds only one of {CA_CERT_FILE} and {CA_KEY_FILE}; remove it to make a new CA"
            ))),
        }
    }

    fn load(cert_file: &Path, key_file: &Path) -> Result<Self, TlsSetupError> {
        let read = |p: &Path| {
            std::fs::read_to_string(p).map_err(|e| TlsSetupError::File(shown(p), e.to_string()))
        };
        let cert_pem = read(cert_file)?;
        let key_pem = read(key_file)?;
        let not_key = |e: String| TlsSetupError::File(shown(key_file), format!("not a key: {e}"));
        let key_der = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
            .map_err(|e| not_key(e.to_string()))?;
        let cert = CertificateDer::from_pem_slice(cert_pem.as_bytes()).map_err(|e| {
            TlsSetupError::File(shown(cert_file), format!("not a certificate: {e}"))
        })?;
        check_pair(std::slice::from_ref(&cert), &key_der).map_err(|_| {
            TlsSetupError::KeyMismatch {
                cert: shown(cert_file),
                key: shown(key_file),
            }
        })?;
        let key = KeyPair::from_pkcs8(key_der.secret_der()).map_err(not_key)?;
        let (name, key_id) = x509::subject_of(cert.as_ref()).ok_or_else(|| {
            TlsSetupError::File(shown(cert_file), "not a readable certificate".into())
        })?;
        Ok(Self {
            cert_pem,
            cert_file: Some(cert_file.to_path_buf()),
            cert_der: cert,
            name,
            key_id: key_id.unwrap_or_else(|| key.key_id()),
            key,
        })
    }

    /// A CA that lives in memory only (the embedded API: one per instance).
    pub fn in_memory() -> Result<Self, TlsSetupError> {
        let key = KeyPair::generate().map_err(TlsSetupError::Generate)?;
        let name = x509::name(CA_COMMON_NAME, Some(CA_ORGANIZATION));
        let key_id = key.key_id();
        let year = current_year();
        let params = Params {
            subject: name.clone(),
            ca: true,
            names: &[],
            from_year: year - 1,
            until: (year + 20, 1, 1),
        };
        let signer = Signer {
            name: &name,
            key_id: &key_id,
            key: &key,
        };
        let der = x509::certificate(&params, &key, &signer).map_err(TlsSetupError::Generate)?;
        Ok(Self {
            cert_pem: x509::pem("CERTIFICATE", &der),
            cert_file: None,
            cert_der: CertificateDer::from(der),
            name,
            key_id,
            key,
        })
    }

    fn create(cert_file: &Path, key_file: &Path) -> Result<Self, TlsSetupError> {
        let mut ca = Self::in_memory()?;
        write_private(key_file, ca.key.pem().as_bytes())?;
        std::fs::write(cert_file, &ca.cert_pem)
            .map_err(|e| TlsSetupError::File(shown(cert_file), e.to_string()))?;
        tracing::info!(ca = %cert_file.display(), "made a local CA for HTTPS");
        ca.cert_file = Some(cert_file.to_path_buf());
        Ok(ca)
    }

    /// A leaf for `names` (DNS names or IP addresses) signed by this CA: the chain (leaf, CA)
    /// and the leaf's key.
    pub fn issue(
        &self,
        names: &[String],
    ) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), TlsSetupError> {
        let key = KeyPair::generate().map_err(TlsSetupError::Generate)?;
        let year = current_year();
        let params = Params {
            subject: x509::name("mockdesk", None),
            ca: false,
            names,
            from_year: year - 1,
            until: (year + 1, 12, 31),
        };
        let signer = Signer {
            name: &self.name,
            key_id: &self.key_id,
            key: &self.key,
        };
        let leaf = x509::certificate(&params, &key, &signer).map_err(TlsSetupError::Generate)?;
        let key = PrivateKeyDer::try_from(key.pkcs8_der().to_vec())
            .map_err(|e| TlsSetupError::Generate(e.to_string()))?;
        Ok((vec![CertificateDer::from(leaf), self.cert_der.clone()], key))
    }
}

/// Writes a file only its owner may read (a CA key).
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), TlsSetupError> {
    use std::io::Write as _;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .map_err(|e| TlsSetupError::File(shown(path), e.to_string()))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| TlsSetupError::File(shown(path), e.to_string()))
}

/// The `ring` provider (as reqwest 0.12 uses): no C toolchain beyond a compiler, no cmake. rustls
/// marks it deprecated for lacking post-quantum key exchange, which a local emulator's
/// loopback certificate does not need.
#[allow(deprecated)]
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Whether `key` is the private half of the first certificate's public key.
fn check_pair(
    chain: &[CertificateDer<'static>],
    key: &PrivateKeyDer<'static>,
) -> Result<(), String> {
    let signing = provider()
        .key_provider
        .load_private_key(key.clone_key())
        .map_err(|e| e.to_string())?;
    rustls::sign::CertifiedKey::new(chain.to_vec(), signing)
        .keys_match()
        .map_err(|e| e.to_string())
}

/// The server configuration for a chain and key: TLS 1.2/1.3, ALPN h2 then http/1.1.
pub fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<rustls::ServerConfig>, TlsSetupError> {
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsSetupError::Config(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| TlsSetupError::Config(e.to_string()))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Builds what TLS listeners serve with.
pub fn setup(source: &CertSource) -> Result<ServerTls, TlsSetupError> {
    match source {
        CertSource::LocalCa { dir, names } => {
            let ca = match dir {
                Some(dir) => LocalCa::load_or_create(dir)?,
                None => LocalCa::in_memory()?,
            };
            let (chain, key) = ca.issue(names)?;
            Ok(ServerTls {
                config: server_config(chain, key)?,
                ca_pem: Some(ca.cert_pem),
                ca_file: ca.cert_file,
                names: names.clone(),
            })
        }
        CertSource::Files { cert, key } => {
            let chain = read_certs(cert)?;
            let key_der = PrivateKeyDer::from_pem_file(key)
                .map_err(|e| TlsSetupError::File(shown(key), format!("no private key: {e}")))?;
            check_pair(&chain, &key_der).map_err(|_| TlsSetupError::KeyMismatch {
                cert: shown(cert),
                key: shown(key),
            })?;
            Ok(ServerTls {
                config: server_config(chain, key_der)?,
                ca_pem: None,
                ca_file: None,
                names: Vec::new(),
            })
        }
    }
}

/// Every certificate in a PEM file; a file with none (or one that cannot be read) is an error.
pub fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsSetupError> {
    let fail = |m: String| TlsSetupError::File(shown(path), m);
    let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| fail(format!("not a PEM certificate file: {e}")))?;
    if certs.is_empty() {
        return Err(fail("holds no PEM certificate".into()));
    }
    for c in &certs {
        looks_like_der_certificate(c).map_err(|e| fail(format!("not a valid certificate: {e}")))?;
    }
    Ok(certs)
}

/// Parses a certificate's outer structure (what a verifier would do first).
fn looks_like_der_certificate(c: &CertificateDer<'_>) -> Result<(), String> {
    // A certificate is a DER SEQUENCE of three elements; checking the outer tag and length
    // catches files whose PEM armour wraps something else. Full parsing happens in the
    // verifier that later trusts it.
    let b = c.as_ref();
    if b.len() < 4 || b[0] != 0x30 {
        return Err("the data is not a DER certificate".into());
    }
    Ok(())
}

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
pub async fn accept(
    acceptor: &Acceptor,
    stream: tokio::net::TcpStream,
    timeout: Duration,
) -> Option<Stream> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::client::danger::ServerCertVerifier as _;

    /// Whether a rustls client trusting only `ca_pem` accepts `chain` for `name`.
    fn trusted(ca_pem: &str, chain: &[CertificateDer<'static>], name: &str) -> Result<(), String> {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(ca_pem.as_bytes()).unwrap())
            .unwrap();
        let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots),
            provider(),
        )
        .build()
        .unwrap();
        let now = rustls::pki_types::UnixTime::now();
        let server = rustls::pki_types::ServerName::try_from(name.to_string()).unwrap();
        verifier
            .verify_server_cert(&chain[0], &chain[1..], &server, &[], now)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// A CA kept in a directory is the same after a reload, and leaves issued after the reload
    /// chain to it (a rustls client trusting only that CA accepts the leaf for each name).
    #[test]
    fn ca_persists_and_issues_verifiable_leaves() {
        let dir = tempfile::tempdir().unwrap();
        let first = LocalCa::load_or_create(dir.path()).unwrap();
        let again = LocalCa::load_or_create(dir.path()).unwrap();
        assert_eq!(first.cert_pem, again.cert_pem);
        let names = vec!["api.example.test".to_string(), "127.0.0.1".to_string()];
        let (chain, _key) = again.issue(&names).unwrap();
        for name in ["api.example.test", "127.0.0.1"] {
            trusted(&first.cert_pem, &chain, name).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        assert!(trusted(&first.cert_pem, &chain, "other.test").is_err());
        assert!(again.issue(&["bad name ü".to_string()]).is_err());
    }

    /// A CA directory made by an earlier mockdesk (rcgen wrote those: a PKCS#8 key, a subject
    /// of common name and organization) is loaded as it is, and its leaves chain to it.
    #[test]
    fn a_ca_made_by_an_earlier_version_keeps_working() {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair as RcKey};
        let key = RcKey::generate().unwrap();
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name
            .push(DnType::CommonName, CA_COMMON_NAME);
        p.distinguished_name
            .push(DnType::OrganizationName, CA_ORGANIZATION);
        p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        let pem = p.self_signed(&key).unwrap().pem();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CA_CERT_FILE), &pem).unwrap();
        std::fs::write(dir.path().join(CA_KEY_FILE), key.serialize_pem()).unwrap();
        let ca = LocalCa::load_or_create(dir.path()).unwrap();
        assert_eq!(ca.cert_pem, pem, "kept as it is");
        let (chain, _) = ca.issue(&["localhost".to_string()]).unwrap();
        trusted(&pem, &chain, "localhost").unwrap();
    }

    /// Half a CA, a key that is not the certificate's, and a file with no certificate are
    /// refused with the file named.
    #[test]
    fn bad_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CA_CERT_FILE), "x").unwrap();
        let e = LocalCa::load_or_create(dir.path()).err().unwrap();
        assert!(e.to_string().contains("only one of"), "{e}");

        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        LocalCa::load_or_create(a.path()).unwrap();
        LocalCa::load_or_create(b.path()).unwrap();
        let e = setup(&CertSource::Files {
            cert: a.path().join(CA_CERT_FILE),
            key: b.path().join(CA_KEY_FILE),
        })
        .err()
        .unwrap();
        assert!(matches!(e, TlsSetupError::KeyMismatch { .. }), "{e}");

        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "hello, not a certificate\n").unwrap();
        let e = read_certs(&junk).err().unwrap();
        assert!(e.to_string().contains("no PEM certificate"), "{e}");
        let e = read_certs(&dir.path().join("missing.pem")).err().unwrap();
        assert!(e.to_string().contains("missing.pem"), "{e}");
    }
}
