//! The case as the rules read it: the records known at a moment, their times in UTC, and each
//! subject's custody stretches.
//!
//! The store fills a [`Case`] (it knows how records are kept and how timelines are derived); the
//! rules only read it. Records stay JSON objects ([`Fields`], compact), read through small helpers,
//! because rules.md speaks in the record format's own field names and every rule reads a different
//! handful of them.

use std::collections::{BTreeMap, BTreeSet};
use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxHashMap;

use habeas_model::RecordType;
use habeas_model::time::Interval;

use crate::field::{Field, Fields};

/// An id (or another short value) as the case, its timelines and its findings hold it: up to 15
/// bytes inline, without an allocation, so that a finding citing five records copies 80 bytes,
/// not five heap strings; longer ones are shared, not copied.
pub type Id = ecow::EcoString;

/// One record as known: its current version's fields and times.
#[derive(Clone, Debug)]
pub struct Record {
    pub id: Id,
    /// The record's `type`.
    pub kind: &'static str,
    /// Its other members (`id` and `type` are the two fields above).
    pub body: Fields,
    /// Each time field by its path (`at`, `oral.at`, `legs[1].departed`, `requires[0].by`) in UTC.
    pub times: Box<[(Id, Interval)]>,
    /// Paths of the dates read in UTC for want of any zone.
    pub unzoned: Box<[Id]>,
}

impl Record {
    pub fn str(&self, field: &str) -> Option<&str> {
        self.body.get(field).and_then(Field::as_str)
    }

    /// A field that holds one id or a list of them.
    pub fn strings(&self, field: &str) -> Vec<Id> {
        strings(self.body.get(field))
    }

    pub fn time(&self, path: &str) -> Option<Interval> {
        self.times.iter().find(|(p, _)| p == path).map(|(_, t)| *t)
    }

    /// `subject` or `subjects`.
    pub fn subjects(&self) -> Vec<Id> {
        self.subject_ids().map(Id::from).collect()
    }

    /// `subject` or `subjects`, borrowed.
    pub fn subject_ids(&self) -> impl Iterator<Item = &str> {
        ["subject", "subjects"].into_iter().flat_map(move |field| ids_in(self.body.get(field)))
    }

    /// `high`, `medium` (the default), `low` or `unverified`.
    pub fn confidence(&self) -> &str {
        self.str("confidence").unwrap_or("medium")
    }
}

/// A string or a list of strings as a list, each shared with the field ([`Field::to_id`]).
pub fn strings(value: Option<&Field>) -> Vec<Id> {
    match value {
        Some(Field::Array(items)) => items.iter().filter_map(Field::to_id).collect(),
        one => one.and_then(Field::to_id).into_iter().collect(),
    }
}

/// A string, or each string of a list, borrowed.
pub fn ids_in(value: Option<&Field>) -> impl Iterator<Item = &str> {
    let one = value.and_then(Field::as_str);
    let many = value.and_then(Field::as_array).map(|items| items.iter().filter_map(Field::as_str));
    one.into_iter().chain(many.into_iter().flatten())
}

/// A stretch of a subject's timeline, as the store derives it.
#[derive(Clone, Debug, PartialEq)]
pub struct Stretch {
    pub from: Interval,
    /// `None` while it lasts.
    pub until: Option<Interval>,
    /// `in_custody`, `in_transit`, `released`, `deceased`, `unknown`.
    pub state: &'static str,
    pub place: Option<Id>,
    pub to: Option<Id>,
    pub custodian: Option<Id>,
    pub basis: Vec<Id>,
    /// Held by another state after a removal.
    pub removed: bool,
    pub flight: Option<Id>,
    /// The records behind it, by their positions in the case ([`Case::at`]): a rule reaches them
    /// without looking their ids up (at 7.8M records, each such lookup had been a few cache
    /// misses, and all of them together a tenth of the check), and a finding names them by
    /// [`Case::ids_at`].
    pub records: Vec<u32>,
}

/// How many a place held on one of its days, by one kind of evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct DayTally {
    /// The place's local day.
    pub day: jiff::civil::Date,
    pub count: u64,
    /// `timelines`, or a `population` record's kind (`midnight`, `daily`, `peak`, `unspecified`).
    pub kind: String,
    /// The capacity in force that day.
    pub capacity: Option<u64>,
    /// The population records behind the count.
    pub records: Vec<Id>,
}

