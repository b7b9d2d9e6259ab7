//! The threads behind every input source: one reads, several parse, the importer takes results
//! back in input order.
//!
//! A source's reading function runs on its own thread and hands raw items to a [`Dealer`]: a
//! line of JSON text, a record already built as a JSON value (mapped spreadsheet rows), or an
//! error found while reading. The dealer deals batches of them in turn to parsing workers, one
//! per core, and [`Received`] takes the workers' results back in the same turn, so records reach
//! the importer in input order. Parsing (JSON, validation, canonical form, salted commitments)
//! thus runs beside the database writes, and bounded channels keep at most a few batches in
//! memory whatever the size of the input.
//!
//! The end of the input is told apart from a thread that stopped on a bug: both close a
//! worker's channel, but only the first leaves every thread finished normally. When a channel
//! closes, [`Received`] joins that worker and the reader, and a panic in either is an error
//! ([`StoreError::Internal`]), so the import is undone instead of committed without the
//! records of the batches that were lost.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread;

use habeas_model::{FieldError, Problem, parse_line, parse_value};
use habeas_store::{InputItem, Prepared, StoreError};
use serde_json::Value;

/// One item of input before parsing.
pub(crate) enum Raw {
    /// A line of a JSON Lines file, without its line ending.
    Line(Vec<u8>),
    /// A record built by a mapping.
    Value(Value),
    /// What was wrong with the input at this place.
    Failed(FieldError),
    /// The records one row of a table yields, which land together or not at all: if one of
    /// them cannot be mapped or is invalid, only its errors come out.
    Row(Vec<Result<Value, FieldError>>),
    /// A bug in parsing, for the tests of what a worker's panic does.
    #[cfg(test)]
    Panic,
}

/// Raw items as read: (file, line or row, item).
type RawBatch = Vec<(u32, u64, Raw)>;

/// The records of a row, parsed: all of them, or only the errors if there is one.
fn parse_row(records: Vec<Result<Value, FieldError>>) -> Vec<Result<Prepared, FieldError>> {
    let parsed: Vec<Result<habeas_model::Parsed, FieldError>> =
        records.into_iter().map(|r| r.and_then(parse_value)).collect();
    if parsed.iter().any(Result::is_err) {
        return parsed.into_iter().filter_map(Result::err).map(Err).collect();
    }
    parsed.into_iter().map(|p| p.map(Prepared::new)).collect()
}

type Batch = Vec<Result<InputItem, StoreError>>;

const BATCH: usize = 512;

/// How many threads parse. Reading is cheap; parsing is not, so it is spread over workers that
/// take batches in turn.
fn parse_workers() -> usize {
    thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 4))
}

/// Hands raw items to the workers, a batch at a time, in turn.
pub(crate) struct Dealer {
    workers: Vec<SyncSender<Result<RawBatch, StoreError>>>,
    turn: usize,
    batch: RawBatch,
}

impl Dealer {
    /// Queues one item; false once the importer has stopped listening (the reader should stop).
    pub(crate) fn push(&mut self, file: u32, line: u64, raw: Raw) -> bool {
        self.batch.push((file, line, raw));
        if self.batch.len() >= BATCH {
            let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
            return self.deal(Ok(batch));
        }
        true
    }

    /// Ends the input with an error (after the items queued so far).
    pub(crate) fn fail(&mut self, error: StoreError) {
        let batch = std::mem::take(&mut self.batch);
        self.deal(Ok(batch));
        self.deal(Err(error));
    }

    fn deal(&mut self, batch: Result<RawBatch, StoreError>) -> bool {
        let sent = self.workers[self.turn % self.workers.len()].send(batch).is_ok();
        self.turn += 1;
        sent
    }
}

impl Drop for Dealer {
    fn drop(&mut self) {
        if !self.batch.is_empty() {
            let batch = std::mem::take(&mut self.batch);
            self.deal(Ok(batch));
        }
    }
}

/// Starts the workers and the reading thread; `read` fills the dealer and returns at the end of
/// the input.
pub(crate) fn start(read: impl FnOnce(&mut Dealer) + Send + 'static) -> std::io::Result<Received> {
    let mut threads = Vec::new();
    let mut to_workers = Vec::new();
    let mut from_workers = Vec::new();
    for n in 0..parse_workers() {
        let (raw_send, raw_receive) = sync_channel(4);
        let (send, receive) = sync_channel(4);
        threads.push(
            thread::Builder::new()
                .name(format!("habeas-parse-{n}"))
                .spawn(move || parse_batches(raw_receive, send))?,
        );
        to_workers.push(raw_send);
        from_workers.push(receive);
    }
    let reader = thread::Builder::new().name("habeas-read".into()).spawn(move || {
        let mut dealer = Dealer { workers: to_workers, turn: 0, batch: Vec::with_capacity(BATCH) };
        read(&mut dealer);
    })?;
    Ok(Received {
        workers: from_workers,
        turn: 0,
        current: Vec::new().into_iter(),
        reader: Some(reader),
        parsers: threads.into_iter().map(Some).collect(),
        ended: false,
    })
}

/// Drops the line ending, and a byte-order mark on the first line.
pub(crate) fn trim_line(buf: &[u8], line_no: u64) -> &[u8] {
    let mut line = buf;
    while let [rest @ .., b'\n' | b'\r'] = line {
        line = rest;
    }
    if line_no == 1 {
        line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    }
    line
}

/// A JSON Lines line to a record; `None` for blank lines and `//` comments.
fn parse_json_line(bytes: &[u8]) -> Option<Result<Prepared, FieldError>> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            return Some(Err(FieldError::new(
                "",
                Problem::NotJson(format!("not UTF-8 text (byte {})", e.valid_up_to())),
            )));
        }
    };
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.starts_with("//") {
        return None;
    }
    Some(parse_line(trimmed).map(Prepared::new))
}

