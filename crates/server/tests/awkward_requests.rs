//! Requests nobody meant to send: every reading endpoint and page asked with awkward ids and
//! parameters (half-written dates, zones, huge numbers, accents, emoji, control characters,
//! markup, path tricks), by every role, from a seeded generator. Whatever is asked, the server
//! answers with a status a client can act on, never a server error, never shows markup it was
//! sent back unescaped, and the public and family roles are never shown a name they may not see.

mod common;

use axum::http::{Method, StatusCode};
use common::{EVERYONE, Who, server};
use habeas_server::Role;

const AWKWARD: &[&str] = &[
    "",
    " ",
    "p-demo-wilmer",
    "coh-ve-238",
    "ord-jgg-tro-1",
    "wilmer",
    "Wilmer Rojas",
    "ROJAS, WILMER",
    "José Pérez",
    "Pen\u{303}a",
    "ß",
    "😀",
    "\u{0}",
    "\u{200F}",
    "\u{FEFF}",
    "%",
    "%%",
    "%zz",
    "..",
    "../..",
    "/",
    "\\",
    "'",
    "\"",
    "<script>alert(1)</script>",
    "a&b=c",
    "#",
    "?",
    "2025",
    "2025-03",
    "2025-03-15",
    "2025-02-29",
    "2025-13-45",
    "9999-12-31",
    "0000-01-01",
    "2025-03-15T18:45-04:00",
    "2025-03-15T18:45",
    "-1",
    "0",
    "18446744073709551616",
    "1e9",
    "es",
    "en",
    "xx",
    "true",
    "yes",
    "violation",
    "aea-notice",
    "A054808046",
    "VE",
];

const PATHS: &[&str] = &[
    "/api/locate?q={}&born={}&nationality={}&limit={}&lang={}&as_of={}&known_at={}",
    "/api/persons/{}?lang={}&as_of={}&known_at={}",
    "/api/timeline/{}?lang={}&as_of={}&known_at={}",
    "/api/records/{}?lang={}",
    "/api/records/{}/proof?lang={}",
    "/api/consistency?old_size={}",
    "/api/findings?rule={}&outcome={}&subject={}&lang={}",
    "/api/export?type={}",
    "/api/audit?since={}&user={}&record={}",
    "/search?q={}&born={}&lang={}",
    "/persons/{}?lang={}&as_of={}",
    "/records/{}?lang={}",
    "/orders/{}?lang={}",
    "/places/{}?lang={}",
    "/findings?rule={}&lang={}",
    "/public?lang={}",
];

#[path = "../../model/tests/mutate/dice.rs"]
mod dice;

use dice::Dice;

/// Percent-encodes everything but unreserved characters, as a browser's form would.
fn encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Names of persons the public and family roles may not see (the family account is granted
/// Wilmer alone).
const HIDDEN_NAMES: &[&str] = &["Luis", "Carlos Mendoza"];

#[tokio::test]
async fn awkward_requests_get_answers_not_server_errors() {
    let server = server();
    let mut dice = Dice::seeded(0x00A1_1EE5_2025_1202);
    for round in 0..600 {
        let template = PATHS[dice.below(PATHS.len())];
        let mut uri = String::new();
        for (i, piece) in template.split("{}").enumerate() {
            if i > 0 {
                uri.push_str(&encoded(AWKWARD[dice.below(AWKWARD.len())]));
            }
            uri.push_str(piece);
        }
        let who = EVERYONE[dice.below(EVERYONE.len())];
        let reply = server.call(who, Method::GET, &uri, "").await;
        assert!(
            !reply.status.is_server_error(),
            "round {round}: {who:?} GET {uri}: {} {}",
            reply.status,
            reply.body.chars().take(300).collect::<String>()
        );
        // A page shows what was asked escaped, never as markup it would run (the API answers
        // JSON, which a browser does not run as a page).
        let content_type = reply.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
        if content_type.starts_with("text/html") {
            assert!(
                !reply.body.contains("<script>alert(1)"),
                "round {round}: {who:?} GET {uri} reflects markup"
            );
        } else if reply.status.is_client_error() || reply.status.is_success() {
            assert!(
                content_type.starts_with("application/json"),
                "round {round}: GET {uri}: {content_type:?}"
            );
        }
        if matches!(who, Who::Public | Who::Account(Role::Family)) && reply.status == StatusCode::OK {
            for name in HIDDEN_NAMES {
                assert!(!reply.body.contains(name), "round {round}: {who:?} GET {uri} shows {name}");
            }
        }
    }
}