/// Everything the rules read.
///
/// Records are added with [`Case::insert`], which also files them by type, by the subjects they
/// concern and by the cohorts that list each member, so that a rule asking "the contacts of this
/// cohort" or "the cohorts this person belongs to" reads a handful of records, not the ledger.
#[derive(Clone, Debug, Default)]
pub struct Case {
    /// Every record, in the order first added; the indexes below hold positions in it.
    records: Vec<Record>,
    /// Each record's position, found by its id's hash and told apart by the id it holds: a map
    /// keyed by a copy of each id had been 50 bytes a record.
    position: HashTable<u32>,
    filing: Filing,
    /// Each subject's timeline (persons and cohorts with custody events).
    pub timelines: BTreeMap<Id, Vec<Stretch>>,
}

/// The records' positions filed by type, by the subjects they concern and by the cohorts that
/// list each member.
#[derive(Clone, Debug, Default)]
struct Filing {
    by_type: BTreeMap<&'static str, Vec<usize>>,
    /// Each record that names the subject, with its type ([`Filed`]).
    by_subject: FxHashMap<Id, Vec<Filed>>,
    cohorts_listing: FxHashMap<Id, Vec<usize>>,
    /// The cohorts, by id: a handful, asked about every subject (a lookup in the records, a
    /// million strong, had been most of the time some rules took).
    cohorts: FxHashMap<Id, usize>,
    /// The records that give a `count` (a cohort's events, population counts), by position: a
    /// place's daily tally weighs each stretch by the first count among its records, and at 7.8M
    /// records looking each of six million events up to find none had been most of
    /// `over-capacity`.
    counts: FxHashMap<u32, u64>,
}

/// A record filed under a subject: its position, and its type's code ([`type_code`]), so that
/// "this subject's contacts" passes over the subject's custody events without reading them (at
/// 7.8M records, reading each one's type had been a cache miss per event per question, most of
/// the time `incommunicado` spent outside its findings). The same 8 bytes as a position alone.
type Filed = (u32, u8);

/// A record type's code in [`Filed`]; `u8::MAX` for a name the format does not define.
fn type_code(kind: &str) -> u8 {
    RecordType::parse(kind).map_or(u8::MAX, |t| t as u8)
}

/// A position as filed: four billion records would not fit in memory long before one overflows.
fn filed_at(at: usize) -> u32 {
    u32::try_from(at).unwrap_or(u32::MAX)
}

impl Filing {
    /// Files the record at position `at`.
    fn file(&mut self, at: usize, record: &Record) {
        if let Some(count) = record.body.get("count").and_then(Field::as_u64) {
            self.counts.insert(filed_at(at), count);
        }
        match self.by_type.get_mut(record.kind) {
            Some(positions) => positions.push(at),
            None => {
                self.by_type.insert(record.kind, vec![at]);
            }
        }
        let filed = (filed_at(at), type_code(record.kind));
        for subject in record.subject_ids() {
            match self.by_subject.get_mut(subject) {
                Some(positions) => positions.push(filed),
                None => {
                    self.by_subject.insert(subject.into(), vec![filed]);
                }
            }
        }
        if record.kind == "cohort" {
            self.cohorts.insert(record.id.clone(), at);
            for member in record.strings("members") {
                self.cohorts_listing.entry(member).or_default().push(at);
            }
        }
    }

    /// Takes the record at position `at` out of every index, before a new version is filed.
    fn unfile(&mut self, at: usize) {
        self.counts.remove(&filed_at(at));
        self.cohorts.retain(|_, &mut x| x != at);
        for positions in self.by_type.values_mut().chain(self.cohorts_listing.values_mut()) {
            positions.retain(|&x| x != at);
        }
        for filed in self.by_subject.values_mut() {
            filed.retain(|&(x, _)| x != filed_at(at));
        }
    }
}

