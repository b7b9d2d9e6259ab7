//! The JSON API: what the command line does, over HTTP, for scripts.
//!
//! Each handler states its path, parameters, answers and the roles it serves in its
//! `#[utoipa::path]`; [`mod@crate::router`] collects them into the router and the OpenAPI
//! document together. Answers for people and the pages share view helpers here
//! ([`person_view`], [`timeline_view`], [`findings_view`]) so that a family account gets the
//! same reduced view whether it asks the API or opens a page.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use habeas_model::{Interval, Lang, Localized};
use habeas_names::Query as NameQuery;
use habeas_rules::{Id, Report};
use habeas_store::{AuditEntry, AuditFilter, Ledger, Moment, Role, State as Status, Timeline};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::access::{self, Sensitivity};
use crate::app::App;
use crate::auth::{self, Caller};
use crate::error::Refusal;
use crate::i18n;

/// An answer of the API: JSON, or a refusal as `{"error": "..."}` in the caller's language.
pub type Answer<T> = Result<Json<T>, ApiRefusal>;

/// A refusal with the language to say it in.
pub struct ApiRefusal(pub Refusal, pub Lang);

impl IntoResponse for ApiRefusal {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error": self.0.message(self.1)});
        (self.0.status, Json(body)).into_response()
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        ApiRefusal(self, Lang::En).into_response()
    }
}

/// The parameters of a request's query string, or a refusal in the API's own form: a JSON
/// `{"error": "..."}` with status 400 in the caller's language (axum's own answer is a line of
/// English text, which a client expecting JSON cannot read).
pub struct ApiQuery<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for ApiQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiRefusal;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiRefusal> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(not_understood(parts, "query", rejection.body_text())),
        }
    }
}

/// A request's path parameters, refused as [`ApiQuery`] refuses its query.
pub struct ApiPath<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for ApiPath<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiRefusal;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiRefusal> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => Err(not_understood(parts, "path", rejection.body_text())),
        }
    }
}

/// A JSON request body, refused as [`ApiQuery`] refuses a query, with axum's status for what is
/// wrong (400 not JSON, 415 not declared as JSON, 422 not the fields expected).
pub struct ApiJson<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiRefusal;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, ApiRefusal> {
        let (parts, body) = request.into_parts();
        let lang = i18n::lang_of(i18n::asked(parts.uri.query()), &parts.headers);
        let request = axum::extract::Request::from_parts(parts, body);
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => {
                let detail = rejection.body_text();
                let refusal = Refusal::new(
                    rejection.status(),
                    format!("the request's body is not understood: {detail}"),
                    format!("no se entiende el cuerpo de la petición: {detail}"),
                );
                Err(ApiRefusal(refusal, lang))
            }
        }
    }
}

/// 400 for a query or path that does not read, in the language the request asks for.
fn not_understood(parts: &axum::http::request::Parts, what: &str, detail: String) -> ApiRefusal {
    let lang = i18n::lang_of(i18n::asked(parts.uri.query()), &parts.headers);
    let es = if what == "query" { "la consulta" } else { "la ruta" };
    ApiRefusal(
        Refusal::bad_request(
            format!("the request's {what} is not understood: {detail}"),
            format!("no se entiende {es} de la petición: {detail}"),
        ),
        lang,
    )
}

/// `{"error": "..."}`.
#[derive(Serialize, ToSchema)]
pub struct ErrorOut {
    pub error: String,
}

/// An uncertain time in UTC; an exact one has `earliest` = `latest`.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct IntervalOut {
    pub earliest: String,
    pub latest: String,
}

impl From<&Interval> for IntervalOut {
    fn from(i: &Interval) -> Self {
        IntervalOut { earliest: i.earliest.to_string(), latest: i.latest.to_string() }
    }
}

/// Writes an audit entry and waits until it is durable.
pub async fn audit(
    app: &App,
    caller: &Caller,
    action: &str,
    records: Vec<String>,
    request: String,
) -> Result<(), Refusal> {
    let entry = AuditEntry {
        at: app.now().to_string(),
        account: caller.name().to_string(),
        role: caller.role_name().to_string(),
        action: action.to_string(),
        records,
        request,
    };
    app.audit.append(entry).await
}

fn request_line(method: &Method, uri: &OriginalUri) -> String {
    format!("{method} {}", uri.0.path())
}

// ---------------------------------------------------------------------------------------------
// Locate

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LocateParams {
    /// A name as anyone might spell it, an identifier, or both.
    pub q: String,
    /// A birth date or year that candidates must not contradict.
    pub born: Option<String>,
    /// An ISO 3166-1 alpha-2 code.
    pub nationality: Option<String>,
    /// At most this many candidates (default 10, at most 100).
    pub limit: Option<usize>,
    /// `en` or `es`.
    pub lang: Option<String>,
    /// Valid time: each candidate's status as it stood then.
    pub as_of: Option<String>,
    /// System time: what the ledger held then.
    pub known_at: Option<String>,
}

/// A person found.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CandidateOut {
    pub id: String,
    pub name: String,
    pub score: f64,
    /// `in_custody`, `in_transit`, `released`, `deceased` or `unknown`.
    pub status: String,
    pub removed: bool,
    pub place: Option<String>,
    pub place_name: Option<String>,
    /// Not given to family accounts.
    pub custodian: Option<String>,
    pub since: Option<IntervalOut>,
    /// Why the candidate matched.
    pub why: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LocateOut {
    pub candidates: Vec<CandidateOut>,
}

/// Searches persons for `caller`: a family account searches only the persons granted to it.
/// Each candidate's status comes from [`App::status`] (kept until the log grows).
pub fn locate_for(
    app: &App,
    ledger: &mut Ledger,
    caller: &Caller,
    query: &NameQuery,
    moment: Moment,
) -> Result<Vec<CandidateOut>, Refusal> {
    let role = caller.signed_in()?;
    let now = moment == Moment::default();
    let (size, found) = if role == Role::Family {
        let index = ledger.person_index(moment, Some(&caller.granted))?;
        (ledger.size()?, habeas_store::locate::search(&index, query))
    } else if now {
        let (size, index) = app.person_index(ledger)?;
        (size, habeas_store::locate::search(&index, query))
    } else {
        // The ledger as it stood then: its own index (not kept).
        (ledger.size()?, habeas_store::locate::search(&ledger.person_index(moment, None)?, query))
    };
    // The refresher's statuses follow the persons of the server's own index, not a family's.
    let book = if now && role != Role::Family { app.status_book(size) } else { None };
    let mut out = Vec::new();
    for c in found {
        let derived: Arc<crate::app::PersonStatus>;
        let status = match book.as_ref().and_then(|book| book.statuses.get(c.person as usize)) {
            Some(kept) => kept,
            None => {
                derived = if now {
                    app.status(ledger, size, &c.id)?
                } else {
                    Arc::new(app.status_at(ledger, &c.id, moment)?)
                };
                &derived
            }
        };
        // The index holds everyone: sealed persons only for admins and editors, a family's
        // own persons only if not restricted.
        out.extend(candidate(role, c, status));
    }
    Ok(out)
}

