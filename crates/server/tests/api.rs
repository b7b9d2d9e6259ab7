//! The API, endpoint by endpoint and role by role: who gets what, who is refused, and that the
//! public and family roles never receive a name or a field they may not see, whatever they ask.

mod common;

use axum::http::{Method, StatusCode};
use common::{EVERYONE, Who, server};
use habeas_server::Role;

const A: Who = Who::Account(Role::Admin);
const E: Who = Who::Account(Role::Editor);
const V: Who = Who::Account(Role::Viewer);
const F: Who = Who::Account(Role::Family);
const P: Who = Who::Public;

const NEW_SOURCE: &str =
    r#"{"type":"source","id":"src-api-test","kind":"other","title":"Added through the API"}"#;

/// Every endpoint, and the status each caller gets (admin, editor, viewer, family, public).
const MATRIX: &[(&str, &str, [u16; 5])] = &[
    ("GET", "/api/locate?q=wilmer", [200, 200, 200, 200, 401]),
    ("GET", "/api/persons/p-demo-wilmer", [200, 200, 200, 200, 401]),
    ("GET", "/api/timeline/p-demo-wilmer", [200, 200, 200, 200, 401]),
    ("GET", "/api/timeline/coh-aea-137", [200, 200, 200, 404, 401]),
    ("GET", "/api/records/p-demo-wilmer", [200, 200, 200, 403, 401]),
    ("GET", "/api/records/p-demo-wilmer/proof", [200, 200, 200, 200, 401]),
    ("GET", "/api/checkpoint", [200, 200, 200, 200, 200]),
    ("GET", "/api/consistency?old_size=100", [200, 200, 200, 200, 200]),
    ("GET", "/api/findings", [200, 200, 200, 200, 401]),
    ("GET", "/api/export", [200, 200, 200, 403, 401]),
    ("POST", "/api/import", [200, 200, 403, 403, 401]),
    ("GET", "/api/public", [200, 200, 200, 200, 200]),
    ("GET", "/api/audit", [200, 403, 403, 403, 401]),
    ("DELETE", "/api/session", [204, 204, 204, 204, 204]),
];

#[tokio::test]
async fn every_endpoint_answers_each_role_as_the_matrix_says() {
    let server = server();
    for (method, uri, expected) in MATRIX {
        for (who, status) in EVERYONE.iter().zip(expected) {
            let body = if *method == "POST" { NEW_SOURCE } else { "" };
            let reply = server.call(*who, method.parse::<Method>().unwrap(), uri, body).await;
            assert_eq!(reply.status.as_u16(), *status, "{method} {uri} as {who:?}: {}", reply.body);
            if reply.status.is_client_error() {
                assert!(
                    reply.json()["error"].as_str().is_some_and(|e| !e.is_empty()),
                    "{method} {uri}: {}",
                    reply.body
                );
            }
        }
    }
}

/// Each person's visibility, by role: Wilmer is granted to the family account, Luis is not,
/// José is `restricted`, Carlos `sealed`.
#[tokio::test]
async fn sensitivity_and_grants_decide_who_sees_each_person() {
    let server = server();
    let cases: &[(&str, [u16; 4])] = &[
        ("p-demo-wilmer", [200, 200, 200, 200]),
        ("p-demo-luis", [200, 200, 200, 404]),
        ("p-demo-jose", [200, 200, 200, 404]),
        ("p-demo-carlos", [200, 200, 404, 404]),
        ("p-nobody", [404, 404, 404, 404]),
    ];
    for (id, expected) in cases {
        for (who, status) in [A, E, V, F].iter().zip(expected) {
            for uri in [
                format!("/api/persons/{id}"),
                format!("/api/timeline/{id}"),
                format!("/api/records/{id}/proof"),
            ] {
                let reply = server.get(*who, &uri).await;
                assert_eq!(reply.status.as_u16(), *status, "{uri} as {who:?}: {}", reply.body);
            }
        }
    }
    // A hidden record is refused exactly as a missing one: probing ids tells nothing.
    let hidden = server.get(V, "/api/persons/p-demo-carlos").await;
    let missing = server.get(V, "/api/persons/p-nobody").await;
    assert_eq!(
        hidden.json()["error"].as_str().unwrap().replace("p-demo-carlos", "ID"),
        missing.json()["error"].as_str().unwrap().replace("p-nobody", "ID")
    );
    // Events take the sensitivity of their subjects: a sealed person's records stay sealed.
    assert_eq!(server.get(V, "/api/records/p-demo-carlos").await.status, StatusCode::NOT_FOUND);
    assert_eq!(server.get(E, "/api/records/p-demo-carlos").await.status, StatusCode::OK);
}

