//! The sessions this server has checked, kept in memory so that a request need not read
//! its session and account again: a seventh of the work of showing one reservation.
//!
//! What keeps it exact is the database's `auth_epoch` counter (migration 0012), which
//! triggers move on every change that could end or alter a session: a session deleted,
//! an account changed or deleted, by any process. A request reads the counter in its
//! own snapshot, and a session kept at another count is not used. A logout, a
//! deactivation or the CLI's `user set-password` therefore reaches every server at its
//! next request, as when every request read the session.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::domain::time::Timestamp;
use crate::domain::user::User;

/// Sessions kept at most; past that the cache starts again empty. An agency has tens of
/// staff, a chain a few thousand.
const MAX_SESSIONS: usize = 10_000;

/// A session as read from the database.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub user: User,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
}

/// Checked sessions by token hash, all read at one count of `auth_epoch`.
#[derive(Default)]
pub struct SessionCache {
    inner: Mutex<Kept>,
}

#[derive(Default)]
struct Kept {
    epoch: i64,
    sessions: HashMap<String, Session>,
}

impl SessionCache {
    /// The session `token_hash` as kept, if it was read at `epoch`.
    pub fn get(&self, epoch: i64, token_hash: &str) -> Option<Session> {
        let kept = self.lock();
        if kept.epoch != epoch {
            return None;
        }
        kept.sessions.get(token_hash).cloned()
    }

    /// Keeps what a request read at `epoch`: the session, or `None` when it is not live.
    /// A reading older than what is kept is dropped; a newer one drops everything kept.
    pub fn put(&self, epoch: i64, token_hash: &str, session: Option<Session>) {
        let mut kept = self.lock();
        if epoch < kept.epoch {
            return;
        }
        if epoch > kept.epoch || kept.sessions.len() >= MAX_SESSIONS {
            kept.sessions.clear();
            kept.epoch = epoch;
        }
        match session {
            Some(session) => kept.sessions.insert(token_hash.to_owned(), session),
            None => kept.sessions.remove(token_hash),
        };
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        // Each change leaves the map whole, so a panic elsewhere cannot corrupt it.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::id::Id;
    use crate::domain::user::Role;

    fn session(name: &str) -> Session {
        let at = Timestamp::from_millis(1_000);
        Session {
            user: User {
                id: Id::generate(),
                username: name.into(),
                role: Role::Manager,
                full_name: name.into(),
                is_active: true,
                created_at: at,
                updated_at: at,
            },
            created_at: at,
            last_seen_at: at,
        }
    }

    #[test]
    fn a_session_is_used_only_at_the_count_it_was_read_at() {
        let cache = SessionCache::default();
        let ana = session("ana");
        cache.put(3, "a", Some(ana.clone()));
        assert_eq!(cache.get(3, "a"), Some(ana));
        assert!(cache.get(4, "a").is_none(), "a change since: read again");
        assert!(
            cache.get(2, "a").is_none(),
            "an older snapshot reads for itself"
        );
        assert!(cache.get(3, "b").is_none());
    }

    #[test]
    fn a_newer_count_drops_everything_and_an_older_reading_is_ignored() {
        let cache = SessionCache::default();
        cache.put(3, "a", Some(session("ana")));
        cache.put(5, "b", Some(session("ben")));
        assert!(cache.get(5, "a").is_none(), "read at 3, gone at 5");
        assert!(cache.get(5, "b").is_some());
        cache.put(4, "a", Some(session("ana")));
        assert!(
            cache.get(4, "a").is_none(),
            "a reading from before 5 is not kept"
        );
        assert!(cache.get(5, "a").is_none());
    }

    #[test]
    fn a_session_found_ended_is_forgotten() {
        let cache = SessionCache::default();
        cache.put(1, "a", Some(session("ana")));
        cache.put(1, "a", None);
        assert!(cache.get(1, "a").is_none());
    }

    #[test]
    fn the_cache_stays_bounded() {
        let cache = SessionCache::default();
        for i in 0..MAX_SESSIONS + 1 {
            cache.put(1, &i.to_string(), Some(session("ana")));
        }
        assert!(cache.lock().sessions.len() <= MAX_SESSIONS);
        assert!(
            cache.get(1, &MAX_SESSIONS.to_string()).is_some(),
            "the last is kept"
        );
    }
}
