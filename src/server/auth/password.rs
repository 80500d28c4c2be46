//! Argon2id hashing, off the async threads and behind a semaphore so a burst
//! of sign-ins cannot exhaust memory (each hash takes 19 MiB).

use crate::server::domain::Password;
use crate::server::error::{ServerError, ServerResult};
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::Arc;
use tokio::sync::{OnceCell, Semaphore};

/// OWASP's first argon2id setting: 19 MiB, 2 passes, 1 lane.
const MEMORY_KIB: u32 = 19 * 1024;
const PASSES: u32 = 2;

#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    dummy: Arc<OnceCell<String>>,
}

impl Default for PasswordHasher {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        PasswordHasher {
            permits: Arc::new(Semaphore::new(cores.max(2))),
            dummy: Arc::new(OnceCell::new()),
        }
    }
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, PASSES, 1, None).expect("argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

impl PasswordHasher {
    pub async fn hash(&self, password: &Password) -> ServerResult<String> {
        let text = password.expose().to_owned();
        self.blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2()
                .hash_password(text.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(ServerError::internal)
        })
        .await
    }

    /// Checks a password against a stored hash. With no hash (unknown email)
    /// it verifies against a dummy so both cases take the same time.
    pub async fn verify(&self, candidate: &str, stored: Option<String>) -> ServerResult<bool> {
        let known = stored.is_some();
        let stored = match stored {
            Some(h) => h,
            None => self.dummy_hash().await?,
        };
        let text = candidate.to_owned();
        let matches = self
            .blocking(move || {
                let parsed = PasswordHash::new(&stored).map_err(ServerError::internal)?;
                Ok(argon2().verify_password(text.as_bytes(), &parsed).is_ok())
            })
            .await?;
        Ok(known && matches)
    }

    async fn dummy_hash(&self) -> ServerResult<String> {
        let dummy = self
            .dummy
            .get_or_try_init(|| async { self.hash(&Password::parse("dummy-password-for-timing".into())?).await })
            .await?;
        Ok(dummy.clone())
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> ServerResult<T> + Send + 'static,
    ) -> ServerResult<T> {
        let _permit = self.permits.acquire().await.map_err(ServerError::internal)?;
        tokio::task::spawn_blocking(work).await.map_err(ServerError::internal)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_with_argon2id_and_verifies() {
        let hasher = PasswordHasher::default();
        let pw = Password::parse("correct horse".into()).unwrap();
        let hash = hasher.hash(&pw).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(hasher.verify("correct horse", Some(hash.clone())).await.unwrap());
        assert!(!hasher.verify("wrong horse", Some(hash)).await.unwrap());
        assert!(!hasher.verify("dummy-password-for-timing", None).await.unwrap());
    }
}
