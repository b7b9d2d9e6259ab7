//! Locating people: the ledger's persons in a name index, and each candidate's current status.
//!
//! [`Ledger::locate`] reads every person as known at the moment asked (names, birth date and
//! identifiers from the kept values, so an erased person can no longer be found by name), builds a
//! `habeas_names::NameIndex`, searches it, and gives each candidate the state of the last segment
//! of its timeline: in custody where and since when (and whether held by another state after a
//! removal), in transit, released, deceased, or unknown.
//!
//! [`Ledger::locate`] builds the index for each call: right for the command line. A long-running
//! server keeps a [`PersonIndex`] and searches it with [`Ledger::locate_in`].

use habeas_model::Interval;
use habeas_model::personal::decode_kept;
use habeas_names::{NameIndex, NameTokens, Person, Query};
use serde_json::{Map, Value};

use crate::error::Result;
use crate::ledger::Ledger;
use crate::timeline::{Moment, State, str_field, strings};
use crate::views::KnownAt;

/// A person found, with their current status.
#[derive(Clone, Debug, PartialEq)]
pub struct Located {
    pub id: String,
    /// The person's first recorded name.
    pub name: String,
    pub score: f64,
    pub why: Vec<String>,
    /// `None` when the ledger has no dated custody event for the person.
    pub status: Option<State>,
    pub removed: bool,
    pub place: Option<String>,
    pub custodian: Option<String>,
    pub since: Option<Interval>,
}

/// A person's names, birth date, identifiers and nationality, from the leaf and its kept values.
fn person_of(
    id: &str,
    leaf: &serde_json::Map<String, Value>,
    kept: Option<Vec<u8>>,
) -> Option<(Person, String)> {
    let kept = kept.and_then(|data| decode_kept(&data).ok()).unwrap_or_default();
    let value = |field: &str| kept.iter().find(|k| k.field == field).map(|k| k.value.clone());
    let names_value = value("names")?;
    let mut names = Vec::new();
    let mut display = String::new();
    for name in names_value.as_array().into_iter().flatten() {
        let full = name.get("full").and_then(Value::as_str).unwrap_or("");
        if display.is_empty() {
            display = full.to_string();
        }
        let given = name.get("given").and_then(Value::as_str);
        let family = strings(name.get("family"));
        names.push(match given {
            Some(given) if !family.is_empty() => NameTokens::from_parts(given, &family),
            _ => NameTokens::parse(full),
        });
    }
    let identifiers = value("identifiers")
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|i| i.get("value").and_then(Value::as_str).map(str::to_string))
        .collect();
    let born = value("born").and_then(|b| b.as_str().map(str::to_string));
    let nationality = strings(leaf.get("nationality"));
    Some((Person { id: id.to_string(), names, born, nationality, identifiers }, display))
}

/// Every person as known, with the names, birth date and identifiers kept for it (persons whose
/// names were erased are left out), and the name to show; in id order.
pub(crate) fn persons_known(known: &KnownAt<'_>) -> Result<Vec<(Person, String)>> {
    if known.boundary >= known.tx.tree_size()? {
        return persons_now(known);
    }
    let mut ids = Vec::new();
    known.tx.scan_records(&mut |row| {
        if row.record_type == "person" {
            ids.push(row.id);
        }
        Ok(())
    })?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let Some((idx, leaf)) = known.lookup(&id)? else { continue };
        out.extend(person_of(&id, &leaf, known.tx.kept(idx)?));
    }
    Ok(out)
}

