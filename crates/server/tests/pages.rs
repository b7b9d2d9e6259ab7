//! The web pages without a browser: sign-in with its form token, the search and person pages in
//! both languages, the public dashboard, and a downloaded proof that checks out.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{Who, server};
use habeas_ledger::{Checkpoint, Hash, InclusionProof, leaf_hash, verify_inclusion};
use habeas_server::Role;

/// Signs in through the form, as a browser does; returns the session cookie.
async fn sign_in_with_form(server: &common::Server, name: &str) -> String {
    let form = server.get(Who::Public, "/login").await;
    let login_cookie =
        form.headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_string();
    let token = login_cookie.split_once('=').unwrap().1.to_string();
    assert!(form.body.contains(&format!("name=\"csrf\" value=\"{token}\"")));
    let body = format!("name={name}&password={}&csrf={token}", common::PASSWORD);
    let request = Request::builder()
        .method(Method::POST)
        .uri("/login")
        .header(header::COOKIE, &login_cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    let reply = server.send(request).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.headers[header::LOCATION], "/search");
    reply.headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_string()
}

#[tokio::test]
async fn the_login_form_refuses_a_post_without_its_own_token() {
    let server = server();
    let request = Request::builder()
        .method(Method::POST)
        .uri("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("name=family&password={}&csrf=forged", common::PASSWORD)))
        .unwrap();
    let reply = server.send(request).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.body.contains("this form has expired"));
    assert!(
        !reply
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|c| c.to_str().unwrap().starts_with("habeas_session="))
    );
}

#[tokio::test]
async fn a_form_that_does_not_read_gets_the_error_page_in_the_visitor_s_language() {
    let server = server();
    let post = |uri: &str, content_type: &str, body: &str, cookie: Option<&str>| {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(header::CONTENT_TYPE, content_type)
            .header(header::ACCEPT_LANGUAGE, "es");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        request.body(Body::from(body.to_string())).unwrap()
    };
    // A sign-in form without its password, and one that is not a form at all.
    for (content_type, body) in [
        ("application/x-www-form-urlencoded", "name=family&csrf=x"),
        ("application/json", "{\"name\":\"family\"}"),
    ] {
        let reply = server.send(post("/login", content_type, body, None)).await;
        assert!(reply.status.is_client_error(), "{content_type}: {}", reply.status);
        assert!(
            reply.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"),
            "{content_type}"
        );
        assert!(reply.body.contains("<html lang=\"es\">"), "{content_type}: {}", reply.body);
        assert!(reply.body.contains("este formulario no llegó completo"), "{content_type}: {}", reply.body);
    }
    // Signing out with a forged token, and an upload that is not a form with a file.
    let (cookie, _) = server.sign_in("editor").await;
    let forged =
        server.send(post("/logout", "application/x-www-form-urlencoded", "csrf=forged", Some(&cookie))).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.body.contains("este formulario caducó"), "{}", forged.body);
    let upload = server.send(post("/import", "text/plain", "not a form", Some(&cookie))).await;
    assert_eq!(upload.status, StatusCode::BAD_REQUEST);
    assert!(upload.body.contains("<html lang=\"es\">"), "{}", upload.body);
    assert!(upload.body.contains("no llegó como un formulario con un archivo"), "{}", upload.body);
}