/// A search of the ledger as it stands at `size`, when the name index and every status are at
/// hand ([`App::ready_for_search`]): no storage read, so it runs where the request is, without
/// the hand-over to a blocking thread. `None` when they are not (or for a family account, whose
/// search has its own index): then [`locate_for`].
pub fn locate_ready(
    app: &App,
    caller: &Caller,
    query: &NameQuery,
    size: u64,
) -> Result<Option<Vec<CandidateOut>>, Refusal> {
    let role = caller.signed_in()?;
    let Some((index, book)) = app.ready_for_search(size).filter(|_| role != Role::Family) else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for c in habeas_store::locate::search(&index, query) {
        let Some(status) = book.statuses.get(c.person as usize) else { return Ok(None) };
        out.extend(candidate(role, c, status));
    }
    Ok(Some(out))
}

/// A person found as `role` sees them: `None` if the role may not see the person at all (the
/// index holds everyone: sealed persons only for admins and editors, restricted ones not for
/// families).
fn candidate(role: Role, c: habeas_store::Found, status: &crate::app::PersonStatus) -> Option<CandidateOut> {
    access::role_sees(role, status.sensitivity).then(|| CandidateOut {
        id: c.id,
        name: c.name,
        score: (c.score * 1000.0).round() / 1000.0,
        status: status.state.map_or("unknown", Status::name).to_string(),
        removed: status.removed,
        place: status.place.clone(),
        place_name: status.place_name.clone(),
        custodian: if role == Role::Family { None } else { status.custodian.clone() },
        since: status.since.as_ref().map(IntervalOut::from),
        why: c.why,
    })
}

/// Finds persons by name or identifier, each with where they are now.
#[utoipa::path(get, path = "/api/locate", params(LocateParams),
    responses((status = 200, body = LocateOut), (status = 400, body = ErrorOut), (status = 401, body = ErrorOut)),
    description = "Roles: admin, editor, viewer (not sealed persons), family (only the persons granted to it). Audited.")]
pub async fn locate(
    State(app): State<Arc<App>>,
    caller: Caller,
    method: Method,
    uri: OriginalUri,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<LocateParams>,
) -> Answer<LocateOut> {
    let lang = i18n::lang_of(params.lang.as_deref(), &headers);
    if let Some(born) = &params.born
        && habeas_model::TimeSpec::calendar_from_json(&Value::from(born.as_str())).is_err()
    {
        let refusal = Refusal::bad_request(
            format!("born {born:?}: expected a year, a month or a day (1990, 1990-05, 1990-05-01)"),
            format!("born {born:?}: se esperaba un año, un mes o un día (1990, 1990-05, 1990-05-01)"),
        );
        return Err(ApiRefusal(refusal, lang));
    }
    let query = NameQuery {
        text: params.q.clone(),
        born: params.born.clone(),
        nationality: params.nationality.as_ref().map(|n| n.to_uppercase()),
        limit: params.limit.unwrap_or(10).clamp(1, 100),
    };
    let who = caller.clone();
    let moment =
        moment(params.as_of.as_deref(), params.known_at.as_deref()).map_err(|e| ApiRefusal(e, lang))?;
    let ready = match (moment == Moment::default()).then(|| app.size_here()).flatten() {
        Some(size) => locate_ready(&app, &caller, &query, size.map_err(|e| ApiRefusal(e, lang))?)
            .map_err(|e| ApiRefusal(e, lang))?,
        None => None,
    };
    let candidates = match ready {
        Some(candidates) => candidates,
        None => app
            .ledger(move |app, ledger| locate_for(app, ledger, &who, &query, moment))
            .await
            .map_err(|e| ApiRefusal(e, lang))?,
    };
    let ids = candidates.iter().map(|c| c.id.clone()).collect();
    audit(&app, &caller, "search", ids, request_line(&method, &uri))
        .await
        .map_err(|e| ApiRefusal(e, lang))?;
    Ok(Json(LocateOut { candidates }))
}

// ---------------------------------------------------------------------------------------------
// Persons and timelines

/// A source as shown.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SourceOut {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub url: Option<String>,
}

/// A stretch of a timeline.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SegmentOut {
    pub from: IntervalOut,
    pub until: Option<IntervalOut>,
    pub state: String,
    pub removed: bool,
    pub place: Option<String>,
    pub place_name: Option<String>,
    pub to: Option<String>,
    /// The zone the place's times are shown in.
    pub zone: Option<String>,
    /// Not given to family accounts.
    pub custodian: Option<String>,
    /// The legal authority; not given to family accounts.
    pub basis: Vec<String>,
    pub flight: Option<String>,
    /// The records the stretch rests on; not given to family accounts.
    pub records: Vec<String>,
    /// Why the stretch is `unknown`.
    pub reason: Option<String>,
}

/// Where a person or cohort was, when.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TimelineOut {
    pub subject: String,
    pub kind: String,
    pub segments: Vec<SegmentOut>,
    /// Cohorts whose events reached the subject.
    pub cohorts: Vec<String>,
    /// The sources behind the segments (for a family account, only public ones).
    pub sources: Vec<SourceOut>,
}

/// A person and where they are now, in one sentence.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PersonOut {
    pub id: String,
    pub name: String,
    /// Every recorded name; not given to family accounts.
    pub names: Vec<String>,
    /// Not given to family accounts.
    pub born: Option<String>,
    pub nationality: Vec<String>,
    pub status: String,
    pub removed: bool,
    pub place: Option<String>,
    pub place_name: Option<String>,
    pub since: Option<IntervalOut>,
    /// Where the person is now, said in the caller's language with times in the place's zone.
    pub sentence: String,
    pub timeline: Option<TimelineOut>,
    pub findings: Vec<FindingOut>,
    /// When the check the findings come from ran; `None`: no check has run yet (or checks are off).
    pub findings_checked_at: Option<String>,
}

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

/// An id as shown.
fn shown(id: &Option<Id>) -> Option<String> {
    id.as_deref().map(str::to_string)
}

