/*!
Where the habeas ledger lives, and everything done to it: import, verify, prove, erase, export.

A [`Ledger`] is one log in one database. The database is reached through the [`backend`] traits
(the embedded [`sqlite`] backend today; PostgreSQL is to implement the same traits), and every
operation is written once, here, against those traits:

- [`Ledger::import`] appends records in one transaction (all or nothing, or with `keep_going`
  all but the rejected), deciding for each id whether it is new, unchanged or a new version,
  and signs a checkpoint ([`ingest`]);
- [`Ledger::verify`] recomputes every hash from the leaf bytes and checks signatures, personal
  values and the records view against the log ([`verify`]);
- [`Ledger::prove_record`] and [`Ledger::prove_consistency`] hand out RFC 9162 proofs;
- [`Ledger::erase`] deletes personal values for good while the log stays valid ([`erase`]);
- [`Ledger::export`] reads back every current record ([`export`]).

The store knows records only as `habeas_model` parses them and the tree only as
`habeas_ledger` hashes it; it knows nothing of rules or HTTP.
*/

pub mod accounts;
pub mod backend;
pub mod check;
pub mod dedupe;
pub mod erase;
pub mod error;
pub mod export;
pub mod ingest;
pub mod ledger;
pub mod locate;
pub mod lookup;
pub mod occupancy;
pub mod postgres;
pub mod proofs;
pub mod report;
pub mod shapes;
pub mod sqlite;
pub mod timeline;
pub mod verify;
pub mod views;

pub use accounts::{Account, AuditEntry, AuditFilter, AuditTrail, Directory, Role};
pub use dedupe::Duplicate;
pub use erase::EraseReport;
pub use error::{Result, StoreError};
pub use export::CurrentRecord;
pub use ingest::{ImportOptions, InputItem, InputSource, Prepared};
pub use ledger::{Ledger, Location};
pub use locate::{Found, Located, PersonIndex, ShownStatus, Status, SubjectStatus};
pub use occupancy::{Capacity, DayCount, Days, Occupancy};
pub use proofs::{
    ConsistencyOut, DocumentError, DocumentProblem, ProofCheck, ProofDocument, ProofProblem, RecordProof,
};
pub use report::{ImportReport, LocatedWarning, RejectReason, Rejection};
pub use timeline::{Moment, Segment, State, Timeline};
pub use verify::{Problem as VerifyProblem, TrustedWhy, VerifyReport};
