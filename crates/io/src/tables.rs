//! Lookup tables shipped with habeas, for mapped imports: the time zone of an airport, the code
//! of a country named in words, the zone of a US state.
//!
//! The airport and country tables are built by `bench/tables.py` from the `airportsdata` and
//! `pycountry` packages (their versions and licences head the files in `crates/io/data/`); the
//! state table is written here. They are compiled into the binary and parsed on first use.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

static AIRPORTS_TSV: &str = include_str!("../data/airports.tsv");
static COUNTRIES_TSV: &str = include_str!("../data/countries.tsv");

/// Rows of a shipped table, comments left out.
fn rows(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()).map(|l| l.split('\t').collect())
}

/// An airport as the table knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Airport {
    pub icao: &'static str,
    pub iata: &'static str,
    pub zone: &'static str,
    pub country: &'static str,
}

/// An airport by its ICAO (4 letters) or IATA (3 letters) code, any case, stray punctuation
/// around it ignored (`KENV)`).
pub fn airport(code: &str) -> Option<Airport> {
    static TABLE: OnceLock<FxHashMap<&'static str, Airport>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut map = FxHashMap::default();
        for row in rows(AIRPORTS_TSV) {
            if let [icao, iata, zone, country] = row[..] {
                let airport = Airport { icao, iata, zone, country };
                map.insert(icao, airport);
                map.entry(iata).or_insert(airport);
            }
        }
        map
    });
    let code = code.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    table.get(code.to_ascii_uppercase().as_str()).copied()
}

/// The IANA zone of an airport by either code.
pub fn airport_zone(code: &str) -> Option<&'static str> {
    airport(code).map(|a| a.zone)
}

/// Folds a country's name as the table keys are folded: upper case, accents and commas dropped,
/// spaces collapsed.
fn fold_country(name: &str) -> String {
    let upper: String = name
        .chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ä' | 'Á' | 'À' | 'Â' | 'Ä' => 'A',
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'E',
            'í' | 'ì' | 'î' | 'ï' | 'Í' | 'Ì' | 'Î' | 'Ï' => 'I',
            'ó' | 'ò' | 'ô' | 'ö' | 'Ó' | 'Ò' | 'Ô' | 'Ö' => 'O',
            'ú' | 'ù' | 'û' | 'ü' | 'Ú' | 'Ù' | 'Û' | 'Ü' => 'U',
            'ñ' | 'Ñ' => 'N',
            'ç' | 'Ç' => 'C',
            ',' => ' ',
            c => c.to_ascii_uppercase(),
        })
        .collect();
    upper.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The ISO 3166-1 alpha-2 code of a country given by name (`EL SALVADOR`, `Burma`, `ST. LUCIA`)
/// or already by code (`SV`). `None` for names with no code (`USSR`, `UNKNOWN`, `STATELESS`).
pub fn country_code(name: &str) -> Option<&'static str> {
    static TABLE: OnceLock<FxHashMap<&'static str, &'static str>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        rows(COUNTRIES_TSV)
            .filter_map(|row| if let [name, code] = row[..] { Some((name, code)) } else { None })
            .collect()
    });
    let folded = fold_country(name);
    if let Some(code) = table.get(folded.as_str()) {
        return Some(code);
    }
    // A two-letter code as given: accept it if some name maps to it.
    if folded.len() == 2 {
        return table.values().find(|code| **code == folded).copied();
    }
    None
}

