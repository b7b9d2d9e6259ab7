//! Walking canonical JSON bytes without a parser.
//!
//! `verify` reads a million leaves and needs only a few of their members: the `id`, the `type`,
//! the commitments to put personal values back. Parsing each leaf into a tree of values only to
//! read those would be most of its time. Leaves are canonical ([`crate::canonical`]): no
//! whitespace, members in order, strings escaped minimally. So the top-level members can be
//! found by following quotes and brackets alone.
//!
//! Every function here answers only when the bytes are as a canonical writer makes them, and
//! returns `None` otherwise (an escape in a member name, whitespace, anything cut short). A
//! caller then asks a real parser: the walk is a shortcut, never the judge.

use std::ops::Range;

/// The end (one past the closing quote) of the JSON string starting at `b[at] == '"'`, and
/// whether it holds an escape. (A vectorised search for the quote was tried: a leaf's strings are
/// too short for it to pay.)
fn string_end(b: &[u8], at: usize) -> Option<(usize, bool)> {
    let mut i = at + 1;
    let mut escaped = false;
    while i < b.len() {
        match b[i] {
            b'"' => return Some((i + 1, escaped)),
            b'\\' => {
                escaped = true;
                i += 2;
            }
            _ => i += 1,
        }
    }
    None
}

/// The end of the JSON value starting at `b[at]`.
fn value_end(b: &[u8], at: usize) -> Option<usize> {
    match *b.get(at)? {
        b'"' => string_end(b, at).map(|(end, _)| end),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = at;
            while i < b.len() {
                match b[i] {
                    b'"' => {
                        i = string_end(b, i)?.0;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            None
        }
        _ => Some(at + b[at..].iter().position(|&c| c == b',' || c == b'}' || c == b']')?),
    }
}

/// Calls `visit` with each top-level member of the object `b`: its name (the bytes between the
/// quotes) and where its value lies in `b`. `None` if `b` is not an object written canonically
/// enough to walk (whitespace, an escaped name, trailing bytes).
pub fn each_member<'a>(b: &'a [u8], mut visit: impl FnMut(&'a [u8], Range<usize>)) -> Option<()> {
    if b.first() != Some(&b'{') || b.last() != Some(&b'}') || b.len() < 2 {
        return None;
    }
    let mut i = 1;
    while i < b.len() - 1 {
        if b[i] != b'"' {
            return None;
        }
        let (key_end, escaped) = string_end(b, i)?;
        if escaped || b.get(key_end) != Some(&b':') {
            return None;
        }
        let start = key_end + 1;
        let end = value_end(b, start)?;
        visit(&b[i + 1..key_end - 1], start..end);
        i = match b.get(end) {
            Some(b',') => end + 1,
            Some(b'}') if end == b.len() - 1 => end,
            _ => return None,
        };
    }
    Some(())
}

/// The text of the JSON string at `span` in `b`, if it is a string with no escape.
pub fn plain_string(b: &[u8], span: Range<usize>) -> Option<&str> {
    let (end, escaped) = string_end(b, span.start).filter(|_| b.get(span.start) == Some(&b'"'))?;
    if escaped || end != span.end {
        return None;
    }
    std::str::from_utf8(&b[span.start + 1..end - 1]).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(text: &str) -> Option<Vec<(String, String)>> {
        let mut found = Vec::new();
        each_member(text.as_bytes(), |key, span| {
            found.push((String::from_utf8(key.to_vec()).unwrap(), text[span].to_string()))
        })?;
        Some(found)
    }

    #[test]
    fn members_of_a_canonical_object_are_found_with_their_values() {
        let text =
            r#"{"a":1,"b":"x,}","c":{"d":[1,{"e":"]"}]},"f":null,"g":"q\"uote","h":[],"i":"\\","j":"\\\""}"#;
        let found = members(text).unwrap();
        let expect = [
            ("a", "1"),
            ("b", r#""x,}""#),
            ("c", r#"{"d":[1,{"e":"]"}]}"#),
            ("f", "null"),
            ("g", r#""q\"uote""#),
            ("h", "[]"),
            ("i", r#""\\""#),
            ("j", r#""\\\"""#),
        ];
        assert_eq!(found, expect.map(|(k, v)| (k.to_string(), v.to_string())));
        assert_eq!(members("{}"), Some(vec![]));
    }

    #[test]
    fn anything_not_written_canonically_is_declined() {
        for odd in [
            r#"{ "a":1}"#,
            r#"{"a" :1}"#,
            r#"{"a\u0062":1}"#,
            r#"{"a":1"#,
            r#"{"a":1}x"#,
            r#"{"a":"unterminated}"#,
            r#"["a",1]"#,
            "",
            "{",
            "}",
        ] {
            assert_eq!(members(odd), None, "{odd}");
        }
    }

    #[test]
    fn plain_strings_are_read_and_escaped_ones_declined() {
        let b = br#"{"a":"plain","b":"esc\"aped","c":12}"#;
        let mut spans = Vec::new();
        each_member(b, |_, span| spans.push(span)).unwrap();
        assert_eq!(plain_string(b, spans[0].clone()), Some("plain"));
        assert_eq!(plain_string(b, spans[1].clone()), None);
        assert_eq!(plain_string(b, spans[2].clone()), None);
    }
}
