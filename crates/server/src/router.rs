//! Every route, and what wraps them all: the API routes and the OpenAPI document come from the
//! same `routes!` calls (so the document lists exactly what is served), the pages are plain
//! axum routes, and one middleware adds the security headers to every answer.

use std::sync::Arc;

use axum::Json;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use utoipa::OpenApi as _;
use utoipa::openapi::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::App;
use crate::{api, case_pages, pages};

#[derive(utoipa::OpenApi)]
#[openapi(info(
    title = "habeas",
    description = "A custody and due-process ledger. Sign in with POST /api/session (a cookie) or send `Authorization: Bearer <token>` (tokens from `habeas user token`). Every answer about a person is recorded in the audit trail before it is sent.",
    license(name = "AGPL-3.0-or-later")
))]
struct Doc;

fn api_routes() -> OpenApiRouter<Arc<App>> {
    OpenApiRouter::with_openapi(Doc::openapi())
        .routes(routes!(api::locate))
        .routes(routes!(api::person))
        .routes(routes!(api::timeline))
        .routes(routes!(api::record))
        .routes(routes!(api::proof))
        .routes(routes!(api::checkpoint))
        .routes(routes!(api::consistency))
        .routes(routes!(api::findings))
        .routes(routes!(api::export))
        .routes(routes!(api::import))
        .routes(routes!(api::public))
        .routes(routes!(api::audit_trail))
        .routes(routes!(api::session_open, api::session_close))
}

/// The OpenAPI 3.1 document of the API.
pub fn openapi() -> OpenApi {
    let (_, mut doc) = api_routes().split_for_parts();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    doc
}

/// The whole server: API, document, pages, stylesheet.
pub fn router(app: Arc<App>) -> axum::Router {
    let (api, _) = api_routes().split_for_parts();
    let doc = openapi();
    let behind_tls = app.config.behind_tls;
    // The import page's form is read as it arrives (`api::Upload`), so its size is bounded by
    // the server's own limit, not axum's default of 2 MB. The API's body is a stream, which that
    // default does not bound.
    let upload_limit = DefaultBodyLimit::max(
        usize::try_from(app.config.max_upload).unwrap_or(usize::MAX).saturating_add(1 << 16),
    );
    api.route("/openapi.json", get(move || async move { Json(doc) }))
        .route("/", get(pages::home))
        .route("/login", get(pages::login_form).post(pages::login_submit))
        .route("/logout", post(pages::logout))
        .route("/search", get(pages::search))
        .route("/persons/{id}", get(pages::person))
        .route("/records/{id}", get(pages::record))
        .route("/findings", get(pages::findings))
        .route("/orders/{id}", get(case_pages::order))
        .route("/places/{id}", get(case_pages::place))
        .route("/import", get(case_pages::import_form).post(case_pages::import_upload).layer(upload_limit))
        .route("/public", get(pages::public))
        .route("/static/app.css", get(pages::stylesheet))
        .fallback(pages::not_found)
        .with_state(app)
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            security_headers(request, next, behind_tls)
        }))
}

/// Headers every answer carries: no framing, no sniffing, no referrer, a strict content policy
/// (no script at all: the pages need none), and no caching of anything personal.
///
/// A page asked with `?lang=es` or `?lang=en` (the switch on every page) also keeps that choice
/// in the `lang` cookie for the pages after it.
async fn security_headers(request: Request, next: Next, behind_tls: bool) -> Response {
    let is_static = request.uri().path().starts_with("/static/");
    let chosen = crate::i18n::asked(request.uri().query()).and_then(habeas_model::Lang::parse);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if let Some(lang) = chosen
        && let Ok(cookie) = format!("lang={}; Path=/; SameSite=Strict; Max-Age=31536000", lang.code()).parse()
    {
        headers.append(header::SET_COOKIE, cookie);
    }
    let mut set = |name: header::HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::REFERRER_POLICY, "no-referrer");
    if !is_static {
        set(header::CACHE_CONTROL, "no-store");
    }
    if behind_tls {
        set(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000; includeSubDomains");
    }
    response
}
