//! Invoices and credit notes: issued once from a closed reservation, numbered per year
//! without gaps or reuse, never changed afterwards; a correction is a credit note.

use chrono::Datelike;
use serde_json::json;

use super::audit::{self, Change};
use super::reservations::not_found;
use super::{Actor, Origin};
use crate::db::invoices::{self, Issued};
use crate::db::{clients, reservations, Database};
use crate::domain::audit::{AuditAction, EntityType};
use crate::domain::id::Id;
use crate::domain::invoice::{
    credit_note, document_number, DocumentKind, InvoiceDocument, InvoiceLine, InvoiceSummary,
    Language, Party, PaymentLine,
};
use crate::domain::money::Money;
use crate::domain::reservation::{PaymentMethod, Reservation, ReservationStatus};
use crate::domain::time::Timestamp;
use crate::error::{AppError, AppResult};

/// What the agency prints on its documents.
#[derive(Debug, Clone)]
pub struct InvoiceSettings {
    pub agency_name: String,
    pub agency_lines: Vec<String>,
    pub currency: String,
    pub language: Language,
    pub timezone: chrono_tz::Tz,
}

impl InvoiceSettings {
    fn local(&self, at: Timestamp, format: &str) -> String {
        chrono::DateTime::from_timestamp_millis(at.millis())
            .map(|t| t.with_timezone(&self.timezone).format(format).to_string())
            .unwrap_or_default()
    }

    fn year(&self, at: Timestamp) -> i32 {
        chrono::DateTime::from_timestamp_millis(at.millis())
            .map_or(1970, |t| t.with_timezone(&self.timezone).year())
    }
}

fn method_name(method: PaymentMethod, language: Language) -> &'static str {
    match (method, language) {
        (PaymentMethod::Cash, Language::Fr) => "Espèces",
        (PaymentMethod::Card, Language::Fr) => "Carte",
        (PaymentMethod::Transfer, Language::Fr) => "Virement",
        (PaymentMethod::Cheque, Language::Fr) => "Chèque",
        (PaymentMethod::Cash, Language::En) => "Cash",
        (PaymentMethod::Card, Language::En) => "Card",
        (PaymentMethod::Transfer, Language::En) => "Transfer",
        (PaymentMethod::Cheque, Language::En) => "Cheque",
    }
}

/// Only a closed reservation that owes something for what happened is invoiced.
fn check_invoiceable(r: &Reservation) -> AppResult<()> {
    match r.status {
        ReservationStatus::Completed => Ok(()),
        s if s.is_final() && !r.price_lines.is_empty() => Ok(()),
        s if s.is_final() => Err(AppError::conflict(format!(
            "a reservation that is {s} without a fee has nothing to invoice"
        ))),
        s => Err(AppError::conflict(format!(
            "a reservation is invoiced once closed; this one is {s}"
        ))),
    }
}

/// The invoice of `r` as it stands, under `number`.
fn invoice_of(
    r: &Reservation,
    client: Party,
    number: String,
    now: Timestamp,
    s: &InvoiceSettings,
) -> InvoiceDocument {
    let minutes = "%Y-%m-%d %H:%M";
    let details = &r.payment_details;
    let balance = if details.refund_owed > Money::ZERO {
        Money::from_cents(-details.refund_owed.cents())
    } else {
        details.remaining
    };
    InvoiceDocument {
        kind: DocumentKind::Invoice,
        number,
        issued_on: s.local(now, "%Y-%m-%d"),
        language: s.language,
        currency: s.currency.clone(),
        agency: Party {
            name: s.agency_name.clone(),
            lines: s.agency_lines.clone(),
        },
        client,
        reservation_number: r.reservation_number.clone(),
        car: format!("{} {} — {}", r.car.make, r.car.model, r.car.license_plate),
        period_start: s.local(r.actual_pickup_date.unwrap_or(r.start_date), minutes),
        period_end: s.local(r.actual_return_date.unwrap_or(r.end_date), minutes),
        lines: r
            .price_lines
            .iter()
            .map(|l| InvoiceLine {
                label: l.label.clone(),
                quantity: l.quantity,
                unit_price: l.unit_price,
                net: l.net,
                tax: l.tax,
                gross: l.gross,
            })
            .collect(),
        price_basis: r.price_basis,
        vat_rate_basis_points: r.vat_rate.0,
        total: r.totals,
        payments: details
            .payments
            .iter()
            .map(|p| PaymentLine {
                date: s.local(p.transaction_date, "%Y-%m-%d"),
                method: method_name(p.method, s.language).to_owned(),
                amount: p.amount,
                reason: p.reason.clone(),
            })
            .collect(),
        deposit_applied: details.deposit_applied,
        balance,
        credits: None,
        reason: None,
    }
}