/// Parses raw batches into items, in the order received.
fn parse_batches(input: Receiver<Result<RawBatch, StoreError>>, output: SyncSender<Batch>) {
    for raw in input {
        let batch: Batch = match raw {
            Ok(raw) => {
                let mut batch = Vec::with_capacity(raw.len());
                for (file, line, raw) in raw {
                    let mut push = |parsed| batch.push(Ok(InputItem { file, line, parsed }));
                    match raw {
                        Raw::Line(bytes) => {
                            if let Some(parsed) = parse_json_line(trim_line(&bytes, line)) {
                                push(parsed);
                            }
                        }
                        Raw::Value(value) => push(parse_value(value).map(Prepared::new)),
                        Raw::Failed(error) => push(Err(error)),
                        Raw::Row(records) => parse_row(records).into_iter().for_each(push),
                        #[cfg(test)]
                        Raw::Panic => panic!("a parsing bug"),
                    }
                }
                batch
            }
            Err(e) => vec![Err(e)],
        };
        if output.send(batch).is_err() {
            return;
        }
    }
}

/// Items received from the workers, taking their batches in the order they were dealt.
pub(crate) struct Received {
    workers: Vec<Receiver<Batch>>,
    turn: usize,
    current: std::vec::IntoIter<Result<InputItem, StoreError>>,
    /// The reading thread, and each worker's thread by its place in `workers`: joined when a
    /// channel closes, to learn whether the input ended or a thread failed.
    reader: Option<thread::JoinHandle<()>>,
    parsers: Vec<Option<thread::JoinHandle<()>>>,
    ended: bool,
}

impl Iterator for Received {
    type Item = Result<InputItem, StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.current.next() {
                return Some(item);
            }
            if self.ended {
                return None;
            }
            let worker = self.turn % self.workers.len();
            self.turn += 1;
            match self.workers[worker].recv() {
                Ok(batch) => self.current = batch.into_iter(),
                Err(_) => {
                    self.ended = true;
                    return self.failure(worker).map(Err);
                }
            }
        }
    }
}

impl Received {
    /// Why the channel of `worker` closed: `None` at the end of the input, or the panic of the
    /// worker or of the reader. Batches are dealt in turn, so once this worker has no more the
    /// input has ended; the worker's thread ends right after it lets go of its channel, and the
    /// reader's once it has let go of the dealer (which is what ended the worker), so neither
    /// join waits for long. Other workers are not joined: they end when this is dropped.
    fn failure(&mut self, worker: usize) -> Option<StoreError> {
        let failed = |handle: Option<thread::JoinHandle<()>>| {
            let handle = handle?;
            let name = handle.thread().name().unwrap_or("habeas").to_string();
            handle.join().err().map(|panic| StoreError::Internal(format!("{name}: {}", panic_text(&*panic))))
        };
        failed(self.parsers.get_mut(worker).and_then(Option::take)).or_else(|| failed(self.reader.take()))
    }
}

/// The message a panic was raised with, if it was text.
fn panic_text(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic without a message")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(n: u64) -> Raw {
        Raw::Line(format!(r#"{{"type":"org","id":"org-{n}","name":"Org {n}","kind":"agency"}}"#).into_bytes())
    }

    /// What the importer would take: the lines of the records received, and the error that
    /// ended them if one did.
    fn receive(read: impl FnOnce(&mut Dealer) + Send + 'static) -> (Vec<u64>, Option<StoreError>) {
        let mut lines = Vec::new();
        for item in start(read).unwrap() {
            match item {
                Ok(item) => lines.push(item.line),
                Err(error) => return (lines, Some(error)),
            }
        }
        (lines, None)
    }

    #[test]
    fn every_record_arrives_in_order_and_then_the_input_ends() {
        let (lines, error) = receive(|dealer| {
            for n in 1..=5 * BATCH as u64 {
                dealer.push(0, n, line(n));
            }
        });
        assert!(error.is_none(), "{error:?}");
        assert_eq!(lines, (1..=5 * BATCH as u64).collect::<Vec<_>>());
    }

    #[test]
    fn a_worker_that_panics_ends_the_input_with_an_error_not_with_silence() {
        // The third batch panics on its first item; the batches before it arrive, then the
        // error, and nothing after it is taken for the end of the input.
        let (lines, error) = receive(|dealer| {
            for n in 1..=5 * BATCH as u64 {
                let raw = if n == 2 * BATCH as u64 + 1 { Raw::Panic } else { line(n) };
                if !dealer.push(0, n, raw) {
                    return;
                }
            }
        });
        assert_eq!(lines, (1..=2 * BATCH as u64).collect::<Vec<_>>());
        match error {
            Some(StoreError::Internal(why)) => assert!(why.contains("a parsing bug"), "{why}"),
            other => panic!("expected an internal error, got {other:?}"),
        }
    }

    #[test]
    fn a_reader_that_panics_ends_the_input_with_an_error_after_what_it_read() {
        let (lines, error) = receive(|dealer| {
            for n in 1..=BATCH as u64 + 3 {
                dealer.push(0, n, line(n));
            }
            panic!("a reading bug");
        });
        // What was dealt before the panic still arrives (the dealer hands on its last batch as
        // it is dropped), and then the error.
        assert_eq!(lines, (1..=BATCH as u64 + 3).collect::<Vec<_>>());
        match error {
            Some(StoreError::Internal(why)) => {
                assert!(why.contains("habeas-read") && why.contains("a reading bug"), "{why}")
            }
            other => panic!("expected an internal error, got {other:?}"),
        }
    }
}
