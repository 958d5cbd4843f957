//! The terminal UI: one `App` per guest, holding plain state, updated by `Event`s and
//! drawn by pure views. No I/O here: the session task feeds events in and sends frames out.
//!
//! - `app`: `App` state and `update` (events → state changes).
//! - `input`: the streaming input parser (bytes → key/mouse/paste events, terminal replies).
//! - `views`: pure drawing of each screen from `App` + `Index`.

pub mod app;
pub mod input;
pub mod views;

pub use app::{App, AppEvent, AppOptions, Control};
