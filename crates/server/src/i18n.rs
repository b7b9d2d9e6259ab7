//! Spanish and English for the pages and the API: which language a request gets, and every
//! sentence a person reads.
//!
//! The language is `?lang=` when given (the switch on every page sets it, and a cookie keeps
//! it), else the `lang` cookie, else the first of `es`/`en` in `Accept-Language`, else English.
//! The words are in [`Texts`], one field per phrase, [`EN`] and [`ES`] side by side, so that a
//! phrase missing in one language does not compile. The Spanish is written for a relative
//! searching on a phone: plain, kind, and never alarming without need.

use axum::http::HeaderMap;
use habeas_model::Lang;
use habeas_store::{Segment, State};

use crate::auth::cookie;

/// The value of `lang=` in a request's query string, if it has one.
pub fn asked(query: Option<&str>) -> Option<&str> {
    query.unwrap_or("").split('&').find_map(|p| p.strip_prefix("lang="))
}

/// The language of a request.
pub fn lang_of(query: Option<&str>, headers: &HeaderMap) -> Lang {
    if let Some(lang) = query.and_then(Lang::parse) {
        return lang;
    }
    if let Some(lang) = cookie(headers, "lang").and_then(Lang::parse) {
        return lang;
    }
    let accept = headers.get(axum::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
    for part in accept.split(',') {
        let tag = part.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if tag.starts_with("es") {
            return Lang::Es;
        }
        if tag.starts_with("en") {
            return Lang::En;
        }
    }
    Lang::En
}

/// The status of a person in one sentence, with the time in the place's zone.
pub fn status_sentence(
    lang: Lang,
    name: &str,
    last: Option<&Segment>,
    place: Option<&str>,
    zone: Option<&str>,
) -> String {
    let Some(segment) = last else {
        return match lang {
            Lang::Es => format!("Todavía no hay datos sobre dónde está {name}."),
            Lang::En => format!("Where {name} is has not been recorded yet."),
        };
    };
    let zone = zone.and_then(habeas_model::time::parse_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let since = habeas_model::time::show(&segment.from, &zone);
    let place = place.or(segment.place.as_deref()).unwrap_or(match lang {
        Lang::Es => "un lugar no registrado",
        Lang::En => "a place not recorded",
    });
    match (lang, segment.state, segment.removed) {
        (Lang::En, State::InCustody, true) => {
            format!(
                "{name} is held at {place}, in the custody of another state after removal, since {since}."
            )
        }
        (Lang::Es, State::InCustody, true) => {
            format!(
                "{name} está detenido en {place}, bajo custodia de otro Estado tras su expulsión, desde {since}."
            )
        }
        (Lang::En, State::InCustody, false) => format!("{name} is held at {place} since {since}."),
        (Lang::Es, State::InCustody, false) => format!("{name} está detenido en {place} desde {since}."),
        (Lang::En, State::InTransit, _) => format!("{name} has been in transit from {place} since {since}."),
        (Lang::Es, State::InTransit, _) => format!("{name} está en traslado desde {place} desde {since}."),
        (Lang::En, State::Released, _) => format!("{name} was released on {since}."),
        (Lang::Es, State::Released, _) => format!("{name} fue liberado el {since}."),
        (Lang::En, State::Deceased, _) => format!("{name} is recorded as deceased ({since})."),
        (Lang::Es, State::Deceased, _) => format!("Consta que {name} falleció ({since})."),
        (Lang::En, State::Unknown, _) => format!("Where {name} has been since {since} is not recorded."),
        (Lang::Es, State::Unknown, _) => format!("No hay datos sobre dónde está {name} desde {since}."),
    }
}

/// What a family account reads in place of a finding about an allegation.
pub fn allegation_withheld(lang: Lang) -> &'static str {
    lang.pick(
        "A check found a problem with the evidence behind an accusation. Ask the legal team for details.",
        "Una revisión encontró un problema en las pruebas de una acusación. Pida los detalles al equipo legal.",
    )
}

/// A state's name for people.
pub fn state_name(lang: Lang, state: &str, removed: bool) -> &'static str {
    match (state, removed) {
        ("in_custody", true) => lang.pick("held by another state", "bajo custodia de otro Estado"),
        ("in_custody", false) => lang.pick("in custody", "detenido"),
        ("in_transit", _) => lang.pick("in transit", "en traslado"),
        ("released", _) => lang.pick("released", "liberado"),
        ("deceased", _) => lang.pick("deceased", "fallecido"),
        _ => lang.pick("not recorded", "sin datos"),
    }
}

