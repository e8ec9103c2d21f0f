//! Built without the `tls` feature: mockdesk sends requests only to http receivers (webhooks,
//! through [`crate::platform::webhooks`]), so there are no extra roots to trust; asking for some is
//! refused at start with the reason.

use std::path::PathBuf;

/// The roots deliveries would trust: none beyond the platform's, and nothing is sent over TLS.
#[derive(Clone, Debug, Default)]
pub struct Trust;

impl Trust {
    /// Trust what the platform trusts.
    pub fn platform() -> Self {
        Self
    }

    /// Refuses any file: this build cannot make https requests.
    pub fn with_files(files: &[PathBuf]) -> Result<Self, String> {
        match files.first() {
            None => Ok(Self),
            Some(f) => Err(format!(
                "{}: extra CA certificates need the mock-server crate's `tls` feature",
                f.display()
            )),
        }
    }
}
