//! A record's JSON text read straight into [`Field`]s, in one pass over its bytes.
//!
//! `habeas check` reads every record of the ledger from its leaf: 7.8 million JSON objects at the
//! largest benchmark (docs/benchmarks.md). Read through serde_json's deserializer, each value went
//! through a visitor, each object's members were gathered in a list of sixteen made for it and
//! copied into one of their own size, and each string was checked as UTF-8 on its own; that was
//! about a sixth of the check's processor time. Here the text is checked as UTF-8 once, members
//! and items are gathered on two stacks the reader keeps for the whole text (an object's members
//! leave the stack for one allocation of their own size), and a string without an escape is
//! sliced from the text.
//!
//! It reads any JSON, not only the canonical form a leaf is written in, and refuses what
//! serde_json refuses: anything but one value with whitespace around it, a control character or a
//! lone surrogate in a string, a number out of a double's range, nesting deeper than 128. It
//! reads what serde_json reads to the same [`Field`] (tested against it), but for the last bit
//! of a few decimal numbers: a number is read correctly rounded, as Rust's own parser reads it,
//! where serde_json by default takes a faster, approximate path (a canonical leaf's numbers are
//! written shortest-round-trip, so they come back exactly).

use std::borrow::Cow;
use std::fmt;

use serde_json::Number;

use super::{Field, Fields, Member, Name};

/// Why a text is not the JSON asked for, and the byte offset where that was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextError {
    pub at: usize,
    pub what: &'static str,
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.what, self.at)
    }
}

impl std::error::Error for TextError {}

type Read<T> = Result<T, TextError>;

/// How many arrays and objects may nest in one another (serde_json's limit): a leaf damaged into
/// ten thousand brackets is refused, not followed down until the stack runs out.
const DEEPEST: usize = 127;

/// A reader over one text, with the stacks its objects and arrays gather on.
pub(super) struct Reader<'t> {
    text: &'t str,
    bytes: &'t [u8],
    at: usize,
    members: Vec<Member>,
    items: Vec<Field>,
}

impl<'t> Reader<'t> {
    /// A reader of `bytes`, refused at once unless they are UTF-8.
    pub(super) fn new(bytes: &'t [u8]) -> Read<Reader<'t>> {
        let text =
            std::str::from_utf8(bytes).map_err(|e| TextError { at: e.valid_up_to(), what: "not UTF-8" })?;
        Ok(Reader { text, bytes, at: 0, members: Vec::new(), items: Vec::new() })
    }

    fn fail<T>(&self, what: &'static str) -> Read<T> {
        Err(TextError { at: self.at, what })
    }

    fn skip_space(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    /// The next byte that is not whitespace, not taken.
    fn peek(&mut self) -> Read<u8> {
        self.skip_space();
        match self.bytes.get(self.at) {
            Some(&b) => Ok(b),
            None => self.fail("the text ends early"),
        }
    }

    /// Takes `expected`, the next byte that is not whitespace.
    fn take(&mut self, expected: u8, what: &'static str) -> Read<()> {
        if self.peek()? == expected {
            self.at += 1;
            Ok(())
        } else {
            self.fail(what)
        }
    }

    /// The end of the text: only whitespace may follow the value.
    pub(super) fn end(&mut self) -> Read<()> {
        self.skip_space();
        if self.at == self.bytes.len() { Ok(()) } else { self.fail("more after the value") }
    }

    /// One value.
    pub(super) fn value(&mut self, depth: usize) -> Read<Field> {
        match self.peek()? {
            b'{' => {
                let start = self.object(depth)?;
                let members: Vec<Member> = self.members.drain(start..).collect();
                Ok(Field::Object(Fields::of_members(members)))
            }
            b'[' => self.array(depth),
            b'"' => Ok(Field::String(self.string()?.as_ref().into())),
            b't' => self.word("true", Field::Bool(true)),
            b'f' => self.word("false", Field::Bool(false)),
            b'n' => self.word("null", Field::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => self.fail("not a JSON value"),
        }
    }

    /// Reads an object's members onto the stack, and returns where on it they start.
    pub(super) fn object(&mut self, depth: usize) -> Read<usize> {
        if depth >= DEEPEST {
            return self.fail("nested too deep");
        }
        self.take(b'{', "not an object")?;
        let start = self.members.len();
        if self.peek()? == b'}' {
            self.at += 1;
            return Ok(start);
        }
        loop {
            if self.peek()? != b'"' {
                return self.fail("a member name must be a string");
            }
            let name = Name::of(&self.string()?);
            self.take(b':', "a ':' must follow a member name")?;
            let value = self.value(depth + 1)?;
            self.members.push(name.holding(value));
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Ok(start);
                }
                _ => return self.fail("a ',' or '}' must follow a member"),
            }
        }
    }

    /// The members from `start` on, taken off the stack in the order read.
    pub(super) fn members_from(&mut self, start: usize) -> std::vec::Drain<'_, Member> {
        self.members.drain(start..)
    }