/// An outcome's name for people.
pub fn outcome_name(lang: Lang, outcome: &str) -> &'static str {
    match outcome {
        "violation" => lang.pick("Violation", "Violación"),
        "possible_violation" => lang.pick("Possible violation", "Posible violación"),
        "warning" => lang.pick("Warning", "Advertencia"),
        "data_gap" => lang.pick("Missing data", "Faltan datos"),
        _ => lang.pick("Context", "Contexto"),
    }
}

/// Every phrase of the pages.
pub struct Texts {
    pub code: &'static str,
    pub other_code: &'static str,
    pub other_name: &'static str,
    pub site: &'static str,
    pub skip: &'static str,
    pub nav_search: &'static str,
    pub nav_findings: &'static str,
    pub nav_public: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    pub signed_in_as: &'static str,
    pub name: &'static str,
    pub password: &'static str,
    pub search_title: &'static str,
    pub search_label: &'static str,
    pub search_hint: &'static str,
    pub search_button: &'static str,
    pub no_results: &'static str,
    pub results: &'static str,
    pub family_scope: &'static str,
    pub timeline: &'static str,
    pub timeline_gap: &'static str,
    pub from: &'static str,
    pub until: &'static str,
    pub now: &'static str,
    pub status: &'static str,
    pub place: &'static str,
    pub custodian: &'static str,
    pub basis: &'static str,
    pub findings: &'static str,
    pub no_findings: &'static str,
    pub sources: &'static str,
    pub no_sources: &'static str,
    pub proof: &'static str,
    pub proof_explain: &'static str,
    pub record: &'static str,
    pub public_title: &'static str,
    pub public_explain: &'static str,
    pub persons_counted: &'static str,
    pub by_facility: &'static str,
    pub by_nationality: &'static str,
    pub by_status: &'static str,
    pub by_month: &'static str,
    pub cohorts: &'static str,
    pub count: &'static str,
    pub fewer_than: &'static str,
    pub findings_title: &'static str,
    pub rule: &'static str,
    pub outcome: &'static str,
    pub any: &'static str,
    pub filter: &'static str,
    pub when: &'static str,
    pub error_title: &'static str,
    pub back: &'static str,
    pub other_names: &'static str,
    pub born: &'static str,
    pub nationality: &'static str,
    pub checks_pending: &'static str,
    pub checked_at: &'static str,
}

pub const EN: Texts = Texts {
    code: "en",
    other_code: "es",
    other_name: "Español",
    site: "habeas",
    skip: "Skip to content",
    nav_search: "Search",
    nav_findings: "Findings",
    nav_public: "Public figures",
    sign_in: "Sign in",
    sign_out: "Sign out",
    signed_in_as: "Signed in as",
    name: "Name",
    password: "Password",
    search_title: "Find a person",
    search_label: "Name or identifier",
    search_hint: "Write the name as you know it: spelling, accents and the order of surnames do not need to be exact.",
    search_button: "Search",
    no_results: "No one found with that name. Try another spelling, or only one surname.",
    results: "People found",
    family_scope: "You can see the people your organisation has shared with you.",
    timeline: "Timeline",
    timeline_gap: "no record",
    from: "From",
    until: "Until",
    now: "now",
    status: "Status",
    place: "Place",
    custodian: "Held by",
    basis: "Legal authority",
    findings: "Findings",
    no_findings: "No findings about this person.",
    sources: "Sources",
    no_sources: "No public sources.",
    proof: "Download the proof",
    proof_explain: "A file that shows this record is in the ledger, unchanged since it was recorded. Whoever receives it can check it with the ledger's public key alone: habeas proof --check FILE.",
    record: "Record",
    public_title: "Public figures",
    public_explain: "Counts of people recorded in this ledger. No names or identifiers are ever shown here; counts under the threshold are shown as \u{201c}fewer than\u{201d}.",
    persons_counted: "People counted",
    by_facility: "Held now, by place",
    by_nationality: "By nationality",
    by_status: "By status",
    by_month: "By month their current status began",
    cohorts: "Groups known by number",
    count: "Count",
    fewer_than: "fewer than",
    findings_title: "Findings",
    rule: "Rule",
    outcome: "Outcome",
    any: "any",
    filter: "Filter",
    when: "When",
    error_title: "This page cannot be shown",
    back: "Back to the search",
    other_names: "Names",
    born: "Born",
    nationality: "Nationality",
    checks_pending: "The checks have not run on this ledger yet; findings will appear here when they have.",
    checked_at: "Checked at",
};

