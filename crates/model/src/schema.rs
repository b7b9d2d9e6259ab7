//! The fields of every record type, as records.md lists them: one table, read by the validator.
//!
//! Each [`Field`] has a name, a [`Kind`] (what its value must be) and whether it is required. The
//! tables mirror the spec's tables line by line, so checking one against the other is a matter of
//! reading them side by side. Rules that a table cannot say (one of `subject`/`subjects`; `at`
//! optional on custody when a `flight` gives it) live in `validate.rs`.

use crate::record_type::RecordType::{self, *};

/// What a field's value must be.
#[derive(Debug)]
pub enum Kind {
    /// A non-empty string.
    Text,
    /// One of these strings.
    Enum(&'static [&'static str]),
    /// The id of a record of one of these types (any type when empty).
    Ref(&'static [RecordType]),
    /// An instant with offset, a date, or `{"earliest", "latest"}` (time.rs).
    Time,
    /// A calendar date without zone, or a window of them (`person.born`).
    CalendarDate,
    /// A non-negative integer.
    Count,
    /// A decimal as a string: `-?[0-9]+(\.[0-9]+)?`.
    Decimal,
    /// ISO 3166-1 alpha-2, upper case.
    Country,
    /// ISO 4217, three upper-case letters.
    Currency,
    /// A BCP 47 language tag.
    Language,
    /// An IANA time-zone name known to the bundled database.
    Zone,
    /// 64 hex digits.
    Sha256,
    /// An `http://` or `https://` address.
    Url,
    /// A non-empty list of this kind.
    List(&'static Kind),
    /// An object with these fields; other members are kept and warned about.
    Object(&'static [Field]),
    /// The first of these kinds whose JSON shape (string, number, list, object) fits the value.
    OneOf(&'static [Kind]),
    /// `{"at": T, "prohibits": [...], "terms": "..."}` or a plain time (`order.oral`, `order.written`).
    Pronouncement,
}

/// A field of a record or of a nested object.
#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
}

const fn req(name: &'static str, kind: Kind) -> Field {
    Field { name, kind, required: true }
}

const fn opt(name: &'static str, kind: Kind) -> Field {
    Field { name, kind, required: false }
}

// Enumerations, in the spec's order.
pub const SOURCE_KINDS: &[&str] = &[
    "court_record",
    "government",
    "news",
    "ngo",
    "testimony",
    "foia",
    "flight_tracking",
    "academic",
    "other",
];
pub const CONFIDENCE: &[&str] = &["high", "medium", "low", "unverified"];
pub const SENSITIVITY: &[&str] = &["normal", "restricted", "sealed"];
pub const NAME_KINDS: &[&str] = &["birth", "alias", "reported", "transliteration"];
pub const SEX: &[&str] = &["female", "male", "other", "unknown"];
pub const ID_SCHEMES: &[&str] = &["a_number", "passport", "national_id", "prison_id", "other"];
pub const STATUSES: &[&str] =
    &["citizen", "permanent_resident", "visa", "asylum_seeker", "refugee", "undocumented", "other"];
pub const RELATION_KINDS: &[&str] = &["parent", "child", "spouse", "sibling", "partner", "other"];
pub const ORG_KINDS: &[&str] =
    &["agency", "court", "government", "company", "law_firm", "ngo", "international", "armed_group", "other"];
pub const PLACE_KINDS: &[&str] =
    &["facility", "airport", "city", "region", "country", "border_crossing", "other"];
pub const VISITS: &[&str] = &["allowed", "restricted", "denied"];
pub const RISK_KINDS: &[&str] = &["torture", "deaths_in_custody", "incommunicado", "overcrowding", "other"];
pub const INSTRUMENT_KINDS: &[&str] =
    &["statute", "proclamation", "executive_order", "designation", "regulation", "treaty", "other"];
pub const ORDER_KINDS: &[&str] = &[
    "tro",
    "preliminary_injunction",
    "injunction",
    "stay_of_removal",
    "withholding_of_removal",
    "cat_protection",
    "release",
    "return",
    "facilitate_return",
    "administrative_stay",
    "other",
];
pub const ACTS: &[&str] =
    &["depart_territory", "transfer_custody_foreign", "continue_in_flight", "transfer_facility", "remove"];
pub const REQUIRED_ACTS: &[&str] = &["return", "facilitate_return", "release", "notify", "produce", "report"];
pub const PETITION_KINDS: &[&str] = &["habeas", "tro_motion", "stay_motion", "complaint", "appeal", "other"];
pub const AGREEMENT_KINDS: &[&str] = &["detention", "removal", "exchange", "other"];
pub const CUSTODY_EVENTS: &[&str] = &[
    "apprehended",
    "booked_in",
    "transferred",
    "departed",
    "arrived",
    "handed_over",
    "released",
    "returned",
    "escaped",
    "died",
];
pub const CONTACT_KINDS: &[&str] = &["counsel", "family", "consular", "icrc", "court", "medical"];
pub const CONTACT_OUTCOMES: &[&str] = &["granted", "denied", "requested"];
pub const NOTICE_CONTENT: &[&str] = &["right_to_contest", "how_to_contest", "deadline"];
pub const ACK_STATUSES: &[&str] = &["acknowledged", "denied", "list_published", "no_information"];
pub const CLAIMS: &[&str] = &["membership", "criminal_conduct", "threat", "other"];
pub const EVIDENCE_KINDS: &[&str] = &[
    "tattoo",
    "clothing",
    "insignia",
    "hand_signs",
    "location",
    "association",
    "social_media",
    "police_report",
    "charge",
    "conviction",
    "testimony",
    "document",
    "other",
];
pub const ASSESSMENT_KINDS: &[&str] = &["risk", "credible_fear", "age", "other"];
pub const ASSESSMENT_OUTCOMES: &[&str] = &["no_risk_found", "risk_found", "not_done", "other"];
pub const CONDITION_KINDS: &[&str] = &["solitary", "medical_isolation", "hunger_strike", "other"];
pub const FACTS: &[&str] =
    &["no_notice", "no_legal_basis", "constructive_custody", "incommunicado", "wrongful_removal", "other"];
pub const RULING_EFFECTS: &[&str] = &["extended", "stayed", "unstayed", "vacated", "affirmed", "modified"];
pub const DECISION_OUTCOMES: &[&str] = &["granted", "denied", "dismissed", "withdrawn"];
pub const POPULATION_KINDS: &[&str] = &["daily", "midnight", "peak"];

// Reusable kinds.
const TEXT_LIST: Kind = Kind::List(&Kind::Text);
const COUNTRIES: Kind = Kind::List(&Kind::Country);
const LANGUAGES: Kind = Kind::List(&Kind::Language);
const SOURCES: Kind = Kind::List(&Kind::Ref(&[Source]));
const ORG: Kind = Kind::Ref(&[Org]);
const PLACE: Kind = Kind::Ref(&[Place]);
const PERSONS: Kind = Kind::List(&Kind::Ref(&[Person]));
const COHORTS: Kind = Kind::List(&Kind::Ref(&[Cohort]));
const SUBJECT: Kind = Kind::Ref(&[Person, Cohort]);
const SUBJECTS: Kind = Kind::List(&SUBJECT);
const AUTHORITY: Kind = Kind::Ref(&[Instrument, Order]);
const AUTHORITIES: Kind = Kind::OneOf(&[AUTHORITY, Kind::List(&AUTHORITY)]);
const ACT_LIST: Kind = Kind::List(&Kind::Enum(ACTS));

const NAME: &[Field] = &[
    req("full", Kind::Text),
    opt("given", Kind::Text),
    opt("family", TEXT_LIST),
    opt("kind", Kind::Enum(NAME_KINDS)),
];
const IDENTIFIER: &[Field] =
    &[req("scheme", Kind::Enum(ID_SCHEMES)), req("value", Kind::Text), opt("issuer", Kind::Country)];
const STATUS: &[Field] = &[
    req("status", Kind::Enum(STATUSES)),
    opt("country", Kind::Country),
    opt("from", Kind::Time),
    opt("until", Kind::Time),
];
const CAPACITY_STEP: &[Field] =
    &[req("count", Kind::Count), opt("from", Kind::Time), opt("until", Kind::Time), opt("sources", SOURCES)];
const CODES: &[Field] = &[opt("detloc", Kind::Text), opt("iata", Kind::Text), opt("icao", Kind::Text)];
const RISK: &[Field] = &[req("kind", Kind::Enum(RISK_KINDS)), opt("sources", SOURCES)];
const APPLIES_TO: &[Field] = &[
    opt("nationality", COUNTRIES),
    opt("min_age", Kind::Count),
    opt("excludes", Kind::List(&Kind::Enum(STATUSES))),
];
const CLASS: &[Field] = &[
    opt("basis", AUTHORITY),
    opt("custodian", ORG),
    opt("in_country", Kind::Country),
    opt("nationality", COUNTRIES),
];
const SCOPE: &[Field] =
    &[opt("persons", PERSONS), opt("cohorts", COHORTS), opt("class", Kind::Object(CLASS))];
const REQUIREMENT: &[Field] = &[req("act", Kind::Enum(REQUIRED_ACTS)), opt("by", Kind::Time)];
/// The object form of `order.oral` / `order.written`, where spoken and written orders differed.
pub const PRONOUNCEMENT: &[Field] =
    &[req("at", Kind::Time), opt("prohibits", ACT_LIST), opt("terms", Kind::Text)];
const BENEFICIARIES: &[Field] = &[
    opt("persons", PERSONS),
    opt("cohorts", COHORTS),
    opt("represented", Kind::Count),
    opt("count", Kind::Count),
];
const LEG: &[Field] =
    &[req("from", PLACE), req("to", PLACE), opt("departed", Kind::Time), opt("arrived", Kind::Time)];
const CHARGE: &[Field] = &[opt("code", Kind::Text), req("description", Kind::Text), opt("date", Kind::Time)];
const EVIDENCE: &[Field] =
    &[req("kind", Kind::Enum(EVIDENCE_KINDS)), opt("detail", Kind::Text), opt("sources", SOURCES)];
const FILE: &[Field] = &[req("name", Kind::Text), req("sha256", Kind::Sha256)];

/// Fields any record may carry (records.md, "Fields every record may carry"), plus `id`, `type`,
/// `personal` (fields to commit in the log) and `format` (the record-format version, 1).
pub const COMMON: &[Field] = &[
    opt("id", Kind::Text),
    req("type", Kind::Text),
    opt("sources", SOURCES),
    opt("confidence", Kind::Enum(CONFIDENCE)),
    opt("asserted_by", ORG),
    opt("sensitivity", Kind::Enum(SENSITIVITY)),
    opt("note", Kind::Text),
    opt("tz", Kind::Zone),
    opt("personal", TEXT_LIST),
    opt("format", Kind::Count),
];

/// The fields of one record type, beyond [`COMMON`]. A field listed here and in `COMMON`
/// (`place.tz`) takes this definition.
pub fn fields(t: RecordType) -> &'static [Field] {
    match t {
        Source => {
            const {
                &[
                    req("kind", Kind::Enum(SOURCE_KINDS)),
                    req("title", Kind::Text),
                    opt("url", Kind::Url),
                    opt("published", Kind::Time),
                    opt("retrieved", Kind::Time),
                    opt("sha256", Kind::Sha256),
                    opt("language", Kind::Language),
                    opt("visibility", Kind::Enum(&["public", "restricted"])),
                ]
            }
        }
        Person => {
            const {
                &[
                    opt("names", Kind::List(&Kind::Object(NAME))),
                    opt("name", Kind::Text),
                    opt("label", Kind::Text),
                    opt("born", Kind::CalendarDate),
                    opt("sex", Kind::Enum(SEX)),
                    opt("nationality", COUNTRIES),
                    opt("languages", LANGUAGES),
                    opt("identifiers", Kind::List(&Kind::Object(IDENTIFIER))),
                    opt("status", Kind::List(&Kind::Object(STATUS))),
                ]
            }
        }
        Cohort => {
            const {
                &[
                    req("description", Kind::Text),
                    req("count", Kind::Count),
                    opt("nationality", COUNTRIES),
                    opt("languages", LANGUAGES),
                    opt("basis", Kind::Ref(&[Instrument])),
                    opt("members", PERSONS),
                    opt("part_of", COHORTS),
                ]
            }
        }
        Relation => {
            const {
                &[
                    req("person", Kind::Ref(&[Person])),
                    req("relative", Kind::Ref(&[Person])),
                    req("kind", Kind::Enum(RELATION_KINDS)),
                ]
            }
        }
        Org => {
            const {
                &[
                    req("name", Kind::Text),
                    req("kind", Kind::Enum(ORG_KINDS)),
                    opt("country", Kind::Country),
                    opt("parent", ORG),
                ]
            }
        }
        Place => {
            const {
                &[
                    req("name", Kind::Text),
                    req("kind", Kind::Enum(PLACE_KINDS)),
                    req("country", Kind::Country),
                    req("tz", Kind::Zone),
                    opt("capacity", Kind::OneOf(&[Kind::Count, Kind::List(&Kind::Object(CAPACITY_STEP))])),
                    opt("operator", ORG),
                    opt("visits", Kind::Enum(VISITS)),
                    opt("codes", Kind::Object(CODES)),
                    opt("aliases", TEXT_LIST),
                    opt("within", PLACE),
                    opt("risks", Kind::List(&Kind::Object(RISK))),
                ]
            }
        }
        Instrument => {
            const {
                &[
                    req("kind", Kind::Enum(INSTRUMENT_KINDS)),
                    req("title", Kind::Text),
                    opt("country", Kind::Country),
                    opt("issued", Kind::Time),
                    opt("published", Kind::Time),
                    opt("notice_hours", Kind::Count),
                    opt("applies_to", Kind::Object(APPLIES_TO)),
                ]
            }
        }
        Case => {
            const {
                &[
                    req("court", ORG),
                    req("docket", Kind::Text),
                    opt("caption", Kind::Text),
                    opt("filed", Kind::Time),
                ]
            }
        }
        Order => {
            const {
                &[
                    req("court", ORG),
                    req("kind", Kind::Enum(ORDER_KINDS)),
                    req("issued", Kind::Time),
                    opt("case", Kind::Ref(&[Case])),
                    opt("oral", Kind::Pronouncement),
                    opt("written", Kind::Pronouncement),
                    opt("until", Kind::Time),
                    req("scope", Kind::Object(SCOPE)),
                    opt("prohibits", ACT_LIST),
                    opt("requires", Kind::List(&Kind::Object(REQUIREMENT))),
                    opt("countries", COUNTRIES),
                    opt("notice_hours", Kind::Count),
                    opt("terms", Kind::Text),
                ]
            }
        }
        Petition => {
            const {
                &[
                    req("kind", Kind::Enum(PETITION_KINDS)),
                    req("court", ORG),
                    req("filed", Kind::Time),
                    opt("case", Kind::Ref(&[Case])),
                    opt("petitioners", Kind::List(&Kind::Ref(&[Person, Org]))),
                    opt("petitioner_names", Kind::OneOf(&[Kind::Text, TEXT_LIST])),
                    opt("beneficiaries", Kind::Object(BENEFICIARIES)),
                    opt("respondents", Kind::List(&ORG)),
                    opt("relief", TEXT_LIST),
                ]
            }
        }
        Flight => {
            const {
                &[
                    opt("carrier", ORG),
                    opt("number", Kind::Text),
                    opt("callsign", Kind::Text),
                    opt("tail", Kind::Text),
                    req("legs", Kind::List(&Kind::Object(LEG))),
                ]
            }
        }
        Agreement => {
            const {
                &[
                    req("kind", Kind::Enum(AGREEMENT_KINDS)),
                    req("parties", Kind::List(&ORG)),
                    opt("requested_by", ORG),
                    opt("paid_by", ORG),
                    opt("signed", Kind::Time),
                    opt("until", Kind::Time),
                    opt("amount", Kind::Decimal),
                    opt("currency", Kind::Currency),
                    opt("persons", Kind::Count),
                    opt("subjects", SUBJECTS),
                    opt("places", Kind::List(&PLACE)),
                ]
            }
        }
        Custody => {
            const {
                &[
                    opt("subject", SUBJECT),
                    opt("subjects", SUBJECTS),
                    req("event", Kind::Enum(CUSTODY_EVENTS)),
                    opt("at", Kind::Time),
                    opt("place", PLACE),
                    opt("to", PLACE),
                    opt("custodian", ORG),
                    opt("authority", ORG),
                    opt("basis", AUTHORITIES),
                    opt("flight", Kind::Ref(&[Flight])),
                    opt("count", Kind::Count),
                    opt("charges", Kind::List(&Kind::Object(CHARGE))),
                ]
            }
        }
        Contact => {
            const {
                &[
                    opt("subject", SUBJECT),
                    opt("subjects", SUBJECTS),
                    req("kind", Kind::Enum(CONTACT_KINDS)),
                    req("at", Kind::Time),
                    req("outcome", Kind::Enum(CONTACT_OUTCOMES)),
                    opt("place", PLACE),
                    opt("count", Kind::Count),
                ]
            }
        }
        Notice => {
            const {
                &[
                    opt("subject", SUBJECT),
                    opt("subjects", SUBJECTS),
                    req("served", Kind::Time),
                    opt("basis", AUTHORITIES),
                    opt("language", Kind::Language),
                    opt("content", Kind::List(&Kind::Enum(NOTICE_CONTENT))),
                    opt("count", Kind::Count),
                ]
            }
        }
        Acknowledgment => {
            const {
                &[
                    opt("subject", SUBJECT),
                    opt("subjects", SUBJECTS),
                    req("by", ORG),
                    req("at", Kind::Time),
                    req("status", Kind::Enum(ACK_STATUSES)),
                ]
            }
        }
        Allegation => {
            const {
                &[
                    opt("subject", SUBJECT),
                    opt("subjects", SUBJECTS),
                    req("claim", Kind::Enum(CLAIMS)),
                    req("by", ORG),
                    opt("group", ORG),
                    opt("at", Kind::Time),
                    req("evidence", Kind::List(&Kind::Object(EVIDENCE))),
                ]
            }
        }
        Rebuttal => {
            const {
                &[
                    req("allegation", Kind::Ref(&[Allegation])),
                    req("by", Kind::Ref(&[Org, Person])),
                    opt("at", Kind::Time),
                    req("evidence", Kind::List(&Kind::Object(EVIDENCE))),
                ]
            }
        }
        Assessment => {
            const {
                &[
                    opt("subject", SUBJECT),
                    opt("subjects", SUBJECTS),
                    req("kind", Kind::Enum(ASSESSMENT_KINDS)),
                    req("at", Kind::Time),
                    req("outcome", Kind::Enum(ASSESSMENT_OUTCOMES)),
                    opt("by", ORG),
                ]
            }
        }
        Condition => {
            const {
                &[
                    opt("subject", SUBJECT),
                    opt("subjects", SUBJECTS),
                    req("kind", Kind::Enum(CONDITION_KINDS)),
                    req("from", Kind::Time),
                    opt("until", Kind::Time),
                    opt("place", PLACE),
                    opt("reason", Kind::Text),
                ]
            }
        }
        CourtFinding => {
            const {
                &[
                    opt("subject", SUBJECT),
                    opt("subjects", SUBJECTS),
                    req("court", ORG),
                    req("at", Kind::Time),
                    req("fact", Kind::Enum(FACTS)),
                    opt("case", Kind::Ref(&[Case])),
                    opt("terms", Kind::Text),
                    opt("from", Kind::Time),
                    opt("until", Kind::Time),
                ]
            }
        }
        Ruling => {
            const {
                &[
                    req("order", Kind::Ref(&[Order])),
                    req("at", Kind::Time),
                    req("effect", Kind::Enum(RULING_EFFECTS)),
                    opt("court", ORG),
                    opt("until", Kind::Time),
                    opt("prohibits", ACT_LIST),
                    opt("requires", Kind::List(&Kind::Object(REQUIREMENT))),
                    opt("scope", Kind::Object(SCOPE)),
                    opt("acts", ACT_LIST),
                ]
            }
        }
        Decision => {
            const {
                &[
                    req("petition", Kind::Ref(&[Petition])),
                    req("at", Kind::Time),
                    req("outcome", Kind::Enum(DECISION_OUTCOMES)),
                ]
            }
        }
        Compliance => {
            const {
                &[
                    req("order", Kind::Ref(&[Order])),
                    req("act", Kind::Enum(REQUIRED_ACTS)),
                    req("at", Kind::Time),
                ]
            }
        }
        Population => {
            const {
                &[
                    req("place", PLACE),
                    req("at", Kind::Time),
                    req("count", Kind::Count),
                    opt("kind", Kind::Enum(POPULATION_KINDS)),
                ]
            }
        }
        Payment => {
            const {
                &[
                    req("payer", ORG),
                    req("payee", ORG),
                    req("amount", Kind::Decimal),
                    req("currency", Kind::Currency),
                    req("at", Kind::Time),
                    opt("agreement", Kind::Ref(&[Agreement])),
                ]
            }
        }
        SameAs | Distinct => const { &[req("ids", PERSONS), opt("reason", Kind::Text)] },
        Retraction => const { &[req("target", Kind::Ref(&[])), req("reason", Kind::Text)] },
        Import => {
            const {
                &[
                    req("at", Kind::Time),
                    req("by", Kind::Text),
                    req("files", Kind::List(&Kind::Object(FILE))),
                    req("records", Kind::Count),
                ]
            }
        }
        Erasure => {
            const {
                &[
                    req("target", Kind::Ref(&[])),
                    req("at", Kind::Time),
                    req("by", Kind::Text),
                    req("reason", Kind::Text),
                    req("fields", TEXT_LIST),
                ]
            }
        }
    }
}

/// The definition of `name` for type `t`: its own table first, then [`COMMON`].
pub fn field(t: RecordType, name: &str) -> Option<&'static Field> {
    fields(t).iter().chain(COMMON.iter()).find(|f| f.name == name)
}

