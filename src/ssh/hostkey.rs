//! The host key: one Ed25519 key in `keys/ssh_host_ed25519_key`, generated on first
//! start and reused, so returning guests never see a changed-host-key warning.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use russh::keys::ssh_key::LineEnding;
use russh::keys::{Algorithm, PrivateKey};

/// The file name inside the keys directory.
pub const FILE_NAME: &str = "ssh_host_ed25519_key";

#[derive(Debug, thiserror::Error)]
pub enum HostKeyError {
    #[error("cannot create key directory {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read host key {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("host key {path} is not a valid OpenSSH private key: {reason}")]
    Invalid { path: PathBuf, reason: String },
    #[error("host key {path} is {algorithm}, expected ssh-ed25519")]
    WrongAlgorithm { path: PathBuf, algorithm: String },
    #[error("cannot generate host key: {0}")]
    Generate(String),
    #[error("cannot write host key {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Load the host key from `dir`, generating it (mode 0600) if the file does not exist.
/// An existing but unreadable or invalid file is an error: we never silently replace a key.
pub fn load_or_generate(dir: &Path) -> Result<PrivateKey, HostKeyError> {
    let path = dir.join(FILE_NAME);
    match fs::read(&path) {
        Ok(bytes) => {
            warn_if_readable_by_others(&path);
            let key = PrivateKey::from_openssh(&bytes).map_err(|e| HostKeyError::Invalid {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            if key.algorithm() != Algorithm::Ed25519 {
                return Err(HostKeyError::WrongAlgorithm {
                    path,
                    algorithm: key.algorithm().to_string(),
                });
            }
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => generate(dir, &path),
        Err(source) => Err(HostKeyError::Read { path, source }),
    }
}

fn generate(dir: &Path, path: &Path) -> Result<PrivateKey, HostKeyError> {
    fs::create_dir_all(dir).map_err(|source| HostKeyError::CreateDir {
        path: dir.to_path_buf(),
        source,
    })?;
    let key = PrivateKey::random(&mut russh::keys::key::safe_rng(), Algorithm::Ed25519)
        .map_err(|e| HostKeyError::Generate(e.to_string()))?;
    let pem = key
        .to_openssh(LineEnding::LF)
        .map_err(|e| HostKeyError::Generate(e.to_string()))?;
    // Write to a private temp file, then rename: a crash never leaves half a key, and the
    // key is never readable by others, not even for a moment.
    let tmp = dir.join(format!(".{FILE_NAME}.tmp{}", std::process::id()));
    let write = |p: &Path| -> std::io::Result<()> {
        let mut opts = fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(p)?;
        f.write_all(pem.as_bytes())?;
        f.sync_all()?;
        Ok(())
    };
    write(&tmp)
        .and_then(|()| fs::rename(&tmp, path))
        .map_err(|source| {
            let _ = fs::remove_file(&tmp);
            HostKeyError::Write {
                path: path.to_path_buf(),
                source,
            }
        })?;
    tracing::info!(path = %path.display(), fingerprint = %fingerprint(&key), "generated host key");
    Ok(key)
}

/// The SHA-256 fingerprint, as `ssh-keygen -l` prints it.
pub fn fingerprint(key: &PrivateKey) -> String {
    key.public_key()
        .fingerprint(russh::keys::HashAlg::Sha256)
        .to_string()
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = fs::metadata(path) {
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(
                path = %path.display(),
                mode = format!("{:o}", mode & 0o777),
                "host key is readable by group or others; run chmod 600"
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_once_then_reused_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("nested/keys");
        let a = load_or_generate(&keys).unwrap();
        let b = load_or_generate(&keys).unwrap();
        assert_eq!(fingerprint(&a), fingerprint(&b));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(keys.join(FILE_NAME))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn invalid_key_file_is_an_error_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(FILE_NAME), "not a key").unwrap();
        let err = load_or_generate(dir.path()).unwrap_err();
        assert!(
            err.to_string().contains("not a valid OpenSSH private key"),
            "{err}"
        );
        assert_eq!(
            fs::read_to_string(dir.path().join(FILE_NAME)).unwrap(),
            "not a key"
        );
    }
}
