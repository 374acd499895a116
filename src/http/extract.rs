//! Request extractors: parse and check at the edge, so handlers receive trusted values.
//! (The JSON body has a module of its own, `json_body`, re-exported here.)

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Path};
use axum::http::{header, request::Parts, HeaderMap, HeaderValue};

use super::AppState;
use crate::db::Conn;
use crate::domain::id::Id;
use crate::domain::inspection::InspectionKind;
use crate::domain::time::Timestamp;
use crate::domain::user::Role;
use crate::error::AppError;
use crate::services::auth::{self, Authenticated, SecretToken};
use crate::services::{Actor, Origin};

pub use super::json_body::{nullable, parse_json_object, JsonBody};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "locacar_session";

/// The session token the browser sent, if it is shaped like one of ours.
pub fn session_token(headers: &HeaderMap) -> Option<SecretToken> {
    cookie(headers, SESSION_COOKIE).and_then(SecretToken::from_cookie)
}

/// The value of cookie `name`, read straight from the `Cookie` headers: a cookie jar,
/// built for every request to find the session, cost 1 % of one reservation's work.
fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            (key.trim() == name).then(|| {
                let value = value.trim();
                value
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap_or(value)
            })
        })
}

/// Any logged-in staff member (admin or manager).
pub struct Staff(pub Authenticated);

/// A logged-in admin.
pub struct Admin(pub Authenticated);

impl Staff {
    pub fn actor(&self) -> Actor {
        Actor::from(&self.0.user)
    }
}

impl Admin {
    pub fn actor(&self) -> Actor {
        Actor::from(&self.0.user)
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if let Some(found) = parts.extensions.get::<Authenticated>() {
            return Ok(Staff(found.clone()));
        }
        let mut conn = state.db.read().await?;
        let found = check_session(parts, state, &mut conn).await?;
        parts.extensions.insert(found.clone());
        Ok(Staff(found))
    }
}

/// Any logged-in staff member, for handlers that only read: the read connection their
/// session was checked on. Its transaction, one snapshot, serves the handler's reads
/// too, instead of a second connection and transaction from the pool (each took 2 % of
/// one reservation's work).
pub struct StaffReading(pub Conn);

impl FromRequestParts<AppState> for StaffReading {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let mut conn = state.db.read().await?;
        let found = check_session(parts, state, &mut conn).await?;
        parts.extensions.insert(found);
        Ok(StaffReading(conn))
    }
}

/// The staff member whose session the request carries, checked on `conn`, and named in
/// the request's log line. The extractors keep it in the request too, for a later
/// extractor of the same request.
async fn check_session(
    parts: &Parts,
    state: &AppState,
    conn: &mut Conn,
) -> Result<Authenticated, AppError> {
    let token = session_token(&parts.headers)
        .ok_or(AppError::Unauthenticated("authentication required"))?;
    let found = auth::authenticate_on(&state.db, conn, &state.auth, &token)
        .await?
        .ok_or(AppError::Unauthenticated(
            "your session has ended; please log in again",
        ))?;
    tracing::Span::current().record("user_id", tracing::field::display(found.user.id));
    Ok(found)
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let Staff(found) = Staff::from_request_parts(parts, state).await?;
        if found.user.role != Role::Admin {
            return Err(AppError::Forbidden("only an admin may do this".into()));
        }
        Ok(Admin(found))
    }
}

/// Where the request came from: the client's address and the user agent.
pub struct ClientOrigin(pub Origin);

impl FromRequestParts<AppState> for ClientOrigin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| {
                let forwarded = parts.headers.get_all(X_FORWARDED_FOR);
                client_address(peer.ip(), forwarded, &state.config.trusted_proxies).to_string()
            })
            .unwrap_or_else(|| "unknown".into());
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .chars()
            .take(512)
            .collect();
        Ok(ClientOrigin(Origin { ip, user_agent }))
    }
}

