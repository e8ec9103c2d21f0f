//! Bounded request journal: the last N requests any surface served, oldest dropped first.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Entry {
    /// Sequence number, increasing from 1 for the life of the process.
    pub seq: u64,
    /// Unix milliseconds (from the injectable clock).
    pub at_ms: i64,
    pub surface: String,
    pub account: Option<String>,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub status: u16,
}

#[derive(Debug)]
pub struct Journal {
    capacity: usize,
    inner: Mutex<(u64, VecDeque<Entry>)>,
}

impl Journal {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            inner: Mutex::new((0, VecDeque::new())),
        }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Appends an entry, assigning its sequence number.
    pub fn record(&self, mut entry: Entry) {
        if self.capacity == 0 {
            return;
        }
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.0 += 1;
        entry.seq = g.0;
        if g.1.len() == self.capacity {
            g.1.pop_front();
        }
        g.1.push_back(entry);
    }

    /// Entries oldest first.
    pub fn list(&self) -> Vec<Entry> {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.1.iter().cloned().collect()
    }

    pub fn clear(&self) {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .1
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str) -> Entry {
        Entry {
            seq: 0,
            at_ms: 0,
            surface: "s".into(),
            account: None,
            method: "GET".into(),
            path: path.into(),
            query: None,
            status: 200,
        }
    }

    /// The journal keeps only the newest `capacity` entries, numbered in order.
    #[test]
    fn bounded_and_numbered() {
        let j = Journal::new(2);
        for p in ["/a", "/b", "/c"] {
            j.record(entry(p));
        }
        let l = j.list();
        assert_eq!(
            l.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(),
            ["/b", "/c"]
        );
        assert_eq!(l[1].seq, 3);
        j.clear();
        assert!(j.list().is_empty());
    }
}
