//! The web pages: server-rendered HTML (askama templates in `templates/`), in Spanish and
//! English, that work without JavaScript and on a small screen first.
//!
//! Pages call the same functions as the API ([`crate::api::locate_for`],
//! [`crate::api::person_view`], [`crate::api::findings_for`]), so a family account sees the
//! same reduced view in both, and they are audited the same way. Forms that change something
//! carry the session's CSRF token; the login form, made before there is a session, carries a
//! token that must match its own short-lived cookie.

use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, OriginalUri, Path, Query, State};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use habeas_model::Lang;
use habeas_names::Query as NameQuery;
use habeas_store::Role;
use serde::Deserialize;

use crate::api::{self, CandidateOut, FindingOut, FindingsParams, PersonOut, SegmentOut};
use crate::app::App;
use crate::auth::{self, Caller};
use crate::error::Refusal;
use crate::i18n::{self, Texts};
use crate::public::{PublicCounts, Shown};

/// What every page shows around its content.
pub struct Frame {
    pub t: &'static Texts,
    pub lang: Lang,
    pub account: Option<String>,
    pub role: Option<Role>,
    pub csrf: String,
    /// This page in the other language.
    pub switch_url: String,
    /// Who asks.
    pub caller: Caller,
    /// The request, as the audit trail records it: `GET /persons/p-1`.
    pub request: String,
}

/// Every page handler takes its [`Frame`]: the caller, the language (from `?lang=`, the cookie
/// or `Accept-Language`) and the words.
impl FromRequestParts<Arc<App>> for Frame {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Frame, Refusal> {
        let caller = Caller::from_request_parts(parts, app).await?;
        let uri = OriginalUri::from_request_parts(parts, app)
            .await
            .map_err(|_| Refusal::bad_request("uri", "uri"))?;
        let lang = i18n::lang_of(i18n::asked(uri.0.query()), &parts.headers);
        let mut frame = Frame::new(&caller, lang, &uri);
        frame.request = format!("{} {}", parts.method, uri.0.path());
        frame.caller = caller;
        Ok(frame)
    }
}

impl Frame {
    pub fn new(caller: &Caller, lang: Lang, uri: &OriginalUri) -> Frame {
        let t = i18n::texts(lang);
        let mut query: Vec<String> = uri
            .0
            .query()
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty() && !p.starts_with("lang="))
            .map(str::to_string)
            .collect();
        query.push(format!("lang={}", t.other_code));
        Frame {
            t,
            lang,
            account: caller.account.clone(),
            role: caller.role,
            csrf: caller.csrf.clone().unwrap_or_default(),
            switch_url: format!("{}?{}", uri.0.path(), query.join("&")),
            caller: caller.clone(),
            request: String::new(),
        }
    }

    pub fn can_write(&self) -> bool {
        matches!(self.role, Some(Role::Admin | Role::Editor))
    }

    pub fn is_staff(&self) -> bool {
        matches!(self.role, Some(Role::Admin | Role::Editor | Role::Viewer))
    }
}

/// Renders a template into a page.
pub fn page(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("template: {e}")).into_response(),
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    f: Frame,
    message: String,
}

/// A refusal as a page; "sign in" refusals go to the sign-in page.
pub fn refused(refusal: Refusal, frame: Frame) -> Response {
    if refusal.status == StatusCode::UNAUTHORIZED {
        return Redirect::to("/login").into_response();
    }
    let status = refusal.status;
    let message = refusal.message(frame.lang).to_string();
    let mut response = page(&ErrorPage { f: frame, message });
    *response.status_mut() = status;
    response
}

/// A page's path parameter, or the error page when it does not read (bytes that are not UTF-8);
/// axum's own answer is a line of English text.
pub struct PagePath<T>(pub T);

impl<T> FromRequestParts<Arc<App>> for PagePath<T>
where
    T: serde::de::DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Response> {
        match Path::<T>::from_request_parts(parts, app).await {
            Ok(Path(value)) => Ok(PagePath(value)),
            Err(rejection) => {
                let frame =
                    Frame::from_request_parts(parts, app).await.map_err(IntoResponse::into_response)?;
                let detail = rejection.body_text();
                let refusal = Refusal::bad_request(
                    format!("this address is not understood: {detail}"),
                    format!("no se entiende esta dirección: {detail}"),
                );
                Err(refused(refusal, frame))
            }
        }
    }
}

/// A page's form body, or the error page when it does not read (a field missing, a body that is
/// not a form); axum's own answer is a line of English text.
pub struct PageForm<T>(pub T);