/// The zone of most of each state's people (states that span two zones take the larger one).
const US_STATES: &[(&str, &str, &str)] = &[
    ("AL", "ALABAMA", "America/Chicago"),
    ("AK", "ALASKA", "America/Anchorage"),
    ("AZ", "ARIZONA", "America/Phoenix"),
    ("AR", "ARKANSAS", "America/Chicago"),
    ("CA", "CALIFORNIA", "America/Los_Angeles"),
    ("CO", "COLORADO", "America/Denver"),
    ("CT", "CONNECTICUT", "America/New_York"),
    ("DE", "DELAWARE", "America/New_York"),
    ("DC", "DISTRICT OF COLUMBIA", "America/New_York"),
    ("FL", "FLORIDA", "America/New_York"),
    ("GA", "GEORGIA", "America/New_York"),
    ("HI", "HAWAII", "Pacific/Honolulu"),
    ("ID", "IDAHO", "America/Boise"),
    ("IL", "ILLINOIS", "America/Chicago"),
    ("IN", "INDIANA", "America/Indiana/Indianapolis"),
    ("IA", "IOWA", "America/Chicago"),
    ("KS", "KANSAS", "America/Chicago"),
    ("KY", "KENTUCKY", "America/New_York"),
    ("LA", "LOUISIANA", "America/Chicago"),
    ("ME", "MAINE", "America/New_York"),
    ("MD", "MARYLAND", "America/New_York"),
    ("MA", "MASSACHUSETTS", "America/New_York"),
    ("MI", "MICHIGAN", "America/Detroit"),
    ("MN", "MINNESOTA", "America/Chicago"),
    ("MS", "MISSISSIPPI", "America/Chicago"),
    ("MO", "MISSOURI", "America/Chicago"),
    ("MT", "MONTANA", "America/Denver"),
    ("NE", "NEBRASKA", "America/Chicago"),
    ("NV", "NEVADA", "America/Los_Angeles"),
    ("NH", "NEW HAMPSHIRE", "America/New_York"),
    ("NJ", "NEW JERSEY", "America/New_York"),
    ("NM", "NEW MEXICO", "America/Denver"),
    ("NY", "NEW YORK", "America/New_York"),
    ("NC", "NORTH CAROLINA", "America/New_York"),
    ("ND", "NORTH DAKOTA", "America/Chicago"),
    ("OH", "OHIO", "America/New_York"),
    ("OK", "OKLAHOMA", "America/Chicago"),
    ("OR", "OREGON", "America/Los_Angeles"),
    ("PA", "PENNSYLVANIA", "America/New_York"),
    ("RI", "RHODE ISLAND", "America/New_York"),
    ("SC", "SOUTH CAROLINA", "America/New_York"),
    ("SD", "SOUTH DAKOTA", "America/Chicago"),
    ("TN", "TENNESSEE", "America/Chicago"),
    ("TX", "TEXAS", "America/Chicago"),
    ("UT", "UTAH", "America/Denver"),
    ("VT", "VERMONT", "America/New_York"),
    ("VA", "VIRGINIA", "America/New_York"),
    ("WA", "WASHINGTON", "America/Los_Angeles"),
    ("WV", "WEST VIRGINIA", "America/New_York"),
    ("WI", "WISCONSIN", "America/Chicago"),
    ("WY", "WYOMING", "America/Denver"),
    ("PR", "PUERTO RICO", "America/Puerto_Rico"),
    ("GU", "GUAM", "Pacific/Guam"),
    ("VI", "VIRGIN ISLANDS", "America/St_Thomas"),
    ("MP", "NORTHERN MARIANA ISLANDS", "Pacific/Saipan"),
    ("AS", "AMERICAN SAMOA", "Pacific/Pago_Pago"),
];

/// The zone of a US state or territory by its postal code or name, any case.
pub fn us_state_zone(state: &str) -> Option<&'static str> {
    let folded = fold_country(state);
    US_STATES.iter().find(|(code, name, _)| *code == folded || *name == folded).map(|(_, _, zone)| *zone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn airports_by_either_code() {
        assert_eq!(airport_zone("KHRL"), Some("America/Chicago"));
        assert_eq!(airport_zone("hrl"), Some("America/Chicago"));
        assert_eq!(airport_zone("MHLM"), Some("America/Tegucigalpa"));
        assert_eq!(airport_zone("SAL"), Some("America/El_Salvador"));
        assert_eq!(airport_zone("ZZZZ"), None);
        let sal = airport("sal").unwrap();
        assert_eq!((sal.icao, sal.iata, sal.country), ("MSLP", "SAL", "SV"));
    }

    #[test]
    fn countries_as_ice_writes_them() {
        assert_eq!(country_code("EL SALVADOR"), Some("SV"));
        assert_eq!(country_code("Venezuela"), Some("VE"));
        assert_eq!(country_code("CHINA, PEOPLES REPUBLIC OF"), Some("CN"));
        assert_eq!(country_code("BURMA"), Some("MM"));
        assert_eq!(country_code("México"), Some("MX"));
        assert_eq!(country_code("sv"), Some("SV"));
        assert_eq!(country_code("USSR"), None);
        assert_eq!(country_code("KOREA"), None);
    }

    #[test]
    fn states() {
        assert_eq!(us_state_zone("WA"), Some("America/Los_Angeles"));
        assert_eq!(us_state_zone("Texas"), Some("America/Chicago"));
        assert_eq!(us_state_zone("XX"), None);
    }
}
