//! The rules, and the run that applies them: [`check`].

mod custody;
mod orders;
mod standards;

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::case::Case;
use crate::case::Id;
use crate::field::Field;
use crate::finding::{Finding, Outcome, Reading, interval_json};
use crate::policy::Policy;

/// A finding on a subject: the subject, then a cohort's known members, and a cohort's count.
pub(crate) fn on_subject(case: &Case, rule: &'static str, outcome: Outcome, subject: &str) -> Finding {
    let mut finding = Finding::new(rule, outcome);
    finding.subjects =
        std::iter::once(Id::from(subject)).chain(crate::acts::members(case, subject)).collect();
    finding.count = case.cohort(subject).and_then(|r| r.body.get("count")).and_then(Field::as_u64);
    finding
}

/// What a rule evaluated and found not to hold, for `--explain`.
#[derive(Clone, Debug, PartialEq)]
pub struct Cleared {
    pub rule: &'static str,
    pub subjects: Vec<Id>,
    pub about: Id,
    pub act: Option<Id>,
    pub leg: Option<usize>,
    pub readings: Vec<Reading>,
    /// English and Spanish.
    pub reason: [String; 2],
}

/// The findings of a run, most serious first, then by time; and what was cleared.
#[derive(Clone, Debug)]
pub struct Report {
    pub as_of: Timestamp,
    /// Each finding in a box of its own: a run gathers millions, and a list of findings held in
    /// place (a few hundred bytes each) had been copied whole each time it grew, and again when
    /// the two threads' lists were joined (at 1M records, three times the findings' own size at
    /// its peak).
    pub findings: Vec<Box<Finding>>,
    /// In a run that renders each finding as it is found ([`check_json`]), the findings as
    /// their JSON text, in the same order; [`Report::findings`] is then empty.
    pub rendered: Vec<Box<Rendered>>,
    pub cleared: Vec<Cleared>,
    /// The languages the rules write messages in (`Report::say`).
    pub messages: Messages,
    /// In a run of [`check_json`], the language its findings are rendered in (`true`: Spanish).
    render_es: Option<bool>,
}

/// A finding as `habeas check --json` writes it, held as that text from the moment it is found
/// ([`check_json`]), with what puts it in order.
///
/// A run holds every finding until all are sorted: at 7.8M records 2.4 million of them, and on
/// this machine memory is time (docs/benchmarks.md). As its text (about 414 bytes) with what
/// orders it, a finding takes about 250 bytes less than as a [`Finding`], whose lists, ids and
/// message are each a heap block of their own: 9.3 GB against 9.9 GB at 7.8M records.
#[derive(Clone, Debug, PartialEq)]
pub struct Rendered {
    pub outcome: Outcome,
    at: Option<Timestamp>,
    rule: &'static str,
    subjects: Box<[Id]>,
    /// The finding's JSON object, as [`Finding::shown`] writes it.
    pub json: Box<[u8]>,
}

impl Rendered {
    /// `finding` rendered with its message in Spanish (`es`) or English.
    pub fn of(finding: &Finding, es: bool) -> Rendered {
        let json = serde_json::to_vec(&finding.shown(es)).unwrap_or_else(|e| {
            // Cannot happen (every map a finding writes is keyed by text), but if it did the
            // output would say which finding, rather than the run stopping or losing it.
            json!({"id": finding.id(), "rule": finding.rule, "error": e.to_string()}).to_string().into_bytes()
        });
        Rendered {
            outcome: finding.outcome,
            at: finding.at.map(|t| t.earliest),
            rule: finding.rule,
            subjects: finding.subjects.as_slice().into(),
            json: json.into_boxed_slice(),
        }
    }
}

impl Report {
    fn empty(as_of: Timestamp, messages: Messages, render_es: Option<bool>) -> Report {
        Report { as_of, findings: Vec::new(), rendered: Vec::new(), cleared: Vec::new(), messages, render_es }
    }

