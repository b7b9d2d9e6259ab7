//! Finding people by name: an in-memory index, candidate generation and scoring.
//!
//! **Candidates** come from postings: each word of each name is filed under its phonetic key. A
//! query word looks up its own key, the keys of the names it may be a nickname of, and keys one
//! edit away (a typo the phonetic key did not absorb), found through a deletion neighbourhood of
//! the (small) vocabulary of keys. A person is a candidate when they match all query words, or all
//! but one when the query has several: one word may be too mangled to find. Initials never look
//! up postings; they only count in scoring.
//!
//! **Scoring** aligns query words with a name's words, each used once, best first: the same word
//! 1.0, a nickname 0.95, the same sound 0.92, an initial 0.75, a typo `0.85 × similarity`. The
//! score is `0.8 × (share of the query explained) + 0.2 × (share of the name explained)`, so
//! "Pérez" alone finds every Pérez, and the one who is only "José Pérez" first. Identifiers
//! (A-numbers with or without dashes and leading zeros, passports, national ids) match exactly and
//! score 1. Nationality filters; a birth year more than one year off filters, an exact birth date
//! lifts the score.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use crate::distance::{distance, letters, may_be_near, similarity};
use crate::found::{Found, Postings, all_and_all_but_one};
use crate::name::{NameTokens, Token};
use crate::nicknames;
use crate::normalize::fold;
use crate::phonetic;

/// A person as the index knows them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Person {
    pub id: String,
    /// Every name the person is known by (birth name, aliases, reported spellings).
    pub names: Vec<NameTokens>,
    /// Birth date as written: `1990`, `1990-05` or `1990-05-01`.
    pub born: Option<String>,
    /// ISO 3166-1 codes.
    pub nationality: Vec<String>,
    /// Identifiers as written; normalised on entry.
    pub identifiers: Vec<String>,
}

/// What a search asks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    /// A name, an identifier, or both.
    pub text: String,
    pub born: Option<String>,
    pub nationality: Option<String>,
    pub limit: usize,
}

/// A person found, with the score and the evidence for it.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// Index of the person in the index ([`NameIndex::person`]).
    pub person: u32,
    /// In [0, 1].
    pub score: f64,
    pub why: Vec<String>,
}

/// Identifiers compared as written by anyone: letters and digits only, upper case; an A-number
/// (A followed by 8 or 9 digits) without its A and leading zeros.
pub fn normalize_identifier(value: &str) -> String {
    let clean: String =
        value.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect();
    let digits = clean.strip_prefix('A').unwrap_or(&clean);
    if !digits.is_empty() && digits.len() <= 9 && digits.chars().all(|c| c.is_ascii_digit()) {
        let trimmed = digits.trim_start_matches('0');
        return format!("A{trimmed}");
    }
    clean
}

fn looks_like_identifier(word: &str) -> bool {
    word.chars().any(|c| c.is_ascii_digit())
}

/// The index.
#[derive(Default)]
pub struct NameIndex {
    persons: Vec<Person>,
    /// For each person, the word count of their shortest name (ties in a search go to the
    /// persons the query explains best): kept beside the persons so that ranking thousands of
    /// equals reads bytes in a row instead of each person's names.
    shortest: Vec<u8>,
    postings: FxHashMap<String, Postings>,
    /// Each vocabulary key with one character deleted, to the keys it came from.
    deletions: FxHashMap<String, Vec<String>>,
    identifiers: FxHashMap<String, Vec<u32>>,
    /// Every distinct word of the names, numbered: scoring compares a query with each word once.
    words: Vec<KnownWord>,
    word_numbers: FxHashMap<String, u32>,
    /// Each person's names as word numbers, every name after its length: person `p`'s are
    /// `name_words[names_at[p]..names_at[p + 1]]`, read in a row when scoring.
    name_words: Vec<u32>,
    names_at: Vec<u32>,
    /// Each person's place among all persons in the order of their ids, computed by the first
    /// search after a change (or [`NameIndex::prepare`]): equals are ranked by id.
    id_ranks: OnceLock<Vec<u32>>,
}

/// A word of the names in the index, with what scoring compares of it: its letters let words
/// too far apart be rejected without a distance.
struct KnownWord {
    word: String,
    key: String,
    letters: u32,
    key_letters: u32,
}