async fn client_party(conn: &mut crate::db::Conn, r: &Reservation) -> AppResult<Party> {
    let client = clients::find(conn, r.client_id)
        .await?
        .ok_or_else(|| AppError::not_found("client"))?;
    let mut lines = vec![client.phone];
    lines.extend(client.email);
    lines.extend(client.cin.map(|cin| format!("CIN {cin}")));
    Ok(Party {
        name: format!("{} {}", client.first_name, client.last_name),
        lines,
    })
}

/// The reservation's invoice in force, issued now (numbered, frozen and audited) if it
/// has none. Asking again gives the same document.
pub async fn invoice(
    db: &Database,
    actor: &Actor,
    id: Id,
    settings: &InvoiceSettings,
    origin: &Origin,
) -> AppResult<Issued> {
    {
        let mut conn = db.read().await?;
        if let Some(current) = invoices::current(&mut conn, id).await? {
            return Ok(current);
        }
    }
    let input = (settings.clone(), actor.clone(), origin.clone());
    db.write_with(input, move |conn, (settings, actor, origin)| {
        Box::pin(async move {
            if let Some(current) = invoices::current(conn, id).await? {
                return Ok(current);
            }
            let r = reservations::find(conn, id).await?.ok_or_else(not_found)?;
            check_invoiceable(&r)?;
            let now = Timestamp::now();
            let year = settings.year(now);
            let sequence = invoices::next_number(conn, DocumentKind::Invoice, year).await?;
            let number = document_number(DocumentKind::Invoice, year, sequence);
            let client = client_party(conn, &r).await?;
            let issued = Issued {
                id: Id::generate(),
                reservation_id: id,
                credits_id: None,
                issued_at: now,
                issued_by: Some(actor.id),
                document: invoice_of(&r, client, number, now, &settings),
            };
            invoices::insert(conn, &issued).await?;
            let change = Change::new(AuditAction::IssueInvoice, Some(&actor))
                .entity(EntityType::Reservation, id)
                .extra(
                    json!({ "number": issued.document.number, "invoiceId": issued.id.to_string() }),
                );
            audit::record(conn, &origin, change).await?;
            Ok(issued)
        })
    })
    .await
}

/// Cancels the reservation's invoice in force with a credit note; the next request for
/// the invoice issues a new one, with a new number.
pub async fn issue_credit_note(
    db: &Database,
    actor: &Actor,
    id: Id,
    reason: String,
    settings: &InvoiceSettings,
    origin: &Origin,
) -> AppResult<InvoiceSummary> {
    let input = (reason, settings.clone(), actor.clone(), origin.clone());
    db.write_with(input, move |conn, (reason, settings, actor, origin)| {
        Box::pin(async move {
            reservations::find(conn, id).await?.ok_or_else(not_found)?;
            let invoice = invoices::current(conn, id)
                .await?
                .ok_or_else(|| AppError::conflict("this reservation has no invoice in force"))?;
            let now = Timestamp::now();
            let year = settings.year(now);
            let sequence = invoices::next_number(conn, DocumentKind::CreditNote, year).await?;
            let number = document_number(DocumentKind::CreditNote, year, sequence);
            let issued_on = settings.local(now, "%Y-%m-%d");
            let issued = Issued {
                id: Id::generate(),
                reservation_id: id,
                credits_id: Some(invoice.id),
                issued_at: now,
                issued_by: Some(actor.id),
                document: credit_note(&invoice.document, number, issued_on, reason.clone()),
            };
            invoices::insert(conn, &issued).await?;
            let change = Change::new(AuditAction::IssueCreditNote, Some(&actor))
                .entity(EntityType::Reservation, id)
                .extra(json!({
                    "number": issued.document.number,
                    "credits": invoice.document.number,
                    "reason": reason,
                }));
            audit::record(conn, &origin, change).await?;
            Ok(issued.summary(false))
        })
    })
    .await
}

/// A reservation's invoices and credit notes, in the order issued.
pub async fn list(db: &Database, id: Id) -> AppResult<Vec<InvoiceSummary>> {
    let mut conn = db.read().await?;
    reservations::find(&mut conn, id)
        .await?
        .ok_or_else(not_found)?;
    invoices::list(&mut conn, id).await
}

/// One issued document of a reservation.
pub async fn document(db: &Database, id: Id, document: Id) -> AppResult<Issued> {
    let mut conn = db.read().await?;
    invoices::find(&mut conn, id, document)
        .await?
        .ok_or_else(|| AppError::not_found("invoice"))
}
