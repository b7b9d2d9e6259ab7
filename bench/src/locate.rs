//! The locator at scale, beside SQLite FTS5 with the trigram tokenizer over the same names.
//!
//! Persons get names as the synthetic generator makes them (one or two given names and two
//! surnames from the shared lists of VE, SV, MX, CO, GT). A sample of persons is searched by one
//! labelled variant each (exact, no accents, one surname, surnames first, initial, misspelled,
//! nickname, in turn). FTS5 is queried "the same way" a trigram index is used for fuzzy search:
//! the folded query's trigrams OR-ed together, ranked by bm25, top 10.

use std::path::Path;
use std::time::Instant;

use anyhow::Result;
use habeas_names::normalize::fold;
use habeas_names::variants::variants;
use habeas_names::{NameIndex, NameTokens, Person, Query};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::names;

/// The value at quantile `q` of sorted values (NaN when there are none).
pub(crate) fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 * q) as usize).min(sorted.len() - 1)]
}

fn trigram_query(text: &str) -> String {
    let mut grams: Vec<String> = Vec::new();
    for word in fold(text).split(' ').filter(|w| w.chars().count() >= 3) {
        let chars: Vec<char> = word.chars().collect();
        for w in chars.windows(3) {
            let gram: String = w.iter().collect();
            if !grams.contains(&gram) {
                grams.push(gram);
            }
        }
    }
    grams.iter().map(|g| format!("\"{g}\"")).collect::<Vec<_>>().join(" OR ")
}

