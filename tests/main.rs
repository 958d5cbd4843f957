//! The integration tests: one crate, one module per area (see STYLE.md).

mod bench;
mod browse;
mod connections;
mod content;
mod content_files;
mod deploy;
mod hardening;
mod hostile_content;
mod import;
mod keepalive;
mod layers;
mod live;
mod owner;
mod pages;
mod render;
mod sizes;
mod ssh;
mod tui;
mod util;
