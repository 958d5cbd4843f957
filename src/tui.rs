//! The terminal UI: one `App` per guest, holding plain state, updated by `Event`s and
//! drawn by pure views. No I/O here: the session task feeds events in and sends frames out.
//!
//! - `app`: `App` and `update` (events → state changes), the only place state changes.
//! - `state`: the plain data: screens, overlays, list selections, reader place, search.
//! - `keymap`: the one key table (key → action, with footer hint and help text).
//! - `strings`: every user-facing string.
//! - `search`: case-insensitive, bounded search over the index.
//! - `highlight`: where a search query shows in a drawn line (the reader's match highlight).
//! - `text`: word wrapping for the UI's own short texts.
//! - `columns`: list rows' column widths from their content, `+N` for tags left out.
//! - `input`: the streaming input parser (bytes → key/mouse/paste events, terminal replies).
//! - `views`: pure drawing of each screen from `App` + `Index`.

pub mod app;
pub(crate) mod columns;
pub(crate) mod highlight;
pub mod input;
pub mod keymap;
pub(crate) mod search;
pub mod state;
pub(crate) mod strings;
pub(crate) mod text;
pub mod views;

pub use app::{App, AppEvent, AppOptions, Control};
