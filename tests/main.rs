//! The integration tests: one crate, one module per area (see STYLE.md).

mod bench;
mod connections;
mod content;
mod deploy;
mod hardening;
mod images;
mod import;
mod keepalive;
mod layers;
mod live;
mod owner;
mod pictures;
mod render;
mod sizes;
mod ssh;
mod tui;
mod util;