    /// The outcome of each finding, in order, whether held as found or rendered.
    pub fn outcomes(&self) -> impl Iterator<Item = Outcome> + '_ {
        self.findings.iter().map(|f| f.outcome).chain(self.rendered.iter().map(|r| r.outcome))
    }

    /// A finding's message in English and Spanish, each written only if this run keeps it
    /// ([`Report::messages`]); the other is left empty. At 7.8M records a run writes 2.4 million
    /// messages, and each one's time in its place's zone, in the one language its output shows.
    pub(crate) fn say(
        &self,
        english: impl FnOnce() -> String,
        spanish: impl FnOnce() -> String,
    ) -> [String; 2] {
        match self.messages {
            Messages::Both => [english(), spanish()],
            Messages::English => [english(), String::new()],
            Messages::Spanish => [String::new(), spanish()],
        }
    }

    /// Adds a finding, made to size ([`Finding::shrink_to_fit`]); in a run of [`check_json`], as
    /// its JSON text. The rules write its message only in the languages [`Report::messages`]
    /// keeps (`Report::say`).
    pub fn push(&mut self, mut finding: Finding) {
        if let Some(es) = self.render_es {
            self.rendered.push(Box::new(Rendered::of(&finding, es)));
            return;
        }
        finding.shrink_to_fit();
        self.findings.push(Box::new(finding));
    }
}

/// The rules, in the order of rules.md.
pub const RULES: [&str; 17] = [
    "order-conflict",
    "mid-operation-order",
    "protected-country",
    "notice",
    "no-legal-basis",
    "ineligible-basis",
    "whereabouts-unknown",
    "enforced-disappearance",
    "incommunicado",
    "register-gap",
    "transfer-pending-matter",
    "over-capacity",
    "appearance-only-evidence",
    "shared-responsibility",
    "remedy-deadline",
    "refoulement-risk",
    "time-integrity",
];

/// The removal acts, each with the subjects it removed ([`crate::acts::removal_acts`]).
type RemovalActs<'c> = [(crate::acts::Act<'c>, Vec<Id>)];

/// A rule that reads the case alone and writes its own findings.
type CaseRule<'c> = Box<dyn Fn(&mut Report) + Send + Sync + 'c>;

/// A rule that also reads the removal acts.
type ActsRule<'c> = Box<dyn Fn(&RemovalActs<'c>, &mut Report) + Send + Sync + 'c>;

/// A job of a run: a rule, or the building of the removal acts that some rules also read.
enum Job<'c> {
    Case(CaseRule<'c>),
    /// The removal acts are built once, by whichever job asks first.
    Acts(ActsRule<'c>),
    /// The removal acts built ahead of the rules that read them.
    BuildActs,
}

/// The removal acts the [`Job::Acts`] rules read, built once: by the [`Job::BuildActs`] job,
/// or by the first of those rules to ask if it comes first.
struct Acts<'c> {
    case: &'c Case,
    built: std::sync::OnceLock<Vec<(crate::acts::Act<'c>, Vec<Id>)>>,
}

impl<'c> Acts<'c> {
    fn get(&self) -> &RemovalActs<'c> {
        self.built.get_or_init(|| crate::acts::removal_acts(self.case))
    }
}

/// Which of a finding's two messages a run keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Messages {
    /// English and Spanish: for a reader who may ask for either (the server).
    #[default]
    Both,
    /// English only (the Spanish one left empty).
    English,
    /// Spanish only (the English one left empty).
    Spanish,
}

/// Runs the rules (all, or those named) over a case as of `as_of`, keeping both messages of
/// each finding ([`check_keeping`]).
pub fn check(case: &Case, policy: &Policy, only: &[String], as_of: Timestamp) -> Report {
    check_keeping(case, policy, only, as_of, Messages::Both)
}

