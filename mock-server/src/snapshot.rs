//! `mockdesk snapshot`: a real account's data as a state document. Reads every collection the
//! surface declares as listable ([`crate::platform::snapshot::SnapshotSpec`]) through the
//! shared HTTP runner (reads only; throttled, `Retry-After` honoured), page after page to the
//! end or to a limit, optionally anonymizes the personal fields, and assembles the account's
//! state in the form `--state-file` and `PUT /__admin/state/{vendor}` read.
//!
//! The document carries a `snapshot` object beside `vendor` and `accounts` (what was read,
//! from where, whether it is complete); importers ignore it. A snapshot that failed half-way
//! is not written unless asked (`--allow-partial`), and then says `"complete": false`.

use std::path::Path;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};

use crate::client::{Request, Runner, SendError, Settings};
use crate::platform::dialect::Dialect;
use crate::platform::outbound::Trust;
use crate::platform::snapshot::{records_mut, Anonymizer, Listed, Listing, Paging, PersonalField};
use crate::{AppState, Config};

/// What to read and how.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Replace personal data by consistent fakes.
    pub anonymize: bool,
    /// The anonymizer's seed: the same seed gives the same fakes.
    pub seed: u64,
    /// At most this many records per collection.
    pub limit_per_collection: Option<usize>,
    /// On a failure half-way, keep what was read (marked incomplete) instead of failing.
    pub allow_partial: bool,
}

/// What a snapshot read.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Collection and records read, in reading order.
    pub collections: Vec<(&'static str, usize)>,
    /// State collections the API cannot list (left at their defaults).
    pub not_listed: Vec<&'static str>,
    pub requests: usize,
    /// Why the snapshot stopped early (with `allow_partial`).
    pub incomplete: Option<String>,
    pub anonymized_values: usize,
}

/// Where a snapshot reads from and how fast.
#[derive(Debug, Clone)]
pub struct Target {
    /// The surface id (`helpcrunch`, …).
    pub surface: String,
    pub base_url: String,
    pub token: String,
    pub trust: Trust,
    /// Between requests; `None`: just under the surface's documented limit.
    pub min_interval: Option<Duration>,
    /// How often a 429 is waited out (per `Retry-After`) before the snapshot fails.
    pub max_retries: u32,
    /// The longest wait for one `Retry-After`.
    pub max_wait: Duration,
}

/// Reads the account behind `target`'s token: finds the surface, paces the runner by its
/// documented limit (unless told otherwise), then [`take`].
pub async fn run(
    target: &Target,
    options: &Options,
    progress: impl FnMut(&str),
) -> Result<(Value, Summary), SnapshotError> {
    let state =
        AppState::new(&Config::default()).map_err(|e| SnapshotError::Setup(e.to_string()))?;
    let dialect = state
        .dialects
        .iter()
        .find(|d| d.info().id == target.surface && d.snapshot.is_some())
        .copied()
        .ok_or_else(|| {
            let supported: Vec<&str> = state
                .dialects
                .iter()
                .filter(|d| d.snapshot.is_some())
                .map(|d| d.info().id)
                .collect();
            SnapshotError::NotHere(target.surface.clone(), supported.join(", "))
        })?;
    let runner = Runner::new(Settings {
        interval: target
            .min_interval
            .unwrap_or_else(|| crate::verify::spacing(&dialect.documented_policy())),
        max_retries: target.max_retries,
        max_wait: target.max_wait,
        ..Settings::target(&target.base_url, &target.token, target.trust.clone())
    });
    take(dialect, &runner, options, progress).await
}

/// Why no snapshot was made.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("surface {0} cannot be snapshotted yet")]
    Unsupported(String),
    #[error("no surface {0} can be snapshotted (supported: {1})")]
    NotHere(String, String),
    #[error("{0}")]
    Setup(String),
    #[error("the target did not answer: {0}")]
    Unreachable(String),
    #[error("the target refused the token (HTTP {status}): {body}")]
    Unauthorized { status: u16, body: String },
    #[error("reading {collection} failed at {path} (HTTP {status}): {body}")]
    Failed {
        collection: &'static str,
        path: String,
        status: u16,
        body: String,
    },
    #[error("the records read do not make a state: {0}")]
    Assemble(String),
    #[error("writing {0}: {1}")]
    Write(String, std::io::Error),
}

