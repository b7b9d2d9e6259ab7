//! Finding person records that may be one person: blocking, then scoring each pair on the evidence.
//!
//! A man detained in Texas, listed on a flight manifest and named in a news report may be three
//! records: "José Luis Pérez García, born 1990-05-01, A012345678", "PEREZ, JOSE" and "Pepe Pérez
//! G.". Comparing every pair of a hundred thousand records is five billion comparisons, so:
//!
//! **Blocking.** Each person gets a few keys, and only persons sharing a key are compared: an
//! identifier; first given name and first surname (by sound, a nickname read as its name); first
//! surname and birth year; second surname and first given name; both surnames (which catches a
//! mangled or initialled given name); first given name and full birth date (a mangled surname). A key shared by more than [`Options::max_block`] persons
//! ("José García") is too common to say anything and is skipped: such pairs still meet through
//! their other keys.
//!
//! **Scoring.** Each pair's evidence is weighed as in Fellegi and Sunter's model, in bits (log2 of
//! how much likelier the evidence is for one person than for two):
//! - each pair of name words that match (same, same sound, nickname, initial, typo) weighs by the
//!   word's rarity among the persons, `log2(persons / persons with it)`, times how well it matches:
//!   two García match for little, two Urdaneta for much; a word on both sides with nothing to match
//!   (a different first name, a different second surname) counts against; a whole name counts at
//!   most 20 bits, since names run in families;
//! - the same full birth date is strong evidence, a birth date one typo away (a digit, day and
//!   month swapped) some, a different one strong evidence against; a year alone agrees weakly;
//! - a shared identifier is near proof; two different A-numbers count against;
//! - different recorded nationalities count against.
//!
//! The bits, added to the prior odds of two records taken at random being one person (`1 /
//! persons`: the rarities above are measured against random pairs, so the prior must be too, not
//! against the pairs blocking chose), give a probability in [0, 1]; pairs at or above
//! [`Options::min_score`] are returned, best first, each with its evidence in words.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::distance::{letters, may_be_near, similarity};
use crate::index::{Match, Person, normalize_identifier};
use crate::name::Token;
use crate::nicknames;

/// How dedupe runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Options {
    /// Pairs scoring below this are not returned.
    pub min_score: f64,
    /// Blocks larger than this are skipped.
    pub max_block: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options { min_score: 0.5, max_block: 400 }
    }
}

/// Two persons (indices into the slice given) that may be one.
#[derive(Clone, Debug, PartialEq)]
pub struct Pair {
    pub a: u32,
    pub b: u32,
    /// Probability in [0, 1].
    pub score: f64,
    pub why: Vec<String>,
}

/// A word on both sides that matches nothing on the other.
const CONFLICT_BITS: f64 = -5.0;
const NO_NAME_MATCH_BITS: f64 = -10.0;
const SAME_BIRTH_DATE_BITS: f64 = 13.0;
const BIRTH_DATE_TYPO_BITS: f64 = 4.0;
const SAME_BIRTH_YEAR_BITS: f64 = 4.0;
const OTHER_BIRTH_DATE_BITS: f64 = -12.0;
const SAME_IDENTIFIER_BITS: f64 = 20.0;
const OTHER_A_NUMBER_BITS: f64 = -10.0;
const OTHER_NATIONALITY_BITS: f64 = -6.0;
/// The most a single matching word can weigh.
const MAX_WORD_BITS: f64 = 12.0;
/// The most a whole name can weigh, however rare its words: names run in families, and a father
/// and son, or cousins, can share every word of one. Only a birth date or an identifier says more.
const MAX_NAME_BITS: f64 = 20.0;

/// The key a given name is blocked under: a nickname read as the name it stands for.
fn given_key(token: &Token) -> String {
    match nicknames::expand(&token.word).first() {
        Some(full) => crate::phonetic::key(full.split(' ').next().unwrap_or(full)),
        None => token.key.clone(),
    }
}

fn birth_year(born: &str) -> Option<&str> {
    born.get(..4).filter(|y| y.chars().all(|c| c.is_ascii_digit()))
}