/// A timeline as `role` may see it.
pub fn timeline_view(ledger: &mut Ledger, role: Role, timeline: &Timeline) -> Result<TimelineOut, Refusal> {
    let family = role == Role::Family;
    let segments = timeline
        .segments
        .iter()
        .map(|s| SegmentOut {
            from: IntervalOut::from(&s.from),
            until: s.until.as_ref().map(IntervalOut::from),
            state: s.state.name().to_string(),
            removed: s.removed,
            place: shown(&s.place),
            place_name: s.place.as_deref().and_then(|p| timeline.names.get(p).cloned()),
            to: shown(&s.to),
            zone: s.place.as_deref().and_then(|p| timeline.zones.get(p).cloned()),
            custodian: if family { None } else { shown(&s.custodian) },
            basis: if family { Vec::new() } else { s.basis.iter().map(Id::to_string).collect() },
            flight: if family { None } else { shown(&s.flight) },
            records: if family { Vec::new() } else { s.records.iter().map(Id::to_string).collect() },
            reason: s.reason.clone(),
        })
        .collect();
    let mut source_ids: Vec<String> = timeline.sources.values().flatten().cloned().collect();
    source_ids.sort();
    source_ids.dedup();
    let mut sources = Vec::new();
    let records = ledger.records(&source_ids.iter().map(String::as_str).collect::<Vec<_>>())?;
    for (id, record) in source_ids.into_iter().zip(records) {
        let Some(record) = record else { continue };
        if !access::source_visible(role, &record.body)
            || !access::role_sees(role, Sensitivity::of(&record.body))
        {
            continue;
        }
        let text = |k: &str| record.body.get(k).and_then(Value::as_str).map(str::to_string);
        sources.push(SourceOut {
            title: text("title").unwrap_or_else(|| id.clone()),
            kind: text("kind").unwrap_or_default(),
            url: text("url"),
            id,
        });
    }
    Ok(TimelineOut {
        subject: timeline.subject.clone(),
        kind: timeline.kind.clone(),
        segments,
        cohorts: timeline.cohorts.clone(),
        sources,
    })
}

/// How many times [`read_consistently`] reads a view before it settles for the last reading.
const CONSISTENT_TRIES: usize = 4;

/// A view made of several reads of the ledger (each in a transaction of its own), read again
/// while the log grew in the middle of it: an import between two of the reads could otherwise
/// show a person's name from one version beside a timeline from the next. The log only grows,
/// and every change to what a view shows (an import, a retraction, an erasure) appends to it,
/// so the same size before and after means every read saw the same ledger. Under imports that
/// never pause it settles, after four readings (`CONSISTENT_TRIES`), for the last one: each of its
/// reads is still a committed state, only perhaps not the same one.
pub fn read_consistently<T>(
    ledger: &mut Ledger,
    mut view: impl FnMut(&mut Ledger) -> Result<T, Refusal>,
) -> Result<T, Refusal> {
    let mut tries = 0;
    loop {
        let before = ledger.size()?;
        let read = view(ledger)?;
        tries += 1;
        if tries >= CONSISTENT_TRIES || ledger.size()? == before {
            return Ok(read);
        }
    }
}

/// A person as `caller` may see them, with their timeline and the findings about them. Its reads
/// each run in a transaction of their own: callers read it through [`read_consistently`].
pub fn person_view(
    app: &App,
    ledger: &mut Ledger,
    caller: &Caller,
    id: &str,
    lang: Lang,
    moment: Moment,
) -> Result<PersonOut, Refusal> {
    let record = access::visible_person(ledger, caller, id)?;
    let role = caller.signed_in()?;
    let family = role == Role::Family;
    let names: Vec<String> = record
        .body
        .get("names")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|n| n.get("full").and_then(Value::as_str).map(str::to_string))
        .collect();
    let name = names
        .first()
        .cloned()
        .or_else(|| record.body.get("label").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| id.to_string());
    let timeline = ledger.timeline(id, moment)?;
    let last = timeline.as_ref().and_then(|t| t.segments.last().cloned());
    let place_name =
        last.as_ref().and_then(|s| s.place.as_deref()).and_then(|p| timeline.as_ref()?.names.get(p).cloned());
    let zone =
        last.as_ref().and_then(|s| s.place.as_deref()).and_then(|p| timeline.as_ref()?.zones.get(p).cloned());
    let sentence = i18n::status_sentence(lang, &name, last.as_ref(), place_name.as_deref(), zone.as_deref());
    let timeline_out = match &timeline {
        Some(t) => Some(timeline_view(ledger, role, t)?),
        None => None,
    };
    let mut about = vec![id.to_string()];
    if let Some(t) = &timeline {
        about.extend(t.cohorts.iter().cloned());
        about.extend(t.joined.iter().cloned());
    }
    // The findings are those of the latest check (now): none for another moment.
    let computed = if moment == Moment::default() { app.findings() } else { None };
    let findings = match &computed {
        Some(c) => findings_view(
            ledger,
            role,
            &c.value,
            |f| f.subjects.iter().any(|s| about.iter().any(|a| a == s)),
            lang,
        )?,
        None => Vec::new(),
    };
    Ok(PersonOut {
        id: id.to_string(),
        name,
        names: if family { Vec::new() } else { names },
        born: if family {
            None
        } else {
            record.body.get("born").map(|b| b.as_str().map_or_else(|| b.to_string(), str::to_string))
        },
        nationality: strings(record.body.get("nationality")),
        status: last.as_ref().map_or(Status::Unknown, |s| s.state).name().to_string(),
        removed: last.as_ref().is_some_and(|s| s.removed),
        place: last.as_ref().and_then(|s| shown(&s.place)),
        place_name,
        since: last.as_ref().map(|s| IntervalOut::from(&s.from)),
        sentence,
        timeline: timeline_out,
        findings,
        findings_checked_at: computed.map(|c| c.at),
    })
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LangParam {
    /// `en` or `es`.
    pub lang: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ViewParams {
    /// `en` or `es`.
    pub lang: Option<String>,
    /// Valid time: where things stood then (an RFC 3339 instant, or a date: the end of that day, UTC).
    pub as_of: Option<String>,
    /// System time: what the ledger held then (same forms).
    pub known_at: Option<String>,
}

/// Reads `as_of` and `known_at` as the command line's `--as-of` and `--known-at` read them
/// (without `--tz`: a date is the end of that day in UTC).
pub fn moment(as_of: Option<&str>, known_at: Option<&str>) -> Result<Moment, Refusal> {
    let read = |name: &str, text: &str| -> Result<jiff::Timestamp, Refusal> {
        habeas_model::time::parse_typed(text, &jiff::tz::TimeZone::UTC).ok_or_else(|| {
                Refusal::bad_request(
                    format!("{name}={text}: expected an instant (2025-03-16T12:00:00-06:00) or a date (2025-03-16)"),
                    format!("{name}={text}: se esperaba un instante (2025-03-16T12:00:00-06:00) o una fecha (2025-03-16)"),
                )
            })
    };
    Ok(Moment {
        as_of: as_of.map(|t| read("as_of", t)).transpose()?,
        known_at: known_at.map(|t| read("known_at", t)).transpose()?,
    })
}

/// A person: where they are now, their timeline, the findings about them.
#[utoipa::path(get, path = "/api/persons/{id}", params(("id" = String, Path, description = "a person's id"), ViewParams),
    responses((status = 200, body = PersonOut), (status = 401, body = ErrorOut), (status = 404, body = ErrorOut)),
    description = "Roles: admin, editor, viewer (not sealed), family (granted persons only, reduced view). Audited.")]
