//! habeas-rules: the due-process checks of `../shared/spec/rules.md`.
//!
//! A rule reads a [`Case`] (the records known at a moment, their times in UTC, each subject's
//! custody stretches) and reports [`Finding`]s. A finding is never a verdict: it says which
//! records, read under which interpretation, conflict with an order, a rule of law or a minimum
//! standard, and how sure the data is.
//!
//! Three ideas run through every rule:
//! - **times are intervals** ([`holds`]): "the plane left between 23:30 and 01:00" compared with
//!   an order at 18:45 is yes, no or possibly, never a guess;
//! - **readings side by side** ([`order`]): the spoken and the written order, the narrow and the
//!   broad reading of "remove", a class membership nobody recorded: each combination is evaluated
//!   and listed, and the outcome says whether the finding holds under all (`violation`) or some
//!   (`possible_violation`);
//! - **judged at the time of the act**: an order is read in the state its rulings had left it at
//!   that instant; a later vacatur does not erase what happened while it was in force.
//!
//! The crate knows nothing of storage: `habeas-store` builds the [`Case`], `habeas check` prints
//! the [`Report`].

pub mod acts;
pub mod case;
pub mod field;
pub mod finding;
pub mod holds;
pub mod order;
pub mod policy;
mod rules;
pub mod show;
pub mod tally;

pub use case::{Case, DayTally, Id, Record, Stretch};
pub use field::{Field, Fields};
pub use finding::{Details, Finding, Outcome, Reading};
pub use holds::Holds;
pub use policy::{Policy, PolicyError};
pub use rules::{Cleared, Messages, RULES, Rendered, Report, check, check_json, check_keeping};
