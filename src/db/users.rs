//! Staff accounts in the `users` table.

use super::query::{convert_all, query, query_as, query_scalar, row_struct};
use super::{unique_violation, Conn, Sql};
use crate::domain::id::Id;
use crate::domain::text::{contains_pattern, search_key};
use crate::domain::time::Timestamp;
use crate::domain::user::{Role, User};
use crate::error::{AppError, AppResult};

const COLUMNS: &str =
    "id, username, role, full_name, is_active, created_at, updated_at, password_hash";
/// The same columns for a query that joins `users` as `u`.
pub(super) const JOINED_COLUMNS: &str = "u.id, u.username, u.role, u.full_name, u.is_active, \
     u.created_at, u.updated_at, u.password_hash";

row_struct! {
    pub(super) struct UserRow {
        id: String,
        username: String,
        role: String,
        full_name: String,
        is_active: i64,
        created_at: i64,
        updated_at: i64,
        password_hash: String,
    }
}

/// A user together with the stored password hash, for the few places that verify passwords.
pub struct UserWithHash {
    pub user: User,
    pub password_hash: String,
}

impl TryFrom<UserRow> for UserWithHash {
    type Error = AppError;

    fn try_from(row: UserRow) -> AppResult<Self> {
        let corrupt = |what: &str| AppError::Internal(anyhow::anyhow!("corrupt user row: {what}"));
        Ok(UserWithHash {
            user: User {
                id: row.id.parse().map_err(|_| corrupt("id"))?,
                username: row.username,
                role: row.role.parse().map_err(|_| corrupt("role"))?,
                full_name: row.full_name,
                is_active: row.is_active != 0,
                created_at: Timestamp::from_millis(row.created_at),
                updated_at: Timestamp::from_millis(row.updated_at),
            },
            password_hash: row.password_hash,
        })
    }
}

fn user_search_key(user: &User) -> String {
    search_key(&[&user.username, &user.full_name])
}

/// Maps a clash on the username index to the contract's 409.
fn username_clash(e: sqlx::Error) -> AppError {
    match unique_violation(&e) {
        Some(index) if index.contains("username") => {
            AppError::conflict_on("username", "this username is already taken")
        }
        _ => AppError::Database(e),
    }
}

pub async fn insert(
    conn: &mut Conn,
    user: &User,
    username_key: &str,
    password_hash: &str,
) -> AppResult<()> {
    query(
        "INSERT INTO users (id, username, username_key, role, full_name, password_hash, \
         is_active, search_key, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(user.id.to_string())
    .bind(&user.username)
    .bind(username_key)
    .bind(user.role.as_str())
    .bind(&user.full_name)
    .bind(password_hash)
    .bind(i64::from(user.is_active))
    .bind(user_search_key(user))
    .bind(user.created_at.millis())
    .bind(user.updated_at.millis())
    .execute(conn)
    .await
    .map_err(username_clash)?;
    Ok(())
}

/// Writes every field of `user` over the stored row (the caller has applied the changes).
pub async fn update(conn: &mut Conn, user: &User, username_key: &str) -> AppResult<()> {
    query(
        "UPDATE users SET username = $2, username_key = $3, role = $4, full_name = $5, \
         is_active = $6, search_key = $7, updated_at = $8 WHERE id = $1",
    )
    .bind(user.id.to_string())
    .bind(&user.username)
    .bind(username_key)
    .bind(user.role.as_str())
    .bind(&user.full_name)
    .bind(i64::from(user.is_active))
    .bind(user_search_key(user))
    .bind(user.updated_at.millis())
    .execute(conn)
    .await
    .map_err(username_clash)?;
    Ok(())
}

pub async fn set_password_hash(
    conn: &mut Conn,
    id: Id,
    hash: &str,
    at: Timestamp,
) -> AppResult<()> {
    query("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1")
        .bind(id.to_string())
        .bind(hash)
        .bind(at.millis())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete(conn: &mut Conn, id: Id) -> AppResult<()> {
    query("DELETE FROM users WHERE id = $1")
        .bind(id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn find(conn: &mut Conn, id: Id) -> AppResult<Option<User>> {
    Ok(find_with_hash(conn, id).await?.map(|u| u.user))
}

pub async fn find_with_hash(conn: &mut Conn, id: Id) -> AppResult<Option<UserWithHash>> {
    let row: Option<UserRow> = query_as(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.map(UserWithHash::try_from).transpose()
}

pub async fn find_by_username_key(conn: &mut Conn, key: &str) -> AppResult<Option<UserWithHash>> {
    let row: Option<UserRow> = query_as(&format!(
        "SELECT {COLUMNS} FROM users WHERE username_key = $1"
    ))
    .bind(key)
    .fetch_optional(conn)
    .await?;
    row.map(UserWithHash::try_from).transpose()
}

pub async fn count_all(conn: &mut Conn) -> AppResult<i64> {
    Ok(query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(conn)
        .await?)
}

pub async fn count_active_admins(conn: &mut Conn) -> AppResult<i64> {
    Ok(
        query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin' AND is_active = 1")
            .fetch_one(conn)
            .await?,
    )
}

/// Sort orders offered on the managers list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserSort {
    Username,
    CreatedAt,
}

/// Filters and page of a user listing.
#[derive(Debug, Clone)]
pub struct UserQuery {
    pub role: Role,
    pub is_active: Option<bool>,
    pub q: Option<String>,
    pub sort: UserSort,
    pub descending: bool,
    pub limit: i64,
    pub offset: i64,
}

/// One page of users, and how many match in all.
pub async fn list(conn: &mut Conn, query: &UserQuery) -> AppResult<(Vec<User>, i64)> {
    let filters = |sql: &mut Sql| {
        sql.push(" WHERE role = ").bind(query.role.as_str());
        if let Some(active) = query.is_active {
            sql.push(" AND is_active = ").bind(i64::from(active));
        }
        if let Some(q) = &query.q {
            sql.push(" AND search_key LIKE ")
                .bind(contains_pattern(q))
                .push(" ESCAPE '\\'");
        }
    };
    let mut page = Sql::new(&format!("SELECT {COLUMNS} FROM users"));
    filters(&mut page);
    let column = match query.sort {
        UserSort::Username => "username_key",
        UserSort::CreatedAt => "created_at",
    };
    let dir = if query.descending { "DESC" } else { "ASC" };
    page.push(&format!(" ORDER BY {column} {dir}, id {dir} LIMIT "))
        .bind(query.limit)
        .push(" OFFSET ")
        .bind(query.offset);
    let rows: Vec<UserRow> = page.fetch_all(conn).await?;
    let mut count = Sql::new("SELECT COUNT(*) FROM users");
    filters(&mut count);
    let total = count
        .total_behind(conn, query.offset, query.limit, rows.len())
        .await?;
    let users = convert_all(rows, |r| UserWithHash::try_from(r).map(|u| u.user))?;
    Ok((users, total))
}
