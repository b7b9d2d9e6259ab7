//! Finding places by the names people and agencies give them.
//!
//! One facility goes by many names: "Northwest ICE Processing Center", "Tacoma ICE Processing
//! Center (Northwest Detention Center)", "NWIPC"; a FOIA spreadsheet abbreviates "Hancock County
//! Pub Sfty Cplx"; a relative writes "Centro de Confinamiento del Terrorismo" for CECOT. A
//! [`PlaceIndex`] holds each place with its name, aliases, codes (DETLOC, IATA, ICAO) and the names
//! of what it lies within (city, state, country), and answers a free-text query such as
//! "Orange County Jail, Goshen NY" with candidates scored in [0, 1]:
//!
//! - words are folded ([`crate::normalize::fold`]), the usual abbreviations of facility names are
//!   spelled out (`ctr` center, `co` county, `det` detention, `spc` service processing center...),
//!   and digits glued to a word are dropped ("Center1");
//! - each word weighs by how rare it is among the places (inverse document frequency): "Goshen"
//!   and "Otay" decide, "county" and "detention" barely count;
//! - a query word matches a word of the place's name or of its surroundings exactly, or within
//!   one edit (two for long words: "Procsesing"), or as the start of a longer word;
//! - the score is the mean of how much of the query the place explains and how much of the
//!   place's name the query covers; words of the surroundings count when asked for and cost
//!   nothing when not, so "Orange County Jail" alone finds both Orange County jails (New York's
//!   and Florida's), and the city decides between them;
//! - a code matches exactly, whatever its case.
//!
//! ```
//! use habeas_names::places::{Place, PlaceIndex};
//!
//! let mut index = PlaceIndex::new();
//! index.add(Place::new("pl-1", "Orange County Jail (New York)").within(["Goshen", "NY"]));
//! index.add(Place::new("pl-2", "Orange County Jail (Florida)").within(["Orlando", "FL"]));
//! let found = index.search("orange county jail, goshen ny", 5);
//! assert_eq!(index.place(found[0].place).id, "pl-1");
//! ```

use rustc_hash::{FxHashMap, FxHashSet};

use crate::distance::distance;
use crate::normalize::fold;

/// A place as the index knows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Place {
    pub id: String,
    /// The name, then the aliases.
    pub names: Vec<String>,
    /// Names of what the place lies within: city, state, country.
    pub within: Vec<String>,
    /// Codes: DETLOC, IATA, ICAO.
    pub codes: Vec<String>,
}

impl Place {
    pub fn new(id: &str, name: &str) -> Place {
        Place { id: id.to_string(), names: vec![name.to_string()], ..Place::default() }
    }

    pub fn alias(mut self, alias: &str) -> Place {
        self.names.push(alias.to_string());
        self
    }

    pub fn within<'a>(mut self, names: impl IntoIterator<Item = &'a str>) -> Place {
        self.within.extend(names.into_iter().map(str::to_string));
        self
    }

    pub fn code(mut self, code: &str) -> Place {
        self.codes.push(code.to_string());
        self
    }
}

/// A place found, with its score and the evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct PlaceMatch {
    /// Index of the place ([`PlaceIndex::place`]).
    pub place: u32,
    pub score: f64,
    /// The name or alias that matched best.
    pub name: usize,
    pub why: Vec<String>,
}

/// Abbreviations of facility names, spelled out. Several words for one abbreviation are matched
/// as a phrase ("spc" is "service processing center").
const ABBREVIATIONS: &[(&str, &[&str])] = &[
    ("ctr", &["center"]),
    ("cntr", &["center"]),
    ("cent", &["center"]),
    ("centre", &["center"]),
    ("centro", &["center"]),
    ("co", &["county"]),
    ("cnty", &["county"]),
    ("det", &["detention"]),
    ("corr", &["correctional"]),
    ("correction", &["correctional"]),
    ("corrections", &["correctional"]),
    ("fac", &["facility"]),
    ("fclty", &["facility"]),
    ("proc", &["processing"]),
    ("svc", &["service"]),
    ("serv", &["service"]),
    ("spc", &["service", "processing", "center"]),
    ("ipc", &["ice", "processing", "center"]),
    ("cdf", &["contract", "detention", "facility"]),
    ("pub", &["public"]),
    ("sfty", &["safety"]),
    ("cplx", &["complex"]),
    ("dept", &["department"]),
    ("st", &["saint"]),
    ("ste", &["sainte"]),
    ("ft", &["fort"]),
    ("mt", &["mount"]),
    ("res", &["residential"]),
    ("fam", &["family"]),
    ("juv", &["juvenile"]),
    ("reg", &["regional"]),
    ("intl", &["international"]),
    ("int", &["international"]),
    ("apt", &["airport"]),
    ("aeropuerto", &["airport"]),
    ("sheriffs", &["sheriff"]),
];

