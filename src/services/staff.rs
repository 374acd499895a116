//! Staff accounts: creating, changing and removing managers (and admins from the command line).

use base64::Engine as _;
use rand::RngCore;

use super::audit::{self, Change};
use super::hashing::Hasher;
use super::{Actor, Origin};
use crate::db::{sessions, users, Database};
use crate::domain::audit::{AuditAction, EntityType};
use crate::domain::id::Id;
use crate::domain::time::Timestamp;
use crate::domain::user::{may_remove_or_deactivate, FullName, NewPassword, Role, User, Username};
use crate::error::{AppError, AppResult};

/// A new account, already validated.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: Username,
    pub full_name: FullName,
    pub password: NewPassword,
    pub role: Role,
    pub is_active: bool,
}

/// The changes a `PUT` asks for; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub username: Option<Username>,
    pub full_name: Option<FullName>,
    pub password: Option<NewPassword>,
    pub is_active: Option<bool>,
}

/// Creates an account and records it. `actor` is `None` for the command line and start-up.
pub async fn create(
    db: &Database,
    hasher: &Hasher,
    actor: Option<&Actor>,
    new: NewUser,
    origin: &Origin,
) -> AppResult<User> {
    let hash = hasher.hash(new.password.expose().to_owned()).await?;
    let now = Timestamp::now();
    let user = User {
        id: Id::generate(),
        username: new.username.as_str().to_owned(),
        role: new.role,
        full_name: new.full_name.as_str().to_owned(),
        is_active: new.is_active,
        created_at: now,
        updated_at: now,
    };
    let key = new.username.key();
    let input = (user, key, hash, actor.cloned(), origin.clone());
    db.write_with(input, move |conn, (user, key, hash, actor, origin)| {
        Box::pin(async move {
            users::insert(conn, &user, &key, &hash).await?;
            let change = Change::new(AuditAction::CreateManager, actor.as_ref())
                .entity(EntityType::User, user.id)
                .after(&user);
            audit::record(conn, &origin, change).await?;
            Ok(user)
        })
    })
    .await
}

/// One manager account.
pub async fn get_manager(db: &Database, id: Id) -> AppResult<User> {
    let mut conn = db.read().await?;
    users::find(&mut conn, id)
        .await?
        .filter(|u| u.role == Role::Manager)
        .ok_or_else(|| AppError::not_found("manager"))
}

/// Applies `changes` to a manager account. Deactivating it or changing its password
/// ends its sessions.
pub async fn update_manager(
    db: &Database,
    hasher: &Hasher,
    actor: &Actor,
    id: Id,
    changes: UserChanges,
    origin: &Origin,
) -> AppResult<User> {
    let new_hash = match &changes.password {
        Some(p) => Some(hasher.hash(p.expose().to_owned()).await?),
        None => None,
    };
    let input = (actor.clone(), origin.clone(), changes, new_hash);
    db.write_with(input, move |conn, (actor, origin, changes, new_hash)| {
        Box::pin(async move {
            let before = users::find(conn, id)
                .await?
                .filter(|u| u.role == Role::Manager)
                .ok_or_else(|| AppError::not_found("manager"))?;
            let mut after = before.clone();
            if let Some(name) = &changes.username {
                after.username = name.as_str().to_owned();
            }
            if let Some(name) = &changes.full_name {
                after.full_name = name.as_str().to_owned();
            }
            if let Some(active) = changes.is_active {
                after.is_active = active;
            }
            if before.is_active && !after.is_active {
                let admins = users::count_active_admins(conn).await?;
                may_remove_or_deactivate(actor.id, &before, admins)
                    .map_err(|e| AppError::conflict_on("isActive", e.to_string()))?;
            }
            if after == before && new_hash.is_none() {
                return Ok(before);
            }
            after.updated_at = Timestamp::now();
            let key = crate::domain::user::username_key(&after.username);
            users::update(conn, &after, &key).await?;
            if let Some(hash) = &new_hash {
                users::set_password_hash(conn, id, hash, after.updated_at).await?;
            }
            if !after.is_active || new_hash.is_some() {
                sessions::delete_for_user(conn, id, None).await?;
            }
            let mut change = Change::new(AuditAction::UpdateManager, Some(&actor))
                .entity(EntityType::User, id)
                .before(&before)
                .after(&after);
            if new_hash.is_some() {
                change = change.also_changed("password");
            }
            audit::record(conn, &origin, change).await?;
            Ok(after)
        })
    })
    .await
}