/// Fields that always hold personal data (records.md, "Personal data in the log"). For
/// `relation` it is every field but the record's identity and metadata.
pub fn personal_fields(t: RecordType) -> &'static [&'static str] {
    match t {
        Person => &["names", "born", "identifiers"],
        Relation => &["person", "relative", "kind", "note"],
        _ => &[],
    }
}

/// Every member name the record format defines anywhere (a record's field, a nested object's,
/// `earliest`/`latest` of a time window), sorted, each once; and each name's place in that list.
/// Lets a reader hold a million records' member names as small numbers, or as the schema's own
/// `'static` strings, without a copy of each.
pub struct KnownNames {
    pub names: Box<[&'static str]>,
    /// Each name's place, in the slot its [`NameKey`] picks or the next free one after it. Asked
    /// for every member of every record a check reads and for every member a rule reads (a few
    /// hundred million times at 7.8M records): a name of up to 16 bytes is compared as two words and
    /// its length, without hashing its bytes or comparing them one by one, where a general hash
    /// map (FxHash, then its probe, then `memcmp`) had been 4 to 5% of a check.
    slots: Box<[Slot]>,
    /// The longest name's length: a longer one is not a name of the format.
    longest: usize,
}

/// A name as its first and last eight bytes and its length. For a name of up to 16 bytes these
/// are all of its bytes, so equal keys are equal names; a longer name is compared whole.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct NameKey {
    head: u64,
    tail: u64,
    len: usize,
}