fn deletions(key: &str) -> Vec<String> {
    let chars: Vec<char> = key.chars().collect();
    (0..chars.len())
        .map(|skip| chars.iter().enumerate().filter(|(i, _)| *i != skip).map(|(_, c)| *c).collect())
        .collect()
}

/// How one query word matches one name word.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Match {
    Same,
    Nickname,
    Sound,
    Initial,
    Typo(f64),
}

impl Match {
    pub(crate) fn weight(self) -> f64 {
        match self {
            Match::Same => 1.0,
            Match::Nickname => 0.95,
            Match::Sound => 0.92,
            Match::Initial => 0.75,
            Match::Typo(similarity) => 0.85 * similarity,
        }
    }

    pub(crate) fn explain(self, q: &Token, n: &Token) -> String {
        match self {
            Match::Same => format!("{} = {}", q.word, n.word),
            Match::Nickname => format!("{} → {} (nickname)", q.word, n.word),
            Match::Sound => format!("{} ~ {} (sounds alike)", q.word, n.word),
            Match::Initial => format!("{}. = {} (initial)", q.word, n.word),
            Match::Typo(_) => format!("{} ~ {} (typo)", q.word, n.word),
        }
    }
}

/// A query word prepared once per search for comparing with thousands of name words: what it is
/// a nickname of or for, and its letters, to reject words too far apart without a distance.
struct QueryWord<'q> {
    token: &'q Token,
    related: Vec<&'static str>,
    letters: u32,
    key_letters: u32,
}

impl QueryWord<'_> {
    fn all(query: &NameTokens) -> Vec<QueryWord<'_>> {
        query
            .tokens
            .iter()
            .map(|token| QueryWord {
                token,
                related: nicknames::related_words(&token.word),
                letters: letters(&token.word),
                key_letters: letters(&token.key),
            })
            .collect()
    }
}

fn word_match(query: &QueryWord<'_>, n: &KnownWord) -> Option<Match> {
    let q = query.token;
    if q.word == n.word {
        return Some(Match::Same);
    }
    if q.key == n.key {
        return Some(Match::Sound);
    }
    if query.related.contains(&n.word.as_str()) {
        return Some(Match::Nickname);
    }
    if q.word.len() == 1 {
        return n.word.starts_with(&q.word).then_some(Match::Initial);
    }
    let word = if may_be_near(query.letters, n.letters) { similarity(&q.word, &n.word) } else { 0.0 };
    let key = if may_be_near(query.key_letters, n.key_letters) { similarity(&q.key, &n.key) } else { 0.0 };
    let s = word.max(key);
    (s >= 0.6).then_some(Match::Typo(s))
}

