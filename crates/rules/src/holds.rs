//! Three-valued truth for uncertain times.
//!
//! A time in the ledger is an interval `[earliest, latest]`: "the plane left between 23:30 and
//! 01:00". Asking whether it left after an order took effect at 18:45 has three answers: yes for
//! every point of both intervals ([`Holds::Yes`]), for none ([`Holds::No`]), or for some only
//! ([`Holds::Possibly`]). Rules combine such answers with [`Holds::and`] and [`Holds::or`], which
//! keep "possibly" honest: yes and possibly is possibly.
//!
//! Effective periods are half-open, `[from, until)`: an act at the very instant an order takes
//! effect is inside it.

use habeas_model::time::Interval;
use jiff::Timestamp;

/// Whether a statement about uncertain times is true.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Holds {
    No,
    Possibly,
    Yes,
}

impl Holds {
    pub fn and(self, other: Holds) -> Holds {
        self.min(other)
    }

    pub fn or(self, other: Holds) -> Holds {
        self.max(other)
    }

    pub fn from_bool(value: bool) -> Holds {
        if value { Holds::Yes } else { Holds::No }
    }

    /// How it is written in findings: `true`, `false` or `"possibly"`.
    pub fn to_json(self) -> serde_json::Value {
        match self {
            Holds::No => false.into(),
            Holds::Possibly => "possibly".into(),
            Holds::Yes => true.into(),
        }
    }
}

impl std::ops::Not for Holds {
    type Output = Holds;

    fn not(self) -> Holds {
        match self {
            Holds::No => Holds::Yes,
            Holds::Possibly => Holds::Possibly,
            Holds::Yes => Holds::No,
        }
    }
}

/// `a` at or after `b`: the act began once the order had.
pub fn at_or_after(a: &Interval, b: &Interval) -> Holds {
    if a.earliest >= b.latest {
        Holds::Yes
    } else if a.latest < b.earliest {
        Holds::No
    } else {
        Holds::Possibly
    }
}

/// `a` strictly before `b`.
pub fn before(a: &Interval, b: &Interval) -> Holds {
    !at_or_after(a, b)
}

/// `a` strictly before the instant `t`.
pub fn before_instant(a: &Interval, t: Timestamp) -> Holds {
    before(a, &Interval::at(t))
}

/// Whole hours from `a` to `b` as a range, shortest first (negative when `b` is earlier).
pub fn hours_between(a: &Interval, b: &Interval) -> (f64, f64) {
    let hours = |x: Timestamp, y: Timestamp| (y.as_second() - x.as_second()) as f64 / 3600.0;
    (hours(a.latest, b.earliest), hours(a.earliest, b.latest))
}

/// Days from `a` to `b` as a range, shortest first.
pub fn days_between(a: &Interval, b: &Interval) -> (f64, f64) {
    let (short, long) = hours_between(a, b);
    (short / 24.0, long / 24.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(text: &str) -> Interval {
        Interval::at(text.parse().unwrap())
    }

    fn window(a: &str, b: &str) -> Interval {
        Interval { earliest: a.parse().unwrap(), latest: b.parse().unwrap() }
    }

    #[test]
    fn an_uncertain_time_straddling_a_boundary_possibly_holds() {
        let order = t("2025-03-15T22:45:00Z");
        assert_eq!(
            at_or_after(&t("2025-03-15T22:45:00Z"), &order),
            Holds::Yes,
            "half-open: the instant is inside"
        );
        assert_eq!(at_or_after(&t("2025-03-15T22:44:59Z"), &order), Holds::No);
        let leg = window("2025-03-15T22:30:00Z", "2025-03-15T23:00:00Z");
        assert_eq!(at_or_after(&leg, &order), Holds::Possibly);
        assert_eq!(Holds::Yes.and(Holds::Possibly), Holds::Possibly);
        assert_eq!(Holds::No.or(Holds::Possibly), Holds::Possibly);
        assert_eq!(hours_between(&order, &leg), (-0.25, 0.25));
    }
}