pub async fn person(
    State(app): State<Arc<App>>,
    caller: Caller,
    method: Method,
    uri: OriginalUri,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
    ApiQuery(params): ApiQuery<ViewParams>,
) -> Answer<PersonOut> {
    let lang = i18n::lang_of(params.lang.as_deref(), &headers);
    let moment =
        moment(params.as_of.as_deref(), params.known_at.as_deref()).map_err(|e| ApiRefusal(e, lang))?;
    let who = caller.clone();
    let target = id.clone();
    let person = app
        .ledger(move |app, ledger| {
            read_consistently(ledger, |ledger| person_view(app, ledger, &who, &target, lang, moment))
        })
        .await
        .map_err(|e| ApiRefusal(e, lang))?;
    audit(&app, &caller, "read", vec![id], request_line(&method, &uri))
        .await
        .map_err(|e| ApiRefusal(e, lang))?;
    Ok(Json(person))
}

/// Where a person or a cohort was, when, held by whom, on what authority.
#[utoipa::path(get, path = "/api/timeline/{id}", params(("id" = String, Path, description = "a person's or cohort's id"), ViewParams),
    responses((status = 200, body = TimelineOut), (status = 401, body = ErrorOut), (status = 404, body = ErrorOut)),
    description = "Roles: admin, editor, viewer (not sealed); family: granted persons only, without custodians, bases or records. Audited.")]
pub async fn timeline(
    State(app): State<Arc<App>>,
    caller: Caller,
    method: Method,
    uri: OriginalUri,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
    ApiQuery(params): ApiQuery<ViewParams>,
) -> Answer<TimelineOut> {
    let lang = i18n::lang_of(params.lang.as_deref(), &headers);
    let moment =
        moment(params.as_of.as_deref(), params.known_at.as_deref()).map_err(|e| ApiRefusal(e, lang))?;
    let who = caller.clone();
    let target = id.clone();
    let out = app
        .ledger(move |_, ledger| {
            // Who may see it, the timeline and its sources' titles, from one state of the ledger.
            read_consistently(ledger, |ledger| {
                let role = who.signed_in()?;
                if role == Role::Family {
                    access::visible_person(ledger, &who, &target)?;
                } else {
                    access::readable_record(ledger, &who, &target)?;
                }
                let timeline =
                    ledger.timeline(&target, moment)?.ok_or_else(|| Refusal::not_found(&target))?;
                timeline_view(ledger, role, &timeline)
            })
        })
        .await
        .map_err(|e| ApiRefusal(e, lang))?;
    audit(&app, &caller, "read", vec![id], request_line(&method, &uri))
        .await
        .map_err(|e| ApiRefusal(e, lang))?;
    Ok(Json(out))
}

// ---------------------------------------------------------------------------------------------
// Records and proofs

/// A record as the ledger holds it now.
#[derive(Serialize, ToSchema)]
pub struct RecordOut {
    pub id: String,
    #[serde(rename = "type")]
    pub record_type: String,
    /// The leaf index of the current version.
    pub index: u64,
    /// The record, personal values in clear unless erased.
    #[schema(value_type = Object)]
    pub record: serde_json::Map<String, Value>,
    pub retracted: bool,
    /// Personal fields whose values were erased.
    pub erased: Vec<String>,
}

/// One record, current version.
#[utoipa::path(get, path = "/api/records/{id}", params(("id" = String, Path, description = "a record's id"), LangParam),
    responses((status = 200, body = RecordOut), (status = 401, body = ErrorOut), (status = 403, body = ErrorOut), (status = 404, body = ErrorOut)),
    description = "Roles: admin, editor, viewer (not sealed). Audited.")]
pub async fn record(
    State(app): State<Arc<App>>,
    caller: Caller,
    method: Method,
    uri: OriginalUri,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
    ApiQuery(params): ApiQuery<LangParam>,
) -> Answer<RecordOut> {
    let lang = i18n::lang_of(params.lang.as_deref(), &headers);
    let who = caller.clone();
    let target = id.clone();
    let record = app
        .ledger(move |_, ledger| access::readable_record(ledger, &who, &target))
        .await
        .map_err(|e| ApiRefusal(e, lang))?;
    audit(&app, &caller, "read", vec![id], request_line(&method, &uri))
        .await
        .map_err(|e| ApiRefusal(e, lang))?;
    Ok(Json(RecordOut {
        id: record.id,
        record_type: record.record_type,
        index: record.index,
        record: record.body,
        retracted: record.retracted.is_some(),
        erased: record.erased,
    }))
}

/// The proof that a record's current version is in the log: the same document as
/// `habeas proof --json`, which anyone can check with the ledger's public key.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct ProofOut {
    pub id: String,
    /// The leaf's index in the log.
    pub index: u64,
    /// The size of the tree the proof is for.
    pub size: u64,
    /// SHA-256(0x00 || leaf_bytes), base64.
    pub leaf: String,
    /// The leaf: the canonical record with personal values committed, never in clear.
    pub leaf_bytes: String,
    /// The RFC 9162 audit path, base64 hashes.
    pub proof: Vec<String>,
    /// The signed checkpoint (C2SP signed note) the path leads to.
    pub checkpoint: String,
}

/// The proof that a record is in the log, as a document to keep (`habeas proof --json`).
pub fn proof_for(ledger: &mut Ledger, caller: &Caller, id: &str) -> Result<ProofOut, Refusal> {
    if caller.signed_in()? == Role::Family {
        access::visible_person(ledger, caller, id)?;
    } else {
        access::readable_record(ledger, caller, id)?;
    }
    serde_json::from_value(ledger.prove_record(id)?.to_json())
        .map_err(|e| Refusal::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string(), e.to_string()))
}

/// The inclusion proof of a record's current version and the signed checkpoint it leads to.
#[utoipa::path(get, path = "/api/records/{id}/proof", params(("id" = String, Path, description = "a record's id"), LangParam),
    responses((status = 200, body = ProofOut),
        (status = 401, body = ErrorOut), (status = 404, body = ErrorOut)),
    description = "Roles: admin, editor, viewer (not sealed), family (the person records granted to it). Audited.")]
pub async fn proof(
    State(app): State<Arc<App>>,
    caller: Caller,
    method: Method,
    uri: OriginalUri,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
    ApiQuery(params): ApiQuery<LangParam>,
) -> Result<Response, ApiRefusal> {
    let lang = i18n::lang_of(params.lang.as_deref(), &headers);
    let who = caller.clone();
    let target = id.clone();
    let proof = app
        .ledger(move |_, ledger| proof_for(ledger, &who, &target))
        .await
        .map_err(|e| ApiRefusal(e, lang))?;
    audit(&app, &caller, "proof", vec![id.clone()], request_line(&method, &uri))
        .await
        .map_err(|e| ApiRefusal(e, lang))?;
    let disposition = format!("attachment; filename=\"proof-{}.json\"", safe_file_name(&id));
    Ok(([(header::CONTENT_DISPOSITION, disposition)], Json(proof)).into_response())
}

