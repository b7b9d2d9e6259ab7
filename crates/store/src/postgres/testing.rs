//! For tests, of this crate and of the programs on it: a database of its own for each test, on the PostgreSQL server of `HABEAS_TEST_POSTGRES`: the
//! URL of a role that may create databases, and of a database to connect to while doing it
//! (`postgres://habeas_test:habeas_test@127.0.0.1:5432/postgres`, as `scripts/test` sets it up).

use std::sync::atomic::{AtomicU32, Ordering};

/// A new, empty database, dropped (with any connection still open to it) when this is.
pub struct TestDatabase {
    admin: String,
    pub name: String,
    /// The URL of the new database.
    pub url: String,
}

/// The URL of the test server's administrative connection; a test that needs PostgreSQL fails,
/// saying how to provide it, rather than pass without having run.
pub fn admin_url() -> String {
    std::env::var("HABEAS_TEST_POSTGRES").ok().filter(|v| !v.is_empty()).unwrap_or_else(|| {
        panic!(
            "HABEAS_TEST_POSTGRES is not set: these tests need a PostgreSQL server. \
             Run scripts/test, which starts one, or set it to the URL of a role that may create \
             databases, e.g. postgres://habeas_test:habeas_test@127.0.0.1:5432/postgres"
        )
    })
}

impl TestDatabase {
    pub fn create() -> TestDatabase {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let admin = admin_url();
        let name = format!("habeas_test_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let mut client = postgres::Client::connect(&admin, postgres::NoTls)
            .unwrap_or_else(|e| panic!("HABEAS_TEST_POSTGRES: cannot connect: {e}"));
        // One statement at a time: several in one call would run as one transaction, where
        // PostgreSQL refuses to create or drop a database.
        client.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).unwrap();
        client.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        let (base, _) = admin.rsplit_once('/').expect("HABEAS_TEST_POSTGRES ends with /database");
        let url = format!("{base}/{name}");
        TestDatabase { admin, name, url }
    }

    /// A plain connection to the database, to play the one who can write it directly.
    pub fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).unwrap()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}