/// [`persons_known`] for the ledger as it stands: the current version of each person not
/// retracted is its row's, so one pass over the log in order reads them all instead of a lookup
/// by id for each (sequential reads; at a million persons the build takes as long either way,
/// its time being in parsing and allocating: docs/benchmarks.md).
fn persons_now(known: &KnownAt<'_>) -> Result<Vec<(Person, String)>> {
    let mut current: rustc_hash::FxHashMap<u64, String> = rustc_hash::FxHashMap::default();
    known.tx.scan_records(&mut |row| {
        if row.record_type == "person" && row.retracted.is_none() {
            current.insert(row.current, row.id);
        }
        Ok(())
    })?;
    let mut out = Vec::with_capacity(current.len());
    known.tx.scan_log(&mut |entry| {
        if let Some(id) = current.remove(&entry.idx) {
            let leaf = match serde_json::from_slice::<Value>(entry.bytes) {
                Ok(Value::Object(map)) => map,
                _ => {
                    return Err(crate::error::StoreError::Backend(format!(
                        "leaf {} is not a record; run `habeas verify`",
                        entry.idx
                    )));
                }
            };
            out.extend(person_of(&id, &leaf, entry.kept.map(<[u8]>::to_vec)).map(|p| (id, p)));
        }
        Ok(())
    })?;
    // The order the index breaks ties in: by id, as the lookups by id gave them.
    out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(out.into_iter().map(|(_, p)| p).collect())
}

/// The persons of a ledger in a name index, as known at one moment: built once, searched many
/// times (the server keeps one per size of the log).
pub struct PersonIndex {
    index: NameIndex,
    display: Vec<String>,
    /// The log's size when the index was built.
    pub size: u64,
}

impl PersonIndex {
    pub fn len(&self) -> usize {
        self.display.len()
    }

    pub fn is_empty(&self) -> bool {
        self.display.is_empty()
    }

    /// The id of the person numbered `person` ([`Found::person`]), each in turn from 0.
    pub fn id(&self, person: u32) -> &str {
        &self.index.person(person).id
    }
}

impl Ledger {
    /// Finds persons by name, identifier or both, best first, each with its status at `moment`.
    pub fn locate(&mut self, query: &Query, moment: Moment) -> Result<Vec<Located>> {
        let index = self.person_index(moment, None)?;
        self.locate_in(&index, query, moment)
    }

    /// Indexes every person as known at `moment` or, with `only`, just those ids (a family
    /// account's search finds only the persons granted to it).
    pub fn person_index(&mut self, moment: Moment, only: Option<&[String]>) -> Result<PersonIndex> {
        self.catch_up_views()?;
        let tx = self.backend().read()?;
        let size = tx.tree_size()?;
        let known = KnownAt::then(&*tx, moment.known_at)?;
        let persons = match only {
            None => persons_known(&known)?,
            Some(ids) => {
                let mut out = Vec::new();
                for id in ids {
                    if let Some((idx, leaf)) = known.lookup(id)?
                        && leaf.get("type").and_then(Value::as_str) == Some("person")
                    {
                        out.extend(person_of(id, &leaf, known.tx.kept(idx)?));
                    }
                }
                out
            }
        };
        let mut index = NameIndex::new();
        let mut display = Vec::with_capacity(persons.len());
        for (person, name) in persons {
            index.add(person);
            display.push(name);
        }
        index.prepare();
        Ok(PersonIndex { index, display, size })
    }

    /// Searches an index built by [`Ledger::person_index`]; statuses are read at `moment`.
    pub fn locate_in(&mut self, index: &PersonIndex, query: &Query, moment: Moment) -> Result<Vec<Located>> {
        let mut out = Vec::new();
        for found in search(index, query) {
            let status = self.status(&found.id, moment)?;
            out.push(Located {
                id: found.id,
                name: found.name,
                score: found.score,
                why: found.why,
                status: status.state,
                removed: status.removed,
                place: status.place,
                custodian: status.custodian,
                since: status.since,
            });
        }
        Ok(out)
    }

    /// Where a person is at `moment`: the last segment of their timeline.
    pub fn status(&mut self, id: &str, moment: Moment) -> Result<Status> {
        self.catch_up_views()?;
        let tx = self.backend().read()?;
        let known = KnownAt::then(&*tx, moment.known_at)?;
        status_in(&known, id, moment.as_of)
    }

    /// The statuses of many persons at one moment, each with what a list of search results shows
    /// beside it, read in one transaction: how a server keeps every person's status at hand
    /// instead of deriving ten for each search. Unknown ids get an empty status.
    pub fn shown_statuses(&mut self, ids: &[&str], moment: Moment) -> Result<Vec<ShownStatus>> {
        let mut out = Vec::with_capacity(ids.len());
        self.statuses_each(ids, moment, &mut |read| {
            let sensitivity = read.record.and_then(|r| str_field(r, "sensitivity")).map(str::to_string);
            out.push(ShownStatus { status: read.status, place_name: read.place_name, sensitivity });
            Ok(())
        })?;
        Ok(out)
    }

