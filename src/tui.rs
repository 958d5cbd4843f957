//! The terminal UI: one `App` per guest, a router over screens that each own their
//! state, their update and their pure view. No I/O here: the session task feeds events
//! in and sends frames out.
//!
//! - `app`: `App`, the router: the stack of open screens, overlays, global keys, the
//!   notice line; `update` (events → state changes) is the only way in.
//! - `screens`: one file per screen (home, projects, blog, stories, reader, search, and
//!   the help and tag picker overlays): its state, its actions, its view, its hit regions.
//! - `state`: the plain data they share: screen ids, list selection, notice, hit map.
//! - `keymap`: the one key table (key → action, with footer hint and help text).
//! - `views`: the chrome (tabs, footer, notice) and the drawing helpers screens share.
//! - `strings`: every user-facing string.
//! - `search`: case-insensitive, bounded search over the index.
//! - `highlight`: where a search query shows in a drawn line (the reader's match highlight).
//! - `text`: word wrapping for the UI's own short texts.
//! - `columns`: list rows' column widths from their content, `+N` for tags left out.
//! - `input`: the streaming input parser (bytes → key/mouse/paste events, terminal replies).

pub mod app;
pub(crate) mod columns;
pub(crate) mod highlight;
pub mod input;
pub mod keymap;
pub(crate) mod screens;
pub(crate) mod search;
pub mod state;
pub(crate) mod strings;
pub(crate) mod text;
pub mod views;

pub use app::{App, AppEvent, AppOptions, Control, FirstKind, ReaderMove, ViewMemo};
