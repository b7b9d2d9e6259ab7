//! Folding names for comparison, keeping the original for display.
//!
//! "José  PÉREZ-García" and "jose perez garcia" are the same name to a searching relative:
//! [`fold`] decomposes (NFKD, so that a ligature or a full-width letter from a phone's keyboard
//! is the letters it stands for), drops the accents, lowercases, writes `ß` as `ss`, turns
//! punctuation into spaces and collapses spacing. `ñ` becomes `n`: people who cannot type it
//! write `n`, and a search must forgive them.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The folded form: no accents, lower case, words separated by single spaces.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = true;
    for c in text.nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        if c.is_alphanumeric() {
            for lower in c.to_lowercase() {
                match lower {
                    'ß' => out.push_str("ss"),
                    _ => out.push(lower),
                }
            }
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// The folded words of a name.
pub fn words(text: &str) -> Vec<String> {
    fold(text).split(' ').filter(|w| !w.is_empty()).map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_accents_punctuation_and_spacing() {
        assert_eq!(fold("  José  PÉREZ-García "), "jose perez garcia");
        assert_eq!(fold("NÚÑEZ, María José"), "nunez maria jose");
        assert_eq!(fold("O'Brien"), "o brien");
        assert_eq!(fold("Jose\u{301}"), "jose", "a decomposed accent folds the same");
        assert_eq!(words("de la Cruz"), vec!["de", "la", "cruz"]);
        assert_eq!(fold("ＪＯＳÉ Ｐｅｒｅｚ"), "jose perez", "full-width letters");
        assert_eq!(fold("Daﬁna Strauß"), "dafina strauss", "a ligature; the sharp s");
        assert_eq!(fold("STRAUSS"), fold("Strauß"));
    }
}
