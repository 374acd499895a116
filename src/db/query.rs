//! One query API over both engines, shaped like sqlx's (`query(…).bind(…).fetch_all(conn)`).
//!
//! SQLite runs through `rusqlite` on the caller's own thread: sqlx's SQLite driver hands
//! every statement and every row to a thread of its own, and on these machines that
//! hop cost several times the statement itself (BENCHMARKS.md, "Where the time goes").
//! Statements are prepared once per connection and kept. PostgreSQL stays on sqlx,
//! whose driver is asynchronous for real. Errors of both are `sqlx::Error`, so that one
//! classification (unique, overlap, connection lost) serves both.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use sqlx::any::{AnyArguments, AnyRow, AnyTypeInfoKind};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, Arguments, Column, Row as _};

use super::sqlite::SqliteConn;

/// A connection of either engine, inside or outside a transaction.
pub enum Conn {
    Sqlite(SqliteConn),
    Postgres(PgConn),
}

/// A PostgreSQL connection, from the pool or of its own.
pub enum PgConn {
    Pooled(PoolConnection<Any>),
    Alone(AnyConnection),
}

impl PgConn {
    fn get(&mut self) -> &mut AnyConnection {
        match self {
            PgConn::Pooled(c) => c,
            PgConn::Alone(c) => c,
        }
    }
}

impl Conn {
    pub fn engine(&self) -> super::Engine {
        match self {
            Conn::Sqlite(_) => super::Engine::Sqlite,
            Conn::Postgres(_) => super::Engine::Postgres,
        }
    }

    /// Closes the connection for good instead of handing it back to its pool: for a
    /// connection whose state is unknown.
    pub async fn close(self) {
        match self {
            Conn::Sqlite(c) => c.discard(),
            Conn::Postgres(PgConn::Pooled(c)) => {
                let _ = sqlx::Connection::close(c.detach()).await;
            }
            Conn::Postgres(PgConn::Alone(c)) => {
                let _ = sqlx::Connection::close(c).await;
            }
        }
    }
}

/// Runs several `;`-separated statements that return nothing (settings, `BEGIN`).
pub async fn execute_batch(conn: &mut Conn, sql: &str) -> Result<(), sqlx::Error> {
    match conn {
        Conn::Sqlite(c) => c.execute_batch(sql),
        Conn::Postgres(c) => {
            sqlx::Executor::execute(c.get(), sqlx::raw_sql(sql)).await?;
            Ok(())
        }
    }
}

/// The kind of value a `NULL` stands for: PostgreSQL wants typed parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Bool,
    Real,
    Text,
    Blob,
}

/// One parameter or column value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null(Kind),
    Int(i64),
    Bool(bool),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// What can be bound to a placeholder.
pub trait Param {
    const KIND: Kind;
    fn into_value(self) -> Value;
}

macro_rules! param {
    ($ty:ty, $kind:ident, |$v:ident| $make:expr) => {
        impl Param for $ty {
            const KIND: Kind = Kind::$kind;
            fn into_value(self) -> Value {
                let $v = self;
                $make
            }
        }
    };
}

param!(i64, Int, |v| Value::Int(v));
param!(i32, Int, |v| Value::Int(i64::from(v)));
param!(u32, Int, |v| Value::Int(i64::from(v)));
param!(bool, Bool, |v| Value::Bool(v));
param!(f64, Real, |v| Value::Real(v));
param!(String, Text, |v| Value::Text(v));
param!(&str, Text, |v| Value::Text(v.to_owned()));
param!(&String, Text, |v| Value::Text(v.clone()));
param!(Vec<u8>, Blob, |v| Value::Blob(v));
param!(&[u8], Blob, |v| Value::Blob(v.to_vec()));

impl<T: Param> Param for Option<T> {
    const KIND: Kind = T::KIND;
    fn into_value(self) -> Value {
        self.map_or(Value::Null(T::KIND), Param::into_value)
    }
}

/// What a column value can be read as.
pub trait FromValue: Sized {
    fn from_value(value: Value) -> Result<Self, String>;
}

