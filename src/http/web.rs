//! The web app (`web/`, built by Vite into `web/dist`), served at `/` beside the API.
//!
//! A release build embeds `web/dist` in the binary, so one file is the whole product; a
//! debug build reads it from the disk at each request, so `npm run build` shows at once.
//! Every path outside `/api` that names no file gets `index.html`: the app routes in the
//! browser, and a bookmarked `/cars/…` must open it too.

use axum::body::Body;
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use rust_embed::Embed;

use crate::error::AppError;

#[derive(Embed)]
#[folder = "web/dist/"]
#[allow_missing = true]
struct Dist;

/// What `/` says when the web app has not been built into this binary.
pub const NOT_BUILT: &str = "LocaCar's web app is not built: run `bash scripts/run.sh` \
(or `npm --prefix web ci && npm --prefix web run build`, then rebuild the server).\n";

/// The scripts and styles come only from this server; Mantine sets `style` attributes,
/// hence `'unsafe-inline'` for styles and never for scripts.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data: blob:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; \
form-action 'self'";

/// One file of the built app: borrowed from the binary in a release build, so serving
/// it copies nothing.
pub struct Asset {
    pub bytes: std::borrow::Cow<'static, [u8]>,
    pub content_type: String,
}

/// Where the built files come from: the embedded `web/dist`, or a stand-in in tests.
pub trait Assets {
    fn get(&self, path: &str) -> Option<Asset>;
}

/// The files Vite built, embedded (release) or read from `web/dist` (debug).
pub struct Embedded;

impl Assets for Embedded {
    fn get(&self, path: &str) -> Option<Asset> {
        Dist::get(path).map(|file| Asset {
            content_type: file.metadata.mimetype().to_owned(),
            bytes: file.data,
        })
    }
}

/// The router's fallback: a file of the web app, its `index.html`, or the API's 404.
pub async fn fallback(method: Method, uri: Uri) -> Response {
    respond(&Embedded, &method, uri.path())
}

/// The answer to a request no API route took.
pub fn respond(assets: &impl Assets, method: &Method, path: &str) -> Response {
    let is_api = path == "/api" || path.starts_with("/api/");
    if is_api || !(method == Method::GET || method == Method::HEAD) {
        return AppError::NotFound("no such route".into()).into_response();
    }
    let file = path.trim_start_matches('/');
    if let Some(asset) = (!file.is_empty()).then(|| assets.get(file)).flatten() {
        // Vite names everything under assets/ by a hash of its content.
        let cache = if file.starts_with("assets/") {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        return file_response(asset, cache);
    }
    if looks_like_a_file(file) {
        return AppError::NotFound(format!("no such file: /{file}")).into_response();
    }
    match assets.get("index.html") {
        Some(index) => file_response(index, "no-cache"),
        None => (
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            NOT_BUILT,
        )
            .into_response(),
    }
}

/// A missing `/assets/x.js` or `/favicon.png` is a 404, not the app's page: a browser
/// would otherwise try to run HTML as a script.
fn looks_like_a_file(path: &str) -> bool {
    path.starts_with("assets/") || path.rsplit('/').next().is_some_and(|s| s.contains('.'))
}

fn file_response(asset: Asset, cache: &'static str) -> Response {
    let content_type = HeaderValue::from_str(&asset.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let mut response = Response::new(Body::from(asset.bytes));
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, content_type);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fake(&'static [&'static str]);

    impl Assets for Fake {
        fn get(&self, path: &str) -> Option<Asset> {
            self.0.contains(&path).then(|| Asset {
                bytes: format!("contents of {path}").into_bytes().into(),
                content_type: "text/html".into(),
            })
        }
    }

    const BUILT: Fake = Fake(&["index.html", "assets/app-1234.js", "favicon.svg"]);

    async fn text(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[tokio::test]
    async fn an_app_path_gets_the_index_page() {
        for path in ["/", "/cars", "/clients/65a1b2c3d4e5f6a7b8c9d0e1/edit"] {
            let response = respond(&BUILT, &Method::GET, path);
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            assert_eq!(response.headers()[header::CACHE_CONTROL], "no-cache");
            assert_eq!(text(response).await, "contents of index.html", "{path}");
        }
    }

    #[tokio::test]
    async fn hashed_assets_are_cached_for_good() {
        let response = respond(&BUILT, &Method::GET, "/assets/app-1234.js");
        assert_eq!(
            response.headers()[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(text(response).await, "contents of assets/app-1234.js");
    }

    #[test]
    fn api_paths_other_methods_and_missing_files_are_404() {
        for (method, path) in [
            (Method::GET, "/api/nope"),
            (Method::GET, "/api"),
            (Method::POST, "/cars"),
            (Method::GET, "/assets/gone-5678.js"),
            (Method::GET, "/robots.txt"),
        ] {
            let response = respond(&BUILT, &method, path);
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method} {path}");
        }
    }

    #[tokio::test]
    async fn without_a_build_the_page_says_how_to_make_one() {
        let response = respond(&Fake(&[]), &Method::GET, "/");
        assert_eq!(response.status(), StatusCode::OK);
        let body = text(response).await;
        assert_eq!(body.lines().count(), 1, "{body}");
        assert!(body.contains("npm --prefix web run build"), "{body}");
    }
}