    fn array(&mut self, depth: usize) -> Read<Field> {
        if depth >= DEEPEST {
            return self.fail("nested too deep");
        }
        self.at += 1;
        let start = self.items.len();
        if self.peek()? == b']' {
            self.at += 1;
            return Ok(Field::Array(Box::default()));
        }
        loop {
            let item = self.value(depth + 1)?;
            self.items.push(item);
            match self.peek()? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    let items: Box<[Field]> = self.items.drain(start..).collect();
                    return Ok(Field::Array(items));
                }
                _ => return self.fail("a ',' or ']' must follow an item"),
            }
        }
    }

    fn word(&mut self, word: &'static str, field: Field) -> Read<Field> {
        if self.bytes[self.at..].starts_with(word.as_bytes()) {
            self.at += word.len();
            Ok(field)
        } else {
            self.fail("not a JSON value")
        }
    }

    /// A string, at its opening quote: sliced from the text when it holds no escape.
    fn string(&mut self) -> Read<Cow<'t, str>> {
        self.at += 1;
        let start = self.at;
        loop {
            match self.bytes.get(self.at) {
                Some(b'"') => {
                    let text = self.slice(start, self.at)?;
                    self.at += 1;
                    return Ok(Cow::Borrowed(text));
                }
                Some(b'\\') => {
                    let mut owned = String::from(self.slice(start, self.at)?);
                    self.escaped(&mut owned)?;
                    return Ok(Cow::Owned(owned));
                }
                Some(0..0x20) => return self.fail("a control character in a string"),
                Some(_) => self.at += 1,
                None => return self.fail("a string is not closed"),
            }
        }
    }

    /// The text between two byte offsets, each next to an ASCII byte (so on a character's
    /// boundary).
    fn slice(&self, from: usize, to: usize) -> Read<&'t str> {
        match self.text.get(from..to) {
            Some(text) => Ok(text),
            None => self.fail("not on a character's boundary"),
        }
    }

    /// The rest of a string from its first escape, added to `owned`.
    fn escaped(&mut self, owned: &mut String) -> Read<()> {
        let mut run = self.at;
        loop {
            match self.bytes.get(self.at) {
                Some(b'"') => {
                    owned.push_str(self.slice(run, self.at)?);
                    self.at += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    owned.push_str(self.slice(run, self.at)?);
                    self.at += 1;
                    let unescaped = match self.bytes.get(self.at) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => self.unicode_escape()?,
                        _ => return self.fail("not an escape JSON has"),
                    };
                    owned.push(unescaped);
                    self.at += 1;
                    run = self.at;
                }
                Some(0..0x20) => return self.fail("a control character in a string"),
                Some(_) => self.at += 1,
                None => return self.fail("a string is not closed"),
            }
        }
    }

    /// The character of a `\u` escape, at its `u`, joining a surrogate pair; the reader is left
    /// on the escape's last digit.
    fn unicode_escape(&mut self) -> Read<char> {
        let first = self.hex4(self.at + 1)?;
        self.at += 4;
        let code = match first {
            0xD800..=0xDBFF => {
                if self.bytes.get(self.at + 1..self.at + 3) != Some(b"\\u") {
                    return self.fail("a lone surrogate in a \\u escape");
                }
                let second = self.hex4(self.at + 3)?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return self.fail("a lone surrogate in a \\u escape");
                }
                self.at += 6;
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => return self.fail("a lone surrogate in a \\u escape"),
            code => code,
        };
        match char::from_u32(code) {
            Some(c) => Ok(c),
            None => self.fail("not a character"),
        }
    }

    /// Four hex digits from `from`.
    fn hex4(&self, from: usize) -> Read<u32> {
        let Some(digits) = self.bytes.get(from..from + 4) else {
            return self.fail("a \\u escape cut short");
        };
        let mut code = 0;
        for &digit in digits {
            let value = match digit {
                b'0'..=b'9' => digit - b'0',
                b'a'..=b'f' => digit - b'a' + 10,
                b'A'..=b'F' => digit - b'A' + 10,
                _ => return self.fail("not a hex digit in a \\u escape"),
            };
            code = code * 16 + u32::from(value);
        }
        Ok(code)
    }

    /// A number, as serde_json holds it: an integer as `u64` or `i64` where it fits, anything
    /// else (a fraction, an exponent, `-0`, an integer too large) as a double.
    fn number(&mut self) -> Read<Field> {
        let start = self.at;
        let negative = self.bytes[self.at] == b'-';
        if negative {
            self.at += 1;
        }
        match self.bytes.get(self.at) {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return self.fail("a number without digits"),
        }
        if let Some(b'0'..=b'9') = self.bytes.get(self.at) {
            return self.fail("a number with a leading zero");
        }
        let mut integer = true;
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            self.at_least_one_digit()?;
            integer = false;
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.at) {
            self.at += 1;
            if let Some(b'+' | b'-') = self.bytes.get(self.at) {
                self.at += 1;
            }
            self.at_least_one_digit()?;
            integer = false;
        }
        let text = self.slice(start, self.at)?;
        if integer {
            let exact = if negative {
                text.parse::<i64>().ok().filter(|&n| n != 0).map(Number::from)
            } else {
                text.parse::<u64>().ok().map(Number::from)
            };
            if let Some(n) = exact {
                return Ok(Field::Number(n));
            }
        }
        match text.parse::<f64>().ok().and_then(Number::from_f64) {
            Some(n) => Ok(Field::Number(n)),
            None => Err(TextError { at: start, what: "a number out of range" }),
        }
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    fn at_least_one_digit(&mut self) -> Read<()> {
        match self.bytes.get(self.at) {
            Some(b'0'..=b'9') => {
                self.digits();
                Ok(())
            }
            _ => self.fail("a number without digits"),
        }
    }
}