/// An id made safe for a file name.
pub fn safe_file_name(id: &str) -> String {
    id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyParams {
    /// The size of the older checkpoint held (1 ≤ old_size ≤ the current size).
    pub old_size: u64,
}

/// A consistency proof (RFC 9162 §2.1.4): the log of `old_size` leaves is a prefix of today's.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct ConsistencyProofOut {
    pub old_size: u64,
    pub size: u64,
    /// The hashes of the proof, base64.
    pub proof: Vec<String>,
    /// The signed checkpoint of the current tree.
    pub checkpoint: String,
}

/// Proves that nothing recorded up to an older checkpoint was changed since (`habeas proof
/// --consistency`): what a witness or a lawyer holding an old checkpoint asks.
#[utoipa::path(get, path = "/api/consistency", params(ConsistencyParams),
    responses((status = 200, body = ConsistencyProofOut), (status = 400, body = ErrorOut)),
    description = "Roles: everyone, the public included (a proof holds only hashes).")]
pub async fn consistency(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<ConsistencyParams>,
) -> Answer<ConsistencyProofOut> {
    let lang = i18n::lang_of(None, &headers);
    app.ledger(move |_, ledger| {
        let out = ledger.prove_consistency(params.old_size).map_err(|e| match e {
            habeas_store::StoreError::NotFound(_) | habeas_store::StoreError::Conflict { .. } => {
                Refusal::bad_request(
                    format!("old_size={}: {}", params.old_size, e.message(Lang::En)),
                    format!("old_size={}: {}", params.old_size, e.message(Lang::Es)),
                )
            }
            other => Refusal::from(other),
        })?;
        serde_json::from_value(out.to_json())
            .map_err(|e| Refusal::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string(), e.to_string()))
    })
    .await
    .map(Json)
    .map_err(|e| ApiRefusal(e, lang))
}

/// The latest signed checkpoint.
#[derive(Serialize, ToSchema)]
pub struct CheckpointOut {
    pub size: u64,
    /// The root hash, base64.
    pub root: String,
    /// The C2SP signed note.
    pub note: String,
}

/// The latest signed checkpoint: anyone may hold the log to it.
#[utoipa::path(get, path = "/api/checkpoint", responses((status = 200, body = CheckpointOut), (status = 404, body = ErrorOut)),
    description = "Roles: everyone, the public included (a checkpoint holds no record).")]
pub async fn checkpoint(State(app): State<Arc<App>>, headers: HeaderMap) -> Answer<CheckpointOut> {
    let lang = i18n::lang_of(None, &headers);
    app.ledger(|_, ledger| {
        let row = ledger.latest_checkpoint()?.ok_or_else(|| Refusal::not_found("checkpoint"))?;
        let root = ledger.root()?.to_base64();
        Ok(CheckpointOut { size: row.size, root, note: row.note })
    })
    .await
    .map(Json)
    .map_err(|e| ApiRefusal(e, lang))
}

// ---------------------------------------------------------------------------------------------
// Findings

/// A finding as shown.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FindingOut {
    pub id: String,
    pub rule: String,
    /// `violation`, `possible_violation`, `warning`, `data_gap` or `info`.
    pub outcome: String,
    pub subjects: Vec<String>,
    pub at: Option<IntervalOut>,
    /// The zone to show `at` in.
    pub zone: Option<String>,
    pub message: String,
    /// The rule's details and readings; not given to family accounts.
    #[schema(value_type = Option<Object>)]
    pub details: Option<Value>,
    /// The records behind the finding; not given to family accounts.
    pub records: Vec<String>,
}

/// Rules whose details are the allegation itself: a family sees only that the rule found
/// something, not what was alleged.
const ALLEGATION_RULES: [&str; 1] = ["appearance-only-evidence"];

/// The findings `keep` selects, as `role` may see them: findings on persons the role may not see
/// are left out.
pub fn findings_view(
    ledger: &mut Ledger,
    role: Role,
    report: &Report,
    keep: impl Fn(&habeas_rules::Finding) -> bool,
    lang: Lang,
) -> Result<Vec<FindingOut>, Refusal> {
    let family = role == Role::Family;
    let mut out = Vec::new();
    'findings: for f in report.findings.iter().filter(|f| keep(f)) {
        for subject in &f.subjects {
            if let Some(record) = ledger.record(subject)?
                && !access::role_sees(role, Sensitivity::of(&record.body))
            {
                continue 'findings;
            }
        }
        let json = f.to_json(lang == Lang::Es);
        let message = if family && ALLEGATION_RULES.contains(&f.rule) {
            i18n::allegation_withheld(lang).to_string()
        } else {
            f.message[usize::from(lang == Lang::Es)].clone()
        };
        out.push(FindingOut {
            id: f.id(),
            rule: f.rule.to_string(),
            outcome: f.outcome.name().to_string(),
            subjects: f.subjects.iter().map(String::from).collect(),
            at: f.at.as_ref().map(IntervalOut::from),
            zone: f.zone.as_ref().map(String::from),
            message,
            details: if family {
                None
            } else {
                Some(serde_json::json!({"details": json["details"], "readings": json["readings"]}))
            },
            records: if family { Vec::new() } else { f.records.iter().map(String::from).collect() },
        });
    }
    Ok(out)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FindingsParams {
    /// Only this rule.
    pub rule: Option<String>,
    /// Only this outcome.
    pub outcome: Option<String>,
    /// Only findings about this subject.
    pub subject: Option<String>,
    /// `en` or `es`.
    pub lang: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct FindingsOut {
    pub findings: Vec<FindingOut>,
    /// When the check ran; `None`: no check has run yet (or checks are off).
    pub checked_at: Option<String>,
}

/// Every finding of `caller`'s view with `params`' filters.
pub fn findings_for(
    app: &App,
    ledger: &mut Ledger,
    caller: &Caller,
    params: &FindingsParams,
    lang: Lang,
) -> Result<FindingsOut, Refusal> {
    let role = caller.signed_in()?;
    let Some(computed) = app.findings() else {
        return Ok(FindingsOut { findings: Vec::new(), checked_at: None });
    };
    let report = &computed.value;
    let mut about: Option<Vec<String>> = None;
    if role == Role::Family {
        let mut ids = Vec::new();
        for person in &caller.granted {
            ids.push(person.clone());
            if let Some(t) = ledger.timeline(person, Moment::default())? {
                ids.extend(t.cohorts);
            }
        }
        about = Some(ids);
    }
    let findings = findings_view(
        ledger,
        role,
        report,
        |f| {
            params.rule.as_ref().is_none_or(|r| r == f.rule)
                && params.outcome.as_ref().is_none_or(|o| o == f.outcome.name())
                && params.subject.as_ref().is_none_or(|s| f.subjects.iter().any(|x| x == s))
                && about.as_ref().is_none_or(|ids| f.subjects.iter().any(|s| ids.iter().any(|i| i == s)))
        },
        lang,
    )?;
    Ok(FindingsOut { findings, checked_at: Some(computed.at.clone()) })
}

/// The findings of every rule as of now (`habeas check`), filtered.
#[utoipa::path(get, path = "/api/findings", params(FindingsParams),
    responses((status = 200, body = FindingsOut), (status = 401, body = ErrorOut)),
    description = "Roles: admin, editor, viewer (findings on sealed persons left out), family (findings about its granted persons and their cohorts, without details).")]