impl<T> FromRequest<Arc<App>> for PageForm<T>
where
    T: serde::de::DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request(request: Request, app: &Arc<App>) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let frame = Frame::from_request_parts(&mut parts, app).await.map_err(IntoResponse::into_response)?;
        match Form::<T>::from_request(Request::from_parts(parts, body), app).await {
            Ok(Form(value)) => Ok(PageForm(value)),
            Err(rejection) => {
                let detail = rejection.body_text();
                let refusal = Refusal::bad_request(
                    format!("this form did not arrive whole; go back and send it again ({detail})"),
                    format!("este formulario no llegó completo; vuelva atrás y envíelo de nuevo ({detail})"),
                );
                Err(refused(refusal, frame))
            }
        }
    }
}

/// Any address the server does not serve: under `/api/`, a JSON refusal as the API gives;
/// elsewhere, the error page in the visitor's language.
pub async fn not_found(frame: Frame, uri: OriginalUri) -> Response {
    let path = uri.0.path();
    let refusal = Refusal::new(
        StatusCode::NOT_FOUND,
        format!("{}: nothing is served at this address", habeas_model::error::quote_brief(path)),
        format!("{}: no se sirve nada en esta dirección", habeas_model::error::quote_brief(path)),
    );
    if path.starts_with("/api/") {
        return crate::api::ApiRefusal(refusal, frame.lang).into_response();
    }
    refused(refusal, frame)
}

// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    f: Frame,
    token: String,
    error: Option<String>,
}

