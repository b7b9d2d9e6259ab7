//! Person records that may be one person, with the evidence, as the ledger knows them.
//!
//! [`Ledger::dedupe`] reads every person as known at the moment asked (names, birth date and
//! identifiers from the kept values), lets `habeas_names::dedupe` block and score them, and then
//! leaves out what people have already decided: pairs joined by a `same_as` still in force (they
//! are one person already) and pairs a `distinct` names (confirmed to be two).

use std::collections::{HashMap, HashSet};

use habeas_names::dedupe::{Options, dedupe};
use serde_json::Value;

use crate::error::Result;
use crate::ledger::Ledger;
use crate::locate::persons_known;
use crate::timeline::{Moment, strings};
use crate::views::KnownAt;

/// Two person records that may be one person.
#[derive(Clone, Debug, PartialEq)]
pub struct Duplicate {
    pub a: String,
    pub b: String,
    pub a_name: String,
    pub b_name: String,
    pub score: f64,
    pub why: Vec<String>,
}

/// What `same_as` and `distinct` records have settled: which ids are one person, which pairs two.
#[derive(Default)]
struct Settled {
    group: HashMap<String, usize>,
    distinct: HashSet<(String, String)>,
}

impl Settled {
    /// Reads the `same_as` and `distinct` records known, in log order: a `distinct` naming two ids
    /// of a `same_as` undoes it.
    fn read(known: &KnownAt<'_>) -> Result<Settled> {
        let mut ids = Vec::new();
        known.tx.scan_records(&mut |row| {
            if row.record_type == "same_as" || row.record_type == "distinct" {
                ids.push(row.id);
            }
            Ok(())
        })?;
        let mut links: Vec<(u64, bool, Vec<String>)> = Vec::new();
        for id in ids {
            let Some((idx, record)) = known.record(&id)? else { continue };
            let joined = strings(record.get("ids"));
            links.push((idx, record.get("type").and_then(Value::as_str) == Some("same_as"), joined));
        }
        links.sort_by_key(|(idx, _, _)| *idx);
        let mut settled = Settled::default();
        let mut active: Vec<Vec<String>> = Vec::new();
        for (_, same, ids) in links {
            if same {
                active.push(ids);
            } else {
                active.retain(|group| group.iter().filter(|id| ids.contains(id)).count() < 2);
                for (k, a) in ids.iter().enumerate() {
                    for b in &ids[k + 1..] {
                        settled.distinct.insert(ordered(a, b));
                    }
                }
            }
        }
        // Groups: ids joined directly or through a chain of `same_as`.
        let mut parent: Vec<usize> = Vec::new();
        fn root(parent: &mut [usize], mut i: usize) -> usize {
            while parent[i] != i {
                parent[i] = parent[parent[i]];
                i = parent[i];
            }
            i
        }
        for group in &active {
            let mut first = None;
            for id in group {
                let next = parent.len();
                let at = *settled.group.entry(id.clone()).or_insert(next);
                if at == next {
                    parent.push(next);
                }
                match first {
                    None => first = Some(at),
                    Some(f) => {
                        let (x, y) = (root(&mut parent, f), root(&mut parent, at));
                        parent[y] = x;
                    }
                }
            }
        }
        for slot in settled.group.values_mut() {
            *slot = root(&mut parent, *slot);
        }
        Ok(settled)
    }

    fn decided(&self, a: &str, b: &str) -> bool {
        let same = matches!((self.group.get(a), self.group.get(b)), (Some(x), Some(y)) if x == y);
        same || self.distinct.contains(&ordered(a, b))
    }
}

fn ordered(a: &str, b: &str) -> (String, String) {
    if a <= b { (a.to_string(), b.to_string()) } else { (b.to_string(), a.to_string()) }
}

impl Ledger {
    /// Pairs of person records that may be one person, best first, as known at `moment`.
    pub fn dedupe(&mut self, options: Options, moment: Moment) -> Result<Vec<Duplicate>> {
        self.catch_up_views()?;
        let tx = self.backend().read()?;
        let known = KnownAt::then(&*tx, moment.known_at)?;
        let (persons, names): (Vec<_>, Vec<_>) = persons_known(&known)?.into_iter().unzip();
        let settled = Settled::read(&known)?;
        Ok(dedupe(&persons, options)
            .into_iter()
            .filter(|pair| !settled.decided(&persons[pair.a as usize].id, &persons[pair.b as usize].id))
            .map(|pair| Duplicate {
                a: persons[pair.a as usize].id.clone(),
                b: persons[pair.b as usize].id.clone(),
                a_name: names[pair.a as usize].clone(),
                b_name: names[pair.b as usize].clone(),
                score: pair.score,
                why: pair.why,
            })
            .collect())
    }
}