fn mismatch<T>(wanted: &str, got: &Value) -> Result<T, String> {
    Err(format!("expected {wanted}, found {got:?}"))
}

impl FromValue for i64 {
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Int(v) => Ok(v),
            other => mismatch("an integer", &other),
        }
    }
}

impl FromValue for i32 {
    fn from_value(value: Value) -> Result<Self, String> {
        let wide = i64::from_value(value)?;
        i32::try_from(wide).map_err(|_| format!("{wide} is out of range for a 32-bit integer"))
    }
}

impl FromValue for bool {
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Bool(v) => Ok(v),
            // SQLite has no booleans: 0 and 1.
            Value::Int(v) => Ok(v != 0),
            other => mismatch("a boolean", &other),
        }
    }
}

impl FromValue for f64 {
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Real(v) => Ok(v),
            // Aggregates over integers may come back as integers.
            Value::Int(v) => Ok(v as f64),
            other => mismatch("a number", &other),
        }
    }
}

impl FromValue for String {
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Text(v) => Ok(v),
            other => mismatch("text", &other),
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Blob(v) => Ok(v),
            other => mismatch("bytes", &other),
        }
    }
}

impl FromValue for Value {
    fn from_value(value: Value) -> Result<Self, String> {
        Ok(value)
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Null(_) => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

/// A query's column names, held in one string: as one string each, the sixty columns of
/// a reservation cost a seventieth of the work of showing one.
pub struct ColumnNames {
    joined: String,
    ends: Vec<usize>,
}

impl ColumnNames {
    pub(super) fn new(names: &[&str]) -> Self {
        let mut joined = String::with_capacity(names.iter().map(|n| n.len()).sum());
        let mut ends = Vec::with_capacity(names.len());
        for name in names {
            joined.push_str(name);
            ends.push(joined.len());
        }
        ColumnNames { joined, ends }
    }

    /// How many columns.
    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }

    fn get(&self, index: usize) -> Option<&str> {
        let end = *self.ends.get(index)?;
        let start = index.checked_sub(1).map_or(0, |i| self.ends[i]);
        self.joined.get(start..end)
    }

    fn position(&self, name: &str) -> Option<usize> {
        (0..self.ends.len()).find(|&i| self.get(i) == Some(name))
    }
}

/// One result row: its columns' names (shared by the rows of one query) and values.
pub struct Row {
    names: Arc<ColumnNames>,
    values: Vec<Value>,
}

impl Row {
    pub(super) fn new(names: Arc<ColumnNames>, values: Vec<Value>) -> Self {
        Row { names, values }
    }

    /// Takes column `index` out of the row.
    pub fn take_at<T: FromValue>(&mut self, index: usize) -> Result<T, sqlx::Error> {
        let value = self
            .values
            .get_mut(index)
            .map(|v| std::mem::replace(v, Value::Null(Kind::Int)))
            .ok_or_else(|| sqlx::Error::ColumnIndexOutOfBounds {
                index,
                len: self.values.len(),
            })?;
        T::from_value(value).map_err(|e| {
            let name = self.names.get(index).unwrap_or("");
            decode_error(name, e)
        })
    }

    /// Takes the column called `name` out of the row; `hint` is where it is expected
    /// (the field's place in a row struct usually is the column's place in the query).
    pub fn take<T: FromValue>(&mut self, name: &str, hint: usize) -> Result<T, sqlx::Error> {
        let index = if self.names.get(hint) == Some(name) {
            hint
        } else {
            self.names
                .position(name)
                .ok_or_else(|| sqlx::Error::ColumnNotFound(name.to_owned()))?
        };
        self.take_at(index)
    }
}

fn decode_error(column: &str, message: String) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: column.to_owned(),
        source: message.into(),
    }
}

/// A type read from a whole row: row structs (see [`row_struct!`]) and tuples.
pub trait FromRow: Sized {
    fn from_row(row: Row) -> Result<Self, sqlx::Error>;
}

