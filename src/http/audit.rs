//! `/api/audit`: the audit trail, for admins, newest first.

use axum::extract::State;
use axum::response::IntoResponse;
use axum::Json;

use super::extract::{Admin, QueryParams};
use super::{AppState, ListPage};
use crate::db::audit::AuditQuery;
use crate::domain::audit::{AuditAction, EntityType};
use crate::error::AppResult;

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
    Ok(Json(ListPage::new(items, total, page)))
}