/// A name's score: query words aligned with the name's words, each used once, best matches
/// first. For `nq` query words and `nn` name words matched by `matches`; `chosen` hears each
/// pair used, best first. `pairs` is room to work in.
fn align(
    nq: usize,
    nn: usize,
    pairs: &mut Vec<(f64, usize, usize, Match)>,
    mut matches: impl FnMut(usize, usize) -> Option<Match>,
    mut chosen: impl FnMut(usize, usize, Match),
) -> f64 {
    if nq == 0 || nn == 0 || nq > 32 || nn > 32 {
        return 0.0;
    }
    pairs.clear();
    for qi in 0..nq {
        for ni in 0..nn {
            if let Some(m) = matches(qi, ni) {
                pairs.push((m.weight(), qi, ni, m));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let (mut used_q, mut used_n) = (0u32, 0u32);
    let mut total = 0.0;
    for &(weight, qi, ni, m) in pairs.iter() {
        if used_q & (1 << qi) == 0 && used_n & (1 << ni) == 0 {
            used_q |= 1 << qi;
            used_n |= 1 << ni;
            total += weight;
            chosen(qi, ni, m);
        }
    }
    // At most 1 in exact arithmetic; rounding can put a full match a hair above it.
    (0.8 * total / nq as f64 + 0.2 * total / nn as f64).min(1.0)
}

/// Scores of many candidates for one query: each distinct word of their names is compared with
/// the query's words once (candidates for one query share most of their words).
struct Scorer<'q, 'i> {
    query: &'q [QueryWord<'q>],
    index: &'i NameIndex,
    /// Word number to where its matches with the query's words start in `matches`.
    seen: FxHashMap<u32, usize>,
    matches: Vec<Option<Match>>,
    pairs: Vec<(f64, usize, usize, Match)>,
    /// (query word, name word) to its explanation.
    explained: FxHashMap<(usize, u32), String>,
}

impl<'q, 'i> Scorer<'q, 'i> {
    fn new(query: &'q [QueryWord<'q>], index: &'i NameIndex) -> Scorer<'q, 'i> {
        Scorer {
            query,
            index,
            seen: FxHashMap::default(),
            matches: Vec::new(),
            pairs: Vec::new(),
            explained: FxHashMap::default(),
        }
    }

    /// The person's names as stored: each name's length, then its words.
    fn names_of(&self, person: u32) -> &'i [u32] {
        let index = self.index;
        let (from, to) =
            (index.names_at[person as usize] as usize, index.names_at[person as usize + 1] as usize);
        &index.name_words[from..to]
    }

    /// The best [`align`] of names as [`Scorer::names_of`] gives them.
    fn best(&mut self, names: &[u32]) -> f64 {
        let mut best: f64 = 0.0;
        self.each_name(names, |_, score| best = best.max(score));
        best
    }

    /// Which of the person's names scores best (the last of equals), to explain only that one.
    fn best_name(&mut self, person: u32) -> Option<usize> {
        let mut best: Option<(usize, f64)> = None;
        self.each_name(self.names_of(person), |name, score| {
            if best.is_none_or(|(_, b)| score >= b) {
                best = Some((name, score));
            }
        });
        best.map(|(name, _)| name)
    }

    /// Where the matches of a name word with the query's words start in `matches`.
    fn matches_of(&mut self, word: u32) -> usize {
        if let Some(&start) = self.seen.get(&word) {
            return start;
        }
        let start = self.matches.len();
        let known = &self.index.words[word as usize];
        self.matches.extend(self.query.iter().map(|q| word_match(q, known)));
        self.seen.insert(word, start);
        start
    }

    /// Calls `scored` with each name (by number) and its [`align`].
    fn each_name(&mut self, names: &[u32], mut scored: impl FnMut(usize, f64)) {
        let mut rest = names;
        let mut number = 0;
        while let Some((&len, after)) = rest.split_first() {
            let (name, after) = after.split_at((len as usize).min(after.len()));
            rest = after;
            let mut starts = [0usize; 32];
            for (slot, &word) in starts.iter_mut().zip(name) {
                *slot = self.matches_of(word);
            }
            let matches = &self.matches;
            let score = align(
                self.query.len(),
                name.len(),
                &mut self.pairs,
                |qi, ni| matches[starts[ni] + qi],
                |_, _, _| (),
            );
            scored(number, score);
            number += 1;
        }
    }

    /// Why the person's best name matches: the pairs of words [`align`] chose.
    fn explain(&mut self, person: u32) -> Vec<String> {
        let Some(number) = self.best_name(person) else { return Vec::new() };
        let Some(name) = self.index.persons[person as usize].names.get(number) else { return Vec::new() };
        let words = self.name_at(person, number);
        let mut starts = [0usize; 32];
        for (slot, &word) in starts.iter_mut().zip(words) {
            *slot = self.matches_of(word);
        }
        let (query, matches, explained) = (self.query, &self.matches, &mut self.explained);
        let mut why = Vec::new();
        align(
            query.len(),
            name.tokens.len(),
            &mut self.pairs,
            |qi, ni| matches[starts[ni] + qi],
            |qi, ni, m| {
                // The shown candidates share most words: each pair is put in words once.
                let text = explained
                    .entry((qi, words[ni]))
                    .or_insert_with(|| m.explain(query[qi].token, &name.tokens[ni]));
                why.push(text.clone());
            },
        );
        why
    }

    /// The words of the person's name number `number`.
    fn name_at(&self, person: u32, number: usize) -> &'i [u32] {
        let mut rest = self.names_of(person);
        for _ in 0..number {
            let len = rest.first().map_or(0, |&l| l as usize);
            rest = rest.get(1 + len..).unwrap_or(&[]);
        }
        let len = rest.first().map_or(0, |&l| l as usize);
        rest.get(1..1 + len).unwrap_or(&[])
    }
}

