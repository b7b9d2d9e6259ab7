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
