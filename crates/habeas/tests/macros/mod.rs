//! The harness of the command-line tests: each test gets a folder with its own ledger, and runs
//! the real `habeas` binary in it, with a fixed clock and language.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Env {
    pub dir: tempfile::TempDir,
}

/// A finished `habeas` run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", self.stdout, self.stderr))
    }
}

impl From<Output> for Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

pub const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/cecot-2025.jsonl");

/// The records of [`EXAMPLE`], counted from the file as it is built in: its lines that open an
/// object (the others are comments and blank lines). Each is a leaf of a ledger that imports it.
#[allow(dead_code)]
pub const EXAMPLE_RECORDS: u64 =
    records_in(include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/cecot-2025.jsonl")));

/// The size of a ledger holding the example alone: its records and the import's own leaf.
#[allow(dead_code)]
pub const EXAMPLE_SIZE: u64 = EXAMPLE_RECORDS + 1;

/// The lines of a JSON Lines text that open an object.
const fn records_in(text: &[u8]) -> u64 {
    let (mut records, mut at) = (0, 0);
    while at < text.len() {
        if text[at] == b'{' && (at == 0 || text[at - 1] == b'\n') {
            records += 1;
        }
        at += 1;
    }
    records
}

impl Default for Env {
    fn default() -> Env {
        Env { dir: tempfile::tempdir().unwrap() }
    }
}

impl Env {
    pub fn new() -> Env {
        Env::default()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn db(&self) -> PathBuf {
        self.path("habeas.db")
    }

    pub fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_habeas"));
        cmd.current_dir(self.dir.path())
            .env_remove("HABEAS_DB")
            .env_remove("HABEAS_KEY")
            .env("HABEAS_NOW", "2025-03-20T12:00:00Z")
            .env("HABEAS_USER", "tester")
            .env("LANG", "C.UTF-8")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES");
        cmd
    }

    /// Runs `habeas ARGS` in the folder.
    pub fn run(&self, args: &[&str]) -> Run {
        self.command().args(args).output().unwrap().into()
    }

    /// Runs with standard input.
    pub fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Run {
        use std::io::Write;
        let mut child = self
            .command()
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        child.wait_with_output().unwrap().into()
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// `init` and import the example case; panics unless both succeed.
    pub fn with_example(self) -> Env {
        assert_eq!(self.run(&["init"]).code, 0);
        let run = self.run(&["import", EXAMPLE]);
        assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
        self
    }

    /// The attacker: write access to the database file, no key.
    pub fn sql(&self, statement: &str) {
        let conn = rusqlite::Connection::open(self.db()).unwrap();
        conn.execute_batch(statement).unwrap_or_else(|e| panic!("{statement}: {e}"));
    }

    pub fn query_i64(&self, query: &str) -> i64 {
        let conn = rusqlite::Connection::open(self.db()).unwrap();
        conn.query_row(query, [], |r| r.get(0)).unwrap()
    }

    pub fn query_string(&self, query: &str) -> String {
        let conn = rusqlite::Connection::open(self.db()).unwrap();
        conn.query_row(query, [], |r| r.get(0)).unwrap()
    }

    /// The bytes of the database and its write-ahead log, as a disk would hold them.
    pub fn file_bytes(&self) -> Vec<u8> {
        let mut bytes = std::fs::read(self.db()).unwrap();
        for suffix in ["-wal", "-journal"] {
            if let Ok(more) = std::fs::read(format!("{}{suffix}", self.db().display())) {
                bytes.extend(more);
            }
        }
        bytes
    }
}

/// A `habeas serve` running, stopped when this is dropped (however the test ends).
pub struct Serving {
    child: std::process::Child,
    /// The rest of what it writes to its standard error, kept open so that it can write.
    stderr: std::io::BufReader<std::process::ChildStderr>,
    pub port: u16,
    /// The line it printed on starting (`habeas: serving ... on http://127.0.0.1:PORT/ ...`).
    pub first_line: String,
}

impl Serving {
    /// Starts `command` (a `habeas ... serve --addr 127.0.0.1:0`) and reads the port it chose.
    pub fn start(mut command: Command) -> Serving {
        use std::io::BufRead as _;
        let mut child = command.stderr(std::process::Stdio::piped()).spawn().unwrap();
        let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut first_line = String::new();
        stderr.read_line(&mut first_line).unwrap();
        let port = first_line
            .rsplit(':')
            .next()
            .and_then(|p| p.split('/').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {first_line:?}"));
        Serving { child, stderr, port, first_line }
    }

    /// Stops it as Ctrl-C does (SIGINT); returns how it exited and what else it wrote to its
    /// standard error.
    pub fn interrupt(&mut self) -> (std::process::ExitStatus, String) {
        use std::io::Read as _;
        let sent = Command::new("kill").args(["-INT", &self.child.id().to_string()]).status().unwrap();
        assert!(sent.success(), "kill -INT failed");
        let status = self.child.wait().unwrap();
        let mut rest = String::new();
        self.stderr.read_to_string(&mut rest).unwrap();
        (status, rest)
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends one HTTP/1.1 request to a server on this machine and reads the whole answer. A server
/// that stopped answering fails the test instead of hanging the suite.
pub fn http(port: u16, request: &str) -> String {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap_or_else(|e| panic!("no answer to {request:?}: {e}"));
    answer
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

pub fn copy_ledger(from: &Path, to: &Path) {
    // Fold the write-ahead log into the file first, as a backup tool would.
    rusqlite::Connection::open(from)
        .unwrap()
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    std::fs::copy(from, to).unwrap();
}

/// One test of the command line: `habeas_test!(name, |env| { ... })`.
#[macro_export]
macro_rules! habeas_test {
    ($name:ident, |$env:ident| $body:block) => {
        #[test]
        fn $name() {
            let $env = $crate::macros::Env::new();
            $body
        }
    };
}