/// The table of positions by id of `records`; `None` if two records have the same id.
fn positions_of(records: &[Record]) -> Option<HashTable<u32>> {
    let mut position: HashTable<u32> = HashTable::with_capacity(records.len());
    for (at, record) in records.iter().enumerate() {
        let at = u32::try_from(at).ok()?;
        let hash = id_hash(&record.id);
        match position.entry(
            hash,
            |&x| records[x as usize].id == record.id,
            |&x| id_hash(&records[x as usize].id),
        ) {
            hashbrown::hash_table::Entry::Occupied(_) => return None,
            hashbrown::hash_table::Entry::Vacant(vacant) => {
                vacant.insert(at);
            }
        }
    }
    Some(position)
}

/// The lowest confidence among records, `high` > `medium` > `low` > `unverified`; `medium` for
/// none.
fn lowest_confidence<'r>(records: impl Iterator<Item = &'r Record>) -> Id {
    let rank = |c: &str| match c {
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        _ => 0,
    };
    records.map(Record::confidence).min_by_key(|c| rank(c)).unwrap_or("medium").into()
}

/// The hash a record's id is found by.
fn id_hash(id: &str) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(id)
}

impl Case {
    /// An empty case with room for `records` records (a case read from a large ledger would
    /// otherwise grow its tables, and copy them, a score of times).
    pub fn with_capacity(records: usize) -> Case {
        Case {
            records: Vec::with_capacity(records),
            position: HashTable::with_capacity(records),
            ..Case::default()
        }
    }

    /// Adds a record (ids are unique: a record given twice replaces the first, as a new version),
    /// and returns its position: the records' count before it, or the position of the one it
    /// replaced ([`Case::naming_at`] gives positions back).
    pub fn insert(&mut self, record: Record) -> usize {
        let hash = id_hash(&record.id);
        let records = &self.records;
        let at = match self.position.find(hash, |&at| records[at as usize].id == record.id) {
            Some(&at) => {
                let at = at as usize;
                self.filing.unfile(at);
                self.records[at] = record;
                at
            }
            None => {
                let at = self.records.len();
                // Four billion records would not fit in memory long before positions overflow.
                let position = u32::try_from(at).unwrap_or(u32::MAX);
                self.position.insert_unique(hash, position, |&at| id_hash(&records[at as usize].id));
                self.records.push(record);
                at
            }
        };
        self.filing.file(at, &self.records[at]);
        at
    }

    /// A case of `records`, in their order, filed in bulk: the table of positions by id is built
    /// on a second thread while this one files the records by type, subject and cohort (at 7.8M
    /// records, inserting them one by one had been seven seconds on one core). Records that
    /// share an id are inserted one by one instead, each replacing the one before.
    pub fn from_records(records: Vec<Record>) -> Case {
        let (position, filing) = std::thread::scope(|scope| {
            let position = scope.spawn(|| positions_of(&records));
            let mut filing = Filing::default();
            for (at, record) in records.iter().enumerate() {
                filing.file(at, record);
            }
            (position.join().unwrap_or_else(|e| std::panic::resume_unwind(e)), filing)
        });
        match position {
            Some(position) => Case { records, position, filing, ..Case::default() },
            None => {
                let mut case = Case::with_capacity(records.len());
                for record in records {
                    case.insert(record);
                }
                case
            }
        }
    }

    pub fn record(&self, id: &str) -> Option<&Record> {
        self.position_of(id).map(|at| &self.records[at as usize])
    }

    /// The position of the record with this id, as [`Stretch::records`] cites it.
    pub fn position_of(&self, id: &str) -> Option<u32> {
        self.position.find(id_hash(id), |&at| self.records[at as usize].id == id).copied()
    }

    /// The record at a position.
    pub fn at(&self, position: u32) -> Option<&Record> {
        self.records.get(position as usize)
    }

    /// The ids of the records at these positions, in their order.
    pub fn ids_at(&self, positions: &[u32]) -> Vec<Id> {
        positions.iter().filter_map(|&p| self.at(p)).map(|r| r.id.clone()).collect()
    }

    /// The cohort with this id; `None` for a person or anything else.
    pub fn cohort(&self, id: &str) -> Option<&Record> {
        self.filing.cohorts.get(id).map(|&at| &self.records[at])
    }

    /// Every record, type by type, each type in the order added.
    pub fn all(&self) -> impl Iterator<Item = &Record> {
        self.filing.by_type.values().flatten().map(|&at| &self.records[at])
    }