/// Removes a manager account and its sessions.
pub async fn delete_manager(
    db: &Database,
    actor: &Actor,
    id: Id,
    origin: &Origin,
) -> AppResult<()> {
    let input = (actor.clone(), origin.clone());
    db.write_with(input, move |conn, (actor, origin)| {
        Box::pin(async move {
            let before = users::find(conn, id)
                .await?
                .filter(|u| u.role == Role::Manager)
                .ok_or_else(|| AppError::not_found("manager"))?;
            let admins = users::count_active_admins(conn).await?;
            may_remove_or_deactivate(actor.id, &before, admins)
                .map_err(|e| AppError::conflict(e.to_string()))?;
            users::delete(conn, id).await?;
            let change = Change::new(AuditAction::DeleteManager, Some(&actor))
                .entity(EntityType::User, id)
                .before(&before);
            audit::record(conn, &origin, change).await
        })
    })
    .await
}

/// Sets a password from the command line; the account's sessions end.
pub async fn set_password(
    db: &Database,
    hasher: &Hasher,
    username: &str,
    password: NewPassword,
) -> AppResult<User> {
    let key = crate::domain::user::username_key(username);
    let hash = hasher.hash(password.expose().to_owned()).await?;
    let input = (key, hash);
    db.write_with(input, move |conn, (key, hash)| {
        Box::pin(async move {
            let before = users::find_by_username_key(conn, &key)
                .await?
                .ok_or_else(|| AppError::not_found("user"))?
                .user;
            let now = Timestamp::now();
            users::set_password_hash(conn, before.id, &hash, now).await?;
            sessions::delete_for_user(conn, before.id, None).await?;
            let after = User {
                updated_at: now,
                ..before.clone()
            };
            let change = Change::new(AuditAction::ChangePassword, None)
                .entity(EntityType::User, before.id)
                .before(&before)
                .after(&after)
                .also_changed("password");
            audit::record(conn, &Origin::cli(), change).await?;
            Ok(after)
        })
    })
    .await
}

/// The first admin, made when the database has no account yet.
pub struct FirstAdmin {
    pub username: String,
    /// The generated password, shown once; `None` when it came from the settings.
    pub generated_password: Option<String>,
}

/// Creates the `admin` account if the database has no user at all. When several
/// instances start at once on an empty database, exactly one creates it.
pub async fn ensure_first_admin(
    db: &Database,
    hasher: &Hasher,
    configured_password: Option<&str>,
) -> anyhow::Result<Option<FirstAdmin>> {
    let count = {
        let mut conn = db.read().await?;
        users::count_all(&mut conn).await?
    };
    if count > 0 {
        return Ok(None);
    }
    // A blank setting (e.g. `LOCACAR_ADMIN_PASSWORD=` in .env) means "not set".
    let configured_password = configured_password.filter(|p| !p.is_empty());
    let generated = configured_password.is_none().then(generate_password);
    let password = configured_password
        .map(str::to_owned)
        .or_else(|| generated.clone())
        .unwrap_or_default();
    let password =
        NewPassword::parse(&password).map_err(|e| anyhow::anyhow!("LOCACAR_ADMIN_PASSWORD {e}"))?;
    let new = NewUser {
        username: Username::parse("admin").map_err(anyhow::Error::msg)?,
        full_name: FullName::parse("Administrator").map_err(anyhow::Error::msg)?,
        password,
        role: Role::Admin,
        is_active: true,
    };
    match create(db, hasher, None, new, &Origin::cli()).await {
        Ok(user) => Ok(Some(FirstAdmin {
            username: user.username,
            generated_password: generated,
        })),
        // Another instance created it first.
        Err(AppError::Conflict { .. }) => Ok(None),
        Err(e) => Err(anyhow::anyhow!("creating the first admin failed: {e}")),
    }
}

/// A strong random password (128 bits), easy to copy.
fn generate_password() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Filters and page of the managers list, as the HTTP layer parsed them.
pub async fn list_managers(db: &Database, query: &users::UserQuery) -> AppResult<(Vec<User>, i64)> {
    let mut conn = db.read().await?;
    users::list(&mut conn, query).await
}
