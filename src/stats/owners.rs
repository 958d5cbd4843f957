//! `keys/owners`: the public keys (authorized_keys format) whose holders may run
//! `ssh host stats`. Read on each request, so adding a key needs no restart.

use std::path::Path;

use russh::keys::PublicKey;
use russh::keys::ssh_key::AuthorizedKeys;

pub const OWNERS_FILE: &str = "owners";
/// Largest owners file read.
const MAX_FILE: u64 = 256 * 1024;

/// Whether `key` is listed in `path`. A missing or unreadable file lists nobody; lines
/// that do not parse are skipped (and logged), the rest still count.
pub async fn is_owner(path: &Path, key: &PublicKey) -> bool {
    let Ok(meta) = tokio::fs::metadata(path).await else {
        return false;
    };
    if meta.len() > MAX_FILE {
        tracing::warn!("{}: larger than {MAX_FILE} bytes; ignored", path.display());
        return false;
    }
    match tokio::fs::read_to_string(path).await {
        Ok(text) => listed(&text, key, path),
        Err(e) => {
            tracing::warn!("{}: {e}", path.display());
            false
        }
    }
}

fn listed(text: &str, key: &PublicKey, path: &Path) -> bool {
    let mut found = false;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match AuthorizedKeys::new(line).next() {
            Some(Ok(entry)) => {
                if entry.public_key().key_data() == key.key_data() {
                    found = true;
                }
            }
            _ => tracing::warn!("{}:{}: not a public key line", path.display(), n + 1),
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use russh::keys::{Algorithm, PrivateKey};

    #[test]
    fn a_listed_key_is_an_owner_and_others_are_not() {
        let mut rng = russh::keys::key::safe_rng();
        let owner = PrivateKey::random(&mut rng, Algorithm::Ed25519).unwrap();
        let stranger = PrivateKey::random(&mut rng, Algorithm::Ed25519).unwrap();
        let line = owner.public_key().to_openssh().unwrap();
        let text = format!("# owners\n\ngarbage line\n{line} me@laptop\n");
        let p = Path::new("owners");
        assert!(listed(&text, owner.public_key(), p));
        assert!(!listed(&text, stranger.public_key(), p));
        assert!(!listed("", owner.public_key(), p));
    }
}