/// Everything the public and the family account might ask, with every id there is.
async fn everything(server: &common::Server, who: Who) -> String {
    let mut all = String::new();
    let ids = [
        "p-demo-wilmer",
        "p-demo-luis",
        "p-demo-jose",
        "p-demo-carlos",
        "coh-demo-known",
        "src-demo-informant",
        "cus-demo-wilmer-booked",
    ];
    let mut uris: Vec<String> = vec![
        "/api/findings".into(),
        "/api/export".into(),
        "/api/public".into(),
        "/api/audit".into(),
        "/api/checkpoint".into(),
        "/openapi.json".into(),
        "/public".into(),
        "/search?q=luis".into(),
        "/findings".into(),
    ];
    for q in ["wilmer", "luis ramirez", "jose perez", "carlos mendoza", "A012-345-678", "Rojas"] {
        uris.push(format!("/api/locate?q={}", q.replace(' ', "%20")));
        // The search page repeats what was typed: an identifier typed is not one leaked.
        if !q.starts_with("A012") {
            uris.push(format!("/search?q={}", q.replace(' ', "%20")));
        }
    }
    for id in ids {
        for path in ["/api/persons/", "/api/timeline/", "/api/records/", "/persons/", "/records/"] {
            uris.push(format!("{path}{id}"));
        }
        uris.push(format!("/api/records/{id}/proof"));
        uris.push(format!("/api/findings?subject={id}"));
    }
    for uri in uris {
        let reply = server.get(who, &uri).await;
        assert!(reply.status != StatusCode::INTERNAL_SERVER_ERROR, "{uri}: {}", reply.body);
        // A refusal names the id that was asked for: that echo is not a leak.
        let mut body = reply.body.clone();
        if reply.status.is_client_error() {
            for id in ids {
                if uri.contains(id) {
                    body = body.replace(id, "<asked>");
                }
            }
        }
        all.push_str(&body);
        all.push('\n');
    }
    all
}

#[tokio::test]
async fn the_public_never_receives_a_name_or_an_identifier() {
    let server = server();
    let seen = everything(&server, P).await;
    for secret in [
        "Wilmer",
        "Luis Alberto",
        "José Gregorio",
        "Jos\\u00e9",
        "Carlos Eduardo",
        "A012-345-678",
        "1998-07-02",
        "p-demo-",
        "asked not to be named",
    ] {
        assert!(!seen.contains(secret), "the public saw {secret:?}");
    }
    // What it may see, it sees: counts, with small ones hidden.
    let counts = server.get(P, "/api/public").await.json();
    assert_eq!(counts["persons"], serde_json::json!({"fewer_than": 5}));
    assert_eq!(counts["by_nationality"][0], serde_json::json!({"key": "VE", "fewer_than": 5}));
    assert!(counts["cohorts"].as_array().unwrap().iter().any(|c| c["count"] == 137));
}

