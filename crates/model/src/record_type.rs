//! The record types of records.md, and what each kind of type may do.

use std::fmt;

/// Defines [`RecordType`] with its `type` names, from one list.
macro_rules! record_types {
    ($($variant:ident => $name:literal,)*) => {
        /// Every `type` a record can have.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum RecordType {
            $($variant,)*
        }

        impl RecordType {
            /// Every type, in the order of records.md.
            pub const ALL: &'static [RecordType] = &[$(RecordType::$variant,)*];

            /// The name used in the `type` field.
            pub fn name(self) -> &'static str {
                match self {
                    $(RecordType::$variant => $name,)*
                }
            }

            /// The type a `type` field names; `None` for a name the format does not define.
            /// (A match, not a search of [`RecordType::ALL`]: a check at 7.8M records asks
            /// for each record's type several times.)
            pub fn parse(name: &str) -> Option<RecordType> {
                match name {
                    $($name => Some(RecordType::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

record_types! {
    // Entities: they carry the id their author chose.
    Source => "source",
    Person => "person",
    Cohort => "cohort",
    Relation => "relation",
    Org => "org",
    Place => "place",
    Instrument => "instrument",
    Case => "case",
    Order => "order",
    Petition => "petition",
    Flight => "flight",
    Agreement => "agreement",
    // Events: an id is derived from their content when they have none.
    Custody => "custody",
    Contact => "contact",
    Notice => "notice",
    Acknowledgment => "acknowledgment",
    Allegation => "allegation",
    Rebuttal => "rebuttal",
    Assessment => "assessment",
    Condition => "condition",
    CourtFinding => "court_finding",
    Ruling => "ruling",
    Decision => "decision",
    Compliance => "compliance",
    Population => "population",
    Payment => "payment",
    SameAs => "same_as",
    Distinct => "distinct",
    Retraction => "retraction",
    // Written by the ledger itself; refused on input, never exported.
    Import => "import",
    Erasure => "erasure",
}

use RecordType::*;

impl RecordType {
    /// Events may leave out `id`; the ledger derives one from their content.
    pub fn is_event(self) -> bool {
        !matches!(
            self,
            Source
                | Person
                | Cohort
                | Relation
                | Org
                | Place
                | Instrument
                | Case
                | Order
                | Petition
                | Flight
                | Agreement
        )
    }

    /// Types only the ledger writes (`import`, `erasure`).
    pub fn is_internal(self) -> bool {
        matches!(self, Import | Erasure)
    }

    /// Events that happen to subjects: they need `subject` or `subjects`.
    pub fn has_subjects(self) -> bool {
        matches!(
            self,
            Custody | Contact | Notice | Acknowledgment | Allegation | Assessment | Condition | CourtFinding
        )
    }

    /// Types that need not cite a source: sources themselves, orgs and places.
    pub fn needs_sources(self) -> bool {
        !matches!(self, Source | Org | Place | Import | Erasure)
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for &t in RecordType::ALL {
            assert_eq!(RecordType::parse(t.name()), Some(t));
        }
        assert_eq!(RecordType::ALL.len(), 31);
        assert_eq!(RecordType::parse("Person"), None);
    }
}
