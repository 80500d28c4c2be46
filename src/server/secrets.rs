//! Sealing third-party credentials at rest (WordPress application passwords).
//! XChaCha20-Poly1305 with a key derived from SECRET_KEY by HKDF-SHA256; the
//! row's identity (purpose, tenant, site) is the associated data, so a sealed
//! value copied into another row or workspace does not open.

use crate::server::config::Config;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use std::sync::Arc;

const VERSION: &str = "v1";
const NONCE_LEN: usize = 24;

/// Holds the derived key; cheap to clone. Debug never shows it.
#[derive(Clone)]
pub struct Sealer {
    cipher: Arc<XChaCha20Poly1305>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

/// What a sealed value belongs to; it must be the same to open it.
pub struct Binding<'a> {
    pub purpose: &'a str,
    pub tenant_id: &'a str,
    pub row_id: &'a str,
}

impl Binding<'_> {
    fn associated_data(&self) -> Vec<u8> {
        format!("autopilot:{}:{}:{}", self.purpose, self.tenant_id, self.row_id).into_bytes()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("sealed value is malformed")]
    Malformed,
    #[error("sealed value does not open with this key and binding")]
    WrongKeyOrBinding,
}

impl Sealer {
    /// Derives the key from `secret` (SECRET_KEY or the key file's contents).
    pub fn new(secret: &[u8]) -> Sealer {
        let hk = hkdf::Hkdf::<sha2::Sha256>::new(Some(b"autopilot-sealer"), secret);
        let mut key = [0u8; 32];
        hk.expand(b"site credentials v1", &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        Sealer {
            cipher: Arc::new(XChaCha20Poly1305::new(&key.into())),
        }
    }

    pub fn seal(&self, plaintext: &str, binding: &Binding) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut nonce);
        let aad = binding.associated_data();
        let payload = Payload {
            msg: plaintext.as_bytes(),
            aad: &aad,
        };
        let sealed = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), payload)
            .expect("XChaCha20-Poly1305 encryption does not fail for in-memory inputs");
        format!("{VERSION}:{}{}", hex::encode(nonce), hex::encode(sealed))
    }

    pub fn open(&self, sealed: &str, binding: &Binding) -> Result<String, SealError> {
        let body = sealed
            .strip_prefix(VERSION)
            .and_then(|s| s.strip_prefix(':'))
            .ok_or(SealError::Malformed)?;
        let bytes = hex::decode(body).map_err(|_| SealError::Malformed)?;
        if bytes.len() < NONCE_LEN + 16 {
            return Err(SealError::Malformed);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let aad = binding.associated_data();
        let payload = Payload {
            msg: ciphertext,
            aad: &aad,
        };
        let plain = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), payload)
            .map_err(|_| SealError::WrongKeyOrBinding)?;
        String::from_utf8(plain).map_err(|_| SealError::Malformed)
    }
}

/// SECRET_KEY when set; otherwise a random key kept in SECRET_KEY_FILE,
/// created (readable by this user only) on first start. Several hosts
/// sharing one PostgreSQL must all set the same SECRET_KEY. Every key the
/// server uses is derived from it, each for its own purpose.
pub fn root_secret(config: &Config) -> Result<Vec<u8>, String> {
    if let Some(key) = &config.secret_key {
        return Ok(key.as_bytes().to_vec());
    }
    let path = std::path::Path::new(&config.secret_key_file);
    match std::fs::read(path) {
        Ok(bytes) if bytes.len() >= 32 => Ok(bytes),
        Ok(_) => Err(format!("{} is shorter than 32 bytes", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_key_file(path),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

fn create_key_file(path: &std::path::Path) -> Result<Vec<u8>, String> {
    use std::io::Write;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    let mut key = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut key);
    let text = hex::encode(key);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    file.write_all(text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    tracing::info!(path = %path.display(), "created a new sealing key; keep it with the database backups");
    Ok(text.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(tenant: &'static str, row: &'static str) -> Binding<'static> {
        Binding {
            purpose: "site-password",
            tenant_id: tenant,
            row_id: row,
        }
    }

    #[test]
    fn sealed_values_open_only_with_their_key_and_binding() {
        let sealer = Sealer::new(b"0123456789abcdef0123456789abcdef");
        let sealed = sealer.seal("abcd efgh ijkl", &site("t1", "s1"));
        assert!(!sealed.contains("abcd"));
        assert_eq!(sealer.open(&sealed, &site("t1", "s1")).unwrap(), "abcd efgh ijkl");
        assert!(sealer.open(&sealed, &site("t2", "s1")).is_err());
        assert!(sealer.open(&sealed, &site("t1", "s2")).is_err());
        let other = Sealer::new(b"another key of at least 32 bytes!!");
        assert!(other.open(&sealed, &site("t1", "s1")).is_err());
        assert!(matches!(
            sealer.open("v1:zz", &site("t1", "s1")),
            Err(SealError::Malformed)
        ));
    }

    #[test]
    fn each_seal_uses_a_fresh_nonce() {
        let sealer = Sealer::new(b"0123456789abcdef0123456789abcdef");
        assert_ne!(sealer.seal("x", &site("t", "s")), sealer.seal("x", &site("t", "s")));
    }
}
