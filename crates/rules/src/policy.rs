//! The parameters of the rules, with the defaults of rules.md, overridable from a TOML file.
//!
//! ```toml
//! # habeas-policy.toml
//! [whereabouts-unknown]
//! days = 2
//!
//! [incommunicado]
//! days = 3
//! escalate_days = 30
//!
//! [enforced-disappearance]
//! days = 7
//!
//! [notice]
//! floor_hours = 24
//! minimum_hours = 168
//! ```
//!
//! Every finding lists the values its rule used, so a reader knows which policy produced it.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Map, Value, json};

/// The parameters of every rule that has some.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    #[serde(rename = "whereabouts-unknown")]
    pub whereabouts_unknown: WhereaboutsUnknown,
    pub incommunicado: Incommunicado,
    #[serde(rename = "enforced-disappearance")]
    pub enforced_disappearance: EnforcedDisappearance,
    pub notice: Notice,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct WhereaboutsUnknown {
    /// Days without a sighting after a move before it is a warning.
    pub days: f64,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Incommunicado {
    /// Days in custody without granted counsel or family contact before it is a warning.
    pub days: f64,
    /// Days after which the warning is marked escalated.
    pub escalate_days: f64,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct EnforcedDisappearance {
    /// Days of non-acknowledgment or concealment before that element counts.
    pub days: f64,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Notice {
    /// Notice served this many hours or fewer before departure is a violation.
    pub floor_hours: f64,
    /// Notice under this many hours is a warning.
    pub minimum_hours: f64,
}

impl Default for EnforcedDisappearance {
    fn default() -> Self {
        EnforcedDisappearance { days: 7.0 }
    }
}

impl Default for Notice {
    fn default() -> Self {
        Notice { floor_hours: 24.0, minimum_hours: 168.0 }
    }
}

impl Default for WhereaboutsUnknown {
    fn default() -> Self {
        WhereaboutsUnknown { days: 3.0 }
    }
}

impl Default for Incommunicado {
    fn default() -> Self {
        Incommunicado { days: 3.0, escalate_days: 30.0 }
    }
}

/// Why a policy file could not be used.
#[derive(Debug)]
pub struct PolicyError(pub String);

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PolicyError {}

impl Policy {
    /// Reads a policy file's text: the sections it gives replace the defaults, field by field.
    pub fn from_toml(text: &str) -> Result<Policy, PolicyError> {
        let policy: Policy = toml::from_str(text).map_err(|e| PolicyError(e.to_string()))?;
        for (name, value) in [
            ("whereabouts-unknown.days", policy.whereabouts_unknown.days),
            ("incommunicado.days", policy.incommunicado.days),
            ("incommunicado.escalate_days", policy.incommunicado.escalate_days),
            ("enforced-disappearance.days", policy.enforced_disappearance.days),
            ("notice.floor_hours", policy.notice.floor_hours),
            ("notice.minimum_hours", policy.notice.minimum_hours),
        ] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(PolicyError(format!("{name}: expected a number of 0 or more, found {value}")));
            }
        }
        Ok(policy)
    }

    /// The parameters a rule used, as findings list them.
    pub fn parameters(&self, rule: &str) -> Arc<Map<String, Value>> {
        let pairs = match rule {
            "whereabouts-unknown" => vec![("days", json!(self.whereabouts_unknown.days))],
            "incommunicado" => vec![
                ("days", json!(self.incommunicado.days)),
                ("escalate_days", json!(self.incommunicado.escalate_days)),
            ],
            "enforced-disappearance" => vec![("days", json!(self.enforced_disappearance.days))],
            "notice" => vec![
                ("floor_hours", json!(self.notice.floor_hours)),
                ("minimum_hours", json!(self.notice.minimum_hours)),
            ],
            _ => Vec::new(),
        };
        Arc::new(pairs.into_iter().map(|(name, value)| (name.to_string(), value)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policy_file_overrides_what_it_names_and_keeps_the_rest() {
        let policy = Policy::from_toml("[incommunicado]\ndays = 5\n").unwrap();
        assert_eq!(policy.incommunicado.days, 5.0);
        assert_eq!(policy.incommunicado.escalate_days, 30.0);
        assert_eq!(policy.whereabouts_unknown.days, 3.0);
        assert!(Policy::from_toml("[incomunicado]\ndays = 5\n").is_err(), "a misspelt section is refused");
        assert!(
            Policy::from_toml("[incommunicado]\ndays = -1\n").unwrap_err().0.contains("incommunicado.days")
        );
        assert_eq!(Policy::from_toml("").unwrap(), Policy::default());
    }
}
