//! Customers in the `clients` table.

use super::query::{convert_all, query, query_as, query_scalar, row_struct};
use super::{foreign_key_violation, unique_violation, Conn, Sql};
use crate::domain::client::{phone_key, Client};
use crate::domain::date::Date;
use crate::domain::id::Id;
use crate::domain::text::{contains_pattern, search_key};
use crate::domain::time::Timestamp;
use crate::error::{AppError, AppResult};

const COLUMNS: &str = "id, first_name, last_name, phone, email, driver_license_number, cin, \
                       date_of_birth, license_issue_date, license_expiry_date, \
                       notes, registered_at, registered_by, updated_at, updated_by";

row_struct! {
    struct ClientRow {
        id: String,
        first_name: String,
        last_name: String,
        phone: String,
        email: Option<String>,
        driver_license_number: Option<String>,
        cin: Option<String>,
        date_of_birth: Option<String>,
        license_issue_date: Option<String>,
        license_expiry_date: Option<String>,
        notes: Option<String>,
        registered_at: i64,
        registered_by: Option<String>,
        updated_at: i64,
        updated_by: Option<String>,
    }
}

impl TryFrom<ClientRow> for Client {
    type Error = AppError;

    fn try_from(r: ClientRow) -> AppResult<Client> {
        let date = |text: Option<String>| -> AppResult<Option<Date>> {
            text.map(|t| Date::parse(&t))
                .transpose()
                .map_err(|_| AppError::Internal(anyhow::anyhow!("corrupt client row: date")))
        };
        Ok(Client {
            id: r
                .id
                .parse()
                .map_err(|_| AppError::Internal(anyhow::anyhow!("corrupt client row: id")))?,
            first_name: r.first_name,
            last_name: r.last_name,
            phone: r.phone,
            email: r.email,
            driver_license_number: r.driver_license_number,
            cin: r.cin,
            date_of_birth: date(r.date_of_birth)?,
            license_issue_date: date(r.license_issue_date)?,
            license_expiry_date: date(r.license_expiry_date)?,
            notes: r.notes,
            registered_at: Timestamp::from_millis(r.registered_at),
            registered_by: r.registered_by.and_then(|s| s.parse().ok()),
            updated_at: Timestamp::from_millis(r.updated_at),
            updated_by: r.updated_by.and_then(|s| s.parse().ok()),
        })
    }
}

/// Maps a clash on a unique index to the contract's 409 naming the field.
fn clash(e: sqlx::Error) -> AppError {
    match unique_violation(&e) {
        Some(index) if index.contains("phone") => {
            AppError::conflict_on("phone", "another client already has this phone number")
        }
        Some(index) if index.contains("email") => {
            AppError::conflict_on("email", "another client already has this e-mail address")
        }
        Some(index) if index.contains("cin") => {
            AppError::conflict_on("CIN", "another client already has this CIN")
        }
        _ => AppError::Database(e),
    }
}

/// The normalised columns: phone key, e-mail key, last-name sort key and search text.
fn keys(c: &Client) -> (String, Option<String>, String, String) {
    let phone = phone_key(&c.phone);
    let email = c.email.as_ref().map(|e| e.to_lowercase());
    let search = search_key(&[
        &c.first_name,
        &c.last_name,
        &c.first_name,
        &c.phone,
        &phone,
        c.email.as_deref().unwrap_or(""),
        c.cin.as_deref().unwrap_or(""),
    ]);
    (phone, email, c.last_name.to_lowercase(), search)
}

pub async fn insert(conn: &mut Conn, c: &Client) -> AppResult<()> {
    let (phone, email, last_name, search) = keys(c);
    query(
        "INSERT INTO clients (id, first_name, last_name, phone, phone_key, email, email_key, \
         driver_license_number, cin, notes, last_name_key, search_key, registered_at, \
         registered_by, updated_at, updated_by, date_of_birth, license_issue_date, \
         license_expiry_date) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
    )
    .bind(c.id.to_string())
    .bind(&c.first_name)
    .bind(&c.last_name)
    .bind(&c.phone)
    .bind(phone)
    .bind(c.email.clone())
    .bind(email)
    .bind(c.driver_license_number.clone())
    .bind(c.cin.clone())
    .bind(c.notes.clone())
    .bind(last_name)
    .bind(search)
    .bind(c.registered_at.millis())
    .bind(c.registered_by.map(|i| i.to_string()))
    .bind(c.updated_at.millis())
    .bind(c.updated_by.map(|i| i.to_string()))
    .bind(c.date_of_birth.map(|d| d.to_string()))
    .bind(c.license_issue_date.map(|d| d.to_string()))
    .bind(c.license_expiry_date.map(|d| d.to_string()))
    .execute(conn)
    .await
    .map_err(clash)?;
    Ok(())
}

