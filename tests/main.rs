//! The integration tests: one crate, one module per area (see STYLE.md).

mod bench;
mod browse;
mod clients;
mod connections;
mod content;
mod content_files;
mod deploy;
mod hardening;
mod hostile_content;
mod images;
mod import;
mod keepalive;
mod layers;
mod live;
mod local;
mod logs;
mod owner;
mod pages;
mod pictures;
mod render;
mod sizes;
mod ssh;
mod stories;
mod tools;
mod tui;
mod util;
