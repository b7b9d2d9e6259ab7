//! The pages of the case itself, for staff: an order against the custody acts it governed, a
//! facility's occupancy against its capacity, and the import form.
//!
//! Both charts are SVG drawn on the server (no script): the order page puts the order's spoken
//! and written forms, its lapse and every act judged against it on one time axis, each time
//! written in the court's zone and in the place's; the facility page draws each day's count and
//! the capacity in force as lines.

use std::sync::Arc;

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use habeas_model::time::{TimeSpec, parse_zone, show};
use habeas_model::{Interval, Lang};
use habeas_store::{Days, Moment, Role};
use serde_json::Value;

use crate::api;
use crate::app::App;
use crate::error::Refusal;
use crate::i18n;
use crate::pages::{Frame, PagePath, page, refused};

const STAFF: [Role; 3] = [Role::Admin, Role::Editor, Role::Viewer];

/// An instant or window in two zones: `2025-03-15 18:45 .. 18:48 -04:00 (court) · 16:45 .. -06:00 (place)`.
fn both_zones(
    interval: &Interval,
    court: &jiff::tz::TimeZone,
    place: Option<&jiff::tz::TimeZone>,
) -> (String, String) {
    (show(interval, court), place.map(|z| show(interval, z)).unwrap_or_default())
}

/// A mark on a time axis, in a 1000-unit-wide drawing.
pub struct Mark {
    pub x: u32,
    /// Width of an uncertain window (at least 2).
    pub width: u32,
    pub class: String,
    pub label: String,
}

fn axis(points: &[(Interval, String, String)]) -> Vec<Mark> {
    let Some(start) = points.iter().map(|(i, _, _)| i.earliest).min() else { return Vec::new() };
    let end = points.iter().map(|(i, _, _)| i.latest).max().unwrap_or(start);
    let span = (end.as_second() - start.as_second()).max(60) as f64;
    let x = |t: jiff::Timestamp| {
        (20.0 + (t.as_second() - start.as_second()) as f64 / span * 960.0).round() as u32
    };
    points
        .iter()
        .map(|(interval, class, label)| Mark {
            x: x(interval.earliest),
            width: x(interval.latest).saturating_sub(x(interval.earliest)).max(2),
            class: class.clone(),
            label: label.clone(),
        })
        .collect()
}

/// One act judged against the order.
pub struct ActRow {
    pub act: String,
    pub outcome: &'static str,
    pub outcome_class: String,
    pub court_time: String,
    pub place_time: String,
    pub zone: String,
    pub readings: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "order.html")]
struct OrderPage {
    f: Frame,
    id: String,
    kind: String,
    court: String,
    court_zone: String,
    forms: Vec<(String, String)>,
    marks: Vec<Mark>,
    acts: Vec<ActRow>,
}

/// The order's own instants: issued, spoken, written, lapses.
fn order_forms(
    body: &serde_json::Map<String, Value>,
    zone: &jiff::tz::TimeZone,
    lang: Lang,
) -> Vec<(String, Interval)> {
    let mut out = Vec::new();
    for (field, en, es) in [
        ("oral", "spoken", "oral"),
        ("written", "written", "escrita"),
        ("issued", "issued", "dictada"),
        ("until", "lapses", "vence"),
    ] {
        let Some(value) = body.get(field) else { continue };
        let value = value.get("at").unwrap_or(value);
        if let Ok(spec) = TimeSpec::from_json(value) {
            out.push((lang.pick(en, es).to_string(), spec.resolve(zone)));
        }
    }
    // "issued" repeats the first pronouncement when there is one.
    if out
        .iter()
        .any(|(name, _)| name == lang.pick("spoken", "oral") || name == lang.pick("written", "escrita"))
    {
        out.retain(|(name, _)| name != lang.pick("issued", "dictada"));
    }
    out
}