macro_rules! tuple_from_row {
    ($($t:ident $i:tt),+) => {
        impl<$($t: FromValue),+> FromRow for ($($t,)+) {
            fn from_row(mut row: Row) -> Result<Self, sqlx::Error> {
                Ok(($(row.take_at::<$t>($i)?,)+))
            }
        }
    };
}

tuple_from_row!(A 0);
tuple_from_row!(A 0, B 1);
tuple_from_row!(A 0, B 1, C 2);
tuple_from_row!(A 0, B 1, C 2, D 3);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);

/// Declares a struct read from a row, one field per column of the same name.
macro_rules! row_struct {
    ($(#[$meta:meta])* $vis:vis struct $name:ident {
        $($(#[$fmeta:meta])* $fvis:vis $field:ident : $ty:ty),* $(,)?
    }) => {
        $(#[$meta])*
        $vis struct $name { $($(#[$fmeta])* $fvis $field: $ty),* }

        impl $crate::db::query::FromRow for $name {
            #[allow(unused_assignments)]
            fn from_row(mut row: $crate::db::query::Row) -> Result<Self, sqlx::Error> {
                let mut place = 0usize;
                Ok($name {
                    $($field: {
                        let value = row.take(stringify!($field), place)?;
                        place += 1;
                        value
                    }),*
                })
            }
        }
    };
}
pub(crate) use row_struct;

/// What a statement did.
pub struct Done {
    rows_affected: u64,
}

impl Done {
    pub fn rows_affected(&self) -> u64 {
        self.rows_affected
    }
}

/// A statement and its parameters, bound to `$1`, `$2`, … in order.
pub struct Query<'q> {
    sql: Cow<'q, str>,
    args: Vec<Value>,
    numbering: Numbering,
}

/// How a statement's `$n` placeholders first appear in its text, which tells SQLite's
/// engine whether it must look each one up by name (see `sqlite::prepare`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Numbering {
    /// `$1`, `$2`, … first appear in that order, as [`Sql`](super::sql::Sql) writes them.
    /// SQLite numbers named parameters by first appearance, so `$n` is parameter `n`.
    InOrder,
    /// In any order, as a hand-written `UPDATE … SET a = $2 … WHERE id = $1` may.
    Any,
}

/// Each of `rows` converted by `convert`, into a vector sized for all of them from the
/// start. Collecting into `Result<Vec<_>, _>` cannot know the length (its size hint is
/// 0) and grows as it goes: five copies of a list page's twenty reservations.
pub fn convert_all<A, B, E>(
    rows: Vec<A>,
    convert: impl FnMut(A) -> Result<B, E>,
) -> Result<Vec<B>, E> {
    let mut converted = Vec::with_capacity(rows.len());
    for row in rows.into_iter().map(convert) {
        converted.push(row?);
    }
    Ok(converted)
}

pub fn query(sql: &str) -> Query<'_> {
    Query {
        sql: Cow::Borrowed(sql),
        args: Vec::new(),
        numbering: Numbering::Any,
    }
}

/// A query whose rows are read as `T`.
pub fn query_as<T: FromRow>(sql: &str) -> QueryAs<'_, T> {
    QueryAs {
        inner: query(sql),
        row: PhantomData,
    }
}

/// A query whose rows are read as the value of their first column.
pub fn query_scalar<T: FromValue>(sql: &str) -> QueryScalar<'_, T> {
    QueryScalar {
        inner: query(sql),
        value: PhantomData,
    }
}

impl<'q> Query<'q> {
    /// A statement from text built at run time, with its arguments.
    pub(super) fn owned(sql: String, args: Vec<Value>, numbering: Numbering) -> Query<'static> {
        Query {
            sql: Cow::Owned(sql),
            args,
            numbering,
        }
    }

    pub fn bind<T: Param>(mut self, value: T) -> Self {
        self.args.push(value.into_value());
        self
    }

    pub async fn execute(self, conn: &mut Conn) -> Result<Done, sqlx::Error> {
        let rows_affected = match conn {
            Conn::Sqlite(c) => c.execute(&self.sql, &self.args, self.numbering)?,
            Conn::Postgres(c) => sqlx::query_with(&self.sql, pg_arguments(self.args)?)
                .execute(c.get())
                .await?
                .rows_affected(),
        };
        Ok(Done { rows_affected })
    }

    pub async fn fetch_all(self, conn: &mut Conn) -> Result<Vec<Row>, sqlx::Error> {
        match conn {
            Conn::Sqlite(c) => c.fetch(&self.sql, &self.args, self.numbering, usize::MAX),
            Conn::Postgres(c) => {
                let rows = sqlx::query_with(&self.sql, pg_arguments(self.args)?)
                    .fetch_all(c.get())
                    .await?;
                pg_rows(rows)
            }
        }
    }

    pub async fn fetch_optional(self, conn: &mut Conn) -> Result<Option<Row>, sqlx::Error> {
        match conn {
            Conn::Sqlite(c) => Ok(c.fetch(&self.sql, &self.args, self.numbering, 1)?.pop()),
            Conn::Postgres(c) => {
                let row = sqlx::query_with(&self.sql, pg_arguments(self.args)?)
                    .fetch_optional(c.get())
                    .await?;
                Ok(pg_rows(row.into_iter().collect())?.pop())
            }
        }
    }

    pub async fn fetch_one(self, conn: &mut Conn) -> Result<Row, sqlx::Error> {
        self.fetch_optional(conn)
            .await?
            .ok_or(sqlx::Error::RowNotFound)
    }
}