const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// The client's address: the peer's, unless the peer is a trusted proxy; then the last
/// address in `X-Forwarded-For` that is not itself a trusted proxy (each proxy appends the
/// address it saw, so entries left of that one are the client's own word). A header that
/// does not parse is ignored whole.
fn client_address<'a>(
    peer: IpAddr,
    forwarded: impl IntoIterator<Item = &'a HeaderValue>,
    trusted: &[ipnet::IpNet],
) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Option<Vec<IpAddr>> = forwarded
        .into_iter()
        .map(|v| v.to_str().ok())
        .collect::<Option<Vec<_>>>()
        .and_then(|values| {
            values
                .iter()
                .flat_map(|v| v.split(','))
                .map(|hop| hop.trim().parse().ok())
                .collect()
        });
    hops.unwrap_or_default()
        .into_iter()
        .rev()
        .find(|hop| !is_trusted(hop))
        .unwrap_or(peer)
}

/// A document id from the path; anything else is a 400.
pub struct PathId(pub Id);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::BadRequest("malformed path".into()))?;
        path_id(&raw).map(PathId)
    }
}

fn path_id(raw: &str) -> Result<Id, AppError> {
    raw.parse()
        .map_err(|e| AppError::BadRequest(format!("id {raw:?} is {e}")))
}

/// The path's parameters by name; a malformed path is a 400.
async fn path_params(parts: &mut Parts) -> Result<HashMap<String, String>, AppError> {
    let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, &())
        .await
        .map_err(|_| AppError::BadRequest("malformed path".into()))?;
    Ok(params)
}

fn param<'a>(params: &'a HashMap<String, String>, name: &str) -> Result<&'a str, AppError> {
    params
        .get(name)
        .map(String::as_str)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("route has no {name} parameter")))
}

/// A car and one of its blocks, from `/api/cars/{id}/blocks/{blockId}`.
pub struct BlockPath {
    pub car: Id,
    pub block: Id,
}

impl<S: Send + Sync> FromRequestParts<S> for BlockPath {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let params = path_params(parts).await?;
        Ok(BlockPath {
            car: path_id(param(&params, "id")?)?,
            block: path_id(param(&params, "blockId")?)?,
        })
    }
}

/// A reservation and one of its invoices, from `/api/reservations/{id}/invoices/{invoiceId}`.
pub struct InvoicePath {
    pub reservation: Id,
    pub invoice: Id,
}

impl<S: Send + Sync> FromRequestParts<S> for InvoicePath {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let params = path_params(parts).await?;
        Ok(InvoicePath {
            reservation: path_id(param(&params, "id")?)?,
            invoice: path_id(param(&params, "invoiceId")?)?,
        })
    }
}

/// An inspection of a reservation, and one of its photos when the path names one:
/// `/api/reservations/{id}/inspections/{kind}/photos[/{photoId}]`.
pub struct InspectionPath {
    pub reservation: Id,
    pub kind: InspectionKind,
    pub photo: Option<Id>,
}

impl<S: Send + Sync> FromRequestParts<S> for InspectionPath {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let params = path_params(parts).await?;
        let kind = param(&params, "kind")?;
        Ok(InspectionPath {
            reservation: path_id(param(&params, "id")?)?,
            kind: kind
                .parse()
                .map_err(|e| AppError::NotFound(format!("no inspection {kind:?}: the kind {e}")))?,
            photo: params.get("photoId").map(|p| path_id(p)).transpose()?,
        })
    }
}

/// Query-string parameters, checked by name so a bad one gives a 400 naming it.
pub struct QueryParams(HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let query = parts.uri.query().unwrap_or("");
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
            .map_err(|_| AppError::BadRequest("malformed query string".into()))?;
        let mut map = HashMap::new();
        for (k, v) in pairs {
            if map.insert(k.clone(), v).is_some() {
                return Err(AppError::BadRequest(format!(
                    "query parameter {k:?} is given twice"
                )));
            }
        }
        Ok(QueryParams(map))
    }
}

fn bad_param(name: &str, problem: &str) -> AppError {
    AppError::BadRequest(format!("query parameter {name:?} {problem}"))
}

/// A page of a list, from `page` and `perPage`.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub page: i64,
    pub per_page: i64,
}

impl PageRequest {
    pub fn offset(self) -> i64 {
        (self.page - 1) * self.per_page
    }
}

/// A sort order from `sort=field` or `sort=-field`.
#[derive(Debug, Clone, Copy)]
pub struct SortRequest<F> {
    pub field: F,
    pub descending: bool,
}