/// Reads the account behind the runner's token into a state document for `dialect`'s vendor.
/// `progress` hears a line per page.
pub async fn take(
    dialect: &Dialect,
    runner: &Runner,
    options: &Options,
    mut progress: impl FnMut(&str),
) -> Result<(Value, Summary), SnapshotError> {
    let info = dialect.info();
    let Some(spec) = dialect.snapshot else {
        return Err(SnapshotError::Unsupported(info.id.to_string()));
    };
    let started = Instant::now();
    let mut summary = Summary {
        not_listed: spec.not_listed.to_vec(),
        ..Summary::default()
    };
    let mut listed = Listing::new();
    let mut walk = Walk {
        runner,
        options,
        requests: 0,
        started,
        progress: &mut progress,
    };
    for l in spec.listed {
        let (records, stopped) = walk.collection(l, lists_for(l, &listed)).await?;
        listed.entry(l.collection).or_default().extend(records);
        if let Some(e) = stopped {
            summary.incomplete = Some(e.to_string());
            break;
        }
    }
    summary.requests = walk.requests;
    for l in spec.listed {
        if summary.collections.iter().all(|(c, _)| *c != l.collection) {
            let n = listed.get(l.collection).map_or(0, |r| distinct(r));
            summary.collections.push((l.collection, n));
        }
    }
    let mut state = (spec.assemble)(listed).map_err(SnapshotError::Assemble)?;
    if options.anonymize {
        summary.anonymized_values = anonymize(spec.personal, &mut state, options.seed);
    }
    let doc = json!({
        "vendor": info.vendor,
        "snapshot": {
            "surface": info.id,
            "complete": summary.incomplete.is_none(),
            "incomplete": summary.incomplete,
            "anonymized": options.anonymize,
            "collections": summary.collections.iter().map(|(c, n)| json!({"collection": c, "records": n})).collect::<Vec<_>>(),
            "not_listed": summary.not_listed,
        },
        "accounts": {"default": state},
    });
    Ok((doc, summary))
}

/// Replaces the personal fields of an assembled account state (the file's shape: what a user
/// reads is what is checked), every original learnt first so no fake is one; returns how many
/// distinct values were replaced.
fn anonymize(personal: &[PersonalField], state: &mut Value, seed: u64) -> usize {
    let mut a = Anonymizer::new(seed);
    let mut collections: Vec<&str> = Vec::new();
    for f in personal {
        if !collections.contains(&f.collection) {
            collections.push(f.collection);
        }
    }
    for c in &collections {
        for r in records_mut(state, c) {
            a.learn(personal, c, r);
        }
    }
    for c in &collections {
        for r in records_mut(state, c) {
            a.record(personal, c, r);
        }
    }
    a.replaced().count()
}

/// How many records a collection holds: a record listed twice (a user of two inboxes, a user
/// listed and read on its own) counts once, by its `id` (or `uuid`).
fn distinct(records: &[Value]) -> usize {
    let mut seen = std::collections::HashSet::new();
    records
        .iter()
        .filter(|r| match record_id(r) {
            Some(id) => seen.insert(id.to_string()),
            None => true,
        })
        .count()
}

/// A record's identity: its `id`, or its `uuid` (calls).
fn record_id(r: &Value) -> Option<&Value> {
    r.get("id").or_else(|| r.get("uuid"))
}

/// The path of each list `l` reads, with the id of the parent its records belong to.
fn lists_for(l: &Listed, listed: &Listing) -> Vec<(String, Option<Value>)> {
    match l.within {
        None => vec![(l.path.to_string(), None)],
        Some(w) => listed
            .get(w.parent)
            .into_iter()
            .flatten()
            .filter(|r| l.reads_for(r))
            .filter_map(|r| Some((l.path_for(r)?, record_id(r).cloned())))
            .collect(),
    }
}

/// Why a collection's walk stopped early.
enum Stop {
    /// The snapshot cannot go on.
    Fatal(SnapshotError),
    /// A page failed; with `--allow-partial` what was read so far is kept.
    Partial(SnapshotError),
}

/// Reads pages through the runner, counting requests and telling progress.
struct Walk<'a, P: FnMut(&str)> {
    runner: &'a Runner,
    options: &'a Options,
    requests: usize,
    started: Instant,
    progress: &'a mut P,
}

