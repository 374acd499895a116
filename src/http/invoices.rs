//! `/api/reservations/{id}/invoice[s]`: invoices and credit notes as PDF documents.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::extract::{Admin, ClientOrigin, InvoicePath, JsonBody, PathId, Staff};
use super::openapi::ErrorBody;
use super::{AppState, Json};
use crate::db::invoices::Issued;
use crate::domain::id::Id;
use crate::domain::invoice::InvoiceSummary;
use crate::domain::text::clean_text;
use crate::error::{AppError, AppResult};
use crate::services::invoices::{self, InvoiceSettings};

fn settings(state: &AppState) -> InvoiceSettings {
    let config = &state.config;
    InvoiceSettings {
        agency_name: config.agency_name.clone(),
        agency_lines: config
            .agency_details
            .split('|')
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        currency: config.currency.clone(),
        language: config.language,
        timezone: config.timezone,
    }
}

/// The PDF of an issued document, rendered from its frozen content.
async fn pdf(issued: Issued) -> AppResult<Response> {
    let number = issued.document.number.clone();
    let bytes =
        tokio::task::spawn_blocking(move || crate::documents::invoice::render(&issued.document))
            .await
            .map_err(|e| AppError::Internal(e.into()))?;
    Response::builder()
        .header(header::CONTENT_TYPE, "application/pdf")
        .header(
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{number}.pdf\""),
        )
        .header("x-invoice-number", number)
        .header(header::CACHE_CONTROL, "private, no-cache")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .body(Body::from(bytes))
        .map_err(|e| AppError::Internal(e.into()))
}

#[utoipa::path(
    get,
    operation_id = "getInvoice",
    path = "/api/reservations/{id}/invoice",
    tag = "reservations",
    summary = "The reservation's invoice in force, as a PDF; issued at the first request",
    description = "A completed reservation, or a cancelled or no-show one with a fee, is invoiced. The first request issues the invoice: it takes the next number of the year (`F-2026-000001`, never reused, no gaps), and its content is frozen (the database refuses any change). Later requests give the same document, even if the reservation changed since; to correct it, issue a credit note, and the next request issues a new invoice. The number is in the `X-Invoice-Number` header. Language: LOCACAR_LANGUAGE; agency details: LOCACAR_AGENCY_NAME and LOCACAR_AGENCY_DETAILS.",
    security(("session" = [])),
    params(("id" = Id, Path, description = "Document id")),
    responses(
        (status = 200, description = "The invoice", content_type = "application/pdf", body = Vec<u8>),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 409, description = "Not closed yet, or nothing to invoice", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn invoice(
    State(state): State<AppState>,
    staff: Staff,
    PathId(id): PathId,
    ClientOrigin(origin): ClientOrigin,
) -> AppResult<Response> {
    let issued =
        invoices::invoice(&state.db, &staff.actor(), id, &settings(&state), &origin).await?;
    pdf(issued).await
}

/// A reservation's documents.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct InvoiceList {
    items: Vec<InvoiceSummary>,
}

#[utoipa::path(
    get,
    operation_id = "listInvoices",
    path = "/api/reservations/{id}/invoices",
    tag = "reservations",
    summary = "A reservation's invoices and credit notes, in the order issued",
    security(("session" = [])),
    params(("id" = Id, Path, description = "Document id")),
    responses(
        (status = 200, description = "The documents", body = InvoiceList),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn list(
    State(state): State<AppState>,
    _: Staff,
    PathId(id): PathId,
) -> AppResult<impl IntoResponse> {
    let items = invoices::list(&state.db, id).await?;
    Ok(Json(InvoiceList { items }))
}

#[utoipa::path(
    get,
    operation_id = "getInvoiceDocument",
    path = "/api/reservations/{id}/invoices/{invoiceId}",
    tag = "reservations",
    summary = "One issued invoice or credit note, as a PDF",
    security(("session" = [])),
    params(("id" = Id, Path, description = "Reservation id"), ("invoiceId" = Id, Path, description = "Invoice or credit note id")),
    responses(
        (status = 200, description = "The document", content_type = "application/pdf", body = Vec<u8>),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn document(
    State(state): State<AppState>,
    _: Staff,
    path: InvoicePath,
) -> AppResult<Response> {
    pdf(invoices::document(&state.db, path.reservation, path.invoice).await?).await
}

/// Why an invoice is cancelled.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = CreditNoteRequest)]
pub struct CreditNoteBody {
    #[schema(min_length = 1, max_length = 300)]
    reason: String,
}

#[utoipa::path(
    post,
    operation_id = "issueCreditNote",
    path = "/api/reservations/{id}/credit-notes",
    tag = "reservations",
    summary = "Cancel the invoice in force with a credit note (admins)",
    description = "The credit note (`AV-2026-000001`, its own sequence) repeats the invoice's lines with negated amounts. The next request for the invoice issues a new one from the reservation as it is then.",
    request_body = CreditNoteBody,
    security(("session" = [])),
    params(("id" = Id, Path, description = "Document id")),
    responses(
        (status = 201, description = "Issued", body = InvoiceSummary),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "The caller's role may not do this", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 409, description = "No invoice in force", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "Invalid data: `fields` names each problem", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn credit_note(
    State(state): State<AppState>,
    admin: Admin,
    PathId(id): PathId,
    ClientOrigin(origin): ClientOrigin,
    JsonBody(body): JsonBody<CreditNoteBody>,
) -> AppResult<impl IntoResponse> {
    let reason = clean_text(&body.reason, 300).map_err(|e| AppError::invalid_field("reason", e))?;
    let note = invoices::issue_credit_note(
        &state.db,
        &admin.actor(),
        id,
        reason,
        &settings(&state),
        &origin,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(note)))
}
