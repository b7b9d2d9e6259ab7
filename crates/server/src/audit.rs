//! The audit writer: every write and every read of personal data, durable before the answer
//! leaves, without one disk flush per request.
//!
//! Requests hand their entry to one writer thread and wait. The writer takes the first entry
//! waiting, lets others join it for at most [`GATHER`] (or until [`ENOUGH`] have), takes whatever
//! else is queued, appends them all in one transaction (one flush), then wakes every request of
//! the batch (group commit). While it flushes, new entries queue up and form the next batch, so
//! the number of flushes per second stays bounded however many requests arrive, and an entry
//! waits at most [`GATHER`], the flush in progress and its own: well under the 50 ms the issue
//! allows.
//!
//! The gathering is worth its 2 ms: on this machine a flush costs more processor time than
//! everything else the audit does (a virtual disk's `fsync`), and at thousands of requests a
//! second it turns batches of a few entries into batches of dozens.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use habeas_store::{AuditEntry, Directory};
use tokio::sync::oneshot;

use crate::error::Refusal;

/// How long a batch waits for entries to join its first one.
pub const GATHER: Duration = Duration::from_millis(2);
/// A batch stops waiting once it has this many entries,
const ENOUGH: usize = 32;
/// and holds at most this many.
const MAX_BATCH: usize = 4096;

type Ack = oneshot::Sender<Result<(), String>>;

/// The handle requests use; cloned freely.
#[derive(Clone)]
pub struct AuditLog {
    queue: mpsc::Sender<(AuditEntry, Ack)>,
}

impl AuditLog {
    /// Starts the writer thread on its own connection to the directory.
    pub fn start(directory: Directory) -> AuditLog {
        let (queue, arrivals) = mpsc::channel::<(AuditEntry, Ack)>();
        std::thread::Builder::new()
            .name("habeas-audit".into())
            .spawn(move || write_batches(directory, arrivals))
            .map(|_| ())
            .unwrap_or_else(|e| eprintln!("habeas: the audit writer did not start: {e}"));
        AuditLog { queue }
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
        self.queue.send((entry, ack)).map_err(|_| failed("writer stopped".into()))?;
        match done.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(why)) => Err(failed(why)),
            Err(_) => Err(failed("writer stopped".into())),
        }
    }
}

fn write_batches(mut directory: Directory, arrivals: mpsc::Receiver<(AuditEntry, Ack)>) {
    while let Ok(first) = arrivals.recv() {
        let deadline = Instant::now() + GATHER;
        let mut batch = vec![first];
        while batch.len() < ENOUGH {
            let left = deadline.saturating_duration_since(Instant::now());
            match arrivals.recv_timeout(left) {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        while batch.len() < MAX_BATCH {
            match arrivals.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let (entries, acks): (Vec<AuditEntry>, Vec<Ack>) = batch.into_iter().unzip();
        let result = directory.append_audit(&entries).map_err(|e| e.to_string());
        for ack in acks {
            let _ = ack.send(result.clone());
        }
    }
}
