//! One module per command of `../shared/spec/cli.md`.

pub mod audit;
pub mod backup;
pub mod check;
pub mod checkpoint;
pub mod dedupe;
pub mod demo;
pub mod erase;
pub mod export;
pub mod import;
pub mod init;
pub mod locate;
pub mod occupancy;
pub mod proof;
pub mod rebuild;
pub mod serve;
pub mod timeline;
pub mod user;
pub mod verify;