pub fn run(persons: usize, queries: usize, fts_queries: usize, seed: u64, data: &Path) -> Result<()> {
    let pool = names::load(data, &["VE", "SV", "MX", "CO", "GT", "HN"])?;
    let given_pool: Vec<String> = pool.female.iter().chain(&pool.male).cloned().collect();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut people: Vec<(Vec<String>, [String; 2])> = Vec::with_capacity(persons);
    let mut index = NameIndex::new();
    // Every person has a distinct full name, so that recall measures the search, not ties.
    let mut seen = std::collections::HashSet::new();
    let start = Instant::now();
    while people.len() < persons {
        let n = people.len();
        let mut given = vec![given_pool[rng.random_range(0..given_pool.len())].clone()];
        if rng.random_bool(0.5) {
            given.push(given_pool[rng.random_range(0..given_pool.len())].clone());
        }
        let family = [
            pool.surnames[rng.random_range(0..pool.surnames.len())].clone(),
            pool.surnames[rng.random_range(0..pool.surnames.len())].clone(),
        ];
        if !seen.insert(fold(&format!("{} {} {}", given.join(" "), family[0], family[1]))) {
            continue;
        }
        index.add(Person {
            id: format!("p-{n}"),
            names: vec![NameTokens::from_parts(&given.join(" "), &family)],
            ..Person::default()
        });
        people.push((given, family));
    }
    index.prepare();
    let index_seconds = start.elapsed().as_secs_f64();

    let conn = rusqlite::Connection::open_in_memory()?;
    conn.execute_batch("CREATE VIRTUAL TABLE names USING fts5(name, tokenize = 'trigram')")?;
    let start = Instant::now();
    // Without FTS5 queries the table is not filled: a quicker run to measure our search alone.
    if fts_queries > 0 {
        let tx = conn.unchecked_transaction()?;
        let mut insert = tx.prepare("INSERT INTO names (rowid, name) VALUES (?1, ?2)")?;
        for (n, (given, family)) in people.iter().enumerate() {
            insert.execute(rusqlite::params![
                n as i64,
                fold(&format!("{} {} {}", given.join(" "), family[0], family[1]))
            ])?;
        }
        drop(insert);
        tx.commit()?;
    }
    let fts_seconds = start.elapsed().as_secs_f64();

    let kinds =
        ["exact", "no accents", "one surname", "surnames first", "initials", "misspelled", "nickname"];
    let mut by_kind: std::collections::BTreeMap<&str, (Vec<f64>, usize, usize)> =
        std::collections::BTreeMap::new();
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    let (mut ours_hit, mut theirs_hit, mut asked) = (0usize, 0usize, 0usize);
    let mut ours_hit_shared = 0usize; // on the queries FTS5 also answered
    let mut stmt = conn.prepare("SELECT rowid FROM names WHERE names MATCH ?1 ORDER BY rank LIMIT 10")?;
    let mut n = 0;
    // Every answer (persons, scores and explanations, in order) folded into one number: two builds that print the
    // same digest answered every query the same.
    let mut digest = std::hash::DefaultHasher::new();
    while asked < queries {
        let target = rng.random_range(0..persons);
        let (given, family) = &people[target];
        let mut pick = |bound: usize| rng.random_range(0..bound);
        let written = variants(given, family, &mut pick);
        let kind = kinds[n % kinds.len()];
        n += 1;
        let Some((_, text)) = written.into_iter().find(|(k, _)| *k == kind) else { continue };
        asked += 1;

        let start = Instant::now();
        let found = index.search(&Query { text: text.clone(), limit: 10, ..Query::default() });
        let ms = start.elapsed().as_secs_f64() * 1e3;
        ours.push(ms);
        for candidate in &found {
            std::hash::Hash::hash(
                &(candidate.person, candidate.score.to_bits(), &candidate.why),
                &mut digest,
            );
        }
        let hit = found.iter().any(|c| c.person as usize == target);
        ours_hit += usize::from(hit);
        if ms > 5.0 {
            eprintln!("slow: {ms:.1} ms {kind} {text:?} found {}", found.len());
        }
        let entry = by_kind.entry(kind).or_default();
        entry.0.push(ms);
        entry.1 += 1;
        entry.2 += usize::from(hit);

        if asked > fts_queries {
            continue;
        }
        ours_hit_shared += usize::from(hit);
        let expression = trigram_query(&text);
        let start = Instant::now();
        let rows: Vec<i64> = if expression.is_empty() {
            Vec::new()
        } else {
            stmt.query_map([&expression], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?
        };
        theirs.push(start.elapsed().as_secs_f64() * 1e3);
        theirs_hit += usize::from(rows.contains(&(target as i64)));
    }
    for (kind, (mut ms, n, hits)) in by_kind {
        ms.sort_by(f64::total_cmp);
        eprintln!(
            "{kind:>15}: {n:5} queries, p50 {:.2} ms, p99 {:.2} ms, recall@10 {:.3}",
            percentile(&ms, 0.5),
            percentile(&ms, 0.99),
            hits as f64 / n as f64
        );
    }
    let mean = ours.iter().sum::<f64>() / ours.len().max(1) as f64;
    let digest = std::hash::Hasher::finish(&digest);
    ours.sort_by(f64::total_cmp);
    theirs.sort_by(f64::total_cmp);
    println!(
        "{{\"persons\": {persons}, \"queries\": {asked}, \"habeas\": {{\"build_s\": {index_seconds:.1}, \"mean_ms\": {mean:.3}, \"p50_ms\": {:.2}, \"p99_ms\": {:.2}, \"results_digest\": \"{digest:016x}\", \"recall_at_10\": {:.3}, \"recall_at_10_on_fts_queries\": {:.3}}}, \"fts5_trigram\": {{\"queries\": {}, \"build_s\": {fts_seconds:.1}, \"p50_ms\": {:.2}, \"p99_ms\": {:.2}, \"recall_at_10\": {:.3}}}}}",
        percentile(&ours, 0.5),
        percentile(&ours, 0.99),
        ours_hit as f64 / asked as f64,
        ours_hit_shared as f64 / theirs.len() as f64,
        theirs.len(),
        percentile(&theirs, 0.5),
        percentile(&theirs, 0.99),
        theirs_hit as f64 / theirs.len() as f64,
    );
    Ok(())
}