impl NameKey {
    fn of(name: &[u8]) -> NameKey {
        let word = |bytes: Option<&[u8; 8]>| bytes.map_or(0, |b| u64::from_le_bytes(*b));
        let half = |bytes: Option<&[u8; 4]>| bytes.map_or(0, |b| u64::from(u32::from_le_bytes(*b)));
        let (head, tail) = match name.len() {
            // Short names: their bytes, told apart by the length.
            0 => (0, 0),
            n @ 1..=3 => {
                let byte = |i: usize| u64::from(name[i]);
                (byte(0) | byte(n / 2) << 8 | byte(n - 1) << 16, 0)
            }
            4..=8 => (half(name.first_chunk()) | half(name.last_chunk()) << 32, 0),
            _ => (word(name.first_chunk()), word(name.last_chunk())),
        };
        NameKey { head, tail, len: name.len() }
    }

    /// The slot to look in first, in a table of `1 << bits` slots.
    fn slot(&self, bits: u32) -> usize {
        let mixed =
            (self.head ^ self.tail.rotate_left(29) ^ self.len as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (mixed >> (64 - bits)) as usize
    }
}

/// A slot of [`KnownNames`]' table: a name's key and place; a length of 0 for a free slot (no
/// name of the format is empty).
#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    key: NameKey,
    place: u16,
}

