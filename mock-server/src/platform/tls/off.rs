//! Built without the `tls` feature: no listener can serve HTTPS. [`setup`] refuses with the
//! reason (start-up stops there), so the types below are never made.

use std::sync::Arc;

use super::{CertSource, ServerTls, TlsSetupError};

/// Stands in for rustls' server configuration: no value of it exists.
#[derive(Debug)]
pub enum ServerConfig {}

/// Stands in for the TLS acceptor: no value of it exists.
#[derive(Clone)]
pub enum Acceptor {}

/// Stands in for a TLS connection.
pub type Stream = tokio::net::TcpStream;

/// Unreachable: there is no configuration to accept with.
pub fn acceptor(config: &Arc<ServerConfig>) -> Acceptor {
    match **config {}
}

/// Unreachable: there is no acceptor.
pub async fn accept(
    acceptor: &Acceptor,
    _stream: tokio::net::TcpStream,
    _timeout: std::time::Duration,
) -> Option<Stream> {
    match *acceptor {}
}

/// Refuses: HTTPS was asked for, and this build cannot serve it.
pub fn setup(_source: &CertSource) -> Result<ServerTls, TlsSetupError> {
    Err(TlsSetupError::Config(
        "this mockdesk was built without HTTPS: enable the mock-server crate's `tls` feature"
            .into(),
    ))
}
