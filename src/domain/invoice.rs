//! Invoices and credit notes as issued: a frozen snapshot of everything printed, so an
//! issued document renders the same forever, whatever later happens to the reservation.

use serde::{Deserialize, Serialize};

use super::money::Money;
use super::tax::{PriceBasis, Taxed};

/// The language of printed documents and of price-line labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Fr,
    En,
}

impl std::str::FromStr for Language {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "fr" => Ok(Language::Fr),
            "en" => Ok(Language::En),
            _ => Err("must be fr or en".into()),
        }
    }
}

/// An invoice, or a credit note that cancels one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum DocumentKind {
    Invoice,
    CreditNote,
}

impl DocumentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Invoice => "invoice",
            DocumentKind::CreditNote => "creditNote",
        }
    }
}

/// A party named on the document: its name, then each printed line (address, phone, ids).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Party {
    pub name: String,
    pub lines: Vec<String>,
}

/// One priced line as printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceLine {
    pub label: String,
    pub quantity: i64,
    pub unit_price: Money,
    pub net: Money,
    pub tax: Money,
    pub gross: Money,
}

/// One payment or refund as printed; dates are already in the agency's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentLine {
    pub date: String,
    pub method: String,
    pub amount: Money,
    pub reason: Option<String>,
}

/// Everything an issued document shows. Dates are local text (`2026-12-01 09:00`),
/// formatted once at issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceDocument {
    pub kind: DocumentKind,
    /// `F-2026-000001` for invoices, `AV-2026-000001` for credit notes.
    pub number: String,
    pub issued_on: String,
    pub language: Language,
    pub currency: String,
    pub agency: Party,
    pub client: Party,
    pub reservation_number: String,
    /// Make, model and plate.
    pub car: String,
    pub period_start: String,
    pub period_end: String,
    pub lines: Vec<InvoiceLine>,
    pub price_basis: PriceBasis,
    /// VAT rate in basis points (2000 = 20 %).
    pub vat_rate_basis_points: u32,
    pub total: Taxed,
    pub payments: Vec<PaymentLine>,
    /// Part of the security deposit kept to settle the bill.
    pub deposit_applied: Money,
    /// What the client still owes after payments and the deposit applied (negative: owed
    /// to the client).
    pub balance: Money,
    /// For a credit note: the number of the invoice it cancels.
    pub credits: Option<String>,
    /// For a credit note: why the invoice was cancelled.
    pub reason: Option<String>,
}

/// The number of a document: `F-2026-000001` for invoices, `AV-2026-000001` for credit
/// notes (French "avoir"), each kind numbered on its own per year.
pub fn document_number(kind: DocumentKind, year: i32, sequence: i64) -> String {
    let prefix = match kind {
        DocumentKind::Invoice => "F",
        DocumentKind::CreditNote => "AV",
    };
    format!("{prefix}-{year}-{sequence:06}")
}

/// The credit note that cancels `invoice`: the same lines and totals, negated.
pub fn credit_note(
    invoice: &InvoiceDocument,
    number: String,
    issued_on: String,
    reason: String,
) -> InvoiceDocument {
    let negate = |m: Money| Money::from_cents(-m.cents());
    let lines = invoice
        .lines
        .iter()
        .map(|l| InvoiceLine {
            net: negate(l.net),
            tax: negate(l.tax),
            gross: negate(l.gross),
            ..l.clone()
        })
        .collect();
    InvoiceDocument {
        kind: DocumentKind::CreditNote,
        number,
        issued_on,
        lines,
        total: Taxed {
            net: negate(invoice.total.net),
            tax: negate(invoice.total.tax),
            gross: negate(invoice.total.gross),
        },
        payments: Vec::new(),
        deposit_applied: Money::ZERO,
        balance: negate(invoice.total.gross),
        credits: Some(invoice.number.clone()),
        reason: Some(reason),
        ..invoice.clone()
    }
}

/// An issued invoice or credit note, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceSummary {
    #[serde(rename = "_id")]
    pub id: super::id::Id,
    pub kind: DocumentKind,
    pub number: String,
    /// For a credit note: the number of the invoice it cancels.
    pub credits: Option<String>,
    pub issued_at: super::time::Timestamp,
    pub issued_by: Option<super::id::Id>,
    pub total: Taxed,
    /// The invoice was cancelled by a credit note.
    pub credited: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_per_kind_and_padded() {
        assert_eq!(
            document_number(DocumentKind::Invoice, 2026, 7),
            "F-2026-000007"
        );
        assert_eq!(
            document_number(DocumentKind::CreditNote, 2027, 1),
            "AV-2027-000001"
        );
    }

    #[test]
    fn a_credit_note_negates_every_amount() {
        let line = InvoiceLine {
            label: "Location".into(),
            quantity: 3,
            unit_price: Money::from_cents(30_000),
            net: Money::from_cents(75_000),
            tax: Money::from_cents(15_000),
            gross: Money::from_cents(90_000),
        };
        let invoice = InvoiceDocument {
            kind: DocumentKind::Invoice,
            number: "F-2026-000001".into(),
            issued_on: "2026-12-04".into(),
            language: Language::Fr,
            currency: "MAD".into(),
            agency: Party {
                name: "A".into(),
                lines: vec![],
            },
            client: Party {
                name: "C".into(),
                lines: vec![],
            },
            reservation_number: "LC-2026-000001".into(),
            car: "Dacia Logan".into(),
            period_start: "2026-12-01 09:00".into(),
            period_end: "2026-12-04 09:00".into(),
            lines: vec![line],
            price_basis: PriceBasis::Inclusive,
            vat_rate_basis_points: 2_000,
            total: Taxed {
                net: Money::from_cents(75_000),
                tax: Money::from_cents(15_000),
                gross: Money::from_cents(90_000),
            },
            payments: vec![],
            deposit_applied: Money::ZERO,
            balance: Money::ZERO,
            credits: None,
            reason: None,
        };
        let note = credit_note(
            &invoice,
            "AV-2026-000001".into(),
            "2026-12-05".into(),
            "erreur".into(),
        );
        assert_eq!(note.kind, DocumentKind::CreditNote);
        assert_eq!(note.credits.as_deref(), Some("F-2026-000001"));
        assert_eq!(note.lines[0].gross.cents(), -90_000);
        assert_eq!(
            note.lines[0].unit_price.cents(),
            30_000,
            "the unit price stays as it was"
        );
        assert_eq!(
            (note.total.net.cents(), note.total.tax.cents()),
            (-75_000, -15_000)
        );
        assert_eq!(note.balance.cents(), -90_000);
    }
}