#[tokio::test]
async fn a_family_finds_its_relative_in_spanish_and_reads_the_page() {
    let server = server();
    let cookie = sign_in_with_form(&server, "family").await;
    let search = server.with_cookie(&cookie, Method::GET, "/search?q=wilmer%20roja&lang=es", &[], "").await;
    assert_eq!(search.status, StatusCode::OK);
    assert!(search.body.contains("<html lang=\"es\">"));
    assert!(search.body.contains("Buscar a una persona"));
    assert!(search.body.contains("href=\"/persons/p-demo-wilmer\">Wilmer Antonio Rojas Pérez</a>"));
    assert!(search.body.contains("bajo custodia de otro Estado"));
    // The choice of language is kept for the next pages.
    assert!(search.headers[header::SET_COOKIE].to_str().unwrap().starts_with("lang=es"));
    let none = server.with_cookie(&cookie, Method::GET, "/search?q=luis%20ramirez&lang=es", &[], "").await;
    assert!(none.body.contains("No encontramos a nadie con ese nombre"));

    let cookies = format!("{cookie}; lang=es");
    let page = server.with_cookie(&cookies, Method::GET, "/persons/p-demo-wilmer", &[], "").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Wilmer Antonio Rojas Pérez está detenido en Simón Bolívar International Airport")
    );
    assert!(page.body.contains("<svg class=\"strip\""));
    assert!(page.body.contains("El Valle Detention Facility"));
    assert!(page.body.contains("Posible violación"));
    assert!(page.body.contains("Statement of a relative (illustrative)"));
    assert!(!page.body.contains("asked not to be named"));
    assert!(!page.body.contains("1998-07-02"));
    assert!(page.body.contains("href=\"/persons/p-demo-wilmer?lang=en\""));
    // In English, switched on the page.
    let english = server.with_cookie(&cookies, Method::GET, "/persons/p-demo-wilmer?lang=en", &[], "").await;
    assert!(
        english.body.contains("Wilmer Antonio Rojas Pérez is held at Simón Bolívar International Airport")
    );
    assert!(english.body.contains("Possible violation"));
    // Other persons are not there for this account.
    let other = server.with_cookie(&cookies, Method::GET, "/persons/p-demo-luis", &[], "").await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert!(!other.body.contains("Luis"));
}

#[tokio::test]
async fn the_downloaded_proof_checks_against_the_signed_checkpoint() {
    let server = server();
    let cookie = sign_in_with_form(&server, "family").await;
    let reply = server.with_cookie(&cookie, Method::GET, "/api/records/p-demo-wilmer/proof", &[], "").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply.headers[header::CONTENT_DISPOSITION].to_str().unwrap().contains("proof-p-demo-wilmer.json")
    );
    let proof = reply.json();
    // The leaf holds commitments, not the name.
    assert!(!proof["leaf_bytes"].as_str().unwrap().contains("Wilmer"));
    let checkpoint =
        Checkpoint::open(proof["checkpoint"].as_str().unwrap(), &[common::signer().verifier()]).unwrap();
    let leaf = leaf_hash(proof["leaf_bytes"].as_str().unwrap().as_bytes());
    assert_eq!(leaf.to_base64(), proof["leaf"]);
    let inclusion = InclusionProof {
        leaf_index: proof["index"].as_u64().unwrap(),
        tree_size: checkpoint.tree_size,
        hashes: proof["proof"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| Hash::from_base64(h.as_str().unwrap()).unwrap())
            .collect(),
    };
    verify_inclusion(&inclusion, &leaf, &checkpoint.root).unwrap();
}

#[tokio::test]
async fn the_public_dashboard_shows_counts_and_no_names() {
    let server = server();
    let page = server.get(Who::Public, "/public?lang=es").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Cifras públicas"));
    assert!(page.body.contains("menos de 5"));
    assert!(page.body.contains("Venezuelan men removed on 15-16 March 2025"));
    for name in ["Wilmer", "Luis", "Carlos", "José", "p-demo"] {
        assert!(!page.body.contains(name), "{name}");
    }
    // Pages that need an account send the public to the sign-in page.
    let search = server.get(Who::Public, "/search?q=wilmer").await;
    assert_eq!(
        (search.status, search.headers[header::LOCATION].to_str().unwrap()),
        (StatusCode::SEE_OTHER, "/login")
    );
}

