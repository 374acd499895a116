//! `/api/audit`: the audit trail, for admins, newest first.

use axum::extract::State;
use axum::response::IntoResponse;

use super::extract::{Admin, QueryParams};
use super::openapi::ErrorBody;
use super::{AppState, ListPage};
use crate::db::audit::{AuditQuery, Entry};
use crate::domain::audit::{AuditAction, EntityType};
use crate::domain::id::Id;
use crate::domain::time::Timestamp;
use crate::error::AppResult;

#[utoipa::path(
    get,
    operation_id = "listAuditEntries",
    path = "/api/audit",
    tag = "audit",
    summary = "The audit trail, newest first",
    security(("session" = [])),
    params(
        ("page" = Option<i64>, Query, minimum = 1, maximum = 1000000, description = "Page number, from 1"),
        ("perPage" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Items per page (default 20)"),
        ("entityType" = Option<String>, Query, pattern = "^(Car|Client|User|Reservation|Branch)$", description = "Car, Client, User, Reservation or Branch"),
        ("entityId" = Option<Id>, Query),
        ("userId" = Option<Id>, Query),
        ("action" = Option<String>, Query, description = "e.g. CREATE_CAR, LOGIN_SUCCESS"),
        ("from" = Option<Timestamp>, Query, description = "At or after"),
        ("to" = Option<Timestamp>, Query, description = "Before")
    ),
    responses(
        (status = 200, description = "A page of entries", body = ListPage<Entry>),
        (status = 400, description = "Malformed id, JSON or query parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "The caller's role may not do this", body = ErrorBody),
        (status = 503, description = "The database is unavailable; retry after Retry-After seconds", body = ErrorBody)
    )
)]
pub async fn list(
    State(state): State<AppState>,
    _: Admin,
    params: QueryParams,
) -> AppResult<impl IntoResponse> {
    let page = params.page()?;
    let query = AuditQuery {
        entity_type: params
            .parsed::<EntityType>("entityType")?
            .map(|t| t.as_str().to_owned()),
        entity_id: params.parsed("entityId")?,
        user_id: params.parsed("userId")?,
        action: params
            .parsed::<AuditAction>("action")?
            .map(|a| a.as_str().to_owned()),
        from: params.instant("from")?,
        to: params.instant("to")?,
        limit: page.per_page,
        offset: page.offset(),
    };
    let (items, total) = crate::services::audit::list(&state.db, &query).await?;
    Ok(ListPage::new(items, total, page))
}