/// Whether two written birth dates can be the same day (one may be a prefix: `1990` and `1990-05-01`).
fn born_compatible(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    long.starts_with(short)
}

fn born_year(text: &str) -> Option<i32> {
    text.get(..4)?.parse().ok()
}

impl NameIndex {
    pub fn new() -> NameIndex {
        NameIndex::default()
    }

    pub fn len(&self) -> usize {
        self.persons.len()
    }

    pub fn is_empty(&self) -> bool {
        self.persons.is_empty()
    }

    pub fn person(&self, index: u32) -> &Person {
        &self.persons[index as usize]
    }

    /// Computes what searches share, which the first search would otherwise compute: for a
    /// caller that builds an index and wants its first search as quick as the next.
    pub fn prepare(&self) {
        self.id_ranks();
    }

    fn id_ranks(&self) -> &[u32] {
        self.id_ranks.get_or_init(|| {
            let mut order: Vec<u32> = (0..self.persons.len() as u32).collect();
            order.sort_unstable_by(|a, b| {
                self.persons[*a as usize].id.cmp(&self.persons[*b as usize].id).then(a.cmp(b))
            });
            let mut ranks = vec![0u32; order.len()];
            for (rank, person) in order.into_iter().enumerate() {
                ranks[person as usize] = rank as u32;
            }
            ranks
        })
    }

