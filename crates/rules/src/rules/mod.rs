//! The rules, and the run that applies them: [`check`].

mod custody;
mod orders;
mod standards;

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::case::Case;
use crate::finding::{Finding, Outcome, Reading, interval_json};
use crate::policy::Policy;

/// A finding on a subject: the subject, then a cohort's known members, and a cohort's count.
pub(crate) fn on_subject(case: &Case, rule: &'static str, outcome: Outcome, subject: &str) -> Finding {
    let mut finding = Finding::new(rule, outcome);
    finding.subjects =
        std::iter::once(subject.to_string()).chain(crate::acts::members(case, subject)).collect();
    finding.count = case
        .record(subject)
        .filter(|r| r.kind == "cohort")
        .and_then(|r| r.body.get("count"))
        .and_then(serde_json::Value::as_u64);
    finding
}

/// What a rule evaluated and found not to hold, for `--explain`.
#[derive(Clone, Debug, PartialEq)]
pub struct Cleared {
    pub rule: &'static str,
    pub subjects: Vec<String>,
    pub about: String,
    pub act: Option<String>,
    pub leg: Option<usize>,
    pub readings: Vec<Reading>,
    /// English and Spanish.
    pub reason: [String; 2],
}

/// The findings of a run, most serious first, then by time; and what was cleared.
#[derive(Clone, Debug)]
pub struct Report {
    pub as_of: Timestamp,
    pub findings: Vec<Finding>,
    pub cleared: Vec<Cleared>,
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

/// Runs the rules (all, or those named) over a case as of `as_of`.
pub fn check(case: &Case, policy: &Policy, only: &[String], as_of: Timestamp) -> Report {
    let mut report = Report { as_of, findings: Vec::new(), cleared: Vec::new() };
    let wanted = |rule: &str| only.is_empty() || only.iter().any(|r| r == rule);
    if wanted("order-conflict") {
        orders::order_conflict(case, &mut report);
    }
    if wanted("mid-operation-order") {
        orders::mid_operation_order(case, &mut report);
    }
    if wanted("protected-country") {
        orders::protected_country(case, &mut report);
    }
    if wanted("no-legal-basis") {
        custody::no_legal_basis(case, &mut report);
    }
    if wanted("whereabouts-unknown") {
        custody::whereabouts_unknown(case, policy, &mut report);
    }
    if wanted("incommunicado") {
        custody::incommunicado(case, policy, &mut report);
    }
    if wanted("remedy-deadline") {
        orders::remedy_deadline(case, &mut report);
    }
    if wanted("shared-responsibility") {
        custody::shared_responsibility(case, &mut report);
    }
    if wanted("notice") {
        standards::notice(case, policy, &mut report);
    }
    if wanted("ineligible-basis") {
        standards::ineligible_basis(case, &mut report);
    }
    if wanted("enforced-disappearance") {
        standards::enforced_disappearance(case, policy, &mut report);
    }
    if wanted("register-gap") {
        standards::register_gap(case, &mut report);
    }
    if wanted("transfer-pending-matter") {
        standards::transfer_pending_matter(case, &mut report);
    }
    if wanted("over-capacity") {
        standards::over_capacity(case, &mut report);
    }
    if wanted("appearance-only-evidence") {
        standards::appearance_only_evidence(case, &mut report);
    }
    if wanted("refoulement-risk") {
        standards::refoulement_risk(case, &mut report);
    }
    if wanted("time-integrity") {
        standards::time_integrity(case, &mut report);
    }
    report.findings.sort_by(|a, b| {
        a.outcome
            .cmp(&b.outcome)
            .then(a.at.map(|t| t.earliest).cmp(&b.at.map(|t| t.earliest)))
            .then(a.rule.cmp(b.rule))
            .then(a.subjects.cmp(&b.subjects))
    });
    report
}

impl Report {
    /// `{"as_of", "findings"}`, with `cleared` when asked (`--explain`).
    pub fn to_json(&self, explain: bool, es: bool) -> Value {
        let mut out = json!({
            "as_of": interval_json(habeas_model::time::Interval::at(self.as_of)),
            "findings": self.findings.iter().map(|f| f.to_json(es)).collect::<Vec<_>>(),
        });
        if explain {
            out["cleared"] = self
                .cleared
                .iter()
                .map(|c| {
                    let readings: Vec<Value> = c.readings.iter().map(Reading::to_json).collect();
                    let mut item = json!({
                        "rule": c.rule, "subjects": c.subjects, "about": c.about, "act": c.act,
                        "readings": readings, "reason": c.reason[usize::from(es)],
                    });
                    if let Some(leg) = c.leg {
                        item["leg"] = leg.into();
                    }
                    item
                })
                .collect();
        }
        out
    }
}
