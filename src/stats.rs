//! Visitor analytics. Sessions send events through a `Recorder` (never waiting);
//! one writer thread commits them to SQLite (`--data DIR`/stats.sqlite) about once a
//! second; `sshfolio stats` (and `ssh host stats` for owners) reads them back.
//! No address and no key is stored: visitors are keyed hashes.
//!
//! - `recorder`: events, the bounded queue, visitor ids.
//! - `store`: schema, migrations, a corrupt file moved aside, the secret.
//! - `writer`: the writer thread, batches, failures, retention purge.
//! - `report`: reading and merging replicas into a summary (`--json`).
//! - `text`: the summary as text with bar charts.
//! - `owners`: `keys/owners`, the public keys allowed `ssh host stats`.

pub mod owners;
pub mod recorder;
pub mod report;
pub mod store;
pub mod text;
pub mod writer;

pub use recorder::{Event, Recorder, Resume, Visit, VisitorId};
pub use writer::{StatsOptions, start};
