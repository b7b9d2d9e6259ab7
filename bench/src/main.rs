//! `habeas-bench`: synthetic data and the measurements of docs/benchmarks.md.
//!
//! ```text
//! habeas-bench synth --records 1000000 --seed 1 --out bench/out/1m.jsonl
//! habeas-bench canonical bench/out/1m.jsonl --out bench/out/1m.canonical
//! habeas-bench bare-insert bench/out/1m.canonical --db bench/out/bare.db [--keyed]
//! habeas-bench proofs --db bench/out/ledger.db --count 10000
//! habeas-bench locate --persons 1000000 --queries 2000 --fts-queries 300
//! habeas-bench timelines --db bench/out/tl.db --persons 1000000 --count 2000 --occupancy fac-7
//! habeas-bench dedupe-data --records 100000 --seed 1 --out bench/out/dedupe
//! ```
//! `bench/ledger.sh` runs the first four side by side with `habeas import` and `habeas verify`;
//! `bench/timelines.sh` and `bench/dedupe.sh` the last two with what they are compared against.

mod dedupe;
mod locate;
mod names;
mod synth;

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use rand::{RngExt, SeedableRng, rngs::StdRng};

/// The allocator of the `habeas` binary, so that what is measured here is what users run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Writes seeded synthetic records as JSON Lines
    Synth {
        #[arg(long)]
        records: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
        /// The shared data folder with the name lists
        #[arg(long, default_value = "../shared/data")]
        data: PathBuf,
    },
    /// Writes person records with known duplicates (JSONL for habeas, CSV with the truth for Splink)
    DedupeData {
        #[arg(long, default_value_t = 100_000)]
        records: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The folder to write persons.jsonl and persons.csv into
        #[arg(long)]
        out: PathBuf,
        /// The shared data folder with the name lists
        #[arg(long, default_value = "../shared/data")]
        data: PathBuf,
    },
    /// Writes the canonical form of each record, one per line (the baseline's rows)
    Canonical {
        input: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
    /// Inserts canonical rows into a bare SQLite table in one transaction (WAL, synchronous=FULL)
    BareInsert {
        input: PathBuf,
        #[arg(long)]
        db: PathBuf,
        /// Key the table by record id (id TEXT PRIMARY KEY) instead of rowid only
        #[arg(long)]
        keyed: bool,
    },
    /// Times what an import's parsing thread does per line (parse, validate, canonical form,
    /// digest, leaf, leaf hash), single-threaded
    Parse { input: PathBuf },
    /// The server's searches in process: the name index of a ledger, searched by the `q` lines
    /// of bench/server.sh's query file (names with `%20` for spaces).
    Search {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        queries: PathBuf,
        /// Times over the whole list.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
    },
    /// The locator against an SQLite FTS5 trigram index over the same names: latency and recall@10
    Locate {
        #[arg(long, default_value_t = 1_000_000)]
        persons: usize,
        #[arg(long, default_value_t = 2000)]
        queries: usize,
        /// How many of the queries also go to FTS5 (it is slow at a million names)
        #[arg(long, default_value_t = 300)]
        fts_queries: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value = "../shared/data")]
        data: PathBuf,
    },
    /// Times the timelines of random synthetic persons (ids p-0000000...) in a ledger
    Timelines {
        #[arg(long)]
        db: PathBuf,
        /// How many persons the ledger holds
        #[arg(long)]
        persons: u64,
        #[arg(long, default_value_t = 2000)]
        count: usize,
        /// Also time the occupancy of this place over its whole history
        #[arg(long, value_name = "PLACE")]
        occupancy: Option<String>,
    },
    /// Times random inclusion proofs against the latest checkpoint
    Proofs {
        #[arg(long)]
        db: PathBuf,
        #[arg(long, default_value_t = 10_000)]
        count: usize,
    },
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::DedupeData { records, seed, out, data } => {
            let pools = names::pools(&data)?;
            let (entities, written, pairs) = dedupe::write(&out, records, seed, &pools)?;
            eprintln!("{written} records of {entities} persons; {pairs} pairs are one person");
        }
        Command::Synth { records, seed, out, data } => {
            let pools = names::pools(&data)?;
            let mut file = BufWriter::new(File::create(&out).with_context(|| out.display().to_string())?);
            let written = synth::write(&mut file, records, seed, &pools)?;
            file.flush()?;
            eprintln!("{written:?}");
        }
        Command::Canonical { input, out } => {
            let reader = BufReader::new(File::open(&input)?);
            let mut file = BufWriter::new(File::create(&out)?);
            for line in reader.lines() {
                let parsed = habeas_model::parse_line(&line?).map_err(|e| anyhow::anyhow!("{e}"))?;
                file.write_all(&parsed.canonical)?;
                file.write_all(b"\n")?;
            }
            file.flush()?;
        }
        Command::BareInsert { input, db, keyed } => {
            if db.exists() {
                bail!("{} exists", db.display());
            }
            let mut conn = rusqlite::Connection::open(&db)?;
            conn.execute_batch("PRAGMA page_size = 8192;")?;
            habeas_store::sqlite::configure(&conn)?;
            if keyed {
                conn.execute_batch(
                    "CREATE TABLE bare (id TEXT PRIMARY KEY, body BLOB NOT NULL) WITHOUT ROWID",
                )?;
            } else {
                conn.execute_batch("CREATE TABLE bare (body BLOB NOT NULL)")?;
            }
            let start = Instant::now();
            let tx = conn.transaction()?;
            let mut rows = 0u64;
            {
                let sql = if keyed {
                    "INSERT INTO bare (id, body) VALUES (?1, ?2)"
                } else {
                    "INSERT INTO bare (body) VALUES (?1)"
                };
                let mut stmt = tx.prepare(sql)?;
                for line in BufReader::with_capacity(1 << 20, File::open(&input)?).split(b'\n') {
                    let line = line?;
                    if keyed {
                        // The id is the value of the "id" member, found by walking the canonical
                        // bytes: parsing the row into JSON values would time a parser, not the insert.
                        let id = canonical_id(&line)
                            .ok_or_else(|| anyhow::anyhow!("row {}: no plain \"id\" member", rows + 1))?;
                        stmt.execute(rusqlite::params![id, line])?;
                    } else {
                        stmt.execute([&line])?;
                    }
                    rows += 1;
                }
            }
            tx.commit()?;
            let secs = start.elapsed().as_secs_f64();
            println!(
                "{{\"rows\": {rows}, \"seconds\": {secs:.3}, \"rows_per_second\": {:.0}}}",
                rows as f64 / secs
            );
        }
        Command::Parse { input } => {
            let lines: Vec<String> = BufReader::new(File::open(&input)?).lines().collect::<Result<_, _>>()?;
            let start = Instant::now();
            let mut check = 0usize;
            for line in &lines {
                // What an import's parsing thread does with a line: parsed, validated, canonical
                // form, content digest, leaf with fresh salts, leaf hash.
                let parsed = habeas_model::parse_line(line).map_err(|e| anyhow::anyhow!("{e}"))?;
                check += habeas_store::Prepared::new(parsed).leaf_hash.0[0] as usize;
            }
            let secs = start.elapsed().as_secs_f64();
            println!(
                "{{\"lines\": {}, \"parsed_and_leafed_per_second\": {:.0}, \"check\": {check}}}",
                lines.len(),
                lines.len() as f64 / secs
            );
        }
        Command::Search { db, queries, rounds } => {
            let mut ledger = habeas_store::Ledger::open_for_reading(&habeas_store::Location::Sqlite(db))?;
            let start = Instant::now();
            let index = ledger.person_index(habeas_store::Moment::default(), None)?;
            let build = start.elapsed().as_secs_f64();
            let texts: Vec<String> = BufReader::new(File::open(&queries)?)
                .lines()
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .filter_map(|line| line.strip_prefix("q ").map(|q| q.replace("%20", " ")))
                .collect();
            let mut micros = Vec::with_capacity(texts.len() * rounds);
            let mut found = 0usize;
            for _ in 0..rounds {
                for text in &texts {
                    let query = habeas_names::Query { text: text.clone(), limit: 10, ..Default::default() };
                    let start = Instant::now();
                    found += habeas_store::locate::search(&index, &query).len();
                    micros.push(start.elapsed().as_secs_f64() * 1e6);
                }
            }
            let mean = micros.iter().sum::<f64>() / micros.len().max(1) as f64;
            micros.sort_by(f64::total_cmp);
            println!(
                "{{\"persons\": {}, \"build_s\": {build:.1}, \"searches\": {}, \"mean_us\": {mean:.0}, \"p50_us\": {:.0}, \"p99_us\": {:.0}, \"found\": {found}}}",
                index.len(),
                micros.len(),
                locate::percentile(&micros, 0.5),
                locate::percentile(&micros, 0.99),
            );
        }
        Command::Locate { persons, queries, fts_queries, seed, data } => {
            locate::run(persons, queries, fts_queries, seed, &data)?
        }
        Command::Timelines { db, persons, count, occupancy } => {
            let mut ledger = habeas_store::Ledger::open_for_reading(&habeas_store::Location::Sqlite(db))?;
            let start = Instant::now();
            ledger.catch_up_views()?;
            let views = start.elapsed().as_secs_f64();
            let mut rng = StdRng::seed_from_u64(11);
            let mut micros = Vec::with_capacity(count);
            let mut segments = 0;
            for _ in 0..count {
                let id = format!("p-{:07}", rng.random_range(0..persons));
                let start = Instant::now();
                let timeline = ledger.timeline(&id, habeas_store::Moment::default())?;
                micros.push(start.elapsed().as_secs_f64() * 1e6);
                segments += timeline.map_or(0, |t| t.segments.len());
            }
            let first_tenth = micros.len() / 10;
            let slow_early = {
                let mut sorted = micros.clone();
                sorted.sort_by(f64::total_cmp);
                let p99 = sorted[(sorted.len() * 99 / 100).min(sorted.len() - 1)];
                micros[..first_tenth].iter().filter(|m| **m >= p99).count()
            };
            eprintln!("of the slowest 1%, {slow_early} were among the first 10% of the run");
            if let Some(place) = occupancy {
                let start = Instant::now();
                let found = ledger.occupancy(&place, Default::default(), habeas_store::Moment::default())?;
                let secs = start.elapsed().as_secs_f64();
                let found = found.ok_or_else(|| anyhow::anyhow!("no place {place}"))?;
                eprintln!(
                    "occupancy of {place}: {} days, {} subjects counted, {secs:.2} s",
                    found.series.len(),
                    found.subjects.len()
                );
            }

            micros.sort_by(f64::total_cmp);
            let at = |q: f64| micros[((micros.len() as f64 * q) as usize).min(micros.len() - 1)];
            println!(
                "{{\"persons\": {persons}, \"timelines\": {count}, \"segments_per_timeline\": {:.1}, \"views_catch_up_s\": {views:.1}, \"p50_us\": {:.0}, \"p99_us\": {:.0}, \"max_us\": {:.0}}}",
                segments as f64 / count as f64,
                at(0.5),
                at(0.99),
                micros[micros.len() - 1]
            );
        }
        Command::Proofs { db, count } => {
            let mut ledger = habeas_store::Ledger::open(&habeas_store::Location::Sqlite(db))?;
            let size = ledger.size()?;
            let mut rng = StdRng::seed_from_u64(9);
            let mut micros = Vec::with_capacity(count);
            for _ in 0..count {
                let index = rng.random_range(0..size);
                let start = Instant::now();
                let proof = ledger.prove_index(index)?;
                micros.push(start.elapsed().as_secs_f64() * 1e6);
                assert_eq!(proof.proof.leaf_index, index);
            }
            micros.sort_by(f64::total_cmp);
            let at = |q: f64| micros[((micros.len() as f64 * q) as usize).min(micros.len() - 1)];
            println!(
                "{{\"size\": {size}, \"proofs\": {count}, \"p50_us\": {:.1}, \"p99_us\": {:.1}, \"max_us\": {:.1}}}",
                at(0.5),
                at(0.99),
                micros[micros.len() - 1]
            );
        }
    }
    Ok(())
}

/// The `id` member of a canonical row, read without a parser.
fn canonical_id(row: &[u8]) -> Option<&str> {
    let mut span = None;
    habeas_model::walk::each_member(row, |name, value| {
        if name == b"id" {
            span = Some(value);
        }
    })?;
    habeas_model::walk::plain_string(row, span?)
}

#[cfg(test)]
mod tests {
    use super::canonical_id;

    #[test]
    fn the_keyed_insert_reads_the_id_member_and_nothing_else() {
        assert_eq!(canonical_id(br#"{"event":"x","id":"c-1-0","type":"custody"}"#), Some("c-1-0"));
        // A nested "id" is not the record's.
        assert_eq!(canonical_id(br#"{"a":{"id":"inner"},"type":"org"}"#), None);
        // An escaped id is refused rather than read wrong.
        assert_eq!(canonical_id(br#"{"id":"a\"b","type":"org"}"#), None);
    }
}