/// The blocking keys of one person.
fn keys(person: &Person) -> Vec<String> {
    let mut out = Vec::new();
    for identifier in &person.identifiers {
        out.push(format!("id:{}", normalize_identifier(identifier)));
    }
    let year = person.born.as_deref().and_then(birth_year);
    let full_date = person.born.as_deref().filter(|b| b.len() == 10);
    for name in &person.names {
        let given: Vec<&Token> = name.tokens.iter().filter(|t| t.given && t.word.len() > 1).collect();
        let family: Vec<&Token> = name.tokens.iter().filter(|t| !t.given && t.word.len() > 1).collect();
        let first_given = given.first().map(|t| given_key(t));
        if let (Some(g), Some(f)) = (&first_given, family.first()) {
            out.push(format!("gf:{g}:{}", f.key));
        }
        if let (Some(f), Some(year)) = (family.first(), year) {
            out.push(format!("fy:{}:{year}", f.key));
        }
        if let (Some(g), Some(f)) = (&first_given, family.get(1)) {
            out.push(format!("gs:{g}:{}", f.key));
        }
        if let (Some(f), Some(s)) = (family.first(), family.get(1)) {
            out.push(format!("ff:{}:{}", f.key, s.key));
        }
        if let (Some(g), Some(date)) = (&first_given, full_date) {
            out.push(format!("gd:{g}:{date}"));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// A name word ready to compare many times: the word, its sound and what a nickname stands for
/// as numbers (equal numbers, equal strings), its rarity in bits, and cheap filters for typos.
struct Word<'p> {
    token: &'p Token,
    word: u32,
    key: u32,
    /// The name a nickname stands for (its own sound otherwise), to match "Pepe" with "José".
    canonical: u32,
    /// `log2(persons / persons with its sound)`, clamped.
    bits: f64,
    /// Which letters the word and its key hold: two words more than two edits apart usually
    /// differ in more than four letters, and are rejected without computing the distance.
    letters: u32,
    key_letters: u32,
}

/// A person's names as prepared words (at most [`MAX_WORDS`] per name), and identifiers.
struct Prepared<'p> {
    names: Vec<Vec<Word<'p>>>,
    /// The most any of the names can weigh: every word matched exactly.
    most_name_bits: f64,
    identifiers: Vec<String>,
    has_a_number: bool,
    /// The birth date or year, kept inline: the date is compared for every pair blocked.
    born: Born,
    /// The nationalities as a set of bits, one per nationality seen (a 65th nationality shares a
    /// bit with the first, which can only make two persons look less different).
    nationality: u64,
}

/// A birth date as compared: a full date, a year alone, or nothing usable.
#[derive(Clone, Copy, PartialEq)]
enum Born {
    Unknown,
    Year([u8; 4]),
    Date([u8; 10]),
}

impl Born {
    fn of(born: Option<&str>) -> Born {
        let Some(born) = born else { return Born::Unknown };
        if let Ok(date) = <[u8; 10]>::try_from(born.as_bytes()) {
            return Born::Date(date);
        }
        match birth_year(born).map(|y| <[u8; 4]>::try_from(y.as_bytes())) {
            Some(Ok(year)) => Born::Year(year),
            _ => Born::Unknown,
        }
    }

    fn year(&self) -> Option<&[u8]> {
        match self {
            Born::Unknown => None,
            Born::Year(year) => Some(year),
            Born::Date(date) => Some(&date[..4]),
        }
    }
}

/// Words of a name compared; a longer name is compared on its first words.
const MAX_WORDS: usize = 8;

fn prepare<'p>(persons: &'p [Person]) -> Vec<Prepared<'p>> {
    let mut with_key: FxHashMap<&str, u32> = FxHashMap::default();
    for person in persons {
        let keys: FxHashSet<&str> =
            person.names.iter().flat_map(|n| n.tokens.iter().map(|t| t.key.as_str())).collect();
        for key in keys {
            *with_key.entry(key).or_default() += 1;
        }
    }
    let total = persons.len().max(1) as f64;
    let mut ids: FxHashMap<String, u32> = FxHashMap::default();
    let mut intern = |text: &str| -> u32 {
        let next = ids.len() as u32;
        *ids.entry(text.to_string()).or_insert(next)
    };
    let mut nationalities: FxHashMap<String, usize> = FxHashMap::default();
    let mut out = Vec::with_capacity(persons.len());
    for person in persons {
        let mut names = Vec::with_capacity(person.names.len());
        for name in &person.names {
            let mut words = Vec::with_capacity(name.tokens.len().min(MAX_WORDS));
            for token in name.tokens.iter().take(MAX_WORDS) {
                let rarity = total / with_key.get(token.key.as_str()).copied().unwrap_or(1) as f64;
                words.push(Word {
                    token,
                    word: intern(&token.word),
                    key: intern(&format!("~{}", token.key)),
                    canonical: intern(&format!("={}", given_key(token))),
                    bits: rarity.log2().clamp(1.0, MAX_WORD_BITS),
                    letters: letters(&token.word),
                    key_letters: letters(&token.key),
                });
            }
            names.push(words);
        }
        let identifiers: Vec<String> = person.identifiers.iter().map(|i| normalize_identifier(i)).collect();
        let most_name_bits = names
            .iter()
            .map(|n: &Vec<Word<'_>>| n.iter().map(|w| w.bits).sum::<f64>())
            .fold(0.0, f64::max)
            .min(MAX_NAME_BITS);
        out.push(Prepared {
            most_name_bits,
            names,
            has_a_number: identifiers.iter().any(|i| i.starts_with('A')),
            identifiers,
            born: Born::of(person.born.as_deref()),
            nationality: person.nationality.iter().fold(0, |set, n| {
                let next = nationalities.len();
                set | 1 << (*nationalities.entry(n.to_uppercase()).or_insert(next) % 64)
            }),
        });
    }
    out
}

