/*!
Records in and out of habeas files.

- [`jsonl::JsonlSource`] reads JSON Lines files (or standard input) as the input of one import,
  parsing on background threads, with a progress callback and each file's SHA-256;
- [`mapped::MappedSource`] reads CSV, XLSX and Parquet files ([`table`]) and turns their rows
  into records through a [`mapping::Mapping`] (a TOML file; docs/importing.md);
- [`export`] writes records back as canonical JSON Lines, or one type as CSV.

This crate turns bytes into records and records into bytes; deciding what lands in the ledger
is `habeas_store`'s job.
*/

pub mod export;
pub mod jsonl;
pub mod mapped;
pub mod mapping;
mod pipeline;
pub mod table;
pub mod tables;

pub use jsonl::{JsonlSource, Progress};
pub use mapped::{MappedProgress, MappedSource};
pub use mapping::{Mapping, MappingError};
pub use table::Format;
