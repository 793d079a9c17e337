//! Password hashing and checking on one dedicated thread behind a bounded queue.
//!
//! Argon2id (the crate's defaults) allocates a large block for every hash or check. Run on tokio's
//! blocking pool, concurrent logins each took a different thread, glibc gave each thread its own arena,
//! and the freed blocks stayed in those arenas, so the process grew with the number of threads that ever
//! hashed (measured in docs/benchmarks.md, "Constants"). One thread reuses one block, so the memory this costs is bounded by a single hash, and a flood of
//! logins cannot take every core either: past `PASSWORD_QUEUE` waiting requests the caller is told to
//! come back later instead of queueing without end.

use tokio::sync::{mpsc, oneshot};

use crate::auth::{self, PasswordError};

/// Hash or check requests waiting for the password thread; one more is refused as busy. It bounds the
/// wait of the last in line to this many hashes (about 1.6 s; docs/benchmarks.md, "Constants").
pub const PASSWORD_QUEUE: usize = 64;

enum Job {
    Hash(String, oneshot::Sender<Result<String, PasswordError>>),
    Verify { password: String, hash: String, answer: oneshot::Sender<bool> },
}

/// Why a password request got no answer.
#[derive(Debug, thiserror::Error)]
pub enum PasswordsError {
    #[error("too many password requests are waiting")]
    Busy,
    #[error("the password thread has stopped")]
    Stopped,
    #[error(transparent)]
    Hash(#[from] PasswordError),
}

/// The handle to the password thread; cheap to clone. The thread ends when the last handle is dropped.
#[derive(Clone)]
pub struct Passwords {
    tx: mpsc::Sender<Job>,
}

impl Passwords {
    pub fn start() -> std::io::Result<Passwords> {
        let (tx, mut rx) = mpsc::channel::<Job>(PASSWORD_QUEUE);
        std::thread::Builder::new().name("switchboard-passwords".into()).spawn(move || {
            while let Some(job) = rx.blocking_recv() {
                match job {
                    // A caller that went away (a closed request) costs no hashing.
                    Job::Hash(_, answer) if answer.is_closed() => {}
                    Job::Verify { answer, .. } if answer.is_closed() => {}
                    Job::Hash(password, answer) => {
                        let _ = answer.send(auth::hash_password(&password));
                    }
                    Job::Verify { password, hash, answer } => {
                        let _ = answer.send(auth::verify_password(&password, &hash));
                    }
                }
            }
        })?;
        Ok(Passwords { tx })
    }

    /// A handle with no thread behind it: every request answers `Stopped`. For routers under test that
    /// never check a password.
    pub fn stopped() -> Passwords {
        let (tx, _) = mpsc::channel(1);
        Passwords { tx }
    }

    /// An argon2id hash of `password` in PHC form.
    pub async fn hash(&self, password: String) -> Result<String, PasswordsError> {
        let (answer, rx) = oneshot::channel();
        self.submit(Job::Hash(password, answer))?;
        Ok(rx.await.map_err(|_| PasswordsError::Stopped)??)
    }

    /// Whether `password` matches `hash` (false for a malformed hash).
    pub async fn verify(&self, password: String, hash: String) -> Result<bool, PasswordsError> {
        let (answer, rx) = oneshot::channel();
        self.submit(Job::Verify { password, hash, answer })?;
        rx.await.map_err(|_| PasswordsError::Stopped)
    }

    fn submit(&self, job: Job) -> Result<(), PasswordsError> {
        self.tx.try_send(job).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => PasswordsError::Busy,
            mpsc::error::TrySendError::Closed(_) => PasswordsError::Stopped,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_and_verifies_on_its_thread() {
        let p = Passwords::start().unwrap();
        let hash = p.hash("correct horse".into()).await.unwrap();
        assert!(p.verify("correct horse".into(), hash.clone()).await.unwrap());
        assert!(!p.verify("wrong".into(), hash).await.unwrap());
        assert!(!p.verify("x".into(), "not a hash".into()).await.unwrap());
    }

    #[tokio::test]
    async fn a_full_queue_is_refused_not_waited_for() {
        let p = Passwords::start().unwrap();
        // Submit without awaiting: the thread works through one at a time, so the queue fills.
        let mut waiting = Vec::new();
        let mut busy = 0;
        for _ in 0..PASSWORD_QUEUE + 8 {
            let (answer, rx) = oneshot::channel();
            match p.submit(Job::Hash("pw".into(), answer)) {
                Ok(()) => waiting.push(rx),
                Err(PasswordsError::Busy) => busy += 1,
                Err(e) => panic!("{e}"),
            }
        }
        assert!(busy >= 7, "only {busy} refused");
        drop(waiting);
    }
}
