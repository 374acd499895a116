//! Password hashing on its own threads, a few at a time, so that a burst of logins
//! never stalls the async executor or starves other requests of CPU.

use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::domain::password::{self, Verification};
use crate::error::{AppError, AppResult};

/// A bounded pool for password work.
#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
}

impl Hasher {
    /// At most `parallel` hashes run at once; the rest wait their turn.
    pub fn new(parallel: usize) -> Self {
        Hasher {
            permits: Arc::new(Semaphore::new(parallel.max(1))),
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> AppResult<T> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| AppError::Internal(e.into()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| AppError::Internal(e.into()))
    }

    pub async fn hash(&self, password: String) -> AppResult<String> {
        self.run(move || password::hash(&password))
            .await?
            .map_err(AppError::Internal)
    }

    /// Verifies against the stored hash, or burns the same effort when there is none.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> AppResult<Verification> {
        self.run(move || match stored {
            Some(stored) => password::verify(&password, &stored),
            None => {
                password::verify_dummy(&password);
                Verification::Mismatch
            }
        })
        .await
    }
}
