//! Password hashing on threads of its own, a few at a time, so that a burst of logins
//! never stalls the async executor or starves other requests of CPU. Its own threads
//! rather than tokio's blocking pool also bound memory: each Argon2id hash takes 19 MiB,
//! which the allocator keeps per thread once freed.

use std::sync::Arc;

use tokio::sync::oneshot;

use crate::domain::password::{self, Verification};
use crate::error::{AppError, AppResult};

/// A fixed pool of threads for password work; jobs beyond its size wait their turn.
#[derive(Clone)]
pub struct Hasher {
    pool: Arc<rayon::ThreadPool>,
}

impl Hasher {
    /// `threads` hashes run at once, each on its own thread.
    pub fn new(threads: usize) -> anyhow::Result<Self> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .thread_name(|n| format!("locacar-hash-{n}"))
            .build()?;
        Ok(Hasher {
            pool: Arc::new(pool),
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> AppResult<T> {
        let (done, result) = oneshot::channel();
        self.pool.spawn(move || {
            // The caller may have gone (its request was dropped): nobody to tell.
            let _ = done.send(work());
        });
        result.await.map_err(|e| AppError::Internal(e.into()))
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
