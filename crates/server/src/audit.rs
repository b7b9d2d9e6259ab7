//! The audit writer: every write and every read of personal data, durable before the answer
//! leaves, without one disk flush per request.
//!
//! Requests hand their entry to one writer thread and wait. The writer takes the first entry
//! waiting, lets others join it for at most [`GATHER`] (or until `ENOUGH` have), takes whatever
//! else is queued, appends them all in one transaction (one flush), then wakes every request of
//! the batch (group commit). While it flushes, new entries queue up and form the next batch, so
//! the number of flushes per second stays bounded however many requests arrive, and an entry
//! waits at most [`GATHER`], the flush in progress and its own: well under the 50 ms the issue
//! allows.
//!
//! The gathering is worth its 2 ms: on this machine a flush costs more processor time than
//! everything else the audit does (a virtual disk's `fsync`), and at thousands of requests a
//! second it turns batches of a few entries into batches of dozens.

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use habeas_store::{AuditEntry, Directory, Location, StoreError};
use tokio::sync::oneshot;

use crate::error::Refusal;

/// How long a batch waits for entries to join its first one.
pub const GATHER: Duration = Duration::from_millis(2);
/// A batch stops waiting once it has this many entries,
const ENOUGH: usize = 32;
/// and holds at most this many.
const MAX_BATCH: usize = 4096;

type Ack = oneshot::Sender<Result<(), String>>;

/// Where batches go: the directory's audit table (a test's recorder in unit tests).
pub trait AuditSink: Send + 'static {
    /// Appends `entries` durably, all or none.
    fn append(&mut self, entries: &[AuditEntry]) -> Result<(), String>;
}

impl AuditSink for Directory {
    fn append(&mut self, entries: &[AuditEntry]) -> Result<(), String> {
        self.append_audit(entries).map_err(|e| e.to_string())
    }
}

/// Entries waiting for the writer. The writer is woken only by the first entry of a batch and
/// by the one that makes it [`ENOUGH`]: in between it sleeps through the gathering, instead of
/// waking (a context switch, costly on a virtual machine) for every entry.
struct Queue {
    waiting: Mutex<Waiting>,
    arrived: Condvar,
}

struct Waiting {
    entries: Vec<(AuditEntry, Ack)>,
    /// Live [`AuditLog`] handles: the writer stops when none is left and nothing waits.
    handles: usize,
    /// The writer is gone (at the end, or stopped by a bug): nothing waits for it any more.
    stopped: bool,
}

/// The handle requests use; cloned freely.
pub struct AuditLog {
    queue: Arc<Queue>,
}

impl Clone for AuditLog {
    fn clone(&self) -> AuditLog {
        if let Ok(mut waiting) = self.queue.waiting.lock() {
            waiting.handles += 1;
        }
        AuditLog { queue: Arc::clone(&self.queue) }
    }
}

impl Drop for AuditLog {
    fn drop(&mut self) {
        if let Ok(mut waiting) = self.queue.waiting.lock() {
            waiting.handles = waiting.handles.saturating_sub(1);
        }
        self.queue.arrived.notify_one();
    }
}

/// The directory's audit table, its connection opened again when it was lost (a PostgreSQL
/// server restarted, or cut it), and the batch that found it lost appended once more on the new
/// one, instead of failing every batch after. (Lost during its commit, a batch may have landed
/// before the retry appends it again: then the trail shows those entries twice, each chained,
/// rather than none.)
struct Reopening {
    directory: Directory,
    location: Location,
}

impl AuditSink for Reopening {
    fn append(&mut self, entries: &[AuditEntry]) -> Result<(), String> {
        match self.directory.append_audit(entries) {
            // Any failure to reach the database, not only a connection seen closed: the server
            // ending a session says so before the client sees the connection close.
            Err(StoreError::Unreachable(_)) => {
                self.directory = Directory::open(&self.location).map_err(|e| e.to_string())?;
                self.directory.append_audit(entries).map_err(|e| e.to_string())
            }
            done => done.map_err(|e| e.to_string()),
        }
    }
}

impl AuditLog {
    /// Starts the writer thread on its own connection to the directory of the ledger at
    /// `location`.
    pub fn start(location: &Location) -> habeas_store::Result<AuditLog> {
        let sink = Reopening { directory: Directory::open(location)?, location: location.clone() };
        Ok(AuditLog::start_with(sink).0)
    }

    /// Starts the writer thread with `sink`; the thread ends once every handle is dropped and
    /// every entry written.
    pub fn start_with(sink: impl AuditSink) -> (AuditLog, Option<std::thread::JoinHandle<()>>) {
        let queue = Arc::new(Queue {
            waiting: Mutex::new(Waiting { entries: Vec::new(), handles: 1, stopped: false }),
            arrived: Condvar::new(),
        });
        let for_writer = Arc::clone(&queue);
        let writer = std::thread::Builder::new()
            .name("habeas-audit".into())
            .spawn(move || write_batches(sink, &for_writer))
            .map_err(|e| eprintln!("habeas: the audit writer did not start: {e}"))
            .ok();
        (AuditLog { queue }, writer)
    }