pub async fn findings(
    State(app): State<Arc<App>>,
    caller: Caller,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<FindingsParams>,
) -> Answer<FindingsOut> {
    let lang = i18n::lang_of(params.lang.as_deref(), &headers);
    app.ledger(move |app, ledger| findings_for(app, ledger, &caller, &params, lang))
        .await
        .map(Json)
        .map_err(|e| ApiRefusal(e, lang))
}

// ---------------------------------------------------------------------------------------------
// Export and import

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// Only records of this type.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub record_type: Option<String>,
}

/// Every current record as JSON Lines (`habeas export`), re-importable.
#[utoipa::path(get, path = "/api/export", params(ExportParams),
    responses((status = 200, description = "JSON Lines, one record per line", content_type = "application/jsonl", body = String),
        (status = 401, body = ErrorOut), (status = 403, body = ErrorOut)),
    description = "Roles: admin, editor (every record), viewer (not sealed). Audited.")]
pub async fn export(
    State(app): State<Arc<App>>,
    caller: Caller,
    method: Method,
    uri: OriginalUri,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<ExportParams>,
) -> Result<Response, ApiRefusal> {
    let lang = i18n::lang_of(None, &headers);
    let role = caller.require(&[Role::Admin, Role::Editor, Role::Viewer]).map_err(|e| ApiRefusal(e, lang))?;
    // Audited before the first byte leaves; the records stream as they are read, so that an
    // export of millions of records holds only a chunk in memory.
    audit(&app, &caller, "export", Vec::new(), request_line(&method, &uri))
        .await
        .map_err(|e| ApiRefusal(e, lang))?;
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(16);
    let location = app.config.location.clone();
    tokio::task::spawn_blocking(move || {
        if let Err(failure) = stream_export(&location, role, params.record_type.as_deref(), &sender) {
            let _ = sender.blocking_send(Err(std::io::Error::other(failure)));
        }
    });
    let chunks = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    });
    Ok(([(header::CONTENT_TYPE, "application/jsonl; charset=utf-8")], axum::body::Body::from_stream(chunks))
        .into_response())
}

/// Sends every record `role` may see as JSON Lines, in chunks of about 64 KiB. Stops when the
/// client has gone.
fn stream_export(
    location: &habeas_store::Location,
    role: Role,
    record_type: Option<&str>,
    sender: &tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
) -> Result<(), String> {
    const CHUNK: usize = 64 * 1024;
    let mut ledger = Ledger::open_for_reading(location).map_err(|e| e.to_string())?;
    // A second connection for the lookups the visibility needs while the first one reads.
    let mut lookups = Ledger::open_for_reading(location).map_err(|e| e.to_string())?;
    let mut chunk = String::new();
    let gone = || habeas_store::StoreError::Input("the client closed the connection".into());
    let refused = |r: Refusal| habeas_store::StoreError::Backend(r.en);
    ledger
        .export(&mut |mut record| {
            if record_type.is_some_and(|t| t != record.record_type) {
                return Ok(());
            }
            if !access::role_sees(
                role,
                access::effective_sensitivity(&mut lookups, &record).map_err(refused)?,
            ) {
                return Ok(());
            }
            access::hide_members(&mut lookups, role, &mut record.body).map_err(refused)?;
            chunk.push_str(&Value::Object(record.body).to_string());
            chunk.push('\n');
            if chunk.len() >= CHUNK {
                sender.blocking_send(Ok(Bytes::from(std::mem::take(&mut chunk)))).map_err(|_| gone())?;
            }
            Ok(())
        })
        .map_err(|e| e.to_string())?;
    if !chunk.is_empty() {
        sender.blocking_send(Ok(Bytes::from(chunk))).map_err(|_| gone().to_string())?;
    }
    Ok(())
}

/// A rejected line of an import.
#[derive(Serialize, ToSchema)]
pub struct RejectionOut {
    pub line: u64,
    pub field: String,
    pub error: String,
}

/// What an import did.
#[derive(Serialize, ToSchema)]
pub struct ImportOut {
    pub appended: u64,
    pub unchanged: u64,
    pub committed: bool,
    pub size: u64,
    pub root: String,
    pub rejected: Vec<RejectionOut>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// Land the valid records and report the rest (default: all or nothing).
    pub keep_going: Option<bool>,
    /// `en` or `es`, for the rejections.
    pub lang: Option<String>,
}

/// An upload written to a temporary file as it arrives: never held in memory whole, and
/// refused (413) once it passes [`crate::Config::max_upload`].
pub struct Upload {
    dir: tempfile::TempDir,
    bytes: u64,
}

impl Upload {
    /// An empty upload in a new temporary folder beside the ledger (on its disk, where there is
    /// room for what will be imported, rather than in a `/tmp` that may be held in memory).
    pub fn new(app: &App) -> Result<Upload, Refusal> {
        let dir = match &app.config.location {
            habeas_store::Location::Sqlite(path) => {
                let folder =
                    path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
                tempfile::Builder::new().prefix(".habeas-upload-").tempdir_in(folder)
            }
            habeas_store::Location::Postgres(_) => tempfile::tempdir(),
        };
        Ok(Upload { dir: dir.map_err(habeas_store::StoreError::Io)?, bytes: 0 })
    }

    fn path(&self) -> std::path::PathBuf {
        self.dir.path().join("upload.jsonl")
    }

    pub fn is_empty(&self) -> bool {
        self.bytes == 0
    }

    /// Appends the chunks of `stream` to the file, on Tokio's threads for blocking work, so
    /// that a slow disk does not hold up the threads that answer requests.
    pub async fn receive<S, E>(&mut self, app: &App, mut stream: S) -> Result<(), Refusal>
    where
        S: futures_util::Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        use futures_util::StreamExt as _;
        use tokio::io::AsyncWriteExt as _;
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.path())
            .await
            .map_err(habeas_store::StoreError::Io)?;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| {
                Refusal::bad_request(
                    format!("the upload broke off: {e}"),
                    format!("la subida se interrumpió: {e}"),
                )
            })?;
            self.bytes += chunk.len() as u64;
            if self.bytes > app.config.max_upload {
                let mb = app.config.max_upload / (1 << 20);
                return Err(Refusal::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!(
                        "the upload is larger than this server takes ({mb} MB): split it, or import it with `habeas import`"
                    ),
                    format!(
                        "la subida supera lo que acepta este servidor ({mb} MB): divídala, o impórtela con `habeas import`"
                    ),
                ));
            }
            file.write_all(&chunk).await.map_err(habeas_store::StoreError::Io)?;
        }
        file.flush().await.map_err(habeas_store::StoreError::Io)?;
        Ok(())
    }
}

