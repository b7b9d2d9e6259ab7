//! Labelled variants of a name, as relatives and officials write it: for testing and measuring
//! the locator on known truth.
//!
//! Given a person's given names and two surnames, [`variants`] writes the name exactly, without
//! accents, with one surname, surnames first in capitals, with an initial, with one word
//! misspelled, and with a nickname (when the first given name has one). Randomness comes from the
//! caller (`pick(n)` returns a number below `n`), so results are reproducible from a seed.

use crate::nicknames::NICKNAMES;
use crate::normalize::fold;

/// One random edit in a word: a letter changed, dropped, added, or two neighbours swapped.
pub fn misspell(word: &str, pick: &mut dyn FnMut(usize) -> usize) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    if chars.len() < 2 {
        return word.to_string();
    }
    let letters: Vec<char> = "abcdefghijklmnopqrstuvwxyz".chars().collect();
    let at = 1 + pick(chars.len() - 1); // keep the first letter, as people do
    let at = at.min(chars.len() - 1);
    match pick(4) {
        0 => chars[at] = letters[pick(letters.len())],
        1 => {
            chars.remove(at);
        }
        2 => chars.insert(at, letters[pick(letters.len())]),
        _ if at + 1 < chars.len() => chars.swap(at, at + 1),
        _ => chars.swap(at - 1, at),
    }
    chars.into_iter().collect()
}

/// The nickname of a given name, if the table has one for it.
pub fn nickname_of(given: &str) -> Option<&'static str> {
    let folded = fold(given);
    NICKNAMES.iter().find(|(_, names)| names.first() == Some(&folded.as_str())).map(|(nick, _)| *nick)
}

/// `(kind, text)` for each way of writing the name.
pub fn variants(
    given: &[String],
    family: &[String; 2],
    pick: &mut dyn FnMut(usize) -> usize,
) -> Vec<(&'static str, String)> {
    let full = format!("{} {} {}", given.join(" "), family[0], family[1]);
    let mut out = vec![
        ("exact", full.clone()),
        ("no accents", fold(&full)),
        ("one surname", format!("{} {}", given[0], family[pick(2)])),
        ("surnames first", format!("{} {}, {}", family[0], family[1], given.join(" ")).to_uppercase()),
        (
            "initials",
            format!("{}. {} {}", fold(&given[0]).chars().next().unwrap_or('x'), family[0], family[1]),
        ),
    ];
    let words: Vec<String> = given.iter().chain(family.iter()).cloned().collect();
    let target = match pick(3) {
        0 => 0,
        n => given.len() + n - 1,
    };
    let misspelled: Vec<String> = words
        .iter()
        .enumerate()
        .map(|(i, w)| if i == target && w.chars().count() > 3 { misspell(&fold(w), pick) } else { w.clone() })
        .collect();
    out.push(("misspelled", misspelled.join(" ")));
    if let Some(nick) = nickname_of(&given[0]) {
        out.push(("nickname", format!("{nick} {}", family[0])));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_of_a_name() {
        let mut n = 0;
        let mut pick = |bound: usize| {
            n += 1;
            n % bound
        };
        let given = vec!["José".to_string(), "Luis".to_string()];
        let family = ["Pérez".to_string(), "García".to_string()];
        let all = variants(&given, &family, &mut pick);
        let kinds: Vec<&str> = all.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            kinds,
            vec![
                "exact",
                "no accents",
                "one surname",
                "surnames first",
                "initials",
                "misspelled",
                "nickname"
            ]
        );
        assert_eq!(all[3].1, "PÉREZ GARCÍA, JOSÉ LUIS");
        assert_eq!(all[6].1, "pepe Pérez");
        assert_ne!(all[5].1, all[0].1);
    }
}
