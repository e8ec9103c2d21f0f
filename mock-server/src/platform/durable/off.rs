//! `--state-dir` in a build without the `durable` feature (`default-features = false`, the
//! embeddable server): the same face as the real module, so nothing else changes, but opening
//! a directory is refused with the reason and nothing of the rest can be reached.

use std::path::Path;

use serde_json::Value;

use super::rows::{Change, RowSource};

/// Cannot exist: [`Durable::open`] always refuses.
enum Never {}

pub struct Durable(Never);

impl std::fmt::Debug for Durable {
    fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {}
    }
}

/// Cannot exist (nothing is ever loaded).
pub struct Stored {
    pub vendor: String,
    pub account: String,
    pub document: Vec<u8>,
    never: Never,
}

impl Stored {
    pub fn rows(&self) -> Box<dyn RowSource> {
        match self.never {}
    }
}

impl Durable {
    pub fn open(dir: &Path) -> Result<Self, String> {
        Err(format!(
            "cannot keep state in {}: this build of mockdesk has no --state-dir (enable the `durable` feature of mock-server)",
            dir.display()
        ))
    }

    pub fn degraded(&self) -> Option<String> {
        match self.0 {}
    }

    pub fn record<S: serde::Serialize>(&self, _vendor: &str, _change: Change<'_, S>) {
        match self.0 {}
    }

    pub fn flush(&self) -> Result<(), String> {
        match self.0 {}
    }

    pub async fn flush_async(self: &std::sync::Arc<Self>) -> Result<(), String> {
        match self.0 {}
    }

    pub fn load(&self) -> Result<Vec<Stored>, String> {
        match self.0 {}
    }

    pub fn set_meta(&self, _name: &str, _value: &Value) -> Result<(), String> {
        match self.0 {}
    }

    pub fn meta(&self, _name: &str) -> Result<Option<Value>, String> {
        match self.0 {}
    }
}
