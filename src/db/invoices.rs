//! Issued invoices and credit notes in the `invoices` table; the database refuses any
//! change to an issued document.

use super::query::{query, query_as, query_scalar, row_struct};
use super::Conn;
use crate::domain::id::Id;
use crate::domain::invoice::{DocumentKind, InvoiceDocument, InvoiceSummary};
use crate::domain::time::Timestamp;
use crate::error::{AppError, AppResult};

/// An issued document with its frozen content.
#[derive(Debug, Clone)]
pub struct Issued {
    pub id: Id,
    pub reservation_id: Id,
    pub credits_id: Option<Id>,
    pub issued_at: Timestamp,
    pub issued_by: Option<Id>,
    pub document: InvoiceDocument,
}

row_struct! {
    struct Row {
        id: String,
        reservation_id: String,
        credits_id: Option<String>,
        issued_at: i64,
        issued_by: Option<String>,
        document: String,
        credited: i64,
    }
}

const SELECT: &str = "SELECT i.id, i.reservation_id, i.credits_id, i.issued_at, i.issued_by, \
     i.document, CASE WHEN EXISTS (SELECT 1 FROM invoices c WHERE c.credits_id = i.id) \
     THEN 1 ELSE 0 END AS credited FROM invoices i";

fn corrupt(what: &str) -> AppError {
    AppError::Internal(anyhow::anyhow!("corrupt invoice row: {what}"))
}

impl Row {
    fn into_issued(self) -> AppResult<(Issued, bool)> {
        let id = |s: &str| s.parse::<Id>().map_err(|_| corrupt("id"));
        let issued = Issued {
            id: id(&self.id)?,
            reservation_id: id(&self.reservation_id)?,
            credits_id: self.credits_id.as_deref().map(id).transpose()?,
            issued_at: Timestamp::from_millis(self.issued_at),
            issued_by: self.issued_by.and_then(|s| s.parse().ok()),
            document: serde_json::from_str(&self.document).map_err(|_| corrupt("document"))?,
        };
        Ok((issued, self.credited != 0))
    }
}

impl Issued {
    /// The document as listed.
    pub fn summary(&self, credited: bool) -> InvoiceSummary {
        InvoiceSummary {
            id: self.id,
            kind: self.document.kind,
            number: self.document.number.clone(),
            credits: self.document.credits.clone(),
            issued_at: self.issued_at,
            issued_by: self.issued_by,
            total: self.document.total,
            credited,
        }
    }
}

/// The next number of a kind's sequence for `year`; never reused.
pub async fn next_number(conn: &mut Conn, kind: DocumentKind, year: i32) -> AppResult<i64> {
    Ok(query_scalar(
        "INSERT INTO invoice_counters (kind, year, last) VALUES ($1, $2, 1) \
         ON CONFLICT (kind, year) DO UPDATE SET last = invoice_counters.last + 1 RETURNING last",
    )
    .bind(kind.as_str())
    .bind(i64::from(year))
    .fetch_one(conn)
    .await?)
}

pub async fn insert(conn: &mut Conn, doc: &Issued) -> AppResult<()> {
    let document =
        serde_json::to_string(&doc.document).map_err(|e| AppError::Internal(e.into()))?;
    query(
        "INSERT INTO invoices (id, reservation_id, kind, number, credits_id, issued_at, \
         issued_by, gross_total, document) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(doc.id.to_string())
    .bind(doc.reservation_id.to_string())
    .bind(doc.document.kind.as_str())
    .bind(&doc.document.number)
    .bind(doc.credits_id.map(|i| i.to_string()))
    .bind(doc.issued_at.millis())
    .bind(doc.issued_by.map(|i| i.to_string()))
    .bind(doc.document.total.gross.cents())
    .bind(document)
    .execute(conn)
    .await?;
    Ok(())
}

/// A reservation's documents in the order issued, each with whether it was credited.
async fn all_of(conn: &mut Conn, reservation: Id) -> AppResult<Vec<(Issued, bool)>> {
    let rows: Vec<Row> = query_as(&format!(
        "{SELECT} WHERE i.reservation_id = $1 ORDER BY i.issued_at, i.number"
    ))
    .bind(reservation.to_string())
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(Row::into_issued).collect()
}

/// The reservation's invoice in force: the last one no credit note cancels.
pub async fn current(conn: &mut Conn, reservation: Id) -> AppResult<Option<Issued>> {
    Ok(all_of(conn, reservation)
        .await?
        .into_iter()
        .rev()
        .find(|(doc, credited)| doc.document.kind == DocumentKind::Invoice && !credited)
        .map(|(doc, _)| doc))
}

/// The reservation's documents, as listed.
pub async fn list(conn: &mut Conn, reservation: Id) -> AppResult<Vec<InvoiceSummary>> {
    Ok(all_of(conn, reservation)
        .await?
        .iter()
        .map(|(doc, credited)| doc.summary(*credited))
        .collect())
}

/// One document of a reservation.
pub async fn find(conn: &mut Conn, reservation: Id, id: Id) -> AppResult<Option<Issued>> {
    Ok(all_of(conn, reservation)
        .await?
        .into_iter()
        .find(|(doc, _)| doc.id == id)
        .map(|(doc, _)| doc))
}

/// Whether any document was issued for the reservation.
pub async fn any_for(conn: &mut Conn, reservation: Id) -> AppResult<bool> {
    let count: i64 = query_scalar("SELECT COUNT(*) FROM invoices WHERE reservation_id = $1")
        .bind(reservation.to_string())
        .fetch_one(conn)
        .await?;
    Ok(count > 0)
}