/// Writes every editable field of `c` over the stored row.
pub async fn update(conn: &mut Conn, c: &Client) -> AppResult<()> {
    let (phone, email, last_name, search) = keys(c);
    query(
        "UPDATE clients SET first_name = $2, last_name = $3, phone = $4, phone_key = $5, \
         email = $6, email_key = $7, driver_license_number = $8, cin = $9, notes = $10, \
         last_name_key = $11, search_key = $12, updated_at = $13, updated_by = $14, \
         date_of_birth = $15, license_issue_date = $16, license_expiry_date = $17 WHERE id = $1",
    )
    .bind(c.id.to_string())
    .bind(&c.first_name)
    .bind(&c.last_name)
    .bind(&c.phone)
    .bind(phone)
    .bind(c.email.clone())
    .bind(email)
    .bind(c.driver_license_number.clone())
    .bind(c.cin.clone())
    .bind(c.notes.clone())
    .bind(last_name)
    .bind(search)
    .bind(c.updated_at.millis())
    .bind(c.updated_by.map(|i| i.to_string()))
    .bind(c.date_of_birth.map(|d| d.to_string()))
    .bind(c.license_issue_date.map(|d| d.to_string()))
    .bind(c.license_expiry_date.map(|d| d.to_string()))
    .execute(conn)
    .await
    .map_err(clash)?;
    Ok(())
}

/// Deletes a client; one that reservations refer to is kept (409).
pub async fn delete(conn: &mut Conn, id: Id) -> AppResult<()> {
    query("DELETE FROM clients WHERE id = $1")
        .bind(id.to_string())
        .execute(conn)
        .await
        .map_err(|e| {
            if foreign_key_violation(&e) {
                AppError::conflict("reservations refer to this client; their history stays intact")
            } else {
                AppError::Database(e)
            }
        })?;
    Ok(())
}

pub async fn find(conn: &mut Conn, id: Id) -> AppResult<Option<Client>> {
    let row: Option<ClientRow> = query_as(&format!("SELECT {COLUMNS} FROM clients WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.map(Client::try_from).transpose()
}

/// Sort orders offered on the clients list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientSort {
    LastName,
    RegisteredAt,
}

/// Filters and page of a client listing.
#[derive(Debug, Clone)]
pub struct ClientQuery {
    /// Exact match on the normalised phone number.
    pub phone: Option<String>,
    pub q: Option<String>,
    pub sort: ClientSort,
    pub descending: bool,
    pub limit: i64,
    pub offset: i64,
}

/// One page of clients, and how many match in all.
pub async fn list(conn: &mut Conn, query: &ClientQuery) -> AppResult<(Vec<Client>, i64)> {
    let filters = |sql: &mut Sql| {
        sql.start_where();
        if let Some(phone) = &query.phone {
            sql.and("phone_key = ").bind(phone_key(phone));
        }
        if let Some(q) = &query.q {
            sql.and("search_key LIKE ")
                .bind(contains_pattern(q))
                .push(" ESCAPE '\\'");
        }
    };
    let mut page = Sql::new(&format!("SELECT {COLUMNS} FROM clients"));
    filters(&mut page);
    let column = match query.sort {
        ClientSort::LastName => "last_name_key",
        ClientSort::RegisteredAt => "registered_at",
    };
    let dir = if query.descending { "DESC" } else { "ASC" };
    page.push(&format!(" ORDER BY {column} {dir}, id {dir} LIMIT "))
        .bind(query.limit)
        .push(" OFFSET ")
        .bind(query.offset);
    let rows: Vec<ClientRow> = page.fetch_all(conn).await?;
    let mut count = Sql::new("SELECT COUNT(*) FROM clients");
    filters(&mut count);
    let total = count
        .total_behind(conn, query.offset, query.limit, rows.len())
        .await?;
    let clients = convert_all(rows, Client::try_from)?;
    Ok((clients, total))
}

/// How many clients there are (the demo refuses a database that has any).
pub async fn count_all(conn: &mut Conn) -> AppResult<i64> {
    Ok(query_scalar("SELECT COUNT(*) FROM clients")
        .fetch_one(conn)
        .await?)
}