pub async fn order(State(app): State<Arc<App>>, frame: Frame, PagePath(id): PagePath<String>) -> Response {
    let (caller, lang) = (frame.caller.clone(), frame.lang);
    if let Err(refusal) = caller.require(&STAFF) {
        return refused(refusal, frame);
    }
    let who = caller.clone();
    let target = id.clone();
    let built = app
        .ledger(move |app, ledger| {
            let record = crate::access::readable_record(ledger, &who, &target)?;
            if record.record_type != "order" {
                return Err(Refusal::not_found(&target));
            }
            let court_id = record.body.get("court").and_then(Value::as_str).unwrap_or("").to_string();
            let court = ledger.record(&court_id)?;
            let court_name = court
                .as_ref()
                .and_then(|c| c.body.get("name").and_then(Value::as_str).map(str::to_string))
                .unwrap_or(court_id);
            let court_zone_name = court
                .as_ref()
                .and_then(|c| c.body.get("tz").and_then(Value::as_str).map(str::to_string))
                .unwrap_or_else(|| "UTC".to_string());
            let court_zone = parse_zone(&court_zone_name).unwrap_or(jiff::tz::TimeZone::UTC);
            let forms = order_forms(&record.body, &court_zone, lang);
            let role = who.signed_in()?;
            let report = app.findings().map(|c| c.value);
            let findings = match &report {
                Some(report) => api::findings_view(
                    ledger,
                    role,
                    report,
                    |f| f.about.as_deref() == Some(target.as_str()),
                    lang,
                )?,
                None => Vec::new(),
            };
            let mut points: Vec<(Interval, String, String)> = forms
                .iter()
                .map(|(name, at)| (*at, "form".to_string(), format!("{name}: {}", show(at, &court_zone))))
                .collect();
            let mut acts = Vec::new();
            for finding in &findings {
                let Some(raw) = report.iter().flat_map(|r| r.findings.iter()).find(|f| f.id() == finding.id)
                else {
                    continue;
                };
                let Some(at) = raw.at else { continue };
                let place_zone = finding.zone.as_deref().and_then(parse_zone);
                let (court_time, place_time) = both_zones(&at, &court_zone, place_zone.as_ref());
                let act = match raw.leg {
                    Some(leg) => format!(
                        "{} ({} {leg})",
                        raw.act.clone().unwrap_or_default(),
                        lang.pick("leg", "tramo")
                    ),
                    None => raw.act.as_deref().unwrap_or_default().to_string(),
                };
                points.push((at, finding.outcome.replace('_', "-"), format!("{act}: {court_time}")));
                let readings = raw
                    .readings
                    .iter()
                    .map(|r| {
                        let keys: Vec<String> = r.keys.iter().map(|(_, v)| v.clone()).collect();
                        format!("{} → {}", keys.join(" / "), r.holds.to_json())
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                acts.push(ActRow {
                    act,
                    outcome: i18n::outcome_name(lang, &finding.outcome),
                    outcome_class: finding.outcome.replace('_', "-"),
                    court_time,
                    place_time,
                    zone: finding.zone.clone().unwrap_or_default(),
                    readings,
                    message: finding.message.clone(),
                });
            }
            let kind = record.body.get("kind").and_then(Value::as_str).unwrap_or("").to_string();
            let forms = forms.iter().map(|(name, at)| (name.clone(), show(at, &court_zone))).collect();
            Ok((kind, court_name, court_zone_name, forms, axis(&points), acts))
        })
        .await;
    match built {
        Ok((kind, court, court_zone, forms, marks, acts)) => {
            page(&OrderPage { f: frame, id, kind, court, court_zone, forms, marks, acts })
        }
        Err(refusal) => refused(refusal, frame),
    }
}

// ---------------------------------------------------------------------------------------------

/// A line of the occupancy chart.
pub struct Line {
    pub class: String,
    pub label: String,
    pub points: String,
}

#[derive(Template)]
#[template(path = "place.html")]
struct PlacePage {
    f: Frame,
    name: String,
    zone: String,
    first: String,
    last: String,
    top: u64,
    lines: Vec<Line>,
    rows: Vec<(String, u64, String, String)>,
}

pub async fn place(State(app): State<Arc<App>>, frame: Frame, PagePath(id): PagePath<String>) -> Response {
    let (caller, lang) = (frame.caller.clone(), frame.lang);
    if let Err(refusal) = caller.require(&STAFF) {
        return refused(refusal, frame);
    }
    let now = app.now();
    let target = id.clone();
    let occupancy = app
        .ledger(move |_, ledger| {
            let moment = Moment { as_of: Some(now), known_at: None };
            ledger.occupancy(&target, Days::default(), moment)?.ok_or_else(|| Refusal::not_found(&target))
        })
        .await;
    let occupancy = match occupancy {
        Ok(o) => o,
        Err(refusal) => return refused(refusal, frame),
    };
    let series = &occupancy.series;
    let days: Vec<jiff::civil::Date> = {
        let mut d: Vec<_> = series.iter().map(|c| c.day).collect();
        d.sort();
        d.dedup();
        d
    };
    let top = series.iter().map(|c| c.count.max(c.capacity.unwrap_or(0))).max().unwrap_or(1).max(1);
    let x = |day: jiff::civil::Date| -> u32 {
        let i = days.binary_search(&day).unwrap_or(0);
        if days.len() <= 1 { 500 } else { (20 + i * 960 / (days.len() - 1)) as u32 }
    };
    let y = |count: u64| -> u32 { (280 - count * 260 / top) as u32 };
    let mut kinds: Vec<&str> = series.iter().map(|c| c.kind.as_str()).collect();
    kinds.sort();
    kinds.dedup();
    let mut lines: Vec<Line> = kinds
        .iter()
        .map(|kind| Line {
            class: if *kind == "timelines" { "count".into() } else { "reported".into() },
            label: if *kind == "timelines" {
                lang.pick("people in the ledger", "personas en el registro").to_string()
            } else {
                kind.to_string()
            },
            points: series
                .iter()
                .filter(|c| c.kind == *kind)
                .map(|c| format!("{},{}", x(c.day), y(c.count)))
                .collect::<Vec<_>>()
                .join(" "),
        })
        .collect();
    let capacity: Vec<String> =
        series.iter().filter_map(|c| c.capacity.map(|cap| format!("{},{}", x(c.day), y(cap)))).collect();
    if !capacity.is_empty() {
        lines.push(Line {
            class: "capacity".into(),
            label: lang.pick("capacity", "capacidad").into(),
            points: capacity.join(" "),
        });
    }
    let rows = series
        .iter()
        .rev()
        .take(60)
        .map(|c| {
            (
                c.day.to_string(),
                c.count,
                c.kind.clone(),
                c.capacity.map(|n| n.to_string()).unwrap_or_default(),
            )
        })
        .collect();
    let first = days.first().map(|d| d.to_string()).unwrap_or_default();
    let last = days.last().map(|d| d.to_string()).unwrap_or_default();
    page(&PlacePage {
        f: frame,
        name: occupancy.name.clone(),
        zone: occupancy.zone.clone(),
        first,
        last,
        top,
        lines,
        rows,
    })
}

// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    f: Frame,
    report: Option<api::ImportOut>,
    error: Option<String>,
}

pub async fn import_form(frame: Frame) -> Response {
    if let Err(refusal) = frame.caller.require(&[Role::Admin, Role::Editor]) {
        return refused(refusal, frame);
    }
    page(&ImportPage { f: frame, report: None, error: None })
}

/// The upload: a JSON Lines file, the keep-going choice and the session's CSRF token.
pub async fn import_upload(
    State(app): State<Arc<App>>,
    frame: Frame,
    form: Result<Multipart, MultipartRejection>,
) -> Response {
    let (caller, lang) = (frame.caller.clone(), frame.lang);
    if let Err(refusal) = caller.require(&[Role::Admin, Role::Editor]) {
        return refused(refusal, frame);
    }
    // axum's own answer to a body that is not a form upload is a line of English text.
    let mut form = match form {
        Ok(form) => form,
        Err(rejection) => {
            let detail = rejection.body_text();
            let refusal = Refusal::bad_request(
                format!(
                    "this upload did not arrive as a form with a file; send it from the import page ({detail})"
                ),
                format!(
                    "este envío no llegó como un formulario con un archivo; envíelo desde la página de importación ({detail})"
                ),
            );
            return refused(refusal, frame);
        }
    };
    let mut file = match api::Upload::new(&app) {
        Ok(upload) => upload,
        Err(refusal) => return refused(refusal, frame),
    };
    let (mut csrf, mut keep_going) = (None, false);
    loop {
        match form.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_string();
                let read = match name.as_str() {
                    // The file is written to disk as it arrives, never held in memory whole.
                    "file" => file.receive(&app, field).await,
                    "csrf" => match field.bytes().await {
                        Ok(bytes) => {
                            csrf = Some(String::from_utf8_lossy(&bytes).into_owned());
                            Ok(())
                        }
                        Err(e) => Err(Refusal::bad_request(e.to_string(), e.to_string())),
                    },
                    "keep_going" => {
                        keep_going = true;
                        Ok(())
                    }
                    _ => Ok(()),
                };
                if let Err(refusal) = read {
                    return refused(refusal, frame);
                }
            }
            Ok(None) => break,
            Err(e) => return refused(Refusal::bad_request(e.to_string(), e.to_string()), frame),
        }
    }
    if let Err(refusal) = caller.check_csrf(csrf.as_deref()) {
        return refused(refusal, frame);
    }
    if file.is_empty() {
        let error =
            Some(frame.lang.pick("Choose a file to import.", "Elija un archivo para importar.").to_string());
        let mut response = page(&ImportPage { f: frame, report: None, error });
        *response.status_mut() = StatusCode::BAD_REQUEST;
        return response;
    }
    match api::import_upload(&app, &caller, file, keep_going, lang).await {
        Ok(report) => {
            let request = format!(
                "{} ({} appended, {} rejected)",
                frame.request,
                report.appended,
                report.rejected.len()
            );
            if let Err(refusal) = api::audit(&app, &caller, "import", Vec::new(), request).await {
                return refused(refusal, frame);
            }
            page(&ImportPage { f: frame, report: Some(report), error: None })
        }
        Err(refusal) => refused(refusal, frame),
    }
}
