//! The committer thread of `--state-dir`: requests ask it to commit and await its progress;
//! what is recorded while it commits goes in its next transaction (group commit).

use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::Duration;

#[cfg(test)]
use std::sync::atomic::Ordering;

use super::Durable;

/// What the committer thread has done, for the requests waiting on it.
#[derive(Debug, Clone, Default)]
pub(super) struct Progress {
    /// Every change numbered up to this is on disk.
    committed: u64,
    /// The last change the latest attempt took.
    attempted: u64,
    /// Why the latest attempt failed (`None`: it succeeded).
    error: Option<String>,
}

/// The committer thread and the requests that wait on it: a request asks (counting up
/// `asks`), the thread wakes, commits everything recorded so far and publishes its progress.
pub(super) struct Committer {
    /// Asks so far, whether the database is gone (the thread ends), and whether the thread
    /// waits for an ask (only then does an ask wake it: a wake is a system call).
    asks: Mutex<(u64, bool, bool)>,
    wake: Condvar,
    progress: tokio::sync::watch::Sender<Progress>,
}

impl Committer {
    fn ask(&self) {
        let mut asks = self.asks.lock().unwrap_or_else(|p| p.into_inner());
        asks.0 += 1;
        if asks.2 {
            self.wake.notify_one();
        }
    }

    /// The thread: between asks it holds no reference to the database, so dropping the last
    /// handle closes the file (a restart in the same process opens it again).
    fn run(me: Arc<Committer>, durable: Weak<Durable>) {
        let mut seen = 0;
        loop {
            {
                let mut asks = me.asks.lock().unwrap_or_else(|p| p.into_inner());
                while asks.0 == seen && !asks.1 {
                    asks.2 = true;
                    asks = me
                        .wake
                        .wait_timeout(asks, Duration::from_millis(500))
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                    if durable.strong_count() == 0 {
                        return;
                    }
                }
                asks.2 = false;
                if asks.1 {
                    return;
                }
                seen = asks.0;
            }
            let Some(d) = durable.upgrade() else {
                return;
            };
            let (attempted, result) = d.commit_pending();
            let committed = d.lock().committed;
            drop(d);
            me.progress.send_replace(Progress {
                committed,
                attempted,
                error: result.err(),
            });
        }
    }
}

impl Drop for Durable {
    fn drop(&mut self) {
        if let Some(Some(c)) = self.committer.get() {
            c.asks.lock().unwrap_or_else(|p| p.into_inner()).1 = true;
            c.wake.notify_one();
        }
    }
}

impl Durable {
    /// [`Durable::flush`] for a request: waits (without holding a thread) for the committer
    /// thread to store every change recorded before this call. Err when the commit that took
    /// them failed.
    pub async fn flush_async(self: &Arc<Self>) -> Result<(), String> {
        let target = self.pending().last;
        let committer = self.committer.get_or_init(|| {
            let c = Arc::new(Committer {
                asks: Mutex::new((0, false, false)),
                wake: Condvar::new(),
                progress: tokio::sync::watch::Sender::new(Progress::default()),
            });
            let (thread_side, durable) = (c.clone(), Arc::downgrade(self));
            #[cfg(test)]
            if self.no_thread.load(Ordering::Relaxed) {
                return None;
            }
            let spawned = std::thread::Builder::new()
                .name("mockdesk-commit".into())
                .spawn(move || Committer::run(thread_side, durable));
            match spawned {
                Ok(_) => Some(c),
                Err(e) => {
                    tracing::error!(error = %e, "the committer thread did not start; committing per request");
                    None
                }
            }
        });
        let Some(committer) = committer else {
            let me = self.clone();
            return tokio::task::spawn_blocking(move || me.flush())
                .await
                .map_err(|e| format!("storing state stopped: {e}"))?;
        };
        let mut progress = committer.progress.subscribe();
        if progress.borrow().committed >= target {
            return Ok(());
        }
        committer.ask();
        loop {
            {
                let p = progress.borrow_and_update();
                if p.committed >= target {
                    return Ok(());
                }
                if let Some(e) = p.error.as_ref().filter(|_| p.attempted >= target) {
                    return Err(e.clone());
                }
            }
            if progress.changed().await.is_err() {
                return Err("storing state stopped".into());
            }
        }
    }
}