/// Words that say nothing about which place is meant.
const STOPWORDS: &[&str] =
    &["the", "of", "at", "in", "and", "s", "de", "del", "la", "las", "los", "el", "y", "en"];

/// The comparable words of a place name or query.
pub fn place_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in fold(text).split(' ') {
        // "Center1", "Residential Center2": a digit glued to a word is a list's artifact.
        let trimmed = if word.chars().any(|c| c.is_alphabetic()) {
            word.trim_end_matches(|c: char| c.is_ascii_digit())
        } else {
            word
        };
        if trimmed.is_empty() || STOPWORDS.contains(&trimmed) {
            continue;
        }
        match ABBREVIATIONS.iter().find(|(short, _)| *short == trimmed) {
            Some((_, long)) => out.extend(long.iter().map(|w| w.to_string())),
            None => out.push(trimmed.to_string()),
        }
    }
    out
}

fn normalize_code(code: &str) -> String {
    code.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_uppercase).collect()
}

/// One place's words, as ids into the vocabulary.
struct Entry {
    place: Place,
    /// Per name: its words.
    names: Vec<Vec<u32>>,
    within: Vec<u32>,
}

/// Places by name, alias, surroundings and code.
#[derive(Default)]
pub struct PlaceIndex {
    entries: Vec<Entry>,
    vocabulary: Vec<String>,
    word_ids: FxHashMap<String, u32>,
    /// For each word: the places whose names or surroundings hold it (sorted, unique).
    postings: Vec<Vec<u32>>,
    codes: FxHashMap<String, Vec<u32>>,
}

/// How well a query word matches a place word: exact, one or two edits, or a prefix.
fn word_match(query: &str, word: &str) -> f64 {
    if query == word {
        return 1.0;
    }
    let (lq, lw) = (query.chars().count(), word.chars().count());
    let allowed = match lq.min(lw) {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    };
    if allowed > 0 && distance(query, word, allowed) <= allowed {
        return 0.8;
    }
    if lq >= 3 && lw > lq && word.starts_with(query) {
        return 0.6;
    }
    0.0
}

