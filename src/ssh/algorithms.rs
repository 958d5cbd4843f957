//! The russh server configuration: which algorithms we speak and how big our buffers are.
//!
//! Key exchange is limited to the X25519 family (and its ML-KEM hybrid): russh's default
//! list also offers finite-field DH groups up to 8192 bits, which let an attacker spend
//! ~0.5 s of our CPU per connection. Only AEAD ciphers, only EtM MACs (unused with AEAD,
//! but a list is required), no compression, strict-kex.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use russh::keys::{Algorithm, EcdsaCurve, HashAlg, PrivateKey};
use russh::server::Config;
use russh::{MethodKind, MethodSet, Preferred, cipher, compression, kex, mac};

use crate::config::Limits;

const KEX: &[kex::Name] = &[
    kex::MLKEM768X25519_SHA256,
    kex::CURVE25519,
    kex::CURVE25519_PRE_RFC_8731,
    kex::EXTENSION_SUPPORT_AS_SERVER,
    kex::EXTENSION_OPENSSH_STRICT_KEX_AS_SERVER,
];

const CIPHERS: &[cipher::Name] = &[
    cipher::CHACHA20_POLY1305,
    cipher::AES_256_GCM,
    cipher::AES_128_GCM,
];

const MACS: &[mac::Name] = &[mac::HMAC_SHA512_ETM, mac::HMAC_SHA256_ETM];

const COMPRESSION: &[compression::Name] = &[compression::NONE];

/// Our host key is Ed25519 (russh offers a host key algorithm only for a key it has), and
/// the same list is our `server-sig-algs` (RFC 8308): the signatures we accept from a
/// guest's key. Every common key type: a client with only an RSA key (paramiko, an
/// RSA-only agent, PuTTY, dropbear) signs with rsa-sha2-512/256 only when it sees them
/// here. ssh-rsa (SHA-1) is not among them: no client released since 2020 needs it.
const HOST_KEY_ALGORITHMS: &[Algorithm] = &[
    Algorithm::Ed25519,
    Algorithm::Ecdsa {
        curve: EcdsaCurve::NistP256,
    },
    Algorithm::Ecdsa {
        curve: EcdsaCurve::NistP384,
    },
    Algorithm::Ecdsa {
        curve: EcdsaCurve::NistP521,
    },
    Algorithm::Rsa {
        hash: Some(HashAlg::Sha512),
    },
    Algorithm::Rsa {
        hash: Some(HashAlg::Sha256),
    },
];

/// The algorithm lists we offer.
pub fn preferred() -> Preferred {
    Preferred {
        kex: Cow::Borrowed(KEX),
        key: Cow::Borrowed(HOST_KEY_ALGORITHMS),
        host_key_certificates: Cow::Borrowed(&[]),
        cipher: Cow::Borrowed(CIPHERS),
        mac: Cow::Borrowed(MACS),
        compression: Cow::Borrowed(COMPRESSION),
    }
}

/// Build the server configuration around `host_key`.
pub fn server_config(host_key: PrivateKey, limits: &Limits) -> Arc<Config> {
    let mut methods = MethodSet::empty();
    for m in [
        MethodKind::None,
        MethodKind::Password,
        MethodKind::PublicKey,
        MethodKind::KeyboardInteractive,
    ] {
        methods.push(m);
    }
    Arc::new(Config {
        server_id: russh::SshId::Standard(Cow::Borrowed("SSH-2.0-sshfolio")),
        methods,
        // Guests are always accepted, so there is nothing to protect by delaying answers;
        // OpenSSH clients probe `none` first and must not wait for it.
        auth_rejection_time: Duration::from_millis(100),
        auth_rejection_time_initial: Some(Duration::ZERO),
        keys: vec![host_key],
        // Keystroke traffic in, frames out: a 256 KiB window is dozens of full frames,
        // and 32 KiB packets keep per-packet overhead low for a full repaint.
        window_size: 256 * 1024,
        maximum_packet_size: 32 * 1024,
        // We never read russh's `Channel` objects (see the handler), so their queue only
        // needs to be small. The event queue carries our frames: our sends complete once
        // queued, so its length bounds how many frames a guest who stopped reading
        // costs us before `Handle::data` blocks and the stall timer runs.
        channel_buffer_size: 16,
        event_buffer_size: 4,
        preferred: preferred(),
        max_auth_attempts: 6,
        // A backstop only: russh resets it on our own writes. Our own timers (login
        // deadline, idle timeout, stall timeout) do the real work.
        inactivity_timeout: Some(Duration::from_secs(3600)),
        keepalive_interval: Some(limits.keepalive_interval),
        keepalive_max: limits.keepalive_max,
        nodelay: true,
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_finite_field_dh_offered() {
        let p = preferred();
        for k in p.kex.iter() {
            let name: &str = k.as_ref();
            assert!(!name.starts_with("diffie-hellman"), "{name}");
        }
        assert!(p.compression.iter().all(|c| c.as_ref() == "none"));
    }

    #[test]
    fn server_sig_algs_name_every_common_key_type() {
        let names: Vec<String> = preferred().key.iter().map(|a| a.to_string()).collect();
        for want in [
            "ssh-ed25519",
            "ecdsa-sha2-nistp256",
            "ecdsa-sha2-nistp384",
            "ecdsa-sha2-nistp521",
            "rsa-sha2-512",
            "rsa-sha2-256",
        ] {
            assert!(names.iter().any(|n| n == want), "{want} not in {names:?}");
        }
        assert!(!names.iter().any(|n| n == "ssh-rsa"), "{names:?}");
    }
}