impl<'q, T: FromRow> QueryAs<'q, T> {
    pub fn bind<P: Param>(mut self, value: P) -> Self {
        self.inner = self.inner.bind(value);
        self
    }

    pub async fn fetch_all(self, conn: &mut Conn) -> Result<Vec<T>, sqlx::Error> {
        let rows = self.inner.fetch_all(conn).await?;
        convert_all(rows, T::from_row)
    }

    pub async fn fetch_optional(self, conn: &mut Conn) -> Result<Option<T>, sqlx::Error> {
        self.inner
            .fetch_optional(conn)
            .await?
            .map(T::from_row)
            .transpose()
    }

    pub async fn fetch_one(self, conn: &mut Conn) -> Result<T, sqlx::Error> {
        T::from_row(self.inner.fetch_one(conn).await?)
    }
}

impl<'q, T: FromValue> QueryScalar<'q, T> {
    pub fn bind<P: Param>(mut self, value: P) -> Self {
        self.inner = self.inner.bind(value);
        self
    }

    pub async fn fetch_all(self, conn: &mut Conn) -> Result<Vec<T>, sqlx::Error> {
        let rows = self.inner.fetch_all(conn).await?;
        rows.into_iter().map(|mut r| r.take_at(0)).collect()
    }

    pub async fn fetch_optional(self, conn: &mut Conn) -> Result<Option<T>, sqlx::Error> {
        self.inner
            .fetch_optional(conn)
            .await?
            .map(|mut r| r.take_at(0))
            .transpose()
    }

    pub async fn fetch_one(self, conn: &mut Conn) -> Result<T, sqlx::Error> {
        self.inner.fetch_one(conn).await?.take_at(0)
    }
}

/// See [`query_as`].
pub struct QueryAs<'q, T> {
    inner: Query<'q>,
    row: PhantomData<fn() -> T>,
}

/// See [`query_scalar`].
pub struct QueryScalar<'q, T> {
    inner: Query<'q>,
    value: PhantomData<fn() -> T>,
}

fn pg_arguments(values: Vec<Value>) -> Result<AnyArguments<'static>, sqlx::Error> {
    let mut args = AnyArguments::default();
    for value in values {
        let added = match value {
            Value::Int(v) => args.add(v),
            Value::Bool(v) => args.add(v),
            Value::Real(v) => args.add(v),
            Value::Text(v) => args.add(v),
            Value::Blob(v) => args.add(v),
            Value::Null(Kind::Int) => args.add(None::<i64>),
            Value::Null(Kind::Bool) => args.add(None::<bool>),
            Value::Null(Kind::Real) => args.add(None::<f64>),
            Value::Null(Kind::Text) => args.add(None::<String>),
            Value::Null(Kind::Blob) => args.add(None::<Vec<u8>>),
        };
        added.map_err(sqlx::Error::Encode)?;
    }
    Ok(args)
}