impl KnownNames {
    /// Names and their places, in a table a third full at most.
    fn of(names: Box<[&'static str]>) -> KnownNames {
        let bits = (names.len() * 3).next_power_of_two().max(2).trailing_zeros();
        let mut slots = vec![Slot::default(); 1 << bits].into_boxed_slice();
        let mask = slots.len() - 1;
        for (place, name) in names.iter().enumerate() {
            let key = NameKey::of(name.as_bytes());
            let mut at = key.slot(bits);
            while slots[at].key.len != 0 {
                at = (at + 1) & mask;
            }
            // A few hundred names: a place always fits in 16 bits.
            slots[at] = Slot { key, place: u16::try_from(place).unwrap_or(u16::MAX) };
        }
        let longest = names.iter().map(|n| n.len()).max().unwrap_or(0);
        KnownNames { names, slots, longest }
    }

    /// The place of `name` in [`KnownNames::names`]; `None` for a name the format does not define.
    pub fn place(&self, name: &str) -> Option<u16> {
        if name.len() > self.longest {
            return None;
        }
        let key = NameKey::of(name.as_bytes());
        let mask = self.slots.len() - 1;
        let mut at = key.slot(self.slots.len().trailing_zeros());
        loop {
            let slot = &self.slots[at];
            if slot.key.len == 0 {
                return None;
            }
            if slot.key == key && (name.len() <= 16 || self.names.get(usize::from(slot.place)) == Some(&name))
            {
                return Some(slot.place);
            }
            at = (at + 1) & mask;
        }
    }
}

/// The names the record format defines ([`KnownNames`]), gathered once.
pub fn known_names() -> &'static KnownNames {
    static NAMES: std::sync::OnceLock<KnownNames> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        fn gather(fields: &'static [Field], names: &mut Vec<&'static str>) {
            for field in fields {
                names.push(field.name);
                gather_kind(&field.kind, names);
            }
        }
        fn gather_kind(kind: &'static Kind, names: &mut Vec<&'static str>) {
            match kind {
                Kind::List(inner) => gather_kind(inner, names),
                Kind::Object(fields) => gather(fields, names),
                Kind::OneOf(kinds) => kinds.iter().for_each(|k| gather_kind(k, names)),
                Kind::Pronouncement => gather(PRONOUNCEMENT, names),
                _ => {}
            }
        }
        let mut names: Vec<&'static str> = vec!["earliest", "latest"];
        gather(COMMON, &mut names);
        for &t in RecordType::ALL {
            gather(fields(t), &mut names);
        }
        names.sort_unstable();
        names.dedup();
        KnownNames::of(names.into_boxed_slice())
    })
}