impl PlaceIndex {
    pub fn new() -> PlaceIndex {
        PlaceIndex::default()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn place(&self, index: u32) -> &Place {
        &self.entries[index as usize].place
    }

    fn word_id(&mut self, word: String) -> u32 {
        if let Some(&id) = self.word_ids.get(&word) {
            return id;
        }
        let id = self.vocabulary.len() as u32;
        self.vocabulary.push(word.clone());
        self.word_ids.insert(word, id);
        self.postings.push(Vec::new());
        id
    }

    /// Adds a place; returns its index.
    pub fn add(&mut self, place: Place) -> u32 {
        let index = self.entries.len() as u32;
        let names: Vec<Vec<u32>> = place
            .names
            .iter()
            .map(|name| place_words(name).into_iter().map(|w| self.word_id(w)).collect())
            .collect();
        let within: Vec<u32> =
            place.within.iter().flat_map(|w| place_words(w)).map(|w| self.word_id(w)).collect();
        for &word in names.iter().flatten().chain(&within) {
            let posting = &mut self.postings[word as usize];
            if posting.last() != Some(&index) {
                posting.push(index);
            }
        }
        for code in place.codes.iter().map(|c| normalize_code(c)).filter(|c| !c.is_empty()) {
            self.codes.entry(code).or_default().push(index);
        }
        self.entries.push(Entry { place, names, within });
        index
    }

    /// How rare a word is among the places: rarer words decide more.
    fn weight(&self, word: Option<u32>) -> f64 {
        let n = self.entries.len().max(1) as f64;
        let df = word.map_or(0, |w| self.postings[w as usize].len()) as f64;
        (1.0 + n / (df + 1.0)).ln()
    }

    /// Places matching `text`, best first, at most `limit`.
    pub fn search(&self, text: &str, limit: usize) -> Vec<PlaceMatch> {
        let mut found: Vec<PlaceMatch> = Vec::new();
        let code = normalize_code(text);
        if let Some(places) = self.codes.get(&code) {
            for &place in places {
                found.push(PlaceMatch { place, score: 1.0, name: 0, why: vec![format!("code {code}")] });
            }
        }
        let mut query = place_words(text);
        query.dedup();
        let mut seen = FxHashSet::default();
        query.retain(|w| seen.insert(w.clone()));
        if query.is_empty() {
            // A code alone: as many places as asked for, in index order (all score 1).
            found.truncate(limit);
            return found;
        }
        // Each query word's matching vocabulary words, with how well they match.
        let matches: Vec<Vec<(u32, f64)>> = query
            .iter()
            .map(|q| {
                // A word the places use is taken as written: its near spellings are more
                // likely other words than typos of it.
                if let Some(&id) = self.word_ids.get(q) {
                    return vec![(id, 1.0)];
                }
                self.vocabulary
                    .iter()
                    .enumerate()
                    .filter_map(|(id, word)| {
                        let m = word_match(q, word);
                        (m > 0.0).then_some((id as u32, m))
                    })
                    .collect()
            })
            .collect();
        let query_weights: Vec<f64> = query
            .iter()
            .zip(&matches)
            .map(|(q, m)| {
                let known = self
                    .word_ids
                    .get(q)
                    .copied()
                    .or_else(|| m.iter().max_by(|a, b| a.1.total_cmp(&b.1)).map(|(id, _)| *id));
                self.weight(known)
            })
            .collect();
        let query_total: f64 = query_weights.iter().sum();

        let mut candidates: Vec<u32> = matches
            .iter()
            .flatten()
            .flat_map(|(word, _)| self.postings[*word as usize].iter().copied())
            .collect();
        candidates.sort_unstable();
        candidates.dedup();

        for place in candidates {
            if found.iter().any(|f| f.place == place) {
                continue;
            }
            let entry = &self.entries[place as usize];
            let mut best: Option<PlaceMatch> = None;
            for (n, name) in entry.names.iter().enumerate() {
                let how = |word: u32, i: usize| -> f64 {
                    matches[i].iter().find(|(w, _)| *w == word).map_or(0.0, |(_, m)| *m)
                };
                let mut explained = 0.0;
                let mut why = Vec::new();
                let mut covered = vec![0.0f64; name.len()];
                for (i, q) in query.iter().enumerate() {
                    let mut best_here = 0.0f64;
                    let mut best_word = None;
                    for (j, &word) in name.iter().enumerate() {
                        let m = how(word, i);
                        covered[j] = covered[j].max(m);
                        if m > best_here {
                            best_here = m;
                            best_word = Some(word);
                        }
                    }
                    for &word in &entry.within {
                        let m = how(word, i);
                        if m > best_here {
                            best_here = m;
                            best_word = Some(word);
                        }
                    }
                    if let Some(word) = best_word {
                        explained += query_weights[i] * best_here;
                        let word = &self.vocabulary[word as usize];
                        why.push(if word == q { q.clone() } else { format!("{q}~{word}") });
                    }
                }
                let name_total: f64 = name.iter().map(|&w| self.weight(Some(w))).sum();
                let name_covered: f64 =
                    name.iter().zip(&covered).map(|(&w, c)| self.weight(Some(w)) * c).sum();
                let score = if name_total > 0.0 && query_total > 0.0 {
                    (explained / query_total + name_covered / name_total) / 2.0
                } else {
                    0.0
                };
                if best.as_ref().is_none_or(|b| score > b.score) {
                    best = Some(PlaceMatch { place, score, name: n, why });
                }
            }
            if let Some(best) = best.filter(|b| b.score > 0.0) {
                found.push(best);
            }
        }
        found.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.place.cmp(&b.place)));
        found.truncate(limit);
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abbreviations_are_spelled_out_and_list_digits_dropped() {
        assert_eq!(
            place_words("Hancock County Pub Sfty Cplx"),
            ["hancock", "county", "public", "safety", "complex"]
        );
        assert_eq!(
            place_words("Berks County Residential Center1"),
            ["berks", "county", "residential", "center"]
        );
        assert_eq!(place_words("St. Clair Co. Jail"), ["saint", "clair", "county", "jail"]);
        assert_eq!(place_words("Buffalo SPC"), ["buffalo", "service", "processing", "center"]);
        assert_eq!(
            place_words("Centro de Confinamiento del Terrorismo"),
            ["center", "confinamiento", "terrorismo"]
        );
    }