#[tokio::test]
async fn staff_pages_show_findings_and_records() {
    let server = server();
    let findings = server.get(Who::Account(Role::Viewer), "/findings?outcome=violation").await;
    assert_eq!(findings.status, StatusCode::OK);
    assert!(findings.body.contains("<code>notice</code>"));
    assert!(findings.body.contains("class=\"finding violation\""));
    assert!(!findings.body.contains("class=\"finding possible-violation\""));
    assert!(findings.body.contains("<option value=\"violation\" selected>"));
    let record = server.get(Who::Account(Role::Viewer), "/records/p-demo-wilmer").await;
    assert!(record.body.contains("A012-345-678"));
    assert_eq!(
        server.get(Who::Account(Role::Family), "/records/p-demo-wilmer").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_order_page_puts_the_acts_on_the_order_s_time_axis_in_both_zones() {
    let server = server();
    let page = server.get(Who::Account(Role::Viewer), "/orders/ord-jgg-tro2").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("America/New_York"));
    // The spoken order, in the court's zone.
    assert!(page.body.contains("2025-03-15 18:45 .. 2025-03-15 18:48 -04:00"), "{}", page.body);
    assert!(page.body.contains("<svg class=\"axis\""));
    assert!(page.body.contains("class=\"mark form\""));
    assert!(page.body.contains("class=\"mark possible-violation\""));
    // The hand-over: in the court's zone and in El Salvador's.
    assert!(page.body.contains("cus-aea137-handover"));
    assert!(page.body.contains("America/El_Salvador"));
    assert!(page.body.contains("-06:00"));
    assert_eq!(
        server.get(Who::Account(Role::Family), "/orders/ord-jgg-tro2").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        server.get(Who::Account(Role::Viewer), "/orders/pl-cecot").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_facility_page_draws_occupancy_against_capacity() {
    let server = server();
    let page = server.get(Who::Account(Role::Viewer), "/places/pl-cecot?lang=es").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("<h1>CECOT</h1>"));
    assert!(page.body.contains("<polyline class=\"line count\""));
    assert!(page.body.contains("<polyline class=\"line capacity\""));
    // 261 held from 16 March 2025; after the 18 July exchange, the 23 Salvadorans and the 27 of
    // the 30 March and 12 April transfers (for whom no release is recorded) stayed.
    assert!(
        page.body.contains("<tr><td>2026-11-30</td><td>50</td><td>timelines</td><td>40000</td></tr>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("class=\"tick\">40000</text>"));
    assert!(page.body.contains("Ocupación frente a capacidad"));
    assert_eq!(server.get(Who::Public, "/places/pl-cecot").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_import_page_uploads_a_file_and_lists_the_rejected_lines() {
    let server = server();
    let (cookie, csrf) = server.sign_in("editor").await;
    let form = server.with_cookie(&cookie, Method::GET, "/import", &[], "").await;
    assert!(form.body.contains("enctype=\"multipart/form-data\"") && form.body.contains(&csrf));
    let upload = |csrf: &str| {
        let file = "{\"type\":\"source\",\"id\":\"src-page\",\"kind\":\"other\",\"title\":\"Uploaded\"}\n{\"type\":\"custody\",\"id\":\"cus-bad\",\"subject\":\"p-demo-wilmer\",\"event\":\"flew\"}\n";
        format!(
            "--B\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--B\r\nContent-Disposition: form-data; name=\"keep_going\"\r\n\r\n1\r\n--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"new.jsonl\"\r\nContent-Type: application/jsonl\r\n\r\n{file}\r\n--B--\r\n"
        )
    };
    let headers = [("content-type", "multipart/form-data; boundary=B")];
    let forged = server.with_cookie(&cookie, Method::POST, "/import", &headers, &upload("forged")).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let done = server.with_cookie(&cookie, Method::POST, "/import", &headers, &upload(&csrf)).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("1 records added"), "{}", done.body);
    assert!(done.body.contains("<td>2</td><td><code>event</code></td>"), "{}", done.body);
    assert_eq!(server.get(Who::Account(Role::Viewer), "/api/records/src-page").await.status, StatusCode::OK);
    // Viewers have no import page.
    assert_eq!(server.get(Who::Account(Role::Viewer), "/import").await.status, StatusCode::FORBIDDEN);

    // A file of 3 MB, past the 2 MB axum buffers by default, lands too.
    let big: String = (0..40_000)
        .map(|i| format!("{{\"type\":\"source\",\"id\":\"src-page-{i}\",\"kind\":\"other\",\"title\":\"Uploaded in a large file, number {i}\"}}\n"))
        .collect();
    assert!(big.len() > 3_000_000);
    let form = format!(
        "--B\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.jsonl\"\r\nContent-Type: application/jsonl\r\n\r\n{big}\r\n--B--\r\n"
    );
    let done = server.with_cookie(&cookie, Method::POST, "/import", &headers, &form).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body.chars().take(300).collect::<String>());
    assert!(
        done.body.contains("40000 records added"),
        "{}",
        done.body.chars().take(3000).collect::<String>()
    );
}