/// Runs the rules (all, or those named) over a case as of `as_of`, on two threads that take the
/// next rule from one list as each finishes: the rules only read the case, and each writes its
/// own findings.
///
/// Of each finding's messages it keeps those `messages` says. A run holds every finding until
/// they are sorted and written, and a message in the language nobody will read is a fifth to a
/// quarter of a finding (at 7.8M records, 2.4 million findings: about 300 MB, which on this
/// machine is time, docs/benchmarks.md); the command line knows its one language.
pub fn check_keeping(
    case: &Case,
    policy: &Policy,
    only: &[String],
    as_of: Timestamp,
    messages: Messages,
) -> Report {
    run(case, policy, only, as_of, messages, None)
}

/// Runs the rules as [`check_keeping`] does, holding each finding as the JSON text
/// [`Report::write_json`] writes for it in one language (`es`: Spanish) from the moment it is
/// found ([`Report::rendered`]): for `habeas check --json`, which needs nothing else of a
/// finding. The output is the same, byte for byte; the rendering is done by the two threads
/// that run the rules, and each finding held takes about a third less memory.
pub fn check_json(case: &Case, policy: &Policy, only: &[String], as_of: Timestamp, es: bool) -> Report {
    let messages = if es { Messages::Spanish } else { Messages::English };
    run(case, policy, only, as_of, messages, Some(es))
}

fn run(
    case: &Case,
    policy: &Policy,
    only: &[String],
    as_of: Timestamp,
    messages: Messages,
    render_es: Option<bool>,
) -> Report {
    // Two threads take the next job from this list as each finishes, so the longest go first
    // (at 7.8M records, incommunicado 7 s, whereabouts-unknown 4.5 s, over-capacity 3.6 s,
    // notice 3.3 s, register-gap 2.8 s; the rest less than 2 s each): a long rule taken last had
    // left one thread working alone for seconds at the end. The removal acts that the
    // `Job::Acts` rules read (2.8 s to build) are a job of their own, second, so that the other
    // thread builds them while the first is on the longest rule, and no rule waits for them.
    let rules: Vec<(&str, Job<'_>)> = vec![
        ("incommunicado", Job::Case(Box::new(|r: &mut Report| custody::incommunicado(case, policy, r)))),
        (
            "whereabouts-unknown",
            Job::Case(Box::new(|r: &mut Report| custody::whereabouts_unknown(case, policy, r))),
        ),
        ("over-capacity", Job::Case(Box::new(|r: &mut Report| standards::over_capacity(case, r)))),
        (
            "notice",
            Job::Acts(Box::new(|acts: &RemovalActs, r: &mut Report| {
                standards::notice(case, acts, policy, r)
            })),
        ),
        ("register-gap", Job::Case(Box::new(|r: &mut Report| standards::register_gap(case, r)))),
        (
            "enforced-disappearance",
            Job::Case(Box::new(|r: &mut Report| standards::enforced_disappearance(case, policy, r))),
        ),
        (
            "transfer-pending-matter",
            Job::Case(Box::new(|r: &mut Report| standards::transfer_pending_matter(case, r))),
        ),
        ("ineligible-basis", Job::Case(Box::new(|r: &mut Report| standards::ineligible_basis(case, r)))),
        ("time-integrity", Job::Case(Box::new(|r: &mut Report| standards::time_integrity(case, r)))),
        (
            "shared-responsibility",
            Job::Case(Box::new(|r: &mut Report| custody::shared_responsibility(case, r))),
        ),
        (
            "order-conflict",
            Job::Acts(Box::new(|acts: &RemovalActs, r: &mut Report| orders::order_conflict(case, acts, r))),
        ),
        (
            "protected-country",
            Job::Acts(Box::new(|acts: &RemovalActs, r: &mut Report| {
                orders::protected_country(case, acts, r)
            })),
        ),
        (
            "refoulement-risk",
            Job::Acts(Box::new(|acts: &RemovalActs, r: &mut Report| {
                standards::refoulement_risk(case, acts, r)
            })),
        ),
        ("no-legal-basis", Job::Case(Box::new(|r: &mut Report| custody::no_legal_basis(case, r)))),
        ("mid-operation-order", Job::Case(Box::new(|r: &mut Report| orders::mid_operation_order(case, r)))),
        ("remedy-deadline", Job::Case(Box::new(|r: &mut Report| orders::remedy_deadline(case, r)))),
        (
            "appearance-only-evidence",
            Job::Case(Box::new(|r: &mut Report| standards::appearance_only_evidence(case, r))),
        ),
    ];
    let asked = |name: &str| only.is_empty() || only.iter().any(|r| r == name);
    let mut wanted: Vec<&Job<'_>> =
        rules.iter().filter(|(name, _)| asked(name)).map(|(_, job)| job).collect();
    if wanted.iter().any(|job| matches!(job, Job::Acts(_))) {
        wanted.insert(1.min(wanted.len()), &Job::BuildActs);
    }
    let acts = Acts { case, built: std::sync::OnceLock::new() };
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut report = Report::empty(as_of, messages, render_es);
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            match wanted.get(i) {
                Some(Job::Case(rule)) => rule(&mut report),
                Some(Job::Acts(rule)) => rule(acts.get(), &mut report),
                Some(Job::BuildActs) => {
                    acts.get();
                }
                None => break,
            }
        }
        // Each thread puts its own findings in order, so that the two sorts run side by side
        // (at 7.8M records, one sort of 2.4 million findings had been 4% of the run, on one core).
        let findings = in_order(std::mem::take(&mut report.findings));
        let rendered = in_order(std::mem::take(&mut report.rendered));
        (findings, rendered, report.cleared)
    };
    let ((mine, mine_rendered, mut cleared), (theirs, theirs_rendered, cleared_there)) =
        std::thread::scope(|scope| {
            let other = scope.spawn(work);
            let mine = work();
            (mine, other.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
        });
    cleared.extend(cleared_there);
    let mut report = Report::empty(as_of, messages, render_es);
    report.findings = merged(mine, theirs);
    report.rendered = merged(mine_rendered, theirs_rendered);
    report.cleared = cleared;
    // Which thread ran a rule varies from run to run; the order of what was cleared must not.
    report.cleared.sort_by_key(|c| RULES.iter().position(|r| *r == c.rule));
    report
}

