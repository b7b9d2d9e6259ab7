//! Person records with known duplicates, for measuring `habeas dedupe` against Splink.
//!
//! Each generated person (an "entity") is written as one record, and about three in ten as two or
//! three, the copies written the way different agencies and lists write one person: a misspelled
//! word, accents dropped, the second surname or second given name missing, a nickname, an initial;
//! the birth date the same, missing, or one typo away; the A-number kept, dropped or written
//! another way. Names come from the short per-country lists of the shared data, so many different
//! people share a name, as they do in life: the birth date must tell them apart.
//!
//! Writes, in `dir`:
//! - `persons.jsonl`: habeas records (one source, then the persons; ids `d-0000001`...);
//! - `persons.csv`: the same persons as columns for Splink (`unique_id`, `given_name`,
//!   `surname_1`, `surname_2`, `dob`, `a_number`, `nationality`) with the truth (`cluster`).

use std::io::Write;
use std::path::Path;

use anyhow::Result;
use habeas_names::normalize::fold;
use habeas_names::variants::{misspell, nickname_of};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::json;

use crate::names::NamePool;

struct Entity {
    given: Vec<String>,
    family: [String; 2],
    born: String,
    a_number: Option<String>,
    nationality: String,
}

/// One written record of an entity.
struct Written {
    given: String,
    family: Vec<String>,
    born: Option<String>,
    a_number: Option<String>,
    nationality: Option<String>,
}

fn entity(rng: &mut StdRng, pools: &[(&'static str, NamePool)]) -> Entity {
    let (country, pool) = &pools[rng.random_range(0..pools.len())];
    let list = if rng.random_bool(0.3) { &pool.female } else { &pool.male };
    let two_given = rng.random_bool(0.5);
    let mut pick = |l: &[String]| l[rng.random_range(0..l.len())].clone();
    let mut given = vec![pick(list)];
    if two_given {
        given.push(pick(list));
    }
    let family = [pick(&pool.surnames), pick(&pool.surnames)];
    let born = format!(
        "{}-{:02}-{:02}",
        rng.random_range(1960..2006),
        rng.random_range(1..13),
        rng.random_range(1..29)
    );
    let a_number =
        rng.random_bool(0.6).then(|| format!("A{:09}", rng.random_range(10_000_000..999_999_999u64)));
    Entity { given, family, born, a_number, nationality: country.to_string() }
}

/// A copy as another list writes it.
fn copy(rng: &mut StdRng, e: &Entity) -> Written {
    let mut given = e.given.clone();
    let mut family: Vec<String> = e.family.to_vec();
    let roll = rng.random_range(0..100);
    match roll {
        0..30 => {}
        30..45 => {
            given = given.iter().map(|g| fold(g)).collect();
            family = family.iter().map(|f| fold(f)).collect();
        }
        45..65 => {
            let mut pick = |n: usize| rng.random_range(0..n);
            let target = pick(given.len() + 2);
            if target < given.len() {
                given[target] = misspell(&fold(&given[target]), &mut pick);
            } else {
                let f = target - given.len();
                family[f] = misspell(&fold(&family[f]), &mut pick);
            }
        }
        65..80 => family.truncate(1),
        80..88 if given.len() > 1 => given.truncate(1),
        88..95 => {
            if let Some(nick) = nickname_of(&given[0]) {
                given = vec![nick.to_string()];
            }
        }
        _ => given[0] = format!("{}.", fold(&given[0]).chars().next().unwrap_or('x').to_uppercase()),
    }
    let born = match rng.random_range(0..100) {
        0..70 => Some(e.born.clone()),
        70..85 => None,
        85..95 => {
            // One digit of the year or day wrong, or day and month swapped: a date that exists.
            let valid = |b: &[char]| {
                let number = |i: usize| (b[i] as u8 - b'0') * 10 + (b[i + 1] as u8 - b'0');
                (1..=12).contains(&number(5)) && (1..=28).contains(&number(8))
            };
            let original: Vec<char> = e.born.chars().collect();
            let mut b = original.clone();
            while b == original || !valid(&b) {
                b = original.clone();
                if rng.random_bool(0.4) {
                    b.swap(5, 8);
                    b.swap(6, 9);
                } else {
                    let at = if rng.random_bool(0.5) { 9 } else { 3 };
                    b[at] = char::from(b'0' + rng.random_range(0..10u8));
                }
            }
            Some(b.into_iter().collect())
        }
        _ => Some(e.born[..4].to_string()),
    };
    let a_number = e.a_number.as_ref().and_then(|a| match rng.random_range(0..100) {
        0..45 => Some(a.clone()),
        45..52 => Some(format!("{}-{}-{}", &a[1..4], &a[4..7], &a[7..])),
        _ => None,
    });
    let nationality = rng.random_bool(0.95).then(|| e.nationality.clone());
    Written { given: given.join(" "), family, born, a_number, nationality }
}

fn first(rng: &mut StdRng, e: &Entity) -> Written {
    Written {
        given: e.given.join(" "),
        family: e.family.to_vec(),
        born: rng.random_bool(0.9).then(|| e.born.clone()),
        a_number: e.a_number.clone(),
        nationality: Some(e.nationality.clone()),
    }
}

/// Writes about `records` person records; returns (entities, records, true pairs).
pub fn write(
    dir: &Path,
    records: usize,
    seed: u64,
    pools: &[(&'static str, NamePool)],
) -> Result<(usize, usize, u64)> {
    std::fs::create_dir_all(dir)?;
    let mut jsonl = std::io::BufWriter::new(std::fs::File::create(dir.join("persons.jsonl"))?);
    let mut csv = csv::Writer::from_path(dir.join("persons.csv"))?;
    csv.write_record([
        "unique_id",
        "given_name",
        "surname_1",
        "surname_2",
        "dob",
        "a_number",
        "nationality",
        "cluster",
    ])?;
    writeln!(
        jsonl,
        "{}",
        json!({"type": "source", "id": "src-lists", "kind": "foia", "title": "Synthetic detention lists with known duplicates"})
    )?;
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut written, mut entities, mut pairs) = (0usize, 0usize, 0u64);
    while written < records {
        let e = entity(&mut rng, pools);
        let copies = match rng.random_range(0..100) {
            0..70 => 1,
            70..90 => 2,
            _ => 3,
        };
        pairs += (copies * (copies - 1) / 2) as u64;
        for c in 0..copies {
            let w = if c == 0 { first(&mut rng, &e) } else { copy(&mut rng, &e) };
            written += 1;
            let id = format!("d-{written:07}");
            let mut person = json!({
                "type": "person", "id": id,
                "names": [{"full": format!("{} {}", w.given, w.family.join(" ")), "given": w.given, "family": w.family}],
                "sources": ["src-lists"]
            });
            if let Some(born) = &w.born {
                person["born"] = json!(born);
            }
            if let Some(a) = &w.a_number {
                person["identifiers"] = json!([{"scheme": "a_number", "value": a}]);
            }
            if let Some(n) = &w.nationality {
                person["nationality"] = json!([n]);
            }
            writeln!(jsonl, "{person}")?;
            csv.write_record([
                id.as_str(),
                &w.given,
                &w.family[0],
                w.family.get(1).map_or("", String::as_str),
                w.born.as_deref().unwrap_or(""),
                w.a_number.as_deref().unwrap_or(""),
                w.nationality.as_deref().unwrap_or(""),
                &entities.to_string(),
            ])?;
        }
        entities += 1;
    }
    jsonl.flush()?;
    csv.flush()?;
    Ok((entities, written, pairs))
}