impl QueryParams {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// `page` (from 1, default 1) and `perPage` (1–100, default 20).
    pub fn page(&self) -> Result<PageRequest, AppError> {
        let number = |name: &str, default: i64, max: i64| -> Result<i64, AppError> {
            match self.get(name) {
                None => Ok(default),
                Some(raw) => match raw.parse::<i64>() {
                    Ok(n) if (1..=max).contains(&n) => Ok(n),
                    _ => Err(bad_param(
                        name,
                        &format!("must be a whole number from 1 to {max}"),
                    )),
                },
            }
        };
        Ok(PageRequest {
            page: number("page", 1, 1_000_000)?,
            per_page: number("perPage", 20, 100)?,
        })
    }

    /// `sort`, among the `allowed` field names.
    pub fn sort<F: Copy>(
        &self,
        allowed: &[(&str, F)],
        default: F,
    ) -> Result<SortRequest<F>, AppError> {
        let Some(raw) = self.get("sort") else {
            return Ok(SortRequest {
                field: default,
                descending: false,
            });
        };
        let (name, descending) = match raw.strip_prefix('-') {
            Some(name) => (name, true),
            None => (raw, false),
        };
        let field = allowed
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, f)| *f)
            .ok_or_else(|| {
                let names: Vec<&str> = allowed.iter().map(|(n, _)| *n).collect();
                bad_param(
                    "sort",
                    &format!(
                        "must be one of {} (with - for descending)",
                        names.join(", ")
                    ),
                )
            })?;
        Ok(SortRequest { field, descending })
    }

    /// A `true`/`false` filter.
    pub fn bool(&self, name: &str) -> Result<Option<bool>, AppError> {
        match self.get(name) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(_) => Err(bad_param(name, "must be true or false")),
        }
    }

    /// A value of a type that parses from text (a status, an id); absent means no filter.
    pub fn parsed<T>(&self, name: &str) -> Result<Option<T>, AppError>
    where
        T: std::str::FromStr,
        T::Err: std::fmt::Display,
    {
        self.get(name)
            .map(|raw| {
                raw.parse::<T>()
                    .map_err(|e| bad_param(name, &e.to_string()))
            })
            .transpose()
    }

    /// An RFC 3339 date-time with an offset.
    pub fn instant(&self, name: &str) -> Result<Option<Timestamp>, AppError> {
        self.get(name)
            .map(|raw| Timestamp::parse(raw).map_err(|e| bad_param(name, &e)))
            .transpose()
    }

    /// A free-text filter; blank means no filter.
    pub fn text(&self, name: &str) -> Result<Option<String>, AppError> {
        match self.get(name).map(str::trim) {
            None | Some("") => Ok(None),
            Some(t) if t.chars().count() > 200 => {
                Err(bad_param(name, "must be at most 200 characters"))
            }
            Some(t) if t.contains('\0') => Err(bad_param(name, "must not contain NUL characters")),
            Some(t) => Ok(Some(t.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(peer: &str, forwarded: &[&str], trusted: &[&str]) -> String {
        let values: Vec<HeaderValue> = forwarded
            .iter()
            .map(|v| HeaderValue::from_str(v).unwrap())
            .collect();
        let trusted: Vec<ipnet::IpNet> = trusted.iter().map(|t| t.parse().unwrap()).collect();
        client_address(peer.parse().unwrap(), &values, &trusted).to_string()
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        // No proxy trusted: whatever the client claims, its own address.
        assert_eq!(from("203.0.113.9", &["198.51.100.1"], &[]), "203.0.113.9");
        // From an untrusted peer, even when proxies are configured.
        let proxy = ["10.0.0.0/8"];
        assert_eq!(
            from("203.0.113.9", &["198.51.100.1"], &proxy),
            "203.0.113.9"
        );
        // Behind the proxy: the address it saw, not what the client prepended.
        assert_eq!(
            from("10.0.0.2", &["1.2.3.4, 198.51.100.7"], &proxy),
            "198.51.100.7"
        );
        // Through two proxies, over two header lines.
        assert_eq!(
            from("10.0.0.2", &["1.2.3.4, 198.51.100.7", "10.0.0.3"], &proxy),
            "198.51.100.7"
        );
        // Nothing usable: the proxy's own address.
        assert_eq!(from("10.0.0.2", &["not-an-ip"], &proxy), "10.0.0.2");
        assert_eq!(from("10.0.0.2", &[], &proxy), "10.0.0.2");
    }
}