pub async fn login_form(State(app): State<Arc<App>>, frame: Frame) -> Response {
    let token = auth::random_id();
    let mut response = page(&LoginPage { f: frame, token: token.clone(), error: None });
    let cookie = auth::set_cookie(&app, auth::LOGIN_COOKIE, &token, std::time::Duration::from_secs(3600));
    if let Ok(value) = cookie.parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

#[derive(Deserialize)]
pub struct LoginForm {
    pub name: String,
    pub password: String,
    pub csrf: String,
}

pub async fn login_submit(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    uri: OriginalUri,
    headers: HeaderMap,
    PageForm(form): PageForm<LoginForm>,
) -> Response {
    let lang = i18n::lang_of(None, &headers);
    let frame = Frame::new(&Caller::public(), lang, &uri);
    if auth::cookie(&headers, auth::LOGIN_COOKIE) != Some(form.csrf.as_str()) {
        let error = Refusal::new(
            StatusCode::FORBIDDEN,
            "this form has expired; try again",
            "este formulario caducó; intente de nuevo",
        );
        return login_again(&app, frame, error);
    }
    match api::sign_in(&app, &form.name, &form.password, &peer.ip().to_string()).await {
        Ok(account) => {
            let id = app.sessions.open(&account.name);
            let cookie = auth::set_cookie(&app, auth::SESSION_COOKIE, &id, auth::SESSION_LENGTH);
            let mut response = Redirect::to("/search").into_response();
            if let Ok(value) = cookie.parse() {
                response.headers_mut().insert(header::SET_COOKIE, value);
            }
            response
        }
        Err(refusal) => login_again(&app, frame, refusal),
    }
}

fn login_again(app: &App, frame: Frame, refusal: Refusal) -> Response {
    let token = auth::random_id();
    let status = refusal.status;
    let error = Some(refusal.message(frame.lang).to_string());
    let mut response = page(&LoginPage { f: frame, token: token.clone(), error });
    *response.status_mut() = status;
    let cookie = auth::set_cookie(app, auth::LOGIN_COOKIE, &token, std::time::Duration::from_secs(3600));
    if let Ok(value) = cookie.parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

#[derive(Deserialize)]
pub struct CsrfForm {
    pub csrf: String,
}

pub async fn logout(
    State(app): State<Arc<App>>,
    frame: Frame,
    PageForm(form): PageForm<CsrfForm>,
) -> Response {
    let caller = &frame.caller;
    if let Err(refusal) = caller.check_csrf(Some(&form.csrf)) {
        return refused(refusal, frame);
    }
    if let Some(id) = &caller.session {
        app.sessions.close(id);
    }
    let cookie = auth::set_cookie(&app, auth::SESSION_COOKIE, "", std::time::Duration::ZERO);
    ([(header::SET_COOKIE, cookie)], Redirect::to("/public")).into_response()
}

// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    f: Frame,
    q: String,
    searched: bool,
    candidates: Vec<CandidateOut>,
}

#[derive(Deserialize)]
pub struct SearchQuery {
    pub q: Option<String>,
    pub lang: Option<String>,
}

pub async fn home(caller: Caller) -> Redirect {
    Redirect::to(if caller.role.is_some() { "/search" } else { "/public" })
}

pub async fn search(State(app): State<Arc<App>>, frame: Frame, Query(q): Query<SearchQuery>) -> Response {
    let caller = frame.caller.clone();
    if let Err(refusal) = caller.signed_in() {
        return refused(refusal, frame);
    }
    let text = q.q.clone().unwrap_or_default();
    let mut candidates = Vec::new();
    if !text.trim().is_empty() {
        let query = NameQuery { text: text.clone(), born: None, nationality: None, limit: 20 };
        let who = caller.clone();
        match app
            .ledger(move |app, ledger| {
                api::locate_for(app, ledger, &who, &query, habeas_store::Moment::default())
            })
            .await
        {
            Ok(found) => candidates = found,
            Err(refusal) => return refused(refusal, frame),
        }
        let ids = candidates.iter().map(|c| c.id.clone()).collect();
        if let Err(refusal) = api::audit(&app, &caller, "search", ids, frame.request.clone()).await {
            return refused(refusal, frame);
        }
    }
    page(&SearchPage { f: frame, searched: !text.trim().is_empty(), q: text, candidates })
}

// ---------------------------------------------------------------------------------------------

/// One rectangle of the timeline strip, in a 1000-unit-wide drawing.
pub struct Bar {
    pub x: u32,
    pub width: u32,
    pub class: &'static str,
    pub label: String,
}

/// Lays the segments out on one axis, first start to last end (or now); a stretch with no
/// record is drawn as a gap.
pub fn strip(segments: &[SegmentOut], now: jiff::Timestamp, lang: Lang) -> Vec<Bar> {
    let parse = |s: &str| s.parse::<jiff::Timestamp>().ok();
    let Some(start) = segments.first().and_then(|s| parse(&s.from.earliest)) else { return Vec::new() };
    let end = segments
        .last()
        .and_then(|s| s.until.as_ref().and_then(|u| parse(&u.latest)))
        .unwrap_or(now)
        .max(start);
    let total = (end.as_second() - start.as_second()).max(1) as f64;
    let position = |t: jiff::Timestamp| {
        (((t.as_second() - start.as_second()).max(0) as f64 / total) * 1000.0).round() as u32
    };
    let mut bars = Vec::new();
    for s in segments {
        let Some(from) = parse(&s.from.earliest) else { continue };
        let until = s.until.as_ref().and_then(|u| parse(&u.latest)).unwrap_or(end);
        let x = position(from).min(1000);
        let width = position(until).saturating_sub(x).max(4).min(1000 - x.min(996));
        let class = match s.state.as_str() {
            "in_custody" if s.removed => "removed",
            "in_custody" => "custody",
            "in_transit" => "transit",
            "released" => "released",
            "deceased" => "deceased",
            _ => "gap",
        };
        let place = s.place_name.clone().or_else(|| s.place.clone()).unwrap_or_default();
        bars.push(Bar {
            x,
            width,
            class,
            label: format!("{} {place}", i18n::state_name(lang, &s.state, s.removed)),
        });
    }
    bars
}

/// A segment's times in the place's zone.
pub fn shown_time(interval: &api::IntervalOut, zone: Option<&str>) -> String {
    let zone = zone.and_then(habeas_model::time::parse_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    match (interval.earliest.parse(), interval.latest.parse()) {
        (Ok(earliest), Ok(latest)) => {
            habeas_model::time::show(&habeas_model::Interval { earliest, latest }, &zone)
        }
        _ => interval.earliest.clone(),
    }
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    f: Frame,
    person: PersonOut,
    bars: Vec<Bar>,
    rows: Vec<SegmentRow>,
    findings: Vec<FindingRow>,
}

/// A timeline row as shown.
pub struct SegmentRow {
    pub state: &'static str,
    pub place: String,
    pub place_id: String,
    pub from: String,
    pub until: String,
    pub custodian: String,
    pub basis: String,
}

/// A finding as shown.
pub struct FindingRow {
    pub outcome: &'static str,
    pub outcome_class: String,
    pub rule: String,
    pub when: String,
    pub message: String,
}

pub fn finding_rows(findings: &[FindingOut], lang: Lang) -> Vec<FindingRow> {
    findings
        .iter()
        .map(|f| FindingRow {
            outcome: i18n::outcome_name(lang, &f.outcome),
            outcome_class: f.outcome.replace('_', "-"),
            rule: f.rule.clone(),
            when: f.at.as_ref().map(|a| shown_time(a, f.zone.as_deref())).unwrap_or_default(),
            message: f.message.clone(),
        })
        .collect()
}

pub async fn person(State(app): State<Arc<App>>, frame: Frame, PagePath(id): PagePath<String>) -> Response {
    let (caller, lang) = (frame.caller.clone(), frame.lang);
    let who = caller.clone();
    let target = id.clone();
    let person = match app
        .ledger(move |app, ledger| {
            api::read_consistently(ledger, |ledger| {
                api::person_view(app, ledger, &who, &target, lang, habeas_store::Moment::default())
            })
        })
        .await
    {
        Ok(person) => person,
        Err(refusal) => return refused(refusal, frame),
    };
    if let Err(refusal) = api::audit(&app, &caller, "read", vec![id], frame.request.clone()).await {
        return refused(refusal, frame);
    }
    let t = frame.t;
    let segments = person.timeline.as_ref().map(|t| t.segments.clone()).unwrap_or_default();
    let bars = strip(&segments, app.now(), lang);
    let rows = segments
        .iter()
        .map(|s| SegmentRow {
            state: i18n::state_name(lang, &s.state, s.removed),
            place: s.place_name.clone().or_else(|| s.place.clone()).unwrap_or_default(),
            place_id: s.place.clone().unwrap_or_default(),
            from: shown_time(&s.from, s.zone.as_deref()),
            until: s.until.as_ref().map_or_else(|| t.now.to_string(), |u| shown_time(u, s.zone.as_deref())),
            custodian: s.custodian.clone().unwrap_or_default(),
            basis: s.basis.join(", "),
        })
        .collect();
    let findings = finding_rows(&person.findings, lang);
    page(&PersonPage { f: frame, person, bars, rows, findings })
}

// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "findings.html")]
struct FindingsPage {
    f: Frame,
    rules: Vec<&'static str>,
    outcomes: Vec<(&'static str, &'static str)>,
    rule: String,
    outcome: String,
    findings: Vec<FindingRow>,
}

pub async fn findings(
    State(app): State<Arc<App>>,
    frame: Frame,
    Query(params): Query<FindingsParams>,
) -> Response {
    let (caller, lang) = (frame.caller.clone(), frame.lang);
    let rule = params.rule.clone().unwrap_or_default();
    let outcome = params.outcome.clone().unwrap_or_default();
    let params = FindingsParams {
        rule: params.rule.filter(|r| !r.is_empty()),
        outcome: params.outcome.filter(|o| !o.is_empty()),
        subject: params.subject.filter(|s| !s.is_empty()),
        lang: None,
    };
    let who = caller.clone();
    let found = match app.ledger(move |app, ledger| api::findings_for(app, ledger, &who, &params, lang)).await
    {
        Ok(found) => found,
        Err(refusal) => return refused(refusal, frame),
    };
    let outcomes = ["violation", "possible_violation", "warning", "data_gap", "info"]
        .into_iter()
        .map(|o| (o, i18n::outcome_name(lang, o)))
        .collect();
    let findings = finding_rows(&found.findings, lang);
    page(&FindingsPage { f: frame, rules: habeas_rules::RULES.to_vec(), outcomes, rule, outcome, findings })
}

// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "public.html")]
struct PublicPage {
    f: Frame,
    counts: PublicCounts,
    tables: Vec<(&'static str, Vec<crate::public::CountRow>)>,
}

/// A count for people: the number, or "fewer than 5".
pub fn shown_count(shown: &Shown, t: &Texts) -> String {
    match shown {
        Shown::Count { count } => count.to_string(),
        Shown::FewerThan { fewer_than } => format!("{} {fewer_than}", t.fewer_than),
    }
}

pub async fn public(State(app): State<Arc<App>>, frame: Frame) -> Response {
    match app.public_counts().map(|c| c.value).ok_or_else(api::counts_pending) {
        Ok(counts) => {
            let t = frame.t;
            let tables = vec![
                (t.by_facility, counts.by_facility.clone()),
                (t.by_nationality, counts.by_nationality.clone()),
                (t.by_status, counts.by_status.clone()),
                (t.by_month, counts.by_month.clone()),
            ];
            page(&PublicPage { f: frame, counts: (*counts).clone(), tables })
        }
        Err(refusal) => refused(refusal, frame),
    }
}

// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "record.html")]
struct RecordPage {
    f: Frame,
    id: String,
    record_type: String,
    json: String,
    /// A page that shows this record better: an order's time axis, a place's occupancy.
    view: Option<String>,
}

pub async fn record(State(app): State<Arc<App>>, frame: Frame, PagePath(id): PagePath<String>) -> Response {
    let caller = frame.caller.clone();
    let who = caller.clone();
    let target = id.clone();
    let record =
        match app.ledger(move |_, ledger| crate::access::readable_record(ledger, &who, &target)).await {
            Ok(record) => record,
            Err(refusal) => return refused(refusal, frame),
        };
    if let Err(refusal) = api::audit(&app, &caller, "read", vec![id.clone()], frame.request.clone()).await {
        return refused(refusal, frame);
    }
    let json = serde_json::to_string_pretty(&record.body).unwrap_or_default();
    let view = match record.record_type.as_str() {
        "order" => Some(format!("/orders/{id}")),
        "place" => Some(format!("/places/{id}")),
        _ => None,
    };
    page(&RecordPage { f: frame, id, record_type: record.record_type, json, view })
}

/// The stylesheet: one file, no framework.
pub async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../static/app.css"),
    )
        .into_response()
}