#[tokio::test]
async fn a_family_sees_only_its_relative_and_only_what_is_safe() {
    let server = server();
    let seen = everything(&server, F).await;
    for secret in [
        "Luis Alberto",
        "José Gregorio",
        "Jos\\u00e9 Gregorio",
        "Carlos Eduardo",
        "A012-345-678",
        "1998-07-02",
        "asked not to be named",
        "org-ice",
        "ins-proc-10903",
        "cus-demo-wilmer-booked",
    ] {
        assert!(!seen.contains(secret), "the family account saw {secret:?}");
    }
    // Its own relative: status, place, since, the findings (without details), public sources.
    let person = server.get(F, "/api/persons/p-demo-wilmer?lang=es").await.json();
    assert_eq!(person["name"], "Wilmer Antonio Rojas Pérez");
    assert_eq!((person["status"].as_str(), person["removed"].as_bool()), (Some("in_custody"), Some(true)));
    assert!(person["sentence"].as_str().unwrap().starts_with("Wilmer Antonio Rojas Pérez está detenido en"));
    assert_eq!(person["names"], serde_json::json!([]));
    assert_eq!(person["born"], serde_json::Value::Null);
    let findings = person["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["rule"] == "order-conflict" && f["subjects"] == serde_json::json!(["coh-aea-137"]))
    );
    assert!(findings.iter().all(|f| f["details"].is_null() && f["records"] == serde_json::json!([])));
    let sources: Vec<&str> = person["timeline"]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap())
        .collect();
    assert!(sources.contains(&"Statement of a relative (illustrative)"));
    // A misspelled name finds the relative, and only the relative.
    let found = server.get(F, "/api/locate?q=wilmer%20roja").await.json();
    assert_eq!(found["candidates"][0]["id"], "p-demo-wilmer");
    assert_eq!(found["candidates"][0]["custodian"], serde_json::Value::Null);
    assert_eq!(
        server.get(F, "/api/locate?q=luis%20ramirez").await.json()["candidates"],
        serde_json::json!([])
    );
}

#[tokio::test]
async fn a_viewer_sees_all_but_sealed_records() {
    let server = server();
    let luis = server.get(V, "/api/locate?q=luis%20ramirez").await.json();
    assert_eq!(luis["candidates"][0]["id"], "p-demo-luis");
    let carlos = server.get(V, "/api/locate?q=carlos%20mendoza").await.json();
    assert!(carlos["candidates"].as_array().unwrap().iter().all(|c| c["id"] != "p-demo-carlos"));
    assert_eq!(
        server.get(E, "/api/locate?q=carlos%20mendoza").await.json()["candidates"][0]["id"],
        "p-demo-carlos"
    );
    // The sealed person is left out of the export, and out of the cohort's list of members.
    let export = server.get(V, "/api/export").await.body;
    assert!(export.contains("p-demo-jose") && !export.contains("p-demo-carlos"), "{export}");
    let cohort = server.get(V, "/api/records/coh-demo-known").await.json();
    assert_eq!(
        cohort["record"]["members"],
        serde_json::json!(["p-demo-wilmer", "p-demo-jose", "p-demo-luis"])
    );
    let cohort = server.get(E, "/api/records/coh-demo-known").await.json();
    assert_eq!(cohort["record"]["members"].as_array().unwrap().len(), 4);
    assert!(server.get(A, "/api/export").await.body.contains("p-demo-carlos"));
    // Full views for staff: names, birth date, custodian, the records behind each stretch.
    let wilmer = server.get(V, "/api/persons/p-demo-wilmer").await.json();
    assert_eq!(wilmer["born"], "1998-07-02");
    assert_eq!(wilmer["timeline"]["segments"][0]["custodian"], "org-ice");
    assert_eq!(wilmer["timeline"]["segments"][0]["records"], serde_json::json!(["cus-demo-wilmer-booked"]));
}

#[tokio::test]
async fn imports_land_records_and_report_rejections() {
    let server = server();
    let before = server.get(A, "/api/checkpoint").await.json()["size"].as_u64().unwrap();
    let reply = server.call(E, Method::POST, "/api/import", NEW_SOURCE).await.json();
    assert_eq!((reply["appended"].as_u64(), reply["committed"].as_bool()), (Some(1), Some(true)));
    assert_eq!(server.get(A, "/api/checkpoint").await.json()["size"].as_u64().unwrap(), before + 2);
    assert_eq!(
        server.get(V, "/api/records/src-api-test").await.json()["record"]["title"],
        "Added through the API"
    );
    // A bad line: nothing lands, the line and field are named, in the caller's language.
    let bad = "{\"type\":\"source\",\"id\":\"src-ok\",\"kind\":\"other\",\"title\":\"ok\"}\n{\"type\":\"custody\",\"id\":\"cus-x\",\"subject\":\"p-demo-wilmer\",\"event\":\"flew\"}";
    let reply = server.call(E, Method::POST, "/api/import?lang=es", bad).await.json();
    assert_eq!(reply["committed"], false);
    assert_eq!(reply["rejected"][0]["line"], 2);
    assert_eq!(reply["rejected"][0]["field"], "event");
    assert_eq!(server.get(V, "/api/records/src-ok").await.status, StatusCode::NOT_FOUND);
    let kept = server.call(E, Method::POST, "/api/import?keep_going=true", bad).await.json();
    assert_eq!((kept["appended"].as_u64(), kept["committed"].as_bool()), (Some(1), Some(true)));
}

