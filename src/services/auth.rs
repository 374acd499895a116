//! Logging in and out, sessions, password changes, and login throttling.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::audit::{self, Change};
use super::hashing::Hasher;
use super::{Actor, Origin};
use crate::db::login_attempts::NewAttempt;
use crate::db::session_cache::Session;
use crate::db::{login_attempts, login_devices, sessions, users, Conn, Database};
use crate::domain::audit::{AuditAction, EntityType};
use crate::domain::id::Id;
use crate::domain::password::Verification;
use crate::domain::time::Timestamp;
use crate::domain::user::{username_key, NewPassword, User};
use crate::error::{AppError, AppResult};

/// Session lifetimes and login throttling limits.
#[derive(Debug, Clone)]
pub struct AuthPolicy {
    pub session_idle: Duration,
    pub session_max: Duration,
    pub max_failures_per_username: i64,
    pub max_failures_per_address: i64,
    pub throttle_window: Duration,
}

/// How long a browser stays known to an account after its last login there.
pub const DEVICE_TRUST: Duration = Duration::from_secs(90 * 24 * 60 * 60);

/// A random secret given to the browser in a cookie: a session, or a device that has
/// logged in before. Only its hash is ever stored.
#[derive(Clone)]
pub struct SecretToken(String);

impl SecretToken {
    /// 256 random bits, URL-safe.
    fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        SecretToken(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
    }

