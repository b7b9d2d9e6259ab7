//! The parts of a name as Spanish and Latin American names are written.
//!
//! One or two given names and two surnames ("José Luis Pérez García"), surnames with particles
//! ("María de los Ángeles de la Cruz"), either surname alone, and the order of official lists
//! ("PÉREZ GARCÍA, José Luis"). A [`NameTokens`] keeps the meaningful words of a name (particles
//! dropped), each with its phonetic key and whether it is a given name.

use crate::normalize::words;
use crate::phonetic;

/// Words that join surnames and do not identify anyone on their own.
pub const PARTICLES: &[&str] =
    &["de", "del", "la", "las", "los", "y", "e", "da", "das", "do", "dos", "van", "von"];

/// One meaningful word of a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// Folded.
    pub word: String,
    /// Phonetic key of the folded word.
    pub key: String,
    /// A given name (before the surnames), when the name's structure says so.
    pub given: bool,
}

/// The words of one name, ready to compare.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NameTokens {
    pub tokens: Vec<Token>,
}

impl NameTokens {
    /// Reads a full name. With a comma, what comes before is the surnames ("PÉREZ GARCÍA, José").
    /// Without one, the last two words (particles aside) are taken as surnames when there are at
    /// least three, the last one when there are two.
    pub fn parse(full: &str) -> NameTokens {
        let mut tokens = Vec::new();
        match full.split_once(',') {
            Some((family, given)) => {
                push_words(&mut tokens, given, true);
                push_words(&mut tokens, family, false);
            }
            None => {
                let all: Vec<String> = words(full);
                let meaningful: Vec<&String> =
                    all.iter().filter(|w| !PARTICLES.contains(&w.as_str())).collect();
                let surnames = match meaningful.len() {
                    0 | 1 => 0,
                    2 => 1,
                    _ => 2,
                };
                let first_surname = meaningful.len() - surnames;
                for (n, word) in meaningful.into_iter().enumerate() {
                    tokens.push(Token {
                        key: phonetic::key(word),
                        word: word.clone(),
                        given: n < first_surname,
                    });
                }
            }
        }
        NameTokens { tokens }
    }

    /// Reads structured parts: given names and the list of surnames.
    pub fn from_parts(given: &str, family: &[String]) -> NameTokens {
        let mut tokens = Vec::new();
        push_words(&mut tokens, given, true);
        for surname in family {
            push_words(&mut tokens, surname, false);
        }
        NameTokens { tokens }
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
}

fn push_words(tokens: &mut Vec<Token>, text: &str, given: bool) {
    for word in words(text) {
        if !PARTICLES.contains(&word.as_str()) {
            tokens.push(Token { key: phonetic::key(&word), word, given });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(n: &NameTokens) -> Vec<(&str, bool)> {
        n.tokens.iter().map(|t| (t.word.as_str(), t.given)).collect()
    }

    #[test]
    fn structures() {
        assert_eq!(
            parts(&NameTokens::parse("José Luis Pérez García")),
            vec![("jose", true), ("luis", true), ("perez", false), ("garcia", false)]
        );
        assert_eq!(
            parts(&NameTokens::parse("PÉREZ GARCÍA, José Luis")),
            parts(&NameTokens::parse("José Luis Pérez García"))
        );
        assert_eq!(
            parts(&NameTokens::parse("María de los Ángeles de la Cruz")),
            vec![("maria", true), ("angeles", false), ("cruz", false)]
        );
        assert_eq!(parts(&NameTokens::parse("Pérez")), vec![("perez", true)]);
        assert_eq!(
            parts(&NameTokens::from_parts("Ana", &["de la Cruz".into(), "Soto".into()])),
            vec![("ana", true), ("cruz", false), ("soto", false)]
        );
    }
}