    fn index() -> PlaceIndex {
        let mut index = PlaceIndex::new();
        index.add(Place::new("or-ny", "Orange County Jail (New York)").within(["Goshen", "NY"]));
        index.add(Place::new("or-fl", "Orange County Jail (Florida)").within(["Orlando", "FL"]));
        index.add(
            Place::new("nw", "Northwest ICE Processing Center").within(["Tacoma", "WA"]).code("TACOMA-WA"),
        );
        index.add(
            Place::new("cecot", "CECOT")
                .alias("Centro de Confinamiento del Terrorismo")
                .alias("Terrorism Confinement Center")
                .within(["Tecoluca", "El Salvador"]),
        );
        index.add(Place::new("stc", "St. Clair County Jail").within(["Port Huron", "MI"]));
        index
    }

    fn top(index: &PlaceIndex, query: &str) -> String {
        let found = index.search(query, 3);
        found.first().map(|f| index.place(f.place).id.clone()).unwrap_or_default()
    }

    #[test]
    fn the_city_decides_between_places_of_one_name() {
        let index = index();
        assert_eq!(top(&index, "Orange County Jail, Goshen NY"), "or-ny");
        assert_eq!(top(&index, "orange county jail orlando"), "or-fl");
        let both = index.search("Orange County Jail", 5);
        let ids: Vec<&str> = both.iter().map(|f| index.place(f.place).id.as_str()).collect();
        assert_eq!(
            ids[..2].iter().filter(|id| id.starts_with("or-")).count(),
            2,
            "without a city, both: {ids:?}"
        );
        assert!(both[1].score > both[2].score + 0.2, "and well above a jail of another name: {both:?}");
    }

    #[test]
    fn typos_aliases_abbreviations_and_codes() {
        let index = index();
        assert_eq!(top(&index, "Northwest ICE Procsesing Center"), "nw");
        assert_eq!(top(&index, "centro de confinamiento"), "cecot");
        assert_eq!(top(&index, "Saint Clair County Jail"), "stc");
        let by_code = index.search("tacoma-wa", 3);
        assert_eq!((index.place(by_code[0].place).id.as_str(), by_code[0].score), ("nw", 1.0));
        let scored = index.search("Northwest ICE Processing Center", 3);
        assert!(scored.iter().all(|f| (0.0..=1.0).contains(&f.score)));
        assert!((scored[0].score - 1.0).abs() < 1e-9, "the exact name scores 1");
    }

    #[test]
    fn a_code_of_no_letters_is_no_code_and_a_code_alone_keeps_to_the_limit() {
        let mut index = PlaceIndex::new();
        index.add(Place::new("a", "First").code("--"));
        index.add(Place::new("b", "Second").code("-"));
        assert!(index.search("-", 5).is_empty(), "punctuation is not a code every place shares");
        let mut index = PlaceIndex::new();
        for id in ["x1", "x2", "x3"] {
            index.add(Place::new(id, id).code("1234"));
        }
        assert_eq!(index.search("1234", 2).len(), 2);
    }

    #[test]
    fn nothing_in_common_finds_nothing() {
        assert!(index().search("Krome", 5).is_empty());
        assert!(index().search("", 5).is_empty());
    }
}
