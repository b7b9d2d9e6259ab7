//! Names and searches as people really type them, and then some: accents composed and not,
//! letters whose case changes their length (ß, İ), ligatures, full-width letters, emoji,
//! invisible joiners, right-to-left marks, commas and hyphens anywhere, identifiers and dates
//! half written. Built from a seeded generator, so a failure happens again on every run.
//!
//! Whatever is indexed and whatever is asked, the index, the place index and dedupe do not
//! panic, and keep their promises: scores in [0, 1], best first, no more than asked for, and a
//! person's own name finds that person.

use habeas_names::dedupe::{Options, dedupe};
use habeas_names::places::{Place, PlaceIndex};
use habeas_names::{NameIndex, NameTokens, Person, Query};

const PIECES: &[&str] = &[
    "José",
    "Jose\u{301}",
    "MARÍA",
    "maria",
    "de",
    "la",
    "del",
    "Y",
    "Peña",
    "Pen\u{303}a",
    "Ñ",
    "ß",
    "STRASSE",
    "İlker",
    "ı",
    "ﬁ",
    "Ｊｏｓｅ",
    "😀",
    "\u{200D}",
    "\u{200F}",
    "\u{FEFF}",
    "-",
    "'",
    ",",
    ", ",
    "  ",
    ".",
    "Mc",
    "O'Neil",
    "Guillermo",
    "Chucho",
    "Pepe",
    "Lupe",
    "Rodríguez",
    "Rodrigues",
    "Vásquez",
    "Vasquez",
    "Hernández",
    "Xochitl",
    "Ü",
    "ü",
    "Ǆ",
    "ǅ",
    "ǆ",
    "ﬀ",
    "Å",
    "A\u{30A}",
    "\u{0}",
    "\t",
    "A054808046",
    "A-054-808-046",
    "1990",
    "1990-05-01",
    "١٢٣",
    "김",
    "Ωμέγα",
    "a",
    "",
];

#[path = "../../model/tests/mutate/dice.rs"]
mod dice;

use dice::Dice;

/// A few pieces of awkward text, joined with or without spaces.
fn text(dice: &mut Dice) -> String {
    let mut out = String::new();
    for _ in 0..=dice.below(5) {
        out.push_str(PIECES[dice.below(PIECES.len())]);
        if dice.below(3) != 0 {
            out.push(' ');
        }
    }
    out
}

const PERSONS: usize = 600;
const SEARCHES: usize = 3_000;

#[test]
fn any_text_indexed_or_asked_keeps_the_promises() {
    let mut dice = Dice::seeded(0x004D_4152_4143_4159);
    let fulls: Vec<String> = (0..PERSONS).map(|_| text(&mut dice)).collect();
    let persons: Vec<Person> = fulls
        .iter()
        .enumerate()
        .map(|(i, full)| Person {
            id: format!("p-{i}"),
            names: [NameTokens::parse(full)]
                .into_iter()
                .chain((0..dice.below(2)).map(|_| NameTokens::parse(&text(&mut dice))))
                .collect(),
            born: (dice.below(2) == 0).then(|| PIECES[dice.below(PIECES.len())].to_string()),
            nationality: vec![["VE", "SV", "", "ve", "VEN"][dice.below(5)].to_string()],
            identifiers: (0..dice.below(2)).map(|_| text(&mut dice)).collect(),
        })
        .collect();
    let mut index = NameIndex::new();
    for person in &persons {
        index.add(person.clone());
    }
    index.prepare();

    for _ in 0..SEARCHES {
        let limit = dice.below(12);
        let query = Query {
            text: text(&mut dice),
            born: (dice.below(3) == 0).then(|| text(&mut dice)),
            nationality: (dice.below(3) == 0).then(|| text(&mut dice)),
            limit,
        };
        let found = index.search(&query);
        assert!(limit == 0 || found.len() <= limit, "{query:?}: {} found", found.len());
        for pair in found.windows(2) {
            assert!(pair[0].score >= pair[1].score, "{query:?}: not best first");
        }
        for candidate in &found {
            assert!((0.0..=1.0).contains(&candidate.score), "{query:?}: score {}", candidate.score);
            assert!((candidate.person as usize) < index.len());
        }
    }

    // A person's name, as indexed, finds that person among the best (unless no word of it has a
    // key of two letters or more, such as a name of punctuation alone, or "ß"; words with digits
    // are read as identifiers).
    for (i, (person, full)) in persons.iter().zip(&fulls).enumerate().take(100) {
        if !NameTokens::parse(full).tokens.iter().any(|t| t.key.chars().count() > 1)
            || full.chars().any(char::is_numeric)
        {
            continue;
        }
        let found = index.search(&Query { text: full.clone(), limit: 50, ..Query::default() });
        assert!(found.iter().any(|c| c.person as usize == i), "{full:?} does not find {}", person.id);
    }

    let pairs = dedupe(&persons, Options::default());
    for pair in &pairs {
        assert!((0.0..=1.0).contains(&pair.score) && pair.a != pair.b, "{pair:?}");
    }

    let mut places = PlaceIndex::new();
    for i in 0..200 {
        let place =
            Place::new(&format!("pl-{i}"), &text(&mut dice)).alias(&text(&mut dice)).code(&text(&mut dice));
        places.add(place.within([text(&mut dice).as_str()]));
    }
    for _ in 0..SEARCHES {
        let limit = dice.below(8) + 1;
        let text = text(&mut dice);
        let found = places.search(&text, limit);
        assert!(found.len() <= limit);
        for hit in &found {
            assert!((0.0..=1.0).contains(&hit.score), "{text:?}: score {}", hit.score);
        }
    }
}
