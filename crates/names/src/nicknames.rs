//! Hypocorisms: the names people are called by. A mother searching for "Chucho" means Jesús.
//!
//! The table maps folded nicknames to the folded given names they stand for (some stand for
//! several: Beto is Alberto, Roberto or Humberto). It is a flat list, easy to extend.

/// (nickname, given names it stands for), all folded.
pub const NICKNAMES: &[(&str, &[&str])] = &[
    ("pepe", &["jose"]),
    ("pepito", &["jose"]),
    ("cheo", &["jose"]),
    ("chepe", &["jose"]),
    ("chema", &["jose maria"]),
    ("chucho", &["jesus"]),
    ("chuy", &["jesus"]),
    ("chus", &["jesus"]),
    ("lupe", &["guadalupe"]),
    ("lupita", &["guadalupe"]),
    ("nacho", &["ignacio"]),
    ("paco", &["francisco"]),
    ("pancho", &["francisco"]),
    ("curro", &["francisco"]),
    ("kiko", &["francisco", "enrique"]),
    ("quique", &["enrique"]),
    ("kike", &["enrique"]),
    ("tono", &["antonio"]),
    ("tonio", &["antonio"]),
    ("lucho", &["luis"]),
    ("beto", &["alberto", "roberto", "humberto"]),
    ("tito", &["alberto", "roberto"]),
    ("memo", &["guillermo"]),
    ("lalo", &["eduardo"]),
    ("pepa", &["josefa"]),
    ("concha", &["concepcion"]),
    ("conchita", &["concepcion"]),
    ("chelo", &["consuelo", "marcelo"]),
    ("charo", &["rosario"]),
    ("chayo", &["rosario"]),
    ("lola", &["dolores"]),
    ("tere", &["teresa"]),
    ("rafa", &["rafael"]),
    ("fito", &["adolfo", "rodolfo"]),
    ("manolo", &["manuel"]),
    ("manu", &["manuel"]),
    ("chente", &["vicente"]),
    ("goyo", &["gregorio"]),
    ("nando", &["fernando"]),
    ("poncho", &["alfonso"]),
    ("javi", &["javier"]),
    ("alex", &["alejandro", "alexander"]),
    ("gaby", &["gabriela", "gabriel"]),
    ("mari", &["maria"]),
    ("maite", &["maria teresa"]),
    ("santi", &["santiago"]),
    ("dani", &["daniel", "daniela"]),
    ("neto", &["ernesto"]),
    ("checo", &["sergio"]),
    ("licha", &["alicia"]),
    ("lencho", &["lorenzo"]),
    ("chabela", &["isabel"]),
    ("moncho", &["ramon"]),
    ("pili", &["pilar"]),
    ("juancho", &["juan"]),
    ("juanca", &["juan carlos"]),
    ("andy", &["andres"]),
    ("migue", &["miguel"]),
    ("vale", &["valentina"]),
    ("cami", &["camila"]),
    ("sofi", &["sofia"]),
    ("isa", &["isabella", "isabel"]),
    ("fer", &["fernando", "fernanda"]),
    ("caro", &["carolina"]),
    ("mafe", &["maria fernanda"]),
    ("toni", &["antonio"]),
    ("yoli", &["yolanda"]),
    ("beatriz", &["beatriz"]),
];

/// The given names a folded word may stand for, if it is a known nickname.
pub fn expand(word: &str) -> &'static [&'static str] {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    static TABLE: OnceLock<HashMap<&'static str, &'static [&'static str]>> = OnceLock::new();
    TABLE.get_or_init(|| NICKNAMES.iter().copied().collect()).get(word).copied().unwrap_or(&[])
}

fn first(full: &'static str) -> &'static str {
    full.split(' ').next().unwrap_or("")
}

/// Whether one folded word is a nickname of the other (either way round).
pub fn related(a: &str, b: &str) -> bool {
    expand(a).iter().any(|full| first(full) == b) || expand(b).iter().any(|full| first(full) == a)
}

/// Every word `word` is [`related`] to: the given names it stands for and the nicknames that
/// stand for it. For comparing one word with many: `related(word, other)` is
/// `related_words(word).contains(&other)`.
pub fn related_words(word: &str) -> Vec<&'static str> {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    // Given name (first word) to the nicknames that stand for it.
    static REVERSE: OnceLock<HashMap<&'static str, Vec<&'static str>>> = OnceLock::new();
    let reverse = REVERSE.get_or_init(|| {
        let mut map: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
        for (nick, names) in NICKNAMES {
            for full in *names {
                map.entry(first(full)).or_default().push(nick);
            }
        }
        map
    });
    let mut out: Vec<&'static str> = expand(word).iter().map(|full| first(full)).collect();
    out.extend(reverse.get(word).into_iter().flatten());
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_hypocorisms() {
        assert_eq!(expand("pepe"), &["jose"]);
        assert_eq!(expand("chucho"), &["jesus"]);
        assert_eq!(expand("lupe"), &["guadalupe"]);
        assert_eq!(expand("nacho"), &["ignacio"]);
        assert!(expand("jose").is_empty());
        assert_eq!(related_words("jose"), ["chema", "cheo", "chepe", "pepe", "pepito"]);
        assert_eq!(related_words("chema"), ["jose"]);
        for (nick, names) in NICKNAMES {
            assert_eq!(crate::normalize::fold(nick), *nick, "{nick} must be folded");
            for name in *names {
                assert_eq!(crate::normalize::fold(name), *name, "{name} must be folded");
            }
        }
    }

    #[test]
    fn related_words_are_what_related_says() {
        let words: Vec<&str> = NICKNAMES
            .iter()
            .flat_map(|(nick, names)| std::iter::once(*nick).chain(names.iter().map(|n| first(n))))
            .chain(["maria", "zoraida", ""])
            .collect();
        for a in &words {
            let related_to_a = related_words(a);
            for b in &words {
                assert_eq!(related(a, b), related_to_a.contains(b), "{a} / {b}");
            }
        }
    }
}
