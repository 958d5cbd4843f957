//! The SSH layer: accept loop and limits, the russh handler, the channel writer and the
//! host key. It knows sessions and bytes, never what a post is.
//!
//! - `algorithms`: the russh `Config` (key exchange, ciphers, buffer sizes).
//! - `hostkey`: the Ed25519 host key in `keys/`.
//! - `accept`: our accept loop: connection permits, per-IP cap, login deadline.
//! - `proxy`: PROXY protocol v1/v2 headers from trusted load balancers.
//! - `stream`: a socket the accept loop can cut (deadline, shutdown).
//! - `tcp`: options of an accepted socket: no delay, send buffer, kernel keepalives.
//! - `meter`: bytes in/out, the MaxStartups gate, the guest input budget, the
//!   client's banner and KEXINIT as they arrive.
//! - `sources`: per-source caps, rates, logins in progress, penalties, refusal log.
//! - `life`: a connection's lifetime: channels running, channel grace, idle, cap.
//! - `handler`: the russh `Handler`: guest auth, channel policy, pty, exec.
//! - `channel`: one session channel's state, its frame writer, how it closes.
//! - `owner`: `--identify-guests` auth, visitor ids, visit records, `stats` for owners.
//! - `health`: `sshfolio health`, a banner probe for container health checks.

pub mod accept;
pub mod algorithms;
pub mod channel;
pub mod handler;
pub mod health;
pub mod hostkey;
pub mod life;
pub mod meter;
pub mod owner;
pub mod proxy;
pub mod sources;
pub mod stream;
pub mod tcp;

pub use accept::{Server, serve};