    /// Calls `visit` with each of `ids` (persons or cohorts), in the order given, read in one
    /// transaction: its [`SubjectStatus`] at `moment`.
    ///
    /// Subjects are read in batches, each with one cache of records that
    /// [`KnownAt::read_ahead_for`] fills in a few calls: the places, orgs and flights a batch
    /// shares are read once, the cache never grows to the whole ledger, and on a PostgreSQL
    /// ledger a batch costs a handful of round trips, not a few per subject.
    pub fn statuses_each(
        &mut self,
        ids: &[&str],
        moment: Moment,
        visit: &mut dyn FnMut(SubjectStatus<'_>) -> Result<()>,
    ) -> Result<()> {
        const BATCH: usize = 256;
        self.catch_up_views()?;
        let tx = self.backend().read()?;
        let boundary = KnownAt::then(&*tx, moment.known_at)?.boundary();
        for batch in ids.chunks(BATCH) {
            let known = KnownAt::new(&*tx, boundary);
            known.read_ahead_for(batch)?;
            for id in batch {
                let status = status_in(&known, id, moment.as_of)?;
                let place_name = match status.place.as_deref() {
                    Some(place) => {
                        known.record(place)?.and_then(|(_, r)| str_field(&r, "name").map(str::to_string))
                    }
                    None => None,
                };
                let record = known.record(id)?;
                visit(SubjectStatus { id, record: record.as_ref().map(|(_, r)| &**r), status, place_name })?;
            }
        }
        Ok(())
    }
}

/// The last segment of a subject's timeline as `known`, at `as_of`.
fn status_in(known: &KnownAt<'_>, id: &str, as_of: Option<jiff::Timestamp>) -> Result<Status> {
    // The segments alone: the names, zones and sources of a timeline are for showing it.
    let timeline = crate::timeline::timeline(known, id, as_of, false)?;
    let last = timeline.as_ref().and_then(|t| t.segments.last());
    Ok(Status {
        state: last.map(|s| s.state),
        removed: last.is_some_and(|s| s.removed),
        place: last.and_then(|s| s.place.as_deref().map(str::to_string)),
        custodian: last.and_then(|s| s.custodian.as_deref().map(str::to_string)),
        since: last.map(|s| s.from),
    })
}

/// A subject as [`Ledger::statuses_each`] reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct SubjectStatus<'r> {
    pub id: &'r str,
    /// The record as known at the moment asked; `None` if unknown then, or retracted.
    pub record: Option<&'r Map<String, Value>>,
    /// The last segment of its timeline then (empty for an unknown id).
    pub status: Status,
    /// The name of the status's place.
    pub place_name: Option<String>,
}

/// A status with what a list of search results shows beside it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ShownStatus {
    pub status: Status,
    /// The name of the status's place.
    pub place_name: Option<String>,
    /// The person record's `sensitivity` (`restricted` or `sealed`), when it has one.
    pub sensitivity: Option<String>,
}

/// A person's status: the state, place, custodian and start of the last segment of their
/// timeline (all empty when the ledger has no dated custody event for them).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Status {
    pub state: Option<State>,
    pub removed: bool,
    pub place: Option<String>,
    pub custodian: Option<String>,
    pub since: Option<Interval>,
}

/// A person the index found, before their status is read.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    /// The person's number in the index searched ([`habeas_names::NameIndex::person`]).
    pub person: u32,
    pub id: String,
    pub name: String,
    pub score: f64,
    pub why: Vec<String>,
}

/// Searches the index alone (no storage read): best first.
pub fn search(index: &PersonIndex, query: &Query) -> Vec<Found> {
    index
        .index
        .search(query)
        .into_iter()
        .map(|candidate| Found {
            person: candidate.person,
            id: index.index.person(candidate.person).id.clone(),
            name: index.display[candidate.person as usize].clone(),
            score: candidate.score,
            why: candidate.why,
        })
        .collect()
}