pub const ES: Texts = Texts {
    code: "es",
    other_code: "en",
    other_name: "English",
    site: "habeas",
    skip: "Ir al contenido",
    nav_search: "Buscar",
    nav_findings: "Hallazgos",
    nav_public: "Cifras públicas",
    sign_in: "Iniciar sesión",
    sign_out: "Cerrar sesión",
    signed_in_as: "Sesión de",
    name: "Nombre",
    password: "Contraseña",
    search_title: "Buscar a una persona",
    search_label: "Nombre o número de identificación",
    search_hint: "Escriba el nombre como lo conozca: no importa si la ortografía, las tildes o el orden de los apellidos no son exactos.",
    search_button: "Buscar",
    no_results: "No encontramos a nadie con ese nombre. Pruebe con otra forma de escribirlo, o con un solo apellido.",
    results: "Personas encontradas",
    family_scope: "Puede ver a las personas que su organización compartió con usted.",
    timeline: "Cronología",
    timeline_gap: "sin datos",
    from: "Desde",
    until: "Hasta",
    now: "ahora",
    status: "Situación",
    place: "Lugar",
    custodian: "Bajo custodia de",
    basis: "Fundamento legal",
    findings: "Hallazgos",
    no_findings: "No hay hallazgos sobre esta persona.",
    sources: "Fuentes",
    no_sources: "No hay fuentes públicas.",
    proof: "Descargar la prueba",
    proof_explain: "Un archivo que demuestra que este registro está en el libro de registros, sin cambios desde que se registró. Quien lo reciba puede comprobarlo solo con la clave pública del libro: habeas proof --check ARCHIVO.",
    record: "Registro",
    public_title: "Cifras públicas",
    public_explain: "Cantidades de personas registradas. Aquí nunca se muestran nombres ni números de identificación; las cantidades bajo el umbral se muestran como \u{ab}menos de\u{bb}.",
    persons_counted: "Personas contadas",
    by_facility: "Detenidas ahora, por lugar",
    by_nationality: "Por nacionalidad",
    by_status: "Por situación",
    by_month: "Por mes en que comenzó su situación actual",
    cohorts: "Grupos conocidos por su número",
    count: "Cantidad",
    fewer_than: "menos de",
    findings_title: "Hallazgos",
    rule: "Regla",
    outcome: "Resultado",
    any: "todas",
    filter: "Filtrar",
    when: "Cuándo",
    error_title: "No se puede mostrar esta página",
    back: "Volver a la búsqueda",
    other_names: "Nombres",
    born: "Nacimiento",
    nationality: "Nacionalidad",
    checks_pending: "Las revisiones todavía no se han hecho en este registro; los hallazgos aparecerán aquí cuando terminen.",
    checked_at: "Revisado el",
};

pub fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::Es => &ES,
        Lang::En => &EN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_beats_the_cookie_which_beats_the_browser() {
        let mut headers = HeaderMap::new();
        headers.insert(axum::http::header::ACCEPT_LANGUAGE, "es-VE,es;q=0.9,en;q=0.5".parse().unwrap());
        assert_eq!(lang_of(None, &headers), Lang::Es);
        headers.insert(axum::http::header::COOKIE, "lang=en".parse().unwrap());
        assert_eq!(lang_of(None, &headers), Lang::En);
        assert_eq!(lang_of(Some("es"), &headers), Lang::Es);
        assert_eq!(lang_of(None, &HeaderMap::new()), Lang::En);
    }
}