/// Imports the JSON Lines of an upload in one transaction and returns the report.
pub async fn import_upload(
    app: &Arc<App>,
    caller: &Caller,
    upload: Upload,
    keep_going: bool,
    lang: Lang,
) -> Result<ImportOut, Refusal> {
    caller.require(&[Role::Admin, Role::Editor])?;
    let by = caller.name().to_string();
    let at = app.now().to_string();
    // Refused before a ledger is borrowed: a 503 from inside would have the pool take the
    // ledger for one that lost its connection, and open another for nothing.
    if app.config.signer.is_none() {
        return Err(reads_only());
    }
    app.ledger(move |app, ledger| {
        let signer = app.config.signer.as_ref().ok_or_else(reads_only)?;
        let mut source = habeas_io::jsonl::JsonlSource::open(&[upload.path().display().to_string()])?;
        let options = habeas_store::ImportOptions { keep_going, by, at };
        let report = ledger.import(&mut source, &options, signer)?;
        drop(upload);
        Ok(ImportOut {
            appended: report.appended,
            unchanged: report.unchanged,
            committed: report.committed,
            size: report.size,
            root: report.root.to_base64(),
            rejected: report
                .rejected
                .iter()
                .map(|r| RejectionOut { line: r.line, field: r.field.clone(), error: r.reason.message(lang) })
                .collect(),
        })
    })
    .await
}

/// Appends the JSON Lines of the body (`habeas import`): all or nothing unless `keep_going`.
#[utoipa::path(post, path = "/api/import", params(ImportParams),
    request_body(content = String, content_type = "application/jsonl", description = "records, one per line"),
    responses((status = 200, body = ImportOut), (status = 401, body = ErrorOut), (status = 403, body = ErrorOut), (status = 413, body = ErrorOut)),
    description = "Roles: admin, editor. With a session cookie, send the session's CSRF token in X-CSRF-Token. The body is written to a temporary file as it arrives; one larger than the server's limit (`habeas serve --max-upload-mb`, 1024 by default) is refused with 413. Audited.")]
pub async fn import(
    State(app): State<Arc<App>>,
    caller: Caller,
    method: Method,
    uri: OriginalUri,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<ImportParams>,
    body: axum::body::Body,
) -> Answer<ImportOut> {
    let lang = i18n::lang_of(params.lang.as_deref(), &headers);
    caller.require(&[Role::Admin, Role::Editor]).map_err(|e| ApiRefusal(e, lang))?;
    let given = headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
    caller.check_csrf(given).map_err(|e| ApiRefusal(e, lang))?;
    let mut upload = Upload::new(&app).map_err(|e| ApiRefusal(e, lang))?;
    upload.receive(&app, body.into_data_stream()).await.map_err(|e| ApiRefusal(e, lang))?;
    let out = import_upload(&app, &caller, upload, params.keep_going.unwrap_or(false), lang)
        .await
        .map_err(|e| ApiRefusal(e, lang))?;
    let request = format!(
        "{} ({} appended, {} rejected)",
        request_line(&method, &uri),
        out.appended,
        out.rejected.len()
    );
    audit(&app, &caller, "import", Vec::new(), request).await.map_err(|e| ApiRefusal(e, lang))?;
    Ok(Json(out))
}

// ---------------------------------------------------------------------------------------------
// Public counts, audit trail, sessions

/// Counts by facility, nationality, status and month; never a name, small counts hidden.
#[utoipa::path(get, path = "/api/public", responses((status = 200, body = crate::public::PublicCounts), (status = 503, body = ErrorOut)),
    description = "Roles: everyone, the public included. 503 until the counts are first computed.")]
pub async fn public(State(app): State<Arc<App>>, headers: HeaderMap) -> Answer<crate::public::PublicCounts> {
    let lang = i18n::lang_of(None, &headers);
    match app.public_counts() {
        Some(counts) => Ok(Json((*counts.value).clone())),
        None => Err(ApiRefusal(counts_pending(), lang)),
    }
}

/// An import asked of a server started without the signing key.
fn reads_only() -> Refusal {
    Refusal::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "this server reads only: it was started without the signing key",
        "este servidor solo lee: se inició sin la clave de firma",
    )
}

/// The counts have not been computed yet (the server has just started on a large ledger).
pub fn counts_pending() -> Refusal {
    Refusal::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "the counts are being computed; try again in a minute",
        "las cifras se están calculando; intente de nuevo en un minuto",
    )
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Entries at or after this RFC 3339 instant.
    pub since: Option<String>,
    /// Entries of this account.
    pub user: Option<String>,
    /// Entries that read or wrote this record.
    pub record: Option<String>,
}

/// An audit entry.
#[derive(Serialize, ToSchema)]
pub struct AuditRowOut {
    pub seq: u64,
    pub at: String,
    pub account: String,
    pub role: String,
    pub action: String,
    pub records: Vec<String>,
    pub request: String,
}

#[derive(Serialize, ToSchema)]
pub struct AuditOut {
    pub entries: Vec<AuditRowOut>,
    pub total: u64,
    /// Whether every entry's hash follows from the ones before it.
    pub intact: bool,
}

/// The audit trail (`habeas audit`).
#[utoipa::path(get, path = "/api/audit", params(AuditParams),
    responses((status = 200, body = AuditOut), (status = 401, body = ErrorOut), (status = 403, body = ErrorOut)),
    description = "Roles: admin.")]