impl<P: FnMut(&str)> Walk<'_, P> {
    /// Every list of one declared collection (one, or one per parent record): the records,
    /// and why the walk stopped early when it did (with `--allow-partial`).
    async fn collection(
        &mut self,
        l: &Listed,
        lists: Vec<(String, Option<Value>)>,
    ) -> Result<(Vec<Value>, Option<SnapshotError>), SnapshotError> {
        let mut records = Vec::new();
        for (path, parent) in lists {
            let max = self.options.limit_per_collection;
            if max.is_some_and(|max| records.len() >= max) {
                break;
            }
            let from = records.len();
            let read = self.list(l, &path, &mut records).await;
            if let (Some(key), Some(parent)) = (l.within.and_then(|w| w.key), parent) {
                for r in records[from..].iter_mut().filter_map(Value::as_object_mut) {
                    r.insert(key.to_string(), parent.clone());
                }
            }
            match read {
                Ok(()) => {}
                Err(Stop::Fatal(e)) => return Err(e),
                Err(Stop::Partial(e)) => return Ok((records, Some(e))),
            }
        }
        Ok((records, None))
    }

    /// Every page of one list at `path` into `records` (to the end or the limit).
    async fn list(&mut self, l: &Listed, path: &str, records: &mut Vec<Value>) -> Result<(), Stop> {
        let mut n = match l.paging {
            Paging::PageLimit { first, .. } => first,
            _ => 0,
        };
        let mut cursor: Option<String> = None;
        loop {
            let sep = if path.contains('?') { '&' } else { '?' };
            let (page_path, size) = match l.paging {
                Paging::PageLimit {
                    page, limit, size, ..
                } => (format!("{path}{sep}{page}={n}&{limit}={size}"), Some(size)),
                Paging::OffsetLimit {
                    offset,
                    limit,
                    size,
                } => (
                    format!("{path}{sep}{offset}={n}&{limit}={size}"),
                    Some(size),
                ),
                Paging::Cursor {
                    token, limit, size, ..
                } => match &cursor {
                    None => (format!("{path}{sep}{limit}={size}"), None),
                    Some(t) => (
                        format!(
                            "{path}{sep}{limit}={size}&{token}={}",
                            crate::platform::pagination::encode(t)
                        ),
                        None,
                    ),
                },
                Paging::NextLink {
                    size_param, size, ..
                } => match &cursor {
                    None => (format!("{path}{sep}{size_param}={size}"), None),
                    Some(query) => (format!("{path}{sep}{query}"), None),
                },
                Paging::Whole => (path.to_string(), None),
            };
            let (items, body) = self.page(l, page_path).await?;
            let got = items.len() as u64;
            records.extend(items);
            let max = self.options.limit_per_collection;
            if let Some(max) = max {
                records.truncate(max);
            }
            let rate = records.len() as f64 / self.started.elapsed().as_secs_f64().max(0.001);
            (self.progress)(&format!(
                "{}: {} records ({rate:.0}/s)",
                l.collection,
                records.len()
            ));
            let full = max.is_some_and(|m| records.len() >= m);
            if let Paging::Cursor { next, .. } = l.paging {
                cursor = body
                    .pointer(next)
                    .and_then(Value::as_str)
                    .map(str::to_string);
                if cursor.is_none() || full || got == 0 {
                    return Ok(());
                }
                continue;
            }
            if let Paging::NextLink { next, .. } = l.paging {
                // The link's query, read again below the list's own path (the link names the
                // host the server saw, which need not be the one this snapshot calls).
                let link = body.pointer(next).and_then(Value::as_str);
                cursor = link
                    .and_then(|u| u.split_once('?'))
                    .map(|(_, q)| q.to_string());
                if cursor.is_none() || full || got == 0 {
                    return Ok(());
                }
                continue;
            }
            match size {
                Some(size) if got >= size && !full => {}
                _ => return Ok(()),
            }
            n += match l.paging {
                Paging::OffsetLimit { .. } => got,
                _ => 1,
            };
        }
    }

    /// One page's records, and the whole answer.
    async fn page(&mut self, l: &Listed, path: String) -> Result<(Vec<Value>, Value), Stop> {
        self.requests += 1;
        let ex = match self.runner.send(&Request::new(Method::GET, &path)).await {
            Ok(ex) => ex,
            Err(SendError::Transport(f)) => {
                return Err(Stop::Fatal(SnapshotError::Unreachable(f.to_string())))
            }
            Err(e) => return Err(Stop::Fatal(SnapshotError::Unreachable(e.to_string()))),
        };
        if ex.status == 401 || ex.status == 403 {
            return Err(Stop::Fatal(SnapshotError::Unauthorized {
                status: ex.status,
                body: ex.raw,
            }));
        }
        let mut body = ex.body;
        let items = match (ex.status, body.pointer_mut(l.items).map(Value::take)) {
            (200..=299, Some(Value::Array(items))) => Some(items),
            (200..=299, Some(one @ Value::Object(_))) => Some(vec![one]),
            (200..=299, Some(Value::Null)) => Some(Vec::new()),
            _ => None,
        };
        match items {
            Some(items) => Ok((items, body)),
            None => {
                let err = SnapshotError::Failed {
                    collection: l.collection,
                    path,
                    status: ex.status,
                    body: ex.raw.chars().take(500).collect(),
                };
                Err(if self.options.allow_partial {
                    Stop::Partial(err)
                } else {
                    Stop::Fatal(err)
                })
            }
        }
    }
}

/// Writes the document to `path` through a temporary file beside it and a rename: a reader
/// sees the old file or the whole new one, never half of it.
pub fn write(path: &Path, doc: &Value) -> Result<(), SnapshotError> {
    let fail = |e| SnapshotError::Write(path.display().to_string(), e);
    let tmp = path.with_extension("snapshot-tmp");
    let written = (|| {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        serde_json::to_writer_pretty(&mut out, doc)?;
        std::io::Write::flush(&mut out)?;
        out.get_ref().sync_all()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(e));
    }
    std::fs::rename(&tmp, path).map_err(fail)
}