    pub fn from_cookie(value: &str) -> Option<Self> {
        // Anything that is not shaped like one of our tokens is not looked up at all.
        (value.len() == 43
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .then(|| SecretToken(value.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> String {
        // Into a buffer: `hex::encode` collects its digits one `char` at a time, which
        // took as long as the hash itself, once per request.
        let mut text = [0u8; 64];
        let _ = hex::encode_to_slice(Sha256::digest(self.0.as_bytes()), &mut text);
        // Hex digits are ASCII: the check takes the fast path `from_utf8_lossy` does not.
        std::str::from_utf8(&text).unwrap_or_default().to_owned()
    }
}

/// The logged-in user behind a request, and which session it came with.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub user: User,
    pub token_hash: String,
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

const WRONG_CREDENTIALS: &str = "invalid username or password";
const NO_SESSION: &str = "authentication required";

/// What a browser brings to a login besides the credentials.
pub struct LoginCookies {
    /// A session token it still held: ended, so that a session id planted before login
    /// is never honoured after it.
    pub previous_session: Option<SecretToken>,
    /// Its device token, if it has one.
    pub device: Option<SecretToken>,
}

/// A successful login: the user, the new session, and the device token to keep.
pub struct LoggedIn {
    pub user: User,
    pub session: SecretToken,
    pub device: SecretToken,
}

/// Checks the credentials and opens a new session. Attempts from a browser that has
/// logged in to this account before are counted apart from all others, so a guesser
/// elsewhere who exhausts the account's budget does not lock its owner out.
pub async fn login(
    db: &Database,
    hasher: &Hasher,
    policy: &AuthPolicy,
    username: &str,
    password: String,
    cookies: LoginCookies,
    origin: &Origin,
) -> AppResult<LoggedIn> {
    let key = username_key(username);
    let device = cookies.device.unwrap_or_else(SecretToken::generate);
    let device_hash = device.hash();
    let attempt = reserve_attempt(db, policy, &key, Some(device_hash.clone()), origin).await?;

    let stored = {
        let mut conn = db.read().await?;
        users::find_by_username_key(&mut conn, &key).await?
    };
    let verification = hasher
        .verify(
            password.clone(),
            stored.as_ref().map(|s| s.password_hash.clone()),
        )
        .await?;
    let Some(found) = stored.filter(|_| verification.is_match()) else {
        metrics::counter!("login_failures_total").increment(1);
        record_failure(db, username, None, origin, "wrong username or password").await?;
        return Err(AppError::Unauthenticated(WRONG_CREDENTIALS));
    };
    if !found.user.is_active {
        record_failure(db, username, Some(&found.user), origin, "account inactive").await?;
        return Err(AppError::Forbidden("this account is deactivated".into()));
    }
    let upgraded = match verification {
        Verification::MatchNeedsRehash => Some(hasher.hash(password).await?),
        _ => None,
    };
    let opening = Opening {
        user: found.user,
        key,
        upgraded_hash: upgraded,
        previous_hash: cookies.previous_session.map(|t| t.hash()),
        attempt,
        device_hash,
        origin: origin.clone(),
    };
    let (user, session) = open_session(db, opening).await?;
    Ok(LoggedIn {
        user,
        session,
        device,
    })
}

/// Counts this attempt against its budgets, or refuses it: the username's (or, when
/// `device_hash` names a device that has logged in as this username before, that
/// device's) and the address's. The attempt is recorded before the password is checked,
/// so concurrent guesses cannot all slip through before the first failure is counted.
async fn reserve_attempt(
    db: &Database,
    policy: &AuthPolicy,
    key: &str,
    device_hash: Option<String>,
    origin: &Origin,
) -> AppResult<Id> {
    let input = (
        key.to_owned(),
        device_hash,
        origin.ip.clone(),
        policy.clone(),
    );
    db.write_with(input, move |conn, (key, device_hash, ip, policy)| {
        Box::pin(async move {
            let now = Timestamp::now();
            let window = millis(policy.throttle_window);
            let since = now.plus_millis(-window);
            let device_hash = match device_hash {
                Some(hash) if login_devices::is_known(conn, &hash, &key).await? => Some(hash),
                _ => None,
            };
            let by_user = match &device_hash {
                Some(device) => login_attempts::for_device(conn, &key, device, since).await?,
                None => login_attempts::for_username(conn, &key, since).await?,
            };
            let by_ip = login_attempts::for_ip(conn, &ip, since).await?;
            let full = [
                (by_user, policy.max_failures_per_username),
                (by_ip, policy.max_failures_per_address),
            ]
            .into_iter()
            .filter(|(w, max)| w.count >= *max)
            .filter_map(|(w, _)| w.oldest)
            .max();
            if let Some(oldest) = full {
                metrics::counter!("login_throttled_total").increment(1);
                let wait_ms = (oldest + window - now.millis()).max(1000);
                return Err(AppError::TooManyRequests {
                    retry_after: Duration::from_millis(u64::try_from(wait_ms).unwrap_or(1000)),
                });
            }
            let attempt = NewAttempt {
                username_key: &key,
                ip: &ip,
                device_hash: device_hash.as_deref(),
                at: now,
            };
            login_attempts::insert(conn, &attempt).await
        })
    })
    .await
}

async fn record_failure(
    db: &Database,
    attempted: &str,
    user: Option<&User>,
    origin: &Origin,
    reason: &'static str,
) -> AppResult<()> {
    let entity = user.map(|u| u.id);
    let input = (attempted.to_owned(), origin.clone());
    db.write_with(input, move |conn, (attempted, origin)| {
        Box::pin(async move {
            let mut change = Change::new(AuditAction::LoginAttemptFailure, None)
                .extra(json!({"attemptedUsername": attempted, "reason": reason}));
            if let Some(id) = entity {
                change = change.entity(EntityType::User, id);
            }
            audit::record(conn, &origin, change).await
        })
    })
    .await
}

/// A login whose password was right, about to become a session.
struct Opening {
    user: User,
    key: String,
    upgraded_hash: Option<String>,
    previous_hash: Option<String>,
    /// The attempt this login was counted as: a success is not a failure.
    attempt: Id,
    device_hash: String,
    origin: Origin,
}

async fn open_session(db: &Database, opening: Opening) -> AppResult<(User, SecretToken)> {
    let token = SecretToken::generate();
    let input = (Arc::new(opening), token.hash());
    let user = db
        .write_with(input, |conn, (opening, token_hash)| {
            Box::pin(async move {
                let Opening {
                    user, key, origin, ..
                } = &*opening;
                // The account may have been deactivated while the password was being checked.
                let current = users::find(conn, user.id).await?;
                let Some(current) = current.filter(|u| u.is_active) else {
                    return Err(AppError::Forbidden("this account is deactivated".into()));
                };
                let now = Timestamp::now();
                if let Some(hash) = &opening.upgraded_hash {
                    users::set_password_hash(conn, current.id, hash, current.updated_at).await?;
                }
                if let Some(previous) = &opening.previous_hash {
                    sessions::delete(conn, previous).await?;
                }
                login_attempts::delete(conn, opening.attempt).await?;
                login_attempts::clear_device(conn, key, &opening.device_hash).await?;
                login_devices::remember(conn, &opening.device_hash, key, now).await?;
                let session = sessions::NewSession {
                    token_hash: &token_hash,
                    user_id: current.id,
                    at: now,
                    ip: &origin.ip,
                    user_agent: &origin.user_agent,
                };
                sessions::insert(conn, &session).await?;
                let actor = Actor::from(&current);
                let change = Change::new(AuditAction::LoginSuccess, Some(&actor))
                    .entity(EntityType::User, current.id)
                    .extra(json!({"hashUpgraded": opening.upgraded_hash.is_some()}));
                audit::record(conn, origin, change).await?;
                Ok(current)
            })
        })
        .await?;
    Ok((user, token))
}

/// The user behind a session token, if the session is live and the account active.
/// Refreshes the session's idle clock at most once a minute, so reads stay reads.
pub async fn authenticate(
    db: &Database,
    policy: &AuthPolicy,
    token: &SecretToken,
) -> AppResult<Option<Authenticated>> {
    let mut conn = db.read().await?;
    authenticate_on(db, &mut conn, policy, token).await
}

/// How often a session's idle clock is moved on, at most: reads stay reads.
const TOUCH_EVERY_MS: i64 = 60_000;

/// [`authenticate`] on a read connection the caller holds, and goes on using.
pub async fn authenticate_on(
    db: &Database,
    conn: &mut Conn,
    policy: &AuthPolicy,
    token: &SecretToken,
) -> AppResult<Option<Authenticated>> {
    let token_hash = token.hash();
    let now = Timestamp::now();
    let live = sessions::Liveness {
        idle_since: now.plus_millis(-millis(policy.session_idle)),
        created_since: now.plus_millis(-millis(policy.session_max)),
        seen_since: now.plus_millis(-TOUCH_EVERY_MS),
    };
    let found = sessions::find_live(conn, db.session_cache(), &token_hash, &live).await?;
    let Some(Session {
        user, last_seen_at, ..
    }) = found
    else {
        return Ok(None);
    };
    if now.millis() - last_seen_at.millis() > TOUCH_EVERY_MS {
        let (db, hash) = (db.clone(), token_hash.clone());
        // Best effort and off the request's path: a missed refresh only shortens the session.
        tokio::spawn(async move {
            let result = db
                .write_with(hash, move |conn, hash| {
                    Box::pin(async move { sessions::touch(conn, &hash, now).await })
                })
                .await;
            if let Err(e) = result {
                tracing::warn!(error = %e, "could not refresh a session");
            }
        });
    }
    Ok(Some(Authenticated { user, token_hash }))
}

/// Ends the caller's session.
pub async fn logout(db: &Database, who: &Authenticated, origin: &Origin) -> AppResult<()> {
    let input = (
        Actor::from(&who.user),
        who.token_hash.clone(),
        origin.clone(),
    );
    db.write_with(input, move |conn, (actor, hash, origin)| {
        Box::pin(async move {
            sessions::delete(conn, &hash).await?;
            let change =
                Change::new(AuditAction::Logout, Some(&actor)).entity(EntityType::User, actor.id);
            audit::record(conn, &origin, change).await
        })
    })
    .await
}

/// Changes the caller's password after checking the current one; their other sessions end.
pub async fn change_password(
    db: &Database,
    hasher: &Hasher,
    policy: &AuthPolicy,
    who: &Authenticated,
    current: String,
    new: NewPassword,
    origin: &Origin,
) -> AppResult<()> {
    let key = username_key(&who.user.username);
    reserve_attempt(db, policy, &key, None, origin).await?;
    let stored = {
        let mut conn = db.read().await?;
        users::find_with_hash(&mut conn, who.user.id).await?
    }
    .ok_or(AppError::Unauthenticated(NO_SESSION))?;
    let verification = hasher.verify(current, Some(stored.password_hash)).await?;
    if !verification.is_match() {
        record_failure(
            db,
            &who.user.username,
            Some(&who.user),
            origin,
            "wrong current password",
        )
        .await?;
        return Err(AppError::invalid_field(
            "currentPassword",
            "is not your current password",
        ));
    }
    let new_hash = hasher.hash(new.expose().to_owned()).await?;
    let input = (
        Actor::from(&who.user),
        who.token_hash.clone(),
        key,
        new_hash,
        origin.clone(),
    );
    db.write_with(input, move |conn, (actor, keep, key, new_hash, origin)| {
        Box::pin(async move {
            let before = users::find(conn, actor.id)
                .await?
                .ok_or(AppError::Unauthenticated(NO_SESSION))?;
            let now = Timestamp::now();
            users::set_password_hash(conn, actor.id, &new_hash, now).await?;
            sessions::delete_for_user(conn, actor.id, Some(&keep)).await?;
            login_attempts::clear_username(conn, &key).await?;
            let after = User {
                updated_at: now,
                ..before.clone()
            };
            let change = Change::new(AuditAction::ChangePassword, Some(&actor))
                .entity(EntityType::User, actor.id)
                .before(&before)
                .after(&after)
                .also_changed("password");
            audit::record(conn, &origin, change).await
        })
    })
    .await
}

/// Deletes expired sessions and old login attempts; run now and then by each instance.
pub async fn purge_expired(db: &Database, policy: &AuthPolicy) -> AppResult<()> {
    db.write_with(policy.clone(), |conn, policy| {
        Box::pin(async move {
            let now = Timestamp::now();
            let idle_since = now.plus_millis(-millis(policy.session_idle));
            let created_since = now.plus_millis(-millis(policy.session_max));
            sessions::delete_expired(conn, idle_since, created_since).await?;
            login_attempts::delete_older_than(
                conn,
                now.plus_millis(-millis(policy.throttle_window)),
            )
            .await?;
            login_devices::delete_unused_since(conn, now.plus_millis(-millis(DEVICE_TRUST)))
                .await?;
            Ok(())
        })
    })
    .await
}