fn pg_rows(rows: Vec<AnyRow>) -> Result<Vec<Row>, sqlx::Error> {
    let Some(first) = rows.first() else {
        return Ok(Vec::new());
    };
    let names: Vec<&str> = first.columns().iter().map(|c| c.name()).collect();
    let names = Arc::new(ColumnNames::new(&names));
    let kinds: Vec<AnyTypeInfoKind> = first
        .columns()
        .iter()
        .map(|c| c.type_info().kind())
        .collect();
    rows.iter()
        .map(|row| {
            let values = kinds
                .iter()
                .enumerate()
                .map(|(i, kind)| pg_value(row, i, *kind))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Row::new(names.clone(), values))
        })
        .collect()
}

fn pg_value(row: &AnyRow, i: usize, kind: AnyTypeInfoKind) -> Result<Value, sqlx::Error> {
    use AnyTypeInfoKind as K;
    Ok(match kind {
        K::Null => Value::Null(Kind::Text),
        K::Bool => row
            .try_get::<Option<bool>, _>(i)?
            .map_or(Value::Null(Kind::Bool), Value::Bool),
        K::SmallInt | K::Integer | K::BigInt => row
            .try_get::<Option<i64>, _>(i)?
            .map_or(Value::Null(Kind::Int), Value::Int),
        K::Real | K::Double => row
            .try_get::<Option<f64>, _>(i)?
            .map_or(Value::Null(Kind::Real), Value::Real),
        K::Text => row
            .try_get::<Option<String>, _>(i)?
            .map_or(Value::Null(Kind::Text), Value::Text),
        K::Blob => row
            .try_get::<Option<Vec<u8>>, _>(i)?
            .map_or(Value::Null(Kind::Blob), Value::Blob),
    })
}

impl fmt::Debug for Query<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Query").field("sql", &self.sql).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    row_struct! {
        struct Pair {
            name: String,
            count: Option<i64>,
        }
    }

    fn row(names: &[&str], values: Vec<Value>) -> Row {
        Row::new(Arc::new(ColumnNames::new(names)), values)
    }

    #[test]
    fn row_structs_read_columns_by_name_whatever_their_place() -> Result<(), sqlx::Error> {
        let swapped = row(
            &["count", "name"],
            vec![Value::Null(Kind::Int), Value::Text("a".into())],
        );
        let pair = Pair::from_row(swapped)?;
        assert_eq!((pair.name.as_str(), pair.count), ("a", None));
        let missing = row(&["name"], vec![Value::Text("a".into())]);
        assert!(matches!(
            Pair::from_row(missing),
            Err(sqlx::Error::ColumnNotFound(c)) if c == "count"
        ));
        Ok(())
    }

    #[test]
    fn values_are_read_strictly_but_sqlite_integers_serve_as_booleans() {
        assert_eq!(bool::from_value(Value::Int(1)), Ok(true));
        assert_eq!(bool::from_value(Value::Bool(false)), Ok(false));
        assert!(i32::from_value(Value::Int(i64::from(i32::MAX) + 1)).is_err());
        assert!(String::from_value(Value::Int(1)).is_err());
        assert!(i64::from_value(Value::Null(Kind::Int)).is_err());
        assert_eq!(Option::<i64>::from_value(Value::Null(Kind::Int)), Ok(None));
    }

    #[test]
    fn a_missing_value_keeps_its_kind_for_postgres() {
        assert_eq!(None::<String>.into_value(), Value::Null(Kind::Text));
        assert_eq!(None::<i64>.into_value(), Value::Null(Kind::Int));
        assert_eq!(Some("x").into_value(), Value::Text("x".into()));
    }
}