    /// Appends `entry` and returns once it is durable. A request whose entry cannot be written
    /// is refused: nothing personal leaves the server unrecorded.
    pub async fn append(&self, entry: AuditEntry) -> Result<(), Refusal> {
        let (ack, done) = oneshot::channel();
        let failed = |why: String| {
            Refusal::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                format!("the audit trail could not be written ({why}); nothing was shown"),
                format!("no se pudo escribir el registro de auditoría ({why}); no se mostró nada"),
            )
        };
        let waiting = {
            let mut waiting = self.queue.waiting.lock().map_err(|_| failed("writer stopped".into()))?;
            if waiting.stopped {
                return Err(failed("writer stopped".into()));
            }
            waiting.entries.push((entry, ack));
            waiting.entries.len()
        };
        if waiting == 1 || waiting == ENOUGH {
            self.queue.arrived.notify_one();
        }
        match done.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(why)) => Err(failed(why)),
            Err(_) => Err(failed("writer stopped".into())),
        }
    }
}

/// The writer: takes the entries waiting, lets more join for up to [`GATHER`] (or until there
/// are [`ENOUGH`]), appends them in one transaction, wakes their requests; again.
fn write_batches(mut sink: impl AuditSink, queue: &Queue) {
    let _refuse_once_gone = Stopped(queue);
    loop {
        let batch: Vec<(AuditEntry, Ack)> = {
            let Ok(mut waiting) = queue.waiting.lock() else { return };
            while waiting.entries.is_empty() {
                if waiting.handles == 0 {
                    return;
                }
                let Ok(woken) = queue.arrived.wait(waiting) else { return };
                waiting = woken;
            }
            let deadline = Instant::now() + GATHER;
            while waiting.entries.len() < ENOUGH && waiting.handles > 0 {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                let Ok((woken, _)) = queue.arrived.wait_timeout(waiting, left) else { return };
                waiting = woken;
            }
            let take = waiting.entries.len().min(MAX_BATCH);
            waiting.entries.drain(..take).collect()
        };
        let (entries, acks): (Vec<AuditEntry>, Vec<Ack>) = batch.into_iter().unzip();
        let result = sink.append(&entries);
        for ack in acks {
            let _ = ack.send(result.clone());
        }
    }
}

/// Marks the writer gone when it returns or unwinds from a bug, refusing the requests that wait
/// (their acknowledgments are dropped) and every one after: none waits for ever for a writer
/// that will not come, and none is shown unrecorded.
struct Stopped<'q>(&'q Queue);

impl Drop for Stopped<'_> {
    fn drop(&mut self) {
        let mut waiting = self.0.waiting.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        waiting.stopped = true;
        waiting.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records each batch's size, taking `flush` per batch as a disk would.
    struct Recorder {
        batches: Arc<Mutex<Vec<usize>>>,
        flush: Duration,
    }

    impl AuditSink for Recorder {
        fn append(&mut self, entries: &[AuditEntry]) -> Result<(), String> {
            std::thread::sleep(self.flush);
            self.batches.lock().unwrap().push(entries.len());
            Ok(())
        }
    }

    fn entry(n: usize) -> AuditEntry {
        AuditEntry {
            at: "2026-11-30T10:00:00Z".into(),
            account: format!("a{n}"),
            role: "viewer".into(),
            action: "search".into(),
            records: vec![],
            request: "GET /api/locate".into(),
        }
    }

    #[test]
    fn entries_arriving_together_share_a_flush_and_the_writer_stops_with_the_last_handle() {
        let batches = Arc::new(Mutex::new(Vec::new()));
        let recorder = Recorder { batches: Arc::clone(&batches), flush: Duration::from_millis(5) };
        let (log, writer) = AuditLog::start_with(recorder);
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
        runtime.block_on(async {
            // One alone is written alone, once the gathering is over.
            log.append(entry(0)).await.unwrap();
            assert_eq!(*batches.lock().unwrap(), [1]);
            // Five hundred at once: every one acknowledged, in batches of up to MAX_BATCH.
            let appends: Vec<_> = (1..=500)
                .map(|n| {
                    let log = log.clone();
                    tokio::spawn(async move { log.append(entry(n)).await })
                })
                .collect();
            for append in appends {
                append.await.unwrap().unwrap();
            }
        });
        let sizes = batches.lock().unwrap().clone();
        assert_eq!(sizes.iter().sum::<usize>(), 501);
        assert!(sizes.len() < 100, "500 entries in {} flushes: {sizes:?}", sizes.len());
        assert!(sizes.iter().all(|&n| n <= MAX_BATCH));
        drop(log);
        writer.unwrap().join().unwrap();
    }

    /// A sink that fails as a bug would, by panicking.
    struct Broken;

    impl AuditSink for Broken {
        fn append(&mut self, _: &[AuditEntry]) -> Result<(), String> {
            panic!("a bug in the audit sink")
        }
    }

    #[test]
    fn a_writer_stopped_by_a_bug_refuses_the_request_it_held_and_every_later_one() {
        let (log, writer) = AuditLog::start_with(Broken);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        runtime.block_on(async {
            let first = log.append(entry(0)).await;
            assert_eq!(first.map_err(|r| r.status), Err(axum::http::StatusCode::SERVICE_UNAVAILABLE));
            // The writer is gone; a later request is refused at once instead of waiting for it.
            let later = tokio::time::timeout(Duration::from_secs(5), log.append(entry(1))).await;
            let later = later.expect("refused, not left waiting");
            assert_eq!(later.map_err(|r| r.status), Err(axum::http::StatusCode::SERVICE_UNAVAILABLE));
        });
        assert!(writer.unwrap().join().is_err(), "the writer panicked");
    }
}