    /// Adds a person; returns their index.
    pub fn add(&mut self, mut person: Person) -> u32 {
        self.id_ranks = OnceLock::new();
        let index = self.persons.len() as u32;
        let mut keys: Vec<String> =
            person.names.iter().flat_map(|n| n.tokens.iter().map(|t| t.key.clone())).collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            if key.chars().count() < 2 {
                continue;
            }
            let postings = self.postings.entry(key.clone()).or_default();
            if postings.list.is_empty() {
                for deleted in deletions(&key) {
                    self.deletions.entry(deleted).or_default().push(key.clone());
                }
            }
            postings.push(index, index as usize + 1);
        }
        person.identifiers = person.identifiers.iter().map(|i| normalize_identifier(i)).collect();
        for id in &person.identifiers {
            let list = self.identifiers.entry(id.clone()).or_default();
            if list.last() != Some(&index) {
                list.push(index);
            }
        }
        if self.names_at.is_empty() {
            self.names_at.push(0);
        }
        for name in &person.names {
            self.name_words.push(name.tokens.len() as u32);
            for token in &name.tokens {
                // A word's key is a function of the word, unless a caller built the token itself.
                let number = match self.word_numbers.get(&token.word) {
                    Some(&number) if self.words[number as usize].key == token.key => number,
                    known => {
                        let number = self.words.len() as u32;
                        self.words.push(KnownWord {
                            word: token.word.clone(),
                            key: token.key.clone(),
                            letters: letters(&token.word),
                            key_letters: letters(&token.key),
                        });
                        if known.is_none() {
                            self.word_numbers.insert(token.word.clone(), number);
                        }
                        number
                    }
                };
                self.name_words.push(number);
            }
        }
        self.names_at.push(self.name_words.len() as u32);
        let shortest = person.names.iter().map(|n| n.tokens.len()).min().unwrap_or(0);
        self.shortest.push(u8::try_from(shortest).unwrap_or(u8::MAX));
        self.persons.push(person);
        index
    }

    /// The vocabulary keys a query word may stand for: itself, its nicknames' names, and keys one
    /// edit away, unless its own key is common: a word typed as a common name was most likely
    /// meant as typed, and widening it would only flood the candidates.
    fn keys_for(&self, token: &Token) -> Vec<String> {
        const COMMON: usize = 200;
        let mut keys = vec![token.key.clone()];
        for full in nicknames::expand(&token.word) {
            keys.extend(full.split(' ').map(phonetic::key));
        }
        if self.postings.get(&token.key).is_some_and(|p| p.list.len() >= COMMON) {
            return keys;
        }
        let mut probes = deletions(&token.key);
        probes.push(token.key.clone());
        for probe in probes {
            for key in self.deletions.get(&probe).into_iter().flatten() {
                if distance(key, &token.key, 1) <= 1 {
                    keys.push(key.clone());
                }
            }
            if self.postings.contains_key(&probe) {
                keys.push(probe);
            }
        }
        keys.sort();
        keys.dedup();
        keys
    }

    /// Searches by name and identifier; best first, at most `query.limit` (10 if 0).
    pub fn search(&self, query: &Query) -> Vec<Candidate> {
        let limit = if query.limit == 0 { 10 } else { query.limit };
        let (id_words, name_words): (Vec<String>, Vec<String>) =
            query.text.split_whitespace().map(str::to_string).partition(|w| looks_like_identifier(w));
        let name_query = NameTokens::parse(&name_words.join(" "));
        let mut by_id: Vec<u32> = Vec::new();
        for word in &id_words {
            by_id.extend(self.identifiers.get(&normalize_identifier(word)).into_iter().flatten());
        }

        // Count, per person, how many query words found them.
        // Words whose key the index keeps (two letters or more, as `add` does): a word such as
        // "Hu" or "ss", whose key is one letter, is scored but cannot block.
        let blocking: Vec<&Token> = name_query.tokens.iter().filter(|t| t.key.chars().count() > 1).collect();
        // Each query word's persons (a word standing for several keys: the union of theirs).
        let found: Vec<Found<'_>> = blocking
            .iter()
            .map(|token| {
                let keys = self.keys_for(token);
                Found::union(keys.iter().filter_map(|k| self.postings.get(k)).map(Postings::found).collect())
            })
            .collect();
        let needed = match blocking.len() {
            0 => 1,
            1 | 2 => blocking.len() as u16,
            n => n as u16 - 1,
        };
        // The persons every word found, by intersecting from the shortest list; those found by all
        // words but one only when almost no one matched every word, the sign of a word mangled
        // beyond finding. `(person, how many query words found them)`.
        let mut counted: Vec<(u32, u16)> = Vec::new();
        if !found.is_empty() {
            let mut order: Vec<Found<'_>> = found.iter().map(Found::view).collect();
            order.sort_by_key(Found::len);
            let full = found.len() as u16;
            let (all, but_one) = all_and_all_but_one(&order);
            // Enough persons matched every word: a mangled word would have found no one.
            if all.len() >= 3 || needed == full {
                counted = all.into_iter().map(|p| (p, full)).collect();
            } else {
                let but_one = but_one();
                counted = but_one
                    .into_iter()
                    .map(|p| (p, if all.binary_search(&p).is_ok() { full } else { full - 1 }))
                    .collect();
            }
        }
        // Those found by every query word come first; those found by all but one only when too
        // few are (one word mangled beyond finding). Among equals, those whose names have the
        // fewest words (whom the query explains best) are scored first, and a bounded number:
        // a query as common as one given name and one surname finds thousands of equals.
        let best = counted.iter().map(|(_, c)| *c).max().unwrap_or(0);
        let enough = limit.max(50);
        let mut pool: Vec<(u16, u8, u32)> = Vec::new();
        for tier in (needed..=best).rev() {
            if pool.len() >= enough {
                break;
            }
            pool.extend(
                counted.iter().filter(|(_, c)| *c == tier).map(|(p, c)| (*c, self.shortest[*p as usize], *p)),
            );
        }
        const BOUND: usize = 400;
        if pool.len() > BOUND {
            pool.select_nth_unstable_by(BOUND, |a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
            pool.truncate(BOUND);
        }
        let pool: Vec<(u16, u32)> = pool.into_iter().map(|(c, _, p)| (c, p)).collect();
        let mut candidates: Vec<u32> = by_id.clone();
        candidates.extend(pool.into_iter().map(|(_, p)| p));
        candidates.sort_unstable();
        candidates.dedup();

        let query_words = QueryWord::all(&name_query);
        let mut scorer = Scorer::new(&query_words, self);
        // The candidates' names read first, all together: hundreds of reads from far apart in
        // memory overlap when none waits for another, instead of one at a time between scorings.
        let mut gathered: Vec<u32> = Vec::new();
        let mut spans: Vec<(usize, usize)> = Vec::with_capacity(candidates.len());
        for &index in &candidates {
            let names = scorer.names_of(index);
            spans.push((gathered.len(), gathered.len() + names.len()));
            gathered.extend_from_slice(names);
        }
        let mut out: Vec<Candidate> = Vec::new();
        for (&index, &(from, to)) in candidates.iter().zip(&spans) {
            if let Some(nationality) = &query.nationality {
                let person = &self.persons[index as usize];
                if !person.nationality.is_empty()
                    && !person.nationality.iter().any(|n| n.eq_ignore_ascii_case(nationality))
                {
                    continue;
                }
            }
            let (mut score, mut why) = if by_id.contains(&index) {
                (1.0, vec!["identifier matches".to_string()])
            } else {
                (scorer.best(&gathered[from..to]), Vec::new())
            };
            if let Some(asked) = &query.born
                && let Some(known) = &self.persons[index as usize].born
            {
                if born_compatible(asked, known) {
                    score = (score + 0.05).min(1.0);
                    why.push(format!("born {known}"));
                } else if matches!((born_year(asked), born_year(known)), (Some(a), Some(k)) if (a - k).abs() > 1)
                {
                    continue;
                }
            }
            if score > 0.0 {
                out.push(Candidate { person: index, score, why });
            }
        }
        // Best first, equals by id (ids are unique, so the order is total; compared by their rank
        // among all ids): the first `limit` picked out before sorting them, as hundreds may score
        // the same.
        // Each candidate's place in that order as one key, read once: scores are in (0, 1], where
        // the bits of an f64 order as the numbers do.
        let ranks = self.id_ranks();
        let mut keys: Vec<(u64, u32, u32)> = out
            .iter()
            .enumerate()
            .map(|(at, c)| (u64::MAX - c.score.to_bits(), ranks[c.person as usize], at as u32))
            .collect();
        if keys.len() > limit {
            keys.select_nth_unstable(limit);
            keys.truncate(limit);
        }
        keys.sort_unstable();
        let mut out: Vec<Candidate> = {
            let mut all: Vec<Option<Candidate>> = out.into_iter().map(Some).collect();
            keys.iter().filter_map(|&(_, _, at)| all[at as usize].take()).collect()
        };
        // Explain only what is shown.
        for candidate in &mut out {
            if candidate.why.first().is_some_and(|w| w.starts_with("identifier")) {
                continue;
            }
            let best = scorer.explain(candidate.person);
            let born: Vec<String> = std::mem::take(&mut candidate.why);
            candidate.why = best.into_iter().chain(born).collect();
        }
        out
    }
}

