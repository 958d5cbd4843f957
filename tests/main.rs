//! The integration test crate: one binary, one module per area.

mod import;
mod util;
