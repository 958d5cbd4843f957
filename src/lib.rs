//! sshfolio: a portfolio you visit with `ssh host`.
//!
//! Module map (see README.md):
//! - `content`: Markdown + YAML content → one shared, immutable `Index`; `import-nuxt`.
//! - `render`: a document at a width → styled lines, cached and shared by all sessions.
//! - `theme`: colours and styles; colour depth down-conversion.
//! - `tui`: the app (state, update, pure views) and the input parser; no I/O.
//! - `session`: one task per guest, gluing input, app, terminal and output.
//! - `bench`: `sshfolio bench`, a load generator on russh's client.
//! - `clipboard`: OSC 52, text for the guest's own clipboard.
//! - `commands`: exec commands without a PTY (plain text and JSON).
//! - `ssh`: accept loop, limits, russh handler, channel writer, host key.
//! - `config`: settings for `serve` from flags, environment, `sshfolio.yml` and defaults.
//! - `metrics`: process-wide counters, served as Prometheus text by `--metrics`.

pub mod bench;
pub mod clipboard;
pub mod commands;
pub mod config;
pub mod content;
pub mod metrics;
pub mod render;
pub mod session;
pub mod ssh;
pub mod theme;
pub mod tui;
