//! The directories (accounts, grants, tokens) requests read, each on its own connection.
//!
//! Every signed-in request reads its caller's account, and a family's grants, before anything
//! else. On a ledger file that is a lookup in microseconds; on PostgreSQL each read is a round
//! trip to the database server. One directory behind a lock made every request of the server
//! wait its turn for those round trips (docs/benchmarks.md: searches on PostgreSQL). Here a
//! request borrows an idle directory, or opens one while fewer than the pool's most are open,
//! or waits for one to come back; a directory whose connection was lost is not put back.

use std::sync::{Condvar, Mutex};

use habeas_store::{Directory, Location, StoreError};

use crate::app::poisoned;
use crate::error::Refusal;

pub struct Directories {
    location: Location,
    most: usize,
    held: Mutex<Held>,
    returned: Condvar,
}

struct Held {
    idle: Vec<Directory>,
    /// Directories open: idle, or lent to a request.
    open: usize,
    /// Callers waiting for one to come back: only then is a return signalled (a wake-up is a
    /// system call, paid on every request otherwise).
    waiting: usize,
}

impl Directories {
    /// A pool holding `first`, opening up to `most` directories of the ledger at `location`.
    pub fn new(location: Location, first: Directory, most: usize) -> Directories {
        Directories {
            location,
            most: most.max(1),
            held: Mutex::new(Held { idle: vec![first], open: 1, waiting: 0 }),
            returned: Condvar::new(),
        }
    }

    /// Runs `work` with a directory of its own, on the calling thread.
    ///
    /// The calls only read, so a call that finds its connection lost (a PostgreSQL server
    /// restarted) opens a directory again and is made once more, instead of failing; the idle
    /// directories, most likely cut at the same moment, are dropped with it. Any failure to
    /// reach the database counts, not only a connection already seen closed: the server ending
    /// a session says so in an error of its own, which can arrive before the client sees the
    /// connection close.
    pub fn with<T>(
        &self,
        mut work: impl FnMut(&mut Directory) -> habeas_store::Result<T>,
    ) -> Result<T, Refusal> {
        let mut directory = self.borrow()?;
        let mut result = work(&mut directory);
        if matches!(result, Err(StoreError::Unreachable(_))) {
            self.drop_idle();
            match Directory::open(&self.location) {
                // The lost one is closed; the new one takes its place among those open.
                Ok(opened) => {
                    directory = opened;
                    result = work(&mut directory);
                }
                Err(e) => {
                    drop(directory);
                    self.forget_one();
                    return Err(e.into());
                }
            }
        }
        self.give_back(directory);
        Ok(result?)
    }

    /// An idle directory, or a new one if fewer than `most` are open; else waits for one.
    fn borrow(&self) -> Result<Directory, Refusal> {
        let mut held = self.held.lock().map_err(|_| poisoned())?;
        loop {
            if let Some(directory) = held.idle.pop() {
                return Ok(directory);
            }
            if held.open < self.most {
                held.open += 1;
                drop(held);
                // Opened outside the lock: on PostgreSQL it is a connection and a few statements.
                return Directory::open(&self.location).map_err(|e| {
                    self.forget_one();
                    Refusal::from(e)
                });
            }
            held.waiting += 1;
            held = self.returned.wait(held).map_err(|_| poisoned())?;
            held.waiting -= 1;
        }
    }

    /// Returns a directory lent by [`Directories::borrow`]; one whose connection is lost is
    /// closed instead, making room for a new one.
    fn give_back(&self, directory: Directory) {
        if directory.is_broken() {
            drop(directory);
            self.forget_one();
            return;
        }
        let waiting = match self.held.lock() {
            Ok(mut held) => {
                held.idle.push(directory);
                held.waiting
            }
            Err(_) => return,
        };
        if waiting > 0 {
            self.returned.notify_one();
        }
    }

    /// One lent directory will not come back.
    fn forget_one(&self) {
        if let Ok(mut held) = self.held.lock() {
            held.open = held.open.saturating_sub(1);
        }
        self.returned.notify_one();
    }

    fn drop_idle(&self) {
        let dropped = match self.held.lock() {
            Ok(mut held) => {
                let dropped = std::mem::take(&mut held.idle);
                held.open = held.open.saturating_sub(dropped.len());
                dropped
            }
            Err(_) => return,
        };
        // Closed outside the lock (on PostgreSQL, a message to a server that may be gone).
        drop(dropped);
        self.returned.notify_all();
    }

    /// How many directories are open, idle or lent.
    #[cfg(test)]
    fn open(&self) -> usize {
        self.held.lock().map_or(0, |held| held.open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Barrier};

    fn ledger_file(dir: &std::path::Path) -> Location {
        let path = dir.join("pool.db");
        let signer = habeas_ledger::Signer::from_seed("habeas.local/pool.db", [7; 32]).unwrap();
        habeas_store::Ledger::create(&Location::Sqlite(path.clone()), &signer.verifier()).unwrap();
        Location::Sqlite(path)
    }

    #[test]
    fn requests_at_once_each_get_a_directory_of_their_own_up_to_the_most() {
        let dir = tempfile::tempdir().unwrap();
        let location = ledger_file(dir.path());
        let first = Directory::open(&location).unwrap();
        let pool = Arc::new(Directories::new(location, first, 3));
        // Three callers hold a directory at the same moment: three are open, none waited on
        // another's (the barrier would never open if two had to take turns).
        let together = Arc::new(Barrier::new(3));
        let callers: Vec<_> = (0..3)
            .map(|_| {
                let (pool, together) = (Arc::clone(&pool), Arc::clone(&together));
                std::thread::spawn(move || {
                    pool.with(|d| {
                        together.wait();
                        d.accounts()
                    })
                    .map(|accounts| accounts.len())
                })
            })
            .collect();
        for caller in callers {
            assert_eq!(caller.join().unwrap().ok(), Some(0));
        }
        assert_eq!(pool.open(), 3);
        // A fourth and fifth caller, one after the other, borrow the idle ones: none is opened.
        for _ in 0..2 {
            pool.with(|d| d.accounts()).unwrap();
        }
        assert_eq!(pool.open(), 3);
    }

    #[test]
    fn past_the_most_a_caller_waits_for_a_directory_to_come_back() {
        let dir = tempfile::tempdir().unwrap();
        let location = ledger_file(dir.path());
        let first = Directory::open(&location).unwrap();
        let pool = Arc::new(Directories::new(location, first, 1));
        let (lent, release) = (Arc::new(Barrier::new(2)), Arc::new(Barrier::new(2)));
        let holder = {
            let (pool, lent, release) = (Arc::clone(&pool), Arc::clone(&lent), Arc::clone(&release));
            std::thread::spawn(move || {
                pool.with(|d| {
                    lent.wait();
                    release.wait();
                    d.accounts()
                })
            })
        };
        lent.wait();
        let waiter = {
            let pool = Arc::clone(&pool);
            std::thread::spawn(move || pool.with(|d| d.accounts()).map(|a| a.len()))
        };
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(!waiter.is_finished(), "the second caller went ahead without a directory");
        release.wait();
        assert!(holder.join().unwrap().is_ok());
        assert_eq!(waiter.join().unwrap().ok(), Some(0));
        assert_eq!(pool.open(), 1);
    }
}