    /// Whether the case holds any record of this type.
    pub fn holds_any(&self, kind: &str) -> bool {
        self.filing.by_type.get(kind).is_some_and(|positions| !positions.is_empty())
    }

    /// Records of one type, in the order they were added.
    pub fn of_type<'c>(&'c self, kind: &str) -> impl Iterator<Item = &'c Record> + 'c {
        self.filing.by_type.get(kind).into_iter().flatten().map(|&at| &self.records[at])
    }

    /// Records of one type whose `subject`/`subjects` name `subject` itself.
    pub fn naming<'c>(&'c self, subject: &str, kind: &'c str) -> impl Iterator<Item = &'c Record> + 'c {
        self.naming_at(subject, kind).map(|(_, record)| record)
    }

    /// As [`Case::naming`], each record with its position.
    pub fn naming_at<'c>(
        &'c self,
        subject: &str,
        kind: &'c str,
    ) -> impl Iterator<Item = (usize, &'c Record)> + 'c {
        let code = RecordType::parse(kind).map(|t| t as u8);
        // With no record of the type in the case, the subject is not looked up: most ledgers
        // hold no contacts or acknowledgments, and rules ask about each subject's (at 7.8M
        // records, a lookup among a million subjects for nothing, several times a subject).
        self.holds_any(kind)
            .then(|| self.filing.by_subject.get(subject))
            .flatten()
            .into_iter()
            .flatten()
            .filter(move |&&(_, filed)| Some(filed) == code)
            .map(|&(at, _)| (at as usize, &self.records[at as usize]))
    }

    /// Every subject a custody record names (`subject`/`subjects`), once each, in no order: read
    /// from the records filed by subject, not from the records themselves.
    pub fn custody_subjects(&self) -> impl Iterator<Item = &Id> {
        self.filing
            .by_subject
            .iter()
            .filter(|(_, filed)| filed.iter().any(|&(_, code)| code == RecordType::Custody as u8))
            .map(|(subject, _)| subject)
    }

    /// Records of one type about `subject` or a cohort it belongs to.
    pub fn about<'c>(&'c self, subject: &str, kind: &'c str) -> Vec<&'c Record> {
        let mut out: Vec<&Record> = Vec::new();
        if !self.holds_any(kind) {
            return out;
        }
        for id in std::iter::once(Id::from(subject)).chain(self.cohorts_of(subject)) {
            for record in self.naming(&id, kind) {
                // The same record is the same place in the case's list: comparing ids had read
                // every record gathered so far again (2% of a check at 7.8M records).
                if !out.iter().any(|r| std::ptr::eq(*r, record)) {
                    out.push(record);
                }
            }
        }
        out
    }

    /// What to call a record in a message: its `name`, else its id; "an unrecorded place" for none.
    pub fn name(&self, id: Option<&str>, es: bool) -> String {
        match id {
            Some(id) => self.record(id).and_then(|r| r.str("name")).unwrap_or(id).to_string(),
            None if es => "un lugar no registrado".to_string(),
            None => "an unrecorded place".to_string(),
        }
    }

    /// The zone a court gives its times in, for a record naming a `court`.
    pub fn court_zone(&self, record: &Record) -> Option<&str> {
        self.record(record.str("court")?)?.str("tz")
    }

    /// The country of a place.
    pub fn place_country(&self, place: &str) -> Option<&str> {
        self.record(place)?.str("country")
    }

    /// The place's zone name, for showing its times.
    pub fn place_zone(&self, place: &str) -> Option<&str> {
        self.record(place)?.str("tz")
    }

    /// The state an org is an organ of: the country of the first government, agency or court up
    /// its `parent` chain.
    pub fn org_state(&self, org: &str) -> Option<&str> {
        let mut current = self.record(org)?;
        for _ in 0..16 {
            if matches!(current.str("kind"), Some("government" | "agency" | "court"))
                && let Some(country) = current.str("country")
            {
                return Some(country);
            }
            current = self.record(current.str("parent")?)?;
        }
        None
    }

    /// Whether `org` is `ancestor` or lies under it along `parent` links.
    pub fn org_within(&self, org: &str, ancestor: &str) -> bool {
        let mut current = org.to_string();
        for _ in 0..16 {
            if current == ancestor {
                return true;
            }
            match self.record(&current).and_then(|r| r.str("parent")) {
                Some(parent) => current = parent.to_string(),
                None => return false,
            }
        }
        false
    }

    /// The cohorts a subject belongs to, directly or through `part_of` and `members`, itself
    /// included when it is a cohort.
    pub fn cohorts_of(&self, subject: &str) -> BTreeSet<Id> {
        let mut out = BTreeSet::new();
        // Most subjects are persons no cohort lists: nothing to walk.
        let is_cohort = self.filing.cohorts.contains_key(subject);
        if !is_cohort && !self.filing.cohorts_listing.contains_key(subject) {
            return out;
        }
        let mut queue: Vec<Id> = vec![subject.into()];
        queue.extend(
            self.filing
                .cohorts_listing
                .get(subject)
                .into_iter()
                .flatten()
                .map(|&at| self.records[at].id.clone()),
        );
        while let Some(id) = queue.pop() {
            let Some(record) = self.record(&id) else { continue };
            if record.kind != "cohort" || !out.insert(id.clone()) {
                continue;
            }
            queue.extend(record.strings("part_of"));
        }
        out
    }

    /// The record's `count`, if it has one (the same as reading the record's member).
    pub fn count_of(&self, id: &str) -> Option<u64> {
        self.position_of(id).and_then(|at| self.count_at(at))
    }

    /// The `count` the record at a position gives, as [`Case::count_of`].
    pub fn count_at(&self, position: u32) -> Option<u64> {
        self.filing.counts.get(&position).copied()
    }

    /// The nationalities recorded for a subject (a person's, or a cohort's).
    pub fn nationality(&self, subject: &str) -> Vec<Id> {
        self.record(subject).map(|r| r.strings("nationality")).unwrap_or_default()
    }

    /// The lowest confidence among records, `high` > `medium` > `low` > `unverified`.
    pub fn lowest_confidence<'a>(&self, ids: impl IntoIterator<Item = &'a Id>) -> Id {
        lowest_confidence(ids.into_iter().filter_map(|id| self.record(id)))
    }

    /// The lowest confidence among the records at these positions, as
    /// [`Case::lowest_confidence`].
    pub fn lowest_confidence_at(&self, positions: &[u32]) -> Id {
        lowest_confidence(positions.iter().filter_map(|&p| self.at(p)))
    }

    /// The subject's stretch at an instant that lies within the interval, if one covers it.
    pub fn stretches_during(&self, subject: &str, during: &Interval) -> Vec<&Stretch> {
        self.timelines
            .get(subject)
            .into_iter()
            .flatten()
            .filter(|s| {
                s.from.earliest <= during.latest && s.until.is_none_or(|u| u.latest > during.earliest)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn record(id: &str, kind: &'static str, body: Value) -> Record {
        let Value::Object(body) = body else { panic!("an object") };
        Record { id: id.into(), kind, body: body.into(), times: Box::default(), unzoned: Box::default() }
    }

    /// What a case files, as its readers see it.
    fn filed(case: &Case) -> Vec<String> {
        let mut out = vec![format!("{:?}", case.all().map(|r| &r.id).collect::<Vec<_>>())];
        for subject in ["p", "q", "c", "d", "nobody"] {
            let naming: Vec<(usize, &Id)> =
                case.naming_at(subject, "custody").map(|(at, r)| (at, &r.id)).collect();
            let about: Vec<&Id> = case.about(subject, "contact").iter().map(|r| &r.id).collect();
            out.push(format!(
                "{subject}: {naming:?} {about:?} {:?} {:?}",
                case.cohorts_of(subject),
                case.cohort(subject).map(|r| &r.id)
            ));
        }
        for id in ["e1", "e2", "c", "d", "k", "nobody"] {
            out.push(format!("{id}: {:?}", case.record(id).map(|r| (&r.id, r.str("event")))));
        }
        out
    }

    #[test]
    fn a_case_filed_in_bulk_is_the_case_filed_record_by_record() {
        let records = || {
            vec![
                record("e1", "custody", json!({"subject": "p", "event": "booked_in"})),
                record("e2", "custody", json!({"subjects": ["p", "q"], "event": "departed"})),
                record("c", "cohort", json!({"members": ["p"], "part_of": "d"})),
                record("d", "cohort", json!({"members": ["q"]})),
                record("k", "contact", json!({"subject": "c"})),
            ]
        };
        let mut one_by_one = Case::default();
        for r in records() {
            one_by_one.insert(r);
        }
        let bulk = Case::from_records(records());
        assert_eq!(filed(&bulk), filed(&one_by_one));
        assert!(
            filed(&bulk).iter().any(|line| line.starts_with("p: [(0, \"e1\"), (1, \"e2\")] [\"k\"]")),
            "{:?}",
            filed(&bulk)
        );

        // Two records with one id: the second replaces the first, as inserted one by one.
        let mut twice = records();
        twice.push(record("e1", "custody", json!({"subject": "q", "event": "released"})));
        let mut one_by_one = Case::default();
        for r in twice.clone() {
            one_by_one.insert(r);
        }
        let bulk = Case::from_records(twice);
        assert_eq!(filed(&bulk), filed(&one_by_one));
        assert_eq!(bulk.record("e1").and_then(|r| r.str("event")), Some("released"));
    }

    #[test]
    fn a_records_count_is_found_by_its_id_until_a_version_without_one_replaces_it() {
        let records = vec![
            record("e1", "custody", json!({"subject": "c", "event": "booked_in", "count": 17})),
            record("e2", "custody", json!({"subject": "p", "event": "booked_in"})),
            record("n", "population", json!({"place": "x", "count": 40000})),
            record("t", "custody", json!({"subject": "p", "event": "booked_in", "count": "many"})),
        ];
        let mut one_by_one = Case::default();
        for r in records.clone() {
            one_by_one.insert(r);
        }
        for mut case in [Case::from_records(records), one_by_one] {
            assert_eq!(case.count_of("e1"), Some(17));
            assert_eq!(case.count_of("n"), Some(40000));
            assert_eq!(case.count_of("e2"), None, "no count");
            assert_eq!(case.count_of("t"), None, "not a number");
            assert_eq!(case.count_of("nobody"), None);
            case.insert(record("e1", "custody", json!({"subject": "c", "event": "released"})));
            assert_eq!(case.count_of("e1"), None, "the new version has none");
            case.insert(record("e2", "custody", json!({"subject": "p", "event": "released", "count": 2})));
            assert_eq!(case.count_of("e2"), Some(2));
            // By position, as stretches cite records: the same answers.
            let at = |id| case.position_of(id).unwrap();
            assert_eq!([at("e1"), at("e2"), at("n")].map(|p| case.count_at(p)), [None, Some(2), Some(40000)]);
        }
    }

    #[test]
    fn records_cited_by_position_are_those_found_by_id() {
        let case = Case::from_records(vec![
            record("a", "custody", json!({"subject": "p", "event": "booked_in", "confidence": "high"})),
            record("b", "custody", json!({"subject": "p", "event": "released", "confidence": "low"})),
            record("c", "custody", json!({"subject": "p", "event": "released"})),
        ]);
        let positions: Vec<u32> = ["c", "a"].map(|id| case.position_of(id).unwrap()).to_vec();
        assert_eq!(case.ids_at(&positions), ["c", "a"], "in the order cited");
        assert_eq!(case.at(positions[1]).map(|r| r.id.as_str()), Some("a"));
        assert_eq!(case.position_of("nobody"), None);
        assert!(case.at(3).is_none());
        for cited in [vec!["a"], vec!["a", "b"], vec!["c", "a"], vec![]] {
            let ids: Vec<Id> = cited.iter().map(|&id| Id::from(id)).collect();
            let positions: Vec<u32> = cited.iter().map(|id| case.position_of(id).unwrap()).collect();
            assert_eq!(case.lowest_confidence_at(&positions), case.lowest_confidence(&ids), "{cited:?}");
        }
        assert_eq!(case.lowest_confidence_at(&[0, 1]), "low");
        assert_eq!(case.lowest_confidence_at(&[]), "medium", "none cited");
    }

    #[test]
    fn a_type_the_case_holds_none_of_is_about_nobody_even_after_its_last_record_changed_type() {
        let mut case = Case::from_records(vec![
            record("e1", "custody", json!({"subject": "p", "event": "booked_in"})),
            record("k", "contact", json!({"subject": "p", "kind": "family"})),
        ]);
        assert!(case.holds_any("contact") && case.holds_any("custody"));
        assert!(!case.holds_any("acknowledgment") && !case.holds_any("no such type"));
        let about =
            |case: &Case, kind| case.about("p", kind).iter().map(|r| r.id.clone()).collect::<Vec<_>>();
        assert_eq!(about(&case, "contact"), ["k"]);
        assert_eq!(case.naming("p", "contact").count(), 1);
        assert!(about(&case, "acknowledgment").is_empty());
        // The contact's new version is an acknowledgment: no contact is left.
        case.insert(record("k", "acknowledgment", json!({"subject": "p", "status": "denied"})));
        assert!(!case.holds_any("contact") && case.holds_any("acknowledgment"));
        assert!(about(&case, "contact").is_empty());
        assert_eq!(about(&case, "acknowledgment"), ["k"]);
        assert_eq!(case.naming("p", "acknowledgment").count(), 1);
    }

    #[test]
    fn a_record_about_a_subject_and_its_cohort_is_listed_once() {
        let mut case = Case::with_capacity(4);
        case.insert(record("c", "cohort", json!({"members": ["p"]})));
        case.insert(record("both", "contact", json!({"subjects": ["p", "c"]})));
        case.insert(record("k", "contact", json!({"subject": "c"})));
        case.insert(record("twice", "contact", json!({"subjects": ["p", "p"]})));
        let ids: Vec<&str> = case.about("p", "contact").iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["both", "twice", "k"]);
    }

    #[test]
    fn records_are_filed_by_type_subject_and_cohort_and_a_second_version_replaces_the_first() {
        let mut case = Case::with_capacity(4);
        assert_eq!(case.insert(record("e1", "custody", json!({"subject": "p", "event": "booked_in"}))), 0);
        assert_eq!(
            case.insert(record("e2", "custody", json!({"subjects": ["p", "q"], "event": "departed"}))),
            1
        );
        assert_eq!(case.insert(record("c", "cohort", json!({"members": ["p"]}))), 2);
        assert_eq!(case.insert(record("k", "contact", json!({"subject": "c"}))), 3);
        let ids = |records: Vec<&Record>| records.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(case.naming("p", "custody").collect()), ["e1", "e2"]);
        assert_eq!(ids(case.naming("q", "custody").collect()), ["e2"]);
        assert_eq!(ids(case.about("p", "contact")), ["k"], "through the cohort listing p");
        assert_eq!(case.cohorts_of("p").into_iter().collect::<Vec<_>>(), ["c"]);
        assert_eq!(case.cohort("c").map(|r| r.id.as_str()), Some("c"));
        let custody_subjects = |case: &Case| {
            let mut subjects: Vec<Id> = case.custody_subjects().cloned().collect();
            subjects.sort();
            subjects
        };
        // `c` is named by a contact only; `q` only among an event's `subjects`.
        assert_eq!(custody_subjects(&case), ["p", "q"]);
        assert!(case.cohort("p").is_none() && case.cohort("e1").is_none() && case.cohort("x").is_none());

        // A new version of e1 about q: filed again at its place, found by its id, no longer about p.
        assert_eq!(case.insert(record("e1", "custody", json!({"subject": "q", "event": "released"}))), 0);
        assert_eq!(case.record("e1").and_then(|r| r.str("event")), Some("released"));
        assert_eq!(ids(case.naming("p", "custody").collect()), ["e2"]);
        assert_eq!(ids(case.naming("q", "custody").collect()), ["e2", "e1"]);
        let positions: Vec<usize> = case.naming_at("q", "custody").map(|(at, _)| at).collect();
        assert_eq!(positions, [1, 0]);
        assert_eq!(ids(case.of_type("custody").collect()), ["e2", "e1"]);
        assert_eq!(case.all().count(), 4);
        assert_eq!(custody_subjects(&case), ["p", "q"]);
        // Once no custody record names `p`, it is no longer a custody subject.
        case.insert(record("e2", "custody", json!({"subject": "q", "event": "departed"})));
        assert_eq!(custody_subjects(&case), ["q"]);
    }
}