/// The name of a member that the record format defines anywhere, as the schema's own `'static`
/// string; `None` for a member it does not know.
pub fn known_name(name: &str) -> Option<&'static str> {
    let known = known_names();
    known.place(name).map(|at| known.names[usize::from(at)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_the_format_defines_is_known_and_nothing_else() {
        // Top level, common, nested objects, lists of objects, the object form of an order's
        // pronouncement and a time window's members.
        for name in
            ["subject", "id", "sources", "legs", "departed", "class", "nationality", "prohibits", "latest"]
        {
            assert_eq!(known_name(name), Some(name), "{name}");
        }
        assert_eq!(known_name("not_a_field"), None);
        let known = known_names();
        assert!(known.names.is_sorted_by(|a, b| a < b), "sorted, each once");
        for (at, name) in known.names.iter().enumerate() {
            assert_eq!(known.place(name).map(usize::from), Some(at), "{name}");
        }
        assert_eq!(known_name(""), None);
    }

    /// Every name, and every name a byte away from one: the table's answer against a search
    /// of the sorted names.
    fn names_near(names: &[&str]) -> Vec<Vec<u8>> {
        let mut near: Vec<Vec<u8>> = vec![Vec::new(), vec![0], "ñ".into(), "x".repeat(40).into()];
        for name in names {
            let bytes = name.as_bytes();
            near.push(bytes.to_vec());
            for i in 0..=bytes.len() {
                for byte in [b'a', b'z', b'_', 0, 0xff] {
                    let mut changed = bytes.to_vec();
                    if i < bytes.len() {
                        changed[i] = byte;
                        near.push(changed.clone());
                        changed.remove(i);
                        near.push(changed);
                    } else {
                        changed.push(byte);
                        near.push(changed);
                    }
                }
            }
        }
        near
    }

    fn check_table(names: Vec<&'static str>) {
        let known = KnownNames::of(names.clone().into_boxed_slice());
        for text in names_near(&names) {
            let Ok(text) = String::from_utf8(text) else { continue };
            let expected = names.binary_search(&text.as_str()).ok().map(|at| u16::try_from(at).unwrap());
            assert_eq!(known.place(&text), expected, "{text:?}");
        }
    }

    #[test]
    fn a_name_is_found_in_the_table_exactly_and_nothing_near_it_is() {
        check_table(known_names().names.to_vec());
        // Names that share their first and last eight bytes, or are longer than sixteen: the
        // table compares those whole.
        let mut long = vec![
            "a",
            "ab",
            "abc",
            "abcd",
            "abcdefgh",
            "abcdefghi",
            "abcdefgh_abcdefgh",
            "abcdefgh__abcdefgh",
            "abcdefghXabcdefgh",
            "abcdefghYabcdefgh",
            "abcdefghijklmnop",
            "abcdefghijklmnopq",
        ];
        long.sort_unstable();
        check_table(long);
    }
}