pub async fn audit_trail(
    State(app): State<Arc<App>>,
    caller: Caller,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<AuditParams>,
) -> Answer<AuditOut> {
    let lang = i18n::lang_of(None, &headers);
    caller.require(&[Role::Admin]).map_err(|e| ApiRefusal(e, lang))?;
    let since = match &params.since {
        Some(text) => Some(text.parse::<jiff::Timestamp>().map_err(|_| {
            ApiRefusal(
                Refusal::bad_request(
                    format!("since={text}: not an RFC 3339 instant"),
                    format!("since={text}: no es un instante RFC 3339"),
                ),
                lang,
            )
        })?),
        None => None,
    };
    let filter = AuditFilter { since, account: params.user, record: params.record };
    let trail = app.with_directory(|d| d.audit_entries(&filter)).map_err(|e| ApiRefusal(e, lang))?;
    Ok(Json(AuditOut {
        total: trail.total,
        intact: trail.broken_at.is_none(),
        entries: trail
            .entries
            .into_iter()
            .map(|(seq, e)| AuditRowOut {
                seq,
                at: e.at,
                account: e.account,
                role: e.role,
                action: e.action,
                records: e.records,
                request: e.request,
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct LoginIn {
    pub name: String,
    pub password: String,
}

/// A session opened.
#[derive(Serialize, ToSchema)]
pub struct SessionOut {
    pub account: String,
    pub role: String,
    /// Repeat in `X-CSRF-Token` on requests that change something.
    pub csrf: String,
}

/// Checks a name and password; returns the account or why not (rate limits included).
pub async fn sign_in(
    app: &Arc<App>,
    name: &str,
    password: &str,
    address: &str,
) -> Result<habeas_store::Account, Refusal> {
    let too_many = || {
        Refusal::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too many failed sign-ins; wait 15 minutes",
            "demasiados intentos fallidos; espere 15 minutos",
        )
    };
    if !app.limiter.allows(name) || !app.limiter.allows(address) {
        return Err(too_many());
    }
    let account = app.with_directory(|d| d.account(name))?;
    let (name_owned, password_owned) = (name.to_string(), password.to_string());
    // Argon2 takes tens of milliseconds: off the async threads. A missing account is checked
    // against a dummy hash so that timing does not tell which names exist.
    let phc = account.as_ref().map(|a| a.password.clone());
    let ok = tokio::task::spawn_blocking(move || match phc {
        Some(phc) => auth::verify_password(&password_owned, &phc),
        None => {
            let dummy =
                DUMMY_HASH.get_or_init(|| auth::hash_password(&auth::random_id()).unwrap_or_default());
            let _ = auth::verify_password(&password_owned, dummy);
            false
        }
    })
    .await
    .unwrap_or(false);
    let caller = Caller {
        account: Some(name_owned.clone()),
        role: account.as_ref().map(|a| a.role),
        ..Caller::public()
    };
    match account {
        Some(account) if ok => {
            app.limiter.succeeded(name);
            audit(app, &caller, "login", Vec::new(), format!("from {address}")).await?;
            Ok(account)
        }
        _ => {
            app.limiter.failed(name);
            app.limiter.failed(address);
            audit(app, &caller, "login-refused", Vec::new(), format!("from {address}")).await?;
            Err(Refusal::new(
                StatusCode::UNAUTHORIZED,
                "wrong name or password",
                "nombre o contraseña incorrectos",
            ))
        }
    }
}

/// An Argon2id hash of a random password, checked when the name does not exist.
static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Opens a session (a cookie) for scripts and pages that sign in with a password.
#[utoipa::path(post, path = "/api/session", request_body = LoginIn,
    responses((status = 200, body = SessionOut), (status = 400, body = ErrorOut), (status = 401, body = ErrorOut), (status = 415, body = ErrorOut), (status = 422, body = ErrorOut), (status = 429, body = ErrorOut)),
    description = "Everyone. Sets the session cookie (HttpOnly, SameSite=Strict). Rate-limited: 5 failures per name or address per 15 minutes.")]
pub async fn session_open(
    State(app): State<Arc<App>>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    ApiJson(login): ApiJson<LoginIn>,
) -> Result<Response, ApiRefusal> {
    let lang = i18n::lang_of(None, &headers);
    let account = sign_in(&app, &login.name, &login.password, &peer.ip().to_string())
        .await
        .map_err(|e| ApiRefusal(e, lang))?;
    let id = app.sessions.open(&account.name);
    let csrf = app.sessions.get(&id).map(|s| s.csrf).unwrap_or_default();
    let cookie = auth::set_cookie(&app, auth::SESSION_COOKIE, &id, auth::SESSION_LENGTH);
    let out = SessionOut { account: account.name, role: account.role.name().to_string(), csrf };
    Ok(([(header::SET_COOKIE, cookie)], Json(out)).into_response())
}

/// Closes the caller's session.
#[utoipa::path(delete, path = "/api/session", responses((status = 204, description = "signed out")),
    description = "Everyone; with a session cookie, send its CSRF token in X-CSRF-Token.")]
pub async fn session_close(
    State(app): State<Arc<App>>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Response, ApiRefusal> {
    let lang = i18n::lang_of(None, &headers);
    let given = headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
    caller.check_csrf(given).map_err(|e| ApiRefusal(e, lang))?;
    if let Some(id) = &caller.session {
        app.sessions.close(id);
    }
    let cookie = auth::set_cookie(&app, auth::SESSION_COOKIE, "", std::time::Duration::ZERO);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use habeas_store::Location;

    /// A ledger file and the key that signs its imports.
    fn ledger_file(dir: &std::path::Path) -> (Location, habeas_ledger::Signer) {
        let path = dir.join("consistent.db");
        let signer = habeas_ledger::Signer::from_seed("habeas.local/consistent.db", [9; 32]).unwrap();
        Ledger::create(&Location::Sqlite(path.clone()), &signer.verifier()).unwrap();
        (Location::Sqlite(path), signer)
    }

    /// Imports one source record through a connection of its own, as another request would.
    fn import_source(location: &Location, signer: &habeas_ledger::Signer, id: &str) {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(
            file.path(),
            format!(r#"{{"type":"source","id":"{id}","kind":"ngo","title":"{id}"}}"#),
        )
        .unwrap();
        let mut source = habeas_io::jsonl::JsonlSource::open(&[file.path().display().to_string()]).unwrap();
        let options = habeas_store::ImportOptions {
            keep_going: false,
            by: "test".into(),
            at: "2026-12-02T00:00:00Z".into(),
        };
        Ledger::open(location).unwrap().import(&mut source, &options, signer).unwrap();
    }

    #[test]
    fn a_view_read_while_the_log_grew_is_read_again_and_one_read_while_it_stood_still_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let (location, signer) = ledger_file(dir.path());
        import_source(&location, &signer, "src-1");
        let mut ledger = Ledger::open_for_reading(&location).unwrap();
        let first = ledger.size().unwrap();

        // Nothing imported meanwhile: read once.
        let mut readings = 0;
        let seen = read_consistently(&mut ledger, |ledger| {
            readings += 1;
            Ok(ledger.size()?)
        })
        .unwrap();
        assert_eq!((readings, seen), (1, first));

        // An import lands between the view's first read and its last: the view is read again,
        // and what it returns is all of the later state.
        let mut readings = 0;
        let (before, after) = read_consistently(&mut ledger, |ledger| {
            readings += 1;
            let before = ledger.size()?;
            if readings == 1 {
                import_source(&location, &signer, "src-2");
            }
            Ok((before, ledger.size()?))
        })
        .unwrap();
        assert_eq!(readings, 2);
        assert!(after > first, "the import appended");
        assert_eq!(before, after, "the reading returned saw one state of the ledger");

        // Imports that never pause: it settles for the last reading after a few.
        let mut readings = 0;
        read_consistently(&mut ledger, |ledger| {
            readings += 1;
            import_source(&location, &signer, &format!("src-more-{readings}"));
            Ok(ledger.size()?)
        })
        .unwrap();
        assert_eq!(readings, CONSISTENT_TRIES);
    }
}