/// What the order of findings compares first: outcome, time and rule. Held beside each finding while the
/// findings are sorted and merged, so that most comparisons read two keys lying side by side
/// rather than two findings scattered over the heap (at 7.8M records, 2.4 million of them, the
/// sort and the merge had been 4% of the run); the findings themselves are read only on a tie.
type Key = (Outcome, Option<Timestamp>, &'static str);

/// A finding, as found or rendered, as the order reads it.
trait Ordered {
    fn key(&self) -> Key;
    fn subjects(&self) -> &[Id];
}

impl Ordered for Box<Finding> {
    fn key(&self) -> Key {
        (self.outcome, self.at.map(|t| t.earliest), self.rule)
    }

    fn subjects(&self) -> &[Id] {
        &self.subjects
    }
}

impl Ordered for Box<Rendered> {
    fn key(&self) -> Key {
        (self.outcome, self.at, self.rule)
    }

    fn subjects(&self) -> &[Id] {
        &self.subjects
    }
}

/// A finding with its [`Key`].
type Keyed<T> = (Key, T);

/// The order of findings: most serious first, then by time, rule and subjects.
fn order<T: Ordered>((key_a, a): &Keyed<T>, (key_b, b): &Keyed<T>) -> std::cmp::Ordering {
    key_a.cmp(key_b).then_with(|| a.subjects().cmp(b.subjects()))
}

/// Findings in [`order`] (ties keep the order their rule found them in), each with its key.
fn in_order<T: Ordered>(findings: Vec<T>) -> Vec<Keyed<T>> {
    let mut keyed: Vec<Keyed<T>> = findings.into_iter().map(|f| (f.key(), f)).collect();
    keyed.sort_by(order);
    keyed
}

/// Two lists in [`order`] as one, as [`in_order`] would put `first` followed by `second`: on a
/// tie the finding of `first` comes first. (The two threads' lists never tie: a rule runs on one
/// thread, and the rule is part of the order.)
fn merged<T: Ordered>(first: Vec<Keyed<T>>, second: Vec<Keyed<T>>) -> Vec<T> {
    let mut out = Vec::with_capacity(first.len() + second.len());
    let (mut first, mut second) = (first.into_iter().peekable(), second.into_iter().peekable());
    loop {
        let take_first = match (first.peek(), second.peek()) {
            (Some(a), Some(b)) => order(a, b).is_le(),
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return out,
        };
        out.extend(if take_first { first.next() } else { second.next() }.map(|(_, f)| f));
    }
}

impl Report {
    /// `{"as_of", "findings"}` (with `cleared` under `--explain`), written as it goes: one finding
    /// per line, so that a run with hundreds of thousands of findings neither waits for nor holds
    /// the whole text. `es` chooses the language of the findings held as found and of what was
    /// cleared; findings a run of [`check_json`] rendered are written in the language it chose.
    pub fn write_json(&self, out: &mut dyn std::io::Write, explain: bool, es: bool) -> std::io::Result<()> {
        let as_of = interval_json(habeas_model::time::Interval::at(self.as_of));
        write!(out, "{{\"as_of\": {as_of},\n\"findings\": [")?;
        // Findings are rendered a chunk at a time on two threads while this one writes the
        // chunks out in order as they come: at 2.4 million findings, rendering on one thread was
        // ten seconds, and writing a pair of chunks while neither thread rendered, another three.
        let render = |chunk: &[Box<Finding>]| -> std::io::Result<Vec<u8>> {
            let mut text = Vec::with_capacity(chunk.len() * 400);
            for finding in chunk {
                text.extend_from_slice(b",\n");
                serde_json::to_writer(&mut text, &finding.shown(es))?;
            }
            Ok(text)
        };
        let chunks: Vec<&[Box<Finding>]> = self.findings.chunks(4096).collect();
        let next = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|scope| -> std::io::Result<()> {
            // A few chunks in flight at most: the writer holds what comes early until its turn.
            let (sender, rendered) = std::sync::mpsc::sync_channel::<(usize, std::io::Result<Vec<u8>>)>(4);
            for _ in 0..2 {
                let (sender, chunks, next) = (sender.clone(), &chunks, &next);
                scope.spawn(move || {
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(chunk) = chunks.get(i) else { break };
                        // The writer stopped (a write failed): nothing more to render.
                        if sender.send((i, render(chunk))).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(sender);
            let mut early: std::collections::BTreeMap<usize, Vec<u8>> = std::collections::BTreeMap::new();
            let mut turn = 0;
            for (i, text) in rendered {
                early.insert(i, text?);
                while let Some(text) = early.remove(&turn) {
                    // The first finding follows the opening bracket without a comma.
                    out.write_all(if turn == 0 { &text[1..] } else { &text })?;
                    turn += 1;
                }
            }
            Ok(())
        })?;
        // A run of `check_json` rendered its findings as it found them (and held no others).
        for (i, rendered) in self.rendered.iter().enumerate() {
            out.write_all(if i == 0 && self.findings.is_empty() { b"\n" } else { b",\n" })?;
            out.write_all(&rendered.json)?;
        }
        out.write_all(b"\n]")?;
        if explain {
            out.write_all(b",\n\"cleared\": [")?;
            for (i, cleared) in self.cleared.iter().enumerate() {
                out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
                serde_json::to_writer(&mut *out, &cleared.to_json(es))?;
            }
            out.write_all(b"\n]")?;
        }
        out.write_all(b"}\n")?;
        out.flush()
    }
}

impl Cleared {
    /// `{"rule", "subjects", "about", "act", "readings", "reason"}` (and `leg` for a flight leg).
    pub fn to_json(&self, es: bool) -> Value {
        let readings: Vec<Value> = self.readings.iter().map(Reading::to_json).collect();
        let mut item = json!({
            "rule": self.rule, "subjects": self.subjects, "about": self.about, "act": self.act,
            "readings": readings, "reason": self.reason[usize::from(es)],
        });
        if let Some(leg) = self.leg {
            item["leg"] = leg.into();
        }
        item
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use habeas_model::time::Interval;

    /// A scrambled sequence of `n` findings with many ties, told apart by the order they were
    /// found in (`about`).
    #[expect(clippy::vec_box, reason = "the findings are boxed as a report holds them")]
    fn scrambled(n: usize) -> Vec<Box<Finding>> {
        let outcomes = [Outcome::Info, Outcome::Violation, Outcome::Warning, Outcome::DataGap];
        let rules = ["notice", "incommunicado", "register-gap"];
        let times = [None, Some("2025-03-15T23:00:00Z"), Some("2025-03-15T22:00:00Z")];
        (0..n)
            .map(|i| {
                let mut finding = Finding::new(rules[i * 7 % 3], outcomes[i * 13 % 4]);
                finding.subjects = vec![format!("p-{}", i * 31 % 11).into()];
                finding.about = Some(format!("{i:03}").into());
                finding.at = times[i * 17 % 3].map(|t| Interval::at(t.parse().unwrap()));
                Box::new(finding)
            })
            .collect()
    }

    /// What tells findings apart in the output: rule, subjects, `about`.
    fn shown(findings: &[Box<Finding>]) -> Vec<(&str, Vec<Id>, Option<Id>)> {
        findings.iter().map(|f| (f.rule, f.subjects.clone(), f.about.clone())).collect()
    }

    /// Findings put in order by [`in_order`], without their keys.
    #[expect(clippy::vec_box, reason = "the findings are boxed as a report holds them")]
    fn sorted(findings: Vec<Box<Finding>>) -> Vec<Box<Finding>> {
        in_order(findings).into_iter().map(|(_, finding)| finding).collect()
    }

    /// The order as one stable sort by the four things it compares, findings read whole.
    fn reference_order(findings: &mut [Box<Finding>]) {
        findings.sort_by_key(|f| (f.outcome, f.at.map(|t| t.earliest), f.rule, f.subjects.clone()));
    }

    #[test]
    fn findings_are_ordered_most_serious_first_then_by_time_rule_and_subjects_ties_as_found() {
        let findings = sorted(scrambled(500));
        assert_eq!(findings.len(), 500);
        for pair in findings.windows(2) {
            let key = |f: &Finding| (f.outcome, f.at.map(|t| t.earliest), f.rule, f.subjects.clone());
            let (a, b) = (key(&pair[0]), key(&pair[1]));
            assert!(a <= b, "{a:?} before {b:?}");
            if a == b {
                assert!(pair[0].about < pair[1].about, "ties keep the order found: {:?}", pair[0].about);
            }
        }
        assert_eq!(findings.first().map(|f| f.outcome), Some(Outcome::Violation));
        assert_eq!(findings.last().map(|f| f.outcome), Some(Outcome::Info));
    }

    #[test]
    fn a_finding_added_to_a_report_keeps_no_spare_room() {
        let mut finding = Finding::new("incommunicado", Outcome::Warning);
        finding.records = Vec::with_capacity(16);
        finding.records.extend(["c-1".into(), "c-2".into()]);
        finding.subjects.push("p-1".into());
        finding.message = [String::with_capacity(200), String::with_capacity(200)];
        finding.message[0].push_str("held");
        let mut report = Report::empty(Timestamp::UNIX_EPOCH, Messages::Both, None);
        report.push(finding);
        let kept = &report.findings[0];
        assert_eq!((kept.records.capacity(), kept.subjects.capacity()), (2, 1));
        assert_eq!((kept.message[0].capacity(), kept.message[1].capacity()), (4, 0));
        assert_eq!(kept.records, ["c-1", "c-2"], "the contents stay");
    }

    #[test]
    fn a_message_is_written_only_in_the_languages_the_run_keeps() {
        let report = |messages| Report::empty(Timestamp::UNIX_EPOCH, messages, None);
        let english = || "held".to_string();
        let spanish = || "detenido".to_string();
        let unread = || -> String { panic!("written for nobody") };
        assert_eq!(report(Messages::Both).say(english, spanish), ["held", "detenido"]);
        assert_eq!(report(Messages::English).say(english, unread), ["held", ""]);
        assert_eq!(report(Messages::Spanish).say(unread, spanish), ["", "detenido"]);
    }

    #[test]
    fn two_lists_in_order_merge_as_one_sort_of_both_would_order_them() {
        // As the two threads' lists: split by rule, each put in order, then merged.
        let all = scrambled(500);
        let mut expected = scrambled(500);
        reference_order(&mut expected);
        assert_eq!(shown(&sorted(scrambled(500))), shown(&expected));
        let (first, second): (Vec<_>, Vec<_>) = all.into_iter().partition(|f| f.rule == "notice");
        assert!(!first.is_empty() && !second.is_empty());
        assert_eq!(shown(&merged(in_order(first), in_order(second))), shown(&expected));

        // Lists that tie (not the threads' lists, but the merge must still be a stable sort):
        // the first list's finding comes first, and an empty list leaves the other as it is.
        let (first, mut second) = (scrambled(200), scrambled(300));
        for finding in &mut second {
            finding.about = finding.about.as_ref().map(|about| format!("second {about}").into());
        }
        let mut expected: Vec<Box<Finding>> = first.iter().chain(&second).cloned().collect();
        reference_order(&mut expected);
        let (first, second) = (in_order(first), in_order(second));
        let first_alone: Vec<Box<Finding>> = first.iter().map(|(_, f)| f.clone()).collect();
        assert_eq!(shown(&merged(first.clone(), second)), shown(&expected));
        assert_eq!(shown(&merged(Vec::new(), first.clone())), shown(&first_alone));
        assert_eq!(shown(&merged(first, Vec::new())), shown(&first_alone));
    }

    #[test]
    fn a_write_that_fails_stops_the_rendering_and_is_reported() {
        /// Takes `room` bytes, then fails.
        struct Full {
            room: usize,
        }
        impl std::io::Write for Full {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                if self.room < buf.len() {
                    return Err(std::io::Error::other("disk full"));
                }
                self.room -= buf.len();
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let findings: Vec<Box<Finding>> =
            (0..10 * 4096).map(|_| Box::new(Finding::new("incommunicado", Outcome::Warning))).collect();
        let report = Report { findings, ..Report::empty(Timestamp::UNIX_EPOCH, Messages::Both, None) };
        for room in [0, 100, 3_000_000] {
            let error = report.write_json(&mut Full { room }, false, false).unwrap_err();
            assert_eq!(error.to_string(), "disk full", "after {room} bytes");
        }
    }

    #[test]
    fn findings_are_written_in_their_order_across_chunks_rendered_on_two_threads() {
        for n in [0usize, 1, 4096, 4097, 3 * 4096 + 5] {
            let findings: Vec<Box<Finding>> = (0..n)
                .map(|i| {
                    let mut finding = Finding::new("incommunicado", Outcome::Warning);
                    finding.subjects = vec![format!("p-{i}").into()];
                    Box::new(finding)
                })
                .collect();
            let as_of = "2026-01-01T00:00:00Z".parse().unwrap();
            let report = Report { findings, ..Report::empty(as_of, Messages::Both, None) };
            let mut written = Vec::new();
            report.write_json(&mut written, false, false).unwrap();
            let value: Value =
                serde_json::from_slice(&written).unwrap_or_else(|e| panic!("{n} findings: {e}"));
            let subjects: Vec<&str> = value["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["subjects"][0].as_str().unwrap())
                .collect();
            let expected: Vec<String> = (0..n).map(|i| format!("p-{i}")).collect();
            assert_eq!(subjects, expected, "{n} findings");
        }
    }
}
