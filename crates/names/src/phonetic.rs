//! A phonetic key for names as Spanish speakers write them.
//!
//! Spelling in Spanish follows sound closely, except where letters sound alike: **b/v**,
//! **s/z/c** (before e, i), **ll/y**, **g/j** (before e, i), **c/qu/k** (the k sound), the silent
//! **h**, and doubled letters. [`key`] maps each word to a spelling in which those are one: "Vásquez"
//! and "Basques", "Yánez" and "Llanes", "Jiménez" and "Gimenes", "Hernández" and "Ernandes" get the
//! same key. It works on folded words (see `normalize.rs`).

/// The phonetic key of one folded word.
pub fn key(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(chars.len());
    let mut i = 0;
    let front = |c: Option<&char>| matches!(c, Some('e' | 'i' | 'y'));
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1);
        let mapped: Option<char> = match c {
            'h' => None, // silent (ch is handled at c)
            'v' | 'b' | 'w' => Some('b'),
            'z' | 's' => Some('s'),
            'c' if next == Some(&'h') => {
                i += 1;
                Some('x') // ch
            }
            'c' if front(next) => Some('s'),
            'c' | 'k' | 'q' => Some('k'),
            'g' if front(next) => Some('j'),
            'j' => Some('j'),
            'l' if next == Some(&'l') => {
                i += 1;
                Some('y')
            }
            'y' if chars.get(i + 1).is_none() && i > 0 => Some('i'), // final y sounds as i
            'u' if i > 0 && matches!(chars[i - 1], 'q' | 'g') && front(next) => None, // que, gui
            'x' => Some('s'),
            other => Some(other),
        };
        if let Some(m) = mapped
            && !out.ends_with(m)
        {
            out.push(m);
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::fold;

    fn same(a: &str, b: &str) {
        assert_eq!(key(&fold(a)), key(&fold(b)), "{a} / {b}");
    }

    #[test]
    fn spanish_spellings_that_sound_alike() {
        same("Vásquez", "Basques");
        same("Vázquez", "Vasques");
        same("Yánez", "Llanes");
        same("Jiménez", "Gimenes");
        same("Hernández", "Ernandes");
        same("Quintero", "Kintero");
        same("Cecilia", "Sesilia");
        same("Guillermo", "Guiyermo");
        same("Carrillo", "Cariyo");
        same("Rey", "Rei");
        assert_ne!(key("garcia"), key("garza"));
        assert_ne!(key("gomez"), key("lopez"));
    }
}