/// How two name words match, as the locator weighs it (`index::Match`), with cheap rejections.
fn word_match(x: &Word<'_>, y: &Word<'_>) -> Option<Match> {
    let (a, b) = (x.token, y.token);
    if x.word == y.word {
        return Some(Match::Same);
    }
    if x.key == y.key {
        return Some(Match::Sound);
    }
    let (short_a, short_b) = (a.word.len() == 1, b.word.len() == 1);
    if x.canonical == y.canonical && !short_a && !short_b {
        return Some(Match::Nickname);
    }
    if short_a || short_b {
        let (short, long) = if short_a { (a, b) } else { (b, a) };
        return long.word.starts_with(&short.word).then_some(Match::Initial);
    }
    let word = if may_be_near(x.letters, y.letters) { similarity(&a.word, &b.word) } else { 0.0 };
    let key = if may_be_near(x.key_letters, y.key_letters) { similarity(&a.key, &b.key) } else { 0.0 };
    let s = word.max(key);
    (s >= 0.6).then_some(Match::Typo(s))
}

/// The evidence of two names, in bits; with `why`, the words behind them. Words are paired
/// greedily, best match first, each used once.
fn name_bits(a: &[Word<'_>], b: &[Word<'_>], mut why: Option<&mut Vec<String>>) -> f64 {
    let (na, nb) = (a.len(), b.len());
    if na == 0 || nb == 0 {
        return 0.0;
    }
    let mut matches = [[None::<Match>; MAX_WORDS]; MAX_WORDS];
    for (i, x) in a.iter().enumerate() {
        for (j, y) in b.iter().enumerate() {
            matches[i][j] = word_match(x, y);
        }
    }
    let (mut used_a, mut used_b) = (0u32, 0u32);
    let mut bits = 0.0;
    loop {
        let mut best: Option<(f64, usize, usize, Match)> = None;
        for (i, row) in matches.iter().enumerate().take(na) {
            if used_a & (1 << i) != 0 {
                continue;
            }
            for (j, m) in row.iter().enumerate().take(nb) {
                if used_b & (1 << j) == 0
                    && let Some(m) = m
                    && best.is_none_or(|(w, _, _, _)| m.weight() > w)
                {
                    best = Some((m.weight(), i, j, *m));
                }
            }
        }
        let Some((weight, i, j, m)) = best else { break };
        used_a |= 1 << i;
        used_b |= 1 << j;
        bits += weight * a[i].bits.min(b[j].bits);
        if let Some(why) = why.as_deref_mut() {
            why.push(m.explain(a[i].token, b[j].token));
        }
    }
    if used_a == 0 {
        return NO_NAME_MATCH_BITS;
    }
    // Words left on both sides in the same role: a different given name, a different surname.
    for given in [true, false] {
        let left = |words: &[Word<'_>], used: u32| {
            words
                .iter()
                .enumerate()
                .filter(|(k, w)| used & (1 << k) == 0 && w.token.given == given && w.token.word.len() > 1)
                .count()
        };
        let conflicts = left(a, used_a).min(left(b, used_b));
        if conflicts > 0 {
            bits += CONFLICT_BITS * conflicts as f64;
            if let Some(why) = why.as_deref_mut() {
                why.push(format!(
                    "{conflicts} {} differ",
                    if given { "given name(s)" } else { "surname(s)" }
                ));
            }
        }
    }
    bits
}