/// A person from a full name only, for tests and simple callers.
pub fn person(id: &str, full: &str) -> Person {
    Person { id: id.into(), names: vec![NameTokens::parse(full)], ..Person::default() }
}

/// The folded display form of a name, for callers that show what matched.
pub fn folded(full: &str) -> String {
    fold(full)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(names: &[(&str, &str)]) -> NameIndex {
        let mut index = NameIndex::new();
        for (id, full) in names {
            index.add(person(id, full));
        }
        index
    }

    fn top(index: &NameIndex, text: &str) -> Vec<String> {
        index
            .search(&Query { text: text.into(), limit: 3, ..Query::default() })
            .iter()
            .map(|c| index.person(c.person).id.clone())
            .collect()
    }

    #[test]
    fn forgives_how_names_are_written() {
        let idx = index(&[
            ("p1", "José Luis Pérez García"),
            ("p2", "Jesús Rodríguez Vásquez"),
            ("p3", "María Guadalupe Yánez Hernández"),
            ("p4", "Ignacio de la Cruz Soto"),
            ("p5", "Luisa Pérez Gómez"),
        ]);
        for (query, expected) in [
            ("jose luis perez garcia", "p1"),
            ("PEREZ GARCIA, JOSE LUIS", "p1"),
            ("Pepe Pérez", "p1"),
            ("J. L. Peres Garsia", "p1"),
            ("Chucho Rodrigues", "p2"),
            ("Jesus Rodirguez Basquez", "p2"),
            ("Lupe Llanes", "p3"),
            ("Maria Yanez Ernandez", "p3"),
            ("Nacho Cruz", "p4"),
            ("ignacio de la cruz", "p4"),
        ] {
            assert_eq!(
                top(&idx, query).first().map(String::as_str),
                Some(expected),
                "{query}: {:?}",
                top(&idx, query)
            );
        }
        // One surname alone finds both Pérez, and nobody else.
        let perez = top(&idx, "Pérez");
        assert_eq!(perez.len(), 2, "{perez:?}");
    }

    #[test]
    fn equals_come_in_the_order_of_their_ids_even_after_more_are_added() {
        let mut idx = index(&[("p3", "Ana Soto"), ("p1", "Ana Soto"), ("p2", "Ana Soto")]);
        assert_eq!(top(&idx, "Ana Soto"), ["p1", "p2", "p3"]);
        idx.add(person("p0", "Ana Soto"));
        assert_eq!(top(&idx, "Ana Soto"), ["p0", "p1", "p2"]);
    }

    #[test]
    fn identifiers_match_exactly_after_normalisation() {
        let mut idx = NameIndex::new();
        idx.add(Person { identifiers: vec!["A012-345-678".into()], ..person("p1", "Ana Soto") });
        idx.add(person("p2", "Ana Soto Ríos"));
        assert_eq!(normalize_identifier("A 012 345 678"), "A12345678");
        assert_eq!(normalize_identifier("12345678"), "A12345678");
        assert_eq!(normalize_identifier("vx-4471923"), "VX4471923");
        let found = idx.search(&Query { text: "012345678".into(), ..Query::default() });
        assert_eq!((found[0].person, found[0].score), (0, 1.0));
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn a_word_whose_key_is_one_letter_does_not_hide_the_name() {
        // "Hu" and "Ho" lose their silent h, "ss" its double letter: keys of one letter, which
        // the index does not keep. They are scored, not used to find candidates.
        let mut idx = NameIndex::new();
        idx.add(person("p1", "Hu Pérez"));
        idx.add(person("p2", "José Pérez"));
        idx.add(person("p3", "Ana Ho Chávez"));
        let found = idx.search(&Query { text: "Hu Perez".into(), ..Query::default() });
        assert_eq!(found.iter().map(|c| c.person).collect::<Vec<_>>(), [0, 1], "{found:?}");
        assert!(found[0].score > found[1].score);
        let found = idx.search(&Query { text: "ho chavez".into(), ..Query::default() });
        assert_eq!(found.first().map(|c| c.person), Some(2), "{found:?}");
    }

    #[test]
    fn rounding_does_not_lift_a_score_above_one() {
        // 0.8 × 3 / 3 is 0.8000000000000002 in floating point.
        let mut idx = NameIndex::new();
        idx.add(person("p1", "Ana María Soto"));
        let found = idx.search(&Query { text: "Ana María Soto".into(), ..Query::default() });
        assert_eq!(found[0].score, 1.0);
    }

    #[test]
    fn birth_date_and_nationality_filter_or_lift() {
        let mut idx = NameIndex::new();
        idx.add(Person {
            born: Some("1990-05-01".into()),
            nationality: vec!["VE".into()],
            ..person("p1", "Carlos Mora")
        });
        idx.add(Person {
            born: Some("1972".into()),
            nationality: vec!["SV".into()],
            ..person("p2", "Carlos Mora")
        });
        let ve = idx.search(&Query {
            text: "Carlos Mora".into(),
            nationality: Some("VE".into()),
            ..Query::default()
        });
        assert_eq!(ve.iter().map(|c| c.person).collect::<Vec<_>>(), vec![0]);
        let born =
            idx.search(&Query { text: "Carlos Mora".into(), born: Some("1990".into()), ..Query::default() });
        assert_eq!(born.iter().map(|c| c.person).collect::<Vec<_>>(), vec![0]);
        assert!(born[0].score > 0.99);
    }

    #[test]
    fn scores_are_in_0_1_and_explained() {
        let idx = index(&[("p1", "José Luis Pérez García")]);
        let found = idx.search(&Query { text: "Pepe Peres".into(), ..Query::default() });
        assert!(found[0].score > 0.0 && found[0].score <= 1.0);
        assert!(found[0].why.iter().any(|w| w.contains("nickname")), "{:?}", found[0].why);
        assert!(found[0].why.iter().any(|w| w.contains("sounds alike")), "{:?}", found[0].why);
        assert!(idx.search(&Query { text: "Zoraida Quispe".into(), ..Query::default() }).is_empty());
    }
}