#[tokio::test]
async fn a_server_without_the_signing_key_refuses_imports_and_still_reads() {
    let server = common::server_with(|config| config.signer = None);
    let before = server.get(A, "/api/checkpoint").await.json()["size"].as_u64().unwrap();
    let refused = server.call(E, Method::POST, "/api/import?lang=es", NEW_SOURCE).await;
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE, "{}", refused.body);
    assert!(refused.body.contains("solo lee"), "{}", refused.body);
    assert_eq!(server.get(A, "/api/checkpoint").await.json()["size"].as_u64().unwrap(), before);
    assert_eq!(server.get(V, "/api/records/src-api-test").await.status, StatusCode::NOT_FOUND);
    assert_eq!(server.get(V, "/api/locate?q=wilmer").await.status, StatusCode::OK);
}

#[tokio::test]
async fn sessions_need_their_csrf_token_to_change_anything() {
    let server = server();
    let (cookie, csrf) = server.sign_in("editor").await;
    let refused = server.with_cookie(&cookie, Method::POST, "/api/import", &[], NEW_SOURCE).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let done = server
        .with_cookie(&cookie, Method::POST, "/api/import", &[("x-csrf-token", &csrf)], NEW_SOURCE)
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    // Reads need none; signing out ends the session.
    assert_eq!(
        server.with_cookie(&cookie, Method::GET, "/api/locate?q=wilmer", &[], "").await.status,
        StatusCode::OK
    );
    let out =
        server.with_cookie(&cookie, Method::DELETE, "/api/session", &[("x-csrf-token", &csrf)], "").await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(out.headers["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(
        server.with_cookie(&cookie, Method::GET, "/api/locate?q=wilmer", &[], "").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn cookies_are_strict_and_sign_ins_are_limited() {
    let server = server();
    let body = serde_json::json!({"name": "viewer", "password": common::PASSWORD}).to_string();
    let reply = server.call(P, Method::POST, "/api/session", &body).await;
    let cookie = reply.headers["set-cookie"].to_str().unwrap();
    assert!(
        cookie.starts_with("habeas_session=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "no TLS in front: a Secure cookie would never come back");

    let wrong = serde_json::json!({"name": "family", "password": "not it"}).to_string();
    for _ in 0..5 {
        let reply = server.call(P, Method::POST, "/api/session", &wrong).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.json()["error"], "wrong name or password");
    }
    // The sixth try is refused even with the right password: the name (and this address) wait.
    let right = serde_json::json!({"name": "family", "password": common::PASSWORD}).to_string();
    assert_eq!(
        server.call(P, Method::POST, "/api/session", &right).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // An unknown name is refused like a wrong password.
    let nobody = serde_json::json!({"name": "nobody", "password": "x"}).to_string();
    let reply = server.call(P, Method::POST, "/api/session", &nobody).await;
    assert!(matches!(reply.status, StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS));
}

#[tokio::test]
async fn behind_tls_cookies_are_secure_and_pages_demand_https() {
    let server = common::server_with(|config| config.behind_tls = true);
    let body = serde_json::json!({"name": "viewer", "password": common::PASSWORD}).to_string();
    let reply = server.call(P, Method::POST, "/api/session", &body).await;
    assert!(reply.headers["set-cookie"].to_str().unwrap().contains("; Secure"));
    let page = server.get(P, "/public").await;
    assert_eq!(page.headers["strict-transport-security"], "max-age=31536000; includeSubDomains");
    // Without TLS in front, neither (the plain server of the other tests).
    assert!(common::server().get(P, "/public").await.headers.get("strict-transport-security").is_none());
}

#[tokio::test]
async fn a_revoked_token_or_grant_stops_working_at_once() {
    let server = server();
    assert_eq!(server.get(F, "/api/persons/p-demo-wilmer").await.status, StatusCode::OK);
    let mut directory =
        habeas_store::Directory::open(&habeas_store::Location::Sqlite(server.db.clone())).unwrap();
    directory.revoke("family", Some("p-demo-wilmer")).unwrap();
    assert_eq!(server.get(F, "/api/persons/p-demo-wilmer").await.status, StatusCode::NOT_FOUND);
    directory.revoke("viewer", None).unwrap();
    let reply = server.get(V, "/api/locate?q=wilmer").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.json()["error"].as_str().unwrap().contains("token"));
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let server = server();
    for uri in ["/public", "/api/public", "/login", "/openapi.json"] {
        let reply = server.get(P, uri).await;
        let h = &reply.headers;
        assert!(h["content-security-policy"].to_str().unwrap().contains("default-src 'none'"), "{uri}");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert_eq!(h["cache-control"], "no-store");
    }
}

#[tokio::test]
async fn until_the_first_check_the_answers_say_so() {
    let server = common::server_unrefreshed();
    let person = server.get(F, "/api/persons/p-demo-wilmer").await.json();
    assert_eq!(
        (person["findings"].clone(), person["findings_checked_at"].clone()),
        (serde_json::json!([]), serde_json::Value::Null)
    );
    let page = server.get(V, "/persons/p-demo-wilmer?lang=es").await;
    assert!(page.body.contains("Las revisiones todavía no se han hecho"));
    let counts = server.get(P, "/api/public").await;
    assert_eq!(counts.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(counts.json()["error"].as_str().unwrap().contains("being computed"));
    // Searches build the name index themselves.
    assert_eq!(server.get(V, "/api/locate?q=wilmer").await.json()["candidates"][0]["id"], "p-demo-wilmer");
    // Once refreshed, everything is there.
    let mut ledger = habeas_store::Ledger::open(&habeas_store::Location::Sqlite(server.db.clone())).unwrap();
    server.app.refresh(&mut ledger).unwrap();
    assert!(server.get(F, "/api/persons/p-demo-wilmer").await.json()["findings_checked_at"].is_string());
    assert_eq!(server.get(P, "/api/public").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_consistency_proof_links_an_old_checkpoint_to_today_s() {
    let server = server();
    let old = server.get(P, "/api/checkpoint").await.json();
    server.call(E, Method::POST, "/api/import", NEW_SOURCE).await;
    let proof = server.get(P, &format!("/api/consistency?old_size={}", old["size"])).await.json();
    let new = server.get(P, "/api/checkpoint").await.json();
    assert_eq!(
        (proof["old_size"].clone(), proof["size"].clone()),
        (old["size"].clone(), new["size"].clone())
    );
    let hash = |v: &serde_json::Value| habeas_ledger::Hash::from_base64(v.as_str().unwrap()).unwrap();
    let consistency = habeas_ledger::ConsistencyProof {
        old_size: proof["old_size"].as_u64().unwrap(),
        new_size: proof["size"].as_u64().unwrap(),
        hashes: proof["proof"].as_array().unwrap().iter().map(hash).collect(),
    };
    habeas_ledger::verify_consistency(&consistency, &hash(&old["root"]), &hash(&new["root"])).unwrap();
    let bad = server.get(P, "/api/consistency?old_size=99999999").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
}

#[tokio::test]
async fn past_moments_are_asked_as_on_the_command_line() {
    let server = server();
    // Where was he on 20 March 2025? At CECOT. Now: handed to Venezuela.
    let then = server.get(V, "/api/persons/p-demo-wilmer?as_of=2025-03-20").await.json();
    assert_eq!((then["place"].as_str(), then["findings_checked_at"].as_str()), (Some("pl-cecot"), None));
    assert_eq!(server.get(V, "/api/persons/p-demo-wilmer").await.json()["place"], "pl-maiquetia");
    let timeline = server.get(F, "/api/timeline/p-demo-wilmer?as_of=2025-03-20T12:00:00Z").await.json();
    assert_eq!(timeline["segments"].as_array().unwrap().last().unwrap()["place"], "pl-cecot");
    let found = server.get(V, "/api/locate?q=wilmer%20rojas&as_of=2025-03-20").await.json();
    assert_eq!(found["candidates"][0]["place"], "pl-cecot");
    // Before the people were imported, the ledger knew no one by that name.
    let before = server.get(V, "/api/locate?q=wilmer%20rojas&known_at=2026-11-30T08:00:00Z").await.json();
    assert_eq!(before["candidates"], serde_json::json!([]));
    assert_eq!(
        server.get(V, "/api/timeline/p-demo-wilmer?known_at=2026-11-30T08:00:00Z").await.status,
        StatusCode::NOT_FOUND
    );
    let bad = server.get(V, "/api/timeline/p-demo-wilmer?as_of=yesterday&lang=es").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.json()["error"].as_str().unwrap().starts_with("as_of=yesterday: se esperaba un instante"));
}

#[tokio::test]
async fn the_public_threshold_is_the_server_s_setting() {
    // Two persons are counted (Wilmer and Luis; José is restricted, Carlos sealed).
    let open = common::server_with(|config| config.public_min_count = 1);
    let counts = open.get(P, "/api/public").await.json();
    assert_eq!(
        (counts["min_count"].as_u64(), counts["persons"].clone()),
        (Some(1), serde_json::json!({"count": 2}))
    );
    // Both were held at the airport of Caracas since their return in July 2025 when the server's
    // clock read 30 November 2026; every cohort is listed, with its place's name.
    let row = |key: &str| serde_json::json!([{"key": key, "count": 2}]);
    let caracas = "Simón Bolívar International Airport, Maiquetía (Caracas)";
    assert_eq!(counts["by_facility"], row(caracas));
    assert_eq!(counts["by_nationality"], row("VE"));
    assert_eq!(counts["by_status"], row("in_custody"));
    assert_eq!(counts["by_month"], row("2025-07"));
    let cohorts = counts["cohorts"].as_array().unwrap();
    assert_eq!(cohorts.len(), 11);
    let salvadorans = cohorts.iter().find(|c| c["count"] == 23).unwrap();
    assert_eq!((&salvadorans["status"], &salvadorans["place"]), (&"in_custody".into(), &"CECOT".into()));
    let strict = common::server_with(|config| config.public_min_count = 3);
    assert_eq!(strict.get(P, "/api/public").await.json()["persons"], serde_json::json!({"fewer_than": 3}));
}

#[tokio::test]
async fn searches_read_the_refresher_s_statuses_which_are_those_a_search_derives() {
    let server = common::server_unrefreshed();
    async fn answers(server: &common::Server) -> Vec<serde_json::Value> {
        let mut out = Vec::new();
        for who in [A, V, F] {
            for q in ["perez", "wilmer rojas", "carlos mendoza", "luis ramirez", "jose gregorio"] {
                out.push(server.get(who, &format!("/api/locate?q={}", q.replace(' ', "%20"))).await.json());
            }
        }
        out
    }
    // Before a refresh each search derives its statuses.
    let derived = answers(&server).await;
    let mut ledger = habeas_store::Ledger::open(&habeas_store::Location::Sqlite(server.db.clone())).unwrap();
    let size = ledger.size().unwrap();
    assert!(server.app.status_book(size).is_none());
    server.app.refresh(&mut ledger).unwrap();
    let book = server.app.status_book(size).expect("the refresher keeps every status");
    let (_, index) = server.app.person_index(&mut ledger).unwrap();
    assert_eq!(book.statuses.len(), index.len());
    assert!(derived.iter().any(|a| a["candidates"].as_array().unwrap().len() > 1));
    assert_eq!(answers(&server).await, derived);

    // The log grows: the kept statuses no longer apply, and a search shows the new fact at once.
    let moved = r#"{"type":"custody","id":"cus-api-luis-moved","subject":"p-demo-luis","event":"transferred","at":"2026-11-01T10:00:00Z","place":"pl-maryland","custodian":"org-ice","sources":["src-demo-family"]}"#;
    assert_eq!(server.call(E, Method::POST, "/api/import", moved).await.status, StatusCode::OK);
    assert!(server.app.status_book(ledger.size().unwrap()).is_none());
    let found = server.get(V, "/api/locate?q=luis%20ramirez").await.json();
    assert_eq!(
        (found["candidates"][0]["id"].as_str(), found["candidates"][0]["place"].as_str()),
        (Some("p-demo-luis"), Some("pl-maryland"))
    );
}

#[tokio::test]
async fn a_query_or_address_that_does_not_read_is_refused_in_json_or_as_a_page() {
    let server = server();
    let json = |reply: &common::Reply| {
        assert!(
            reply.headers["content-type"].to_str().unwrap().starts_with("application/json"),
            "{:?}",
            reply.headers
        );
        reply.json()["error"].as_str().unwrap().to_string()
    };
    // A parameter of the wrong kind: 400 as JSON, in the language asked for.
    let reply = server.get(V, "/api/locate?q=wilmer&limit=ten").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(json(&reply).starts_with("the request's query is not understood"), "{}", reply.body);
    let reply = server.get(V, "/api/locate?q=wilmer&limit=ten&lang=es").await;
    assert!(json(&reply).starts_with("no se entiende la consulta"), "{}", reply.body);
    let reply = server.get(V, "/api/locate?q=wilmer&born=19x0").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(json(&reply).contains("expected a year, a month or a day"), "{}", reply.body);
    let reply = server.call(E, Method::POST, "/api/import?keep_going=yes", NEW_SOURCE).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    json(&reply);
    // An address nothing is served at: JSON under /api/, a page elsewhere.
    let reply = server.get(V, "/api/persons/").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(json(&reply).contains("nothing is served at this address"), "{}", reply.body);
    let reply = server.get(P, "/records/?lang=es").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.headers["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(reply.body.contains("no se sirve nada en esta dirección"), "{}", reply.body);
    // A path that is not UTF-8.
    let reply = server.get(V, "/api/records/%FF").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(json(&reply).starts_with("the request's path is not understood"), "{}", reply.body);
    let reply = server.get(V, "/persons/%FF").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.headers["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(reply.body.contains("this address is not understood"), "{}", reply.body);
    // A sign-in whose body is not the JSON expected: its status, as JSON.
    for (body, status) in [("not json", 400), ("{\"name\": 5}", 422), ("", 415)] {
        let reply = server.call(P, Method::POST, "/api/session", body).await;
        assert_eq!(reply.status.as_u16(), status, "{body}: {}", reply.body);
        assert!(json(&reply).starts_with("the request's body is not understood"), "{}", reply.body);
    }
}

/// JSON Lines of `count` new sources.
fn sources(count: usize) -> String {
    (0..count)
        .map(|i| format!("{{\"type\":\"source\",\"id\":\"src-up-{i}\",\"kind\":\"other\",\"title\":\"An uploaded source, number {i}\"}}\n"))
        .collect()
}

#[tokio::test]
async fn uploads_larger_than_axum_s_default_land_and_the_server_s_own_limit_refuses() {
    // 5 MB, past the 2 MB axum buffers by default: the body goes to a file as it arrives.
    let server = server();
    let body = sources(70_000);
    assert!(body.len() > 5_000_000);
    let reply = server.call(E, Method::POST, "/api/import", &body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body.chars().take(300).collect::<String>());
    assert_eq!(reply.json()["appended"], 70_000);

    // A server that takes at most 10 kB says so, as JSON, in the caller's language.
    let small = common::server_with(|config| config.max_upload = 10_000);
    let reply = small.call(E, Method::POST, "/api/import?lang=es", &sources(200)).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        reply.json()["error"].as_str().unwrap().starts_with("la subida supera lo que acepta este servidor")
    );
    assert_eq!(small.get(V, "/api/records/src-up-0").await.status, StatusCode::NOT_FOUND, "nothing landed");
    let fits = small.call(E, Method::POST, "/api/import", &sources(20)).await;
    assert_eq!((fits.status, fits.json()["appended"].as_u64()), (StatusCode::OK, Some(20)));
}