/// Whether two full dates differ by one typo: one digit, or day and month swapped.
fn date_typo(a: &[u8; 10], b: &[u8; 10]) -> bool {
    let differing = a.iter().zip(b).filter(|(x, y)| x != y).count();
    let swapped = a.get(..4) == b.get(..4) && a.get(5..7) == b.get(8..10) && a.get(8..10) == b.get(5..7);
    differing == 1 || swapped
}

/// The evidence of two persons' best-matching names, in bits; with `why`, the words behind it.
fn name_evidence(pa: &Prepared<'_>, pb: &Prepared<'_>, why: Option<&mut Vec<String>>) -> f64 {
    let mut best = (f64::NEG_INFINITY, 0, 0);
    for (i, x) in pa.names.iter().enumerate() {
        for (j, y) in pb.names.iter().enumerate() {
            let bits = name_bits(x, y, None);
            if bits > best.0 {
                best = (bits, i, j);
            }
        }
    }
    if !best.0.is_finite() {
        return 0.0;
    }
    if let Some(why) = why {
        name_bits(&pa.names[best.1], &pb.names[best.2], Some(why));
    }
    best.0.min(MAX_NAME_BITS)
}

/// The evidence of two persons besides their names (identifiers, birth dates, nationality), in
/// bits; with `why`, in words.
fn other_evidence(
    (a, pa): (&Person, &Prepared<'_>),
    (b, pb): (&Person, &Prepared<'_>),
    mut why: Option<&mut Vec<String>>,
) -> f64 {
    let mut bits = 0.0;
    // Words are written only when asked for: most pairs are compared to be dropped.
    let mut say = |text: &dyn Fn() -> String| {
        if let Some(why) = why.as_deref_mut() {
            why.push(text());
        }
    };

    if !pa.identifiers.is_empty() && !pb.identifiers.is_empty() {
        if let Some(shared) = pa.identifiers.iter().find(|i| pb.identifiers.contains(i)) {
            bits += SAME_IDENTIFIER_BITS;
            say(&|| format!("same identifier {shared}"));
        } else if pa.has_a_number && pb.has_a_number {
            bits += OTHER_A_NUMBER_BITS;
            say(&|| "different A-numbers".to_string());
        }
    }

    let text = |born: &Option<String>| born.clone().unwrap_or_default();
    match (pa.born, pb.born) {
        (Born::Date(x), Born::Date(y)) if x == y => {
            bits += SAME_BIRTH_DATE_BITS;
            say(&|| format!("both born {}", text(&a.born)));
        }
        (Born::Date(x), Born::Date(y)) if date_typo(&x, &y) => {
            bits += BIRTH_DATE_TYPO_BITS;
            say(&|| format!("born {} and {}: one typo apart", text(&a.born), text(&b.born)));
        }
        (Born::Unknown, _) | (_, Born::Unknown) => {}
        (x, y) if x.year() == y.year() && !matches!((x, y), (Born::Date(_), Born::Date(_))) => {
            bits += SAME_BIRTH_YEAR_BITS;
            say(&|| format!("both born in {}", String::from_utf8_lossy(x.year().unwrap_or_default())));
        }
        _ => {
            bits += OTHER_BIRTH_DATE_BITS;
            say(&|| format!("born {} and {}", text(&a.born), text(&b.born)));
        }
    }

    if pa.nationality != 0 && pb.nationality != 0 && pa.nationality & pb.nationality == 0 {
        bits += OTHER_NATIONALITY_BITS;
        say(&|| format!("nationality {} and {}", a.nationality.join("/"), b.nationality.join("/")));
    }
    bits
}

/// The probability of log2 odds.
fn probability(bits: f64) -> f64 {
    1.0 / (1.0 + (-bits).exp2())
}

/// Prior log2 odds that two persons taken at random are one person: as if every other record had
/// a duplicate, `1 / persons`. The weights of the words are measured against random pairs, so the
/// prior is too, whatever blocking chose to compare.
fn prior_bits(persons: usize) -> f64 {
    -(persons.max(2) as f64).log2()
}

/// Pairs of persons that may be one person, best first. Scoring runs on every core.
pub fn dedupe(persons: &[Person], options: Options) -> Vec<Pair> {
    // Blocks as numbers: each key's members, and each person's keys worth comparing on.
    let mut block_of: FxHashMap<String, u32> = FxHashMap::default();
    let mut members: Vec<Vec<u32>> = Vec::new();
    let mut blocks_of: Vec<Vec<u32>> = Vec::with_capacity(persons.len());
    for (i, person) in persons.iter().enumerate() {
        let mut mine = Vec::new();
        for key in keys(person) {
            let next = members.len() as u32;
            let block = *block_of.entry(key).or_insert(next);
            if block == next {
                members.push(Vec::new());
            }
            members[block as usize].push(i as u32);
            mine.push(block);
        }
        blocks_of.push(mine);
    }
    drop(block_of);
    for mine in &mut blocks_of {
        mine.retain(|&block| (2..=options.max_block).contains(&members[block as usize].len()));
    }

    let prepared = prepare(persons);
    let prior = prior_bits(persons.len());
    // The least evidence a pair needs; a pair that cannot reach it even if all its words matched
    // is not compared word by word.
    let needed = if options.min_score > 0.0 {
        (options.min_score / (1.0 - options.min_score)).log2()
    } else {
        f64::NEG_INFINITY
    };
    let score_pair = |a: u32, b: u32, found: &mut Vec<Pair>| {
        let (x, y) =
            ((&persons[a as usize], &prepared[a as usize]), (&persons[b as usize], &prepared[b as usize]));
        let other = other_evidence(x, y, None);
        if prior + other + x.1.most_name_bits.min(y.1.most_name_bits) < needed {
            return;
        }
        let score = probability(prior + other + name_evidence(x.1, y.1, None));
        if score >= options.min_score {
            let mut why = Vec::new();
            name_evidence(x.1, y.1, Some(&mut why));
            other_evidence(x, y, Some(&mut why));
            found.push(Pair { a, b, score, why });
        }
    };
    // Person by person, each against the later persons it shares a block with, once each: no list
    // of every candidate pair is ever held. Threads take persons in turn, so each gets its share
    // of the large blocks.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 16);
    let (members, blocks_of, score_pair) = (&members, &blocks_of, &score_pair);
    let mut out: Vec<Pair> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    let (mut found, mut others) = (Vec::new(), Vec::new());
                    for a in (t..persons.len()).step_by(threads) {
                        let a = a as u32;
                        others.clear();
                        for &block in &blocks_of[a as usize] {
                            others.extend(members[block as usize].iter().filter(|&&b| b > a));
                        }
                        others.sort_unstable();
                        others.dedup();
                        for &b in &others {
                            score_pair(a, b, &mut found);
                        }
                    }
                    found
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    });
    out.sort_by(|x, y| y.score.total_cmp(&x.score).then(x.a.cmp(&y.a)).then(x.b.cmp(&y.b)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::name::NameTokens;

    fn person(id: &str, full: &str, born: Option<&str>, ids: &[&str]) -> Person {
        Person {
            id: id.into(),
            names: vec![NameTokens::parse(full)],
            born: born.map(str::to_string),
            nationality: vec!["VE".into()],
            identifiers: ids.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn filler(n: usize) -> Vec<Person> {
        // Common names, so that rarity means something.
        let given = ["José", "María", "Luis", "Ana", "Carlos", "Rosa", "Jorge", "Elena"];
        let family = ["García", "Pérez", "López", "Rodríguez", "Martínez", "Gómez", "Díaz", "Ruiz"];
        (0..n)
            .map(|i| {
                person(
                    &format!("f-{i}"),
                    &format!("{} {} {}", given[i % 8], family[(i / 8) % 8], family[(i / 64) % 8]),
                    Some(&format!("19{:02}-0{}-1{}", 50 + i % 40, 1 + i % 9, i % 10)),
                    &[],
                )
            })
            .collect()
    }

    fn pair_of<'p>(pairs: &'p [Pair], persons: &[Person], a: &str, b: &str) -> Option<&'p Pair> {
        pairs.iter().find(|p| {
            let (x, y) = (&persons[p.a as usize].id, &persons[p.b as usize].id);
            (x == a && y == b) || (x == b && y == a)
        })
    }

    #[test]
    fn one_man_written_three_ways_is_found_with_the_evidence() {
        let mut persons = filler(600);
        persons.push(person("p-1", "José Luis Urdaneta Briceño", Some("1990-05-01"), &["A012345678"]));
        persons.push(person("p-2", "URDANETA BRICEÑO, Pepe", Some("1990-05-01"), &[]));
        persons.push(person("p-3", "Jose Luis Urdaneta", None, &["12345678"]));
        let pairs = dedupe(&persons, Options::default());
        let p12 = pair_of(&pairs, &persons, "p-1", "p-2").expect("nickname, surnames first, same birth date");
        assert!(p12.score > 0.95, "{p12:?}");
        assert!(p12.why.iter().any(|w| w.contains("nickname")), "{:?}", p12.why);
        assert!(p12.why.iter().any(|w| w.contains("both born 1990-05-01")), "{:?}", p12.why);
        let p13 = pair_of(&pairs, &persons, "p-1", "p-3").expect("the A-number without its A and zero");
        assert!(p13.why.iter().any(|w| w.contains("same identifier A12345678")), "{:?}", p13.why);
        assert!(pairs.iter().all(|p| (0.0..=1.0).contains(&p.score)));
    }

    #[test]
    fn common_names_alone_or_other_birth_dates_are_not_one_person() {
        let mut persons = filler(600);
        persons.push(person("q-1", "José García López", None, &[]));
        persons.push(person("q-2", "José García López", None, &[]));
        persons.push(person("r-1", "Wilmer Urdaneta Briceño", Some("1990-05-01"), &[]));
        persons.push(person("r-2", "Wilmer Urdaneta Briceño", Some("1971-11-23"), &[]));
        let pairs = dedupe(&persons, Options::default());
        assert!(pair_of(&pairs, &persons, "q-1", "q-2").is_none(), "a name thousands share proves nothing");
        // A rare name written the same, born twenty years apart: at most a doubt.
        assert!(pair_of(&pairs, &persons, "r-1", "r-2").is_none_or(|p| p.score < 0.9));
        // The same rare name with nothing against it is worth a look.
        persons.push(person("s-1", "Yohandry Urbina Quintero", None, &[]));
        persons.push(person("s-2", "Yohandri Urbina Quintero", None, &[]));
        let pairs = dedupe(&persons, Options::default());
        assert!(pair_of(&pairs, &persons, "s-1", "s-2").is_some());
    }

    #[test]
    fn a_birth_date_typo_is_not_a_contradiction() {
        assert!(date_typo(b"1990-05-01", b"1990-05-07"));
        assert!(date_typo(b"1990-05-01", b"1990-01-05"), "day and month swapped");
        assert!(!date_typo(b"1990-05-01", b"1971-11-23"));
    }
}