/// One JSON value read from `bytes`.
pub fn field_of_text(bytes: &[u8]) -> Result<Field, TextError> {
    let mut reader = Reader::new(bytes)?;
    let field = reader.value(0)?;
    reader.end()?;
    Ok(field)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What serde_json reads `text` to, as a `Value` made a `Field`.
    fn by_serde(text: &[u8]) -> Option<Field> {
        serde_json::from_slice::<serde_json::Value>(text).ok().map(Field::from)
    }

    /// The same values, but that a decimal number may differ in its last bit: serde_json's
    /// default reading of a long decimal is approximate, ours is correctly rounded.
    fn alike(a: &Field, b: &Field) -> bool {
        match (a, b) {
            (Field::Number(x), Field::Number(y)) if x.is_f64() || y.is_f64() => {
                let (x, y) = (x.as_f64().unwrap_or(f64::NAN), y.as_f64().unwrap_or(f64::NAN));
                x == y || (x - y).abs() <= f64::EPSILON * x.abs().max(y.abs())
            }
            (Field::Array(x), Field::Array(y)) => {
                x.len() == y.len() && x.iter().zip(y.iter()).all(|(x, y)| alike(x, y))
            }
            (Field::Object(x), Field::Object(y)) => {
                x.len() == y.len() && x.iter().zip(y.iter()).all(|((n, x), (m, y))| n == m && alike(x, y))
            }
            _ => a == b,
        }
    }

    fn same_as_serde(text: &[u8]) {
        let ours = field_of_text(text);
        let theirs = by_serde(text);
        let same = match (&ours, &theirs) {
            (Ok(ours), Some(theirs)) => alike(ours, theirs),
            (Err(_), None) => true,
            _ => false,
        };
        assert!(same, "{:?}: ours {ours:?}, serde_json's {theirs:?}", String::from_utf8_lossy(text));
    }

    #[test]
    fn it_reads_what_serde_json_reads_and_refuses_what_it_refuses() {
        let texts: &[&str] = &[
            r#"{"type":"custody","subject":"p-1","basis":["aea-2025","ins-title8"],"count":137}"#,
            r#"{"z":1,"a":{"nested":true,"n":-2.5,"big":18446744073709551615,"neg":-9},"m":null,"e":[]}"#,
            r#"{"esc\u00e9":"caf\u00e9 \"q\" \\ \/ \b\f\n\r\t","names":{"commit":"abc="},"legs":[{"to":"x","from":"y"}]}"#,
            r#"[1,"two",{"three":3}]"#,
            r#"{"twice":1,"a":0,"twice":2}"#,
            " \n\t{ \"a\" : [ 1 , 2 ] , \"b\" : { } } \r\n",
            r#""\ud83d\ude00 and \u00e9 and é""#,
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "-0",
            "0",
            "-0.0",
            "1.5e3",
            "1E-2",
            "2.5e+2",
            "123456789012345678901234567890",
            "true",
            "false",
            "null",
            "[]",
            "{}",
            "[[[[]]]]",
            "\"\"",
            // Refused by both:
            "",
            "   ",
            "{",
            "{\"a\"}",
            "{\"a\":}",
            "{\"a\":1,}",
            "[1,]",
            "[1 2]",
            "{a:1}",
            "{\"a\":1} x",
            "01",
            "-",
            "1.",
            ".5",
            "+1",
            "1e",
            "1e+",
            "1e400",
            "-1e400",
            "tru",
            "nul",
            "\"\\x\"",
            "\"\\u12\"",
            "\"\\u12g4\"",
            "\"\\ud800\"",
            "\"\\ud800\\u0041\"",
            "\"\\udc00\"",
            "\"a\u{1}b\"",
            "\"open",
            "[\"a\"",
            "{\"a\":1 \"b\":2}",
        ];
        for text in texts {
            same_as_serde(text.as_bytes());
        }
        same_as_serde(b"\"\xff\"");
        same_as_serde(b"{\"a\":\"\xc3\"}");
    }

    #[test]
    fn nesting_deeper_than_serde_json_allows_is_refused_and_does_not_overflow() {
        for depth in [126, 127, 128, 129, 100_000] {
            let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            same_as_serde(text.as_bytes());
        }
        let deep = format!("{}1{}", "{\"a\":".repeat(200_000), "}".repeat(200_000));
        assert_eq!(field_of_text(deep.as_bytes()).map_err(|e| e.what), Err("nested too deep"));
    }

    /// A small seeded generator (xorshift), so the test needs no dependency.
    struct Seeded(u64);

    impl Seeded {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// A random JSON text: objects with the format's names and others, strings with escapes and
    /// characters outside ASCII, numbers of each form serde_json reads exactly.
    fn random_json(rng: &mut Seeded, depth: usize, out: &mut String) {
        const NAMES: [&str; 9] =
            ["id", "type", "at", "subject", "legs", "from", "zz-other", "caf\\u00e9", "a\\\"b"];
        const STRINGS: [&str; 8] = [
            "p-1",
            "",
            "São Paulo",
            "\\u00e9t\\u00e9",
            "tab\\there",
            "\\ud83d\\ude00",
            "quote \\\" slash \\/",
            "中文",
        ];
        let pick = if depth > 3 { rng.below(4) } else { rng.below(6) };
        match pick {
            0 => out.push_str(["true", "false", "null"][rng.below(3) as usize]),
            1 => {
                let number = match rng.below(5) {
                    0 => rng.next().to_string(),
                    1 => format!("-{}", rng.below(1 << 62)),
                    2 => format!("{}.{}", rng.below(100_000), rng.below(1000)),
                    3 => format!("-{}e{}", rng.below(1000), rng.below(20)),
                    _ => format!("{}E-{}", rng.below(1000), rng.below(20)),
                };
                out.push_str(&number);
            }
            2 | 3 => {
                out.push('"');
                out.push_str(STRINGS[rng.below(STRINGS.len() as u64) as usize]);
                out.push('"');
            }
            4 => {
                out.push('[');
                for i in 0..rng.below(4) {
                    if i > 0 {
                        out.push(',');
                    }
                    random_json(rng, depth + 1, out);
                }
                out.push(']');
            }
            _ => {
                out.push('{');
                for i in 0..rng.below(6) {
                    if i > 0 {
                        out.push_str(if rng.below(4) == 0 { " , " } else { "," });
                    }
                    out.push('"');
                    out.push_str(NAMES[rng.below(NAMES.len() as u64) as usize]);
                    out.push_str("\":");
                    random_json(rng, depth + 1, out);
                }
                out.push('}');
            }
        }
    }

    #[test]
    fn random_texts_and_their_damaged_copies_read_as_serde_json_reads_them() {
        let mut rng = Seeded(0x9e37_79b9_7f4a_7c15);
        let mut read = 0;
        for _ in 0..3000 {
            let mut text = String::new();
            random_json(&mut rng, 0, &mut text);
            same_as_serde(text.as_bytes());
            read += usize::from(field_of_text(text.as_bytes()).is_ok());
            // Damaged: cut short, a byte changed, a byte dropped.
            let mut bytes = text.into_bytes();
            let at = rng.below(bytes.len() as u64) as usize;
            same_as_serde(&bytes[..at]);
            let old = bytes[at];
            bytes[at] = b"{}[]\",:\\0e-.u\x01\xc3"[rng.below(15) as usize];
            same_as_serde(&bytes);
            bytes[at] = old;
            bytes.remove(at);
            same_as_serde(&bytes);
        }
        assert_eq!(read, 3000, "every undamaged text is read");
    }

    #[test]
    fn every_record_of_the_example_case_reads_as_serde_json_reads_it() {
        let example = include_str!("../../../../examples/cecot-2025.jsonl");
        let mut records = 0;
        for line in example.lines().filter(|l| l.starts_with('{')) {
            same_as_serde(line.as_bytes());
            records += 1;
        }
        assert!(records > 100, "{records}");
    }

    #[test]
    fn members_set_aside_by_the_reader_are_the_last_given() {
        let text =
            br#"{"id":"first","zz-other":1,"type":"custody","id":"second","zz-other":2,"at":"2025-03-15"}"#;
        let ([id, kind, other], fields) =
            Fields::read_setting_aside(text, ["id", "type", "zz-other"]).unwrap();
        assert_eq!(id.as_ref().and_then(Field::as_str), Some("second"));
        assert_eq!(kind.as_ref().and_then(Field::as_str), Some("custody"));
        assert_eq!(other.as_ref().and_then(Field::as_u64), Some(2));
        assert_eq!(fields.iter().map(|(name, _)| name).collect::<Vec<_>>(), ["at"]);
        let error = Fields::read_setting_aside(b"{\"id\":\"x\",}", ["id"]).unwrap_err();
        assert_eq!((error.at, error.what), (10, "a member name must be a string"));
    }
}
