//! Sets of persons as a search combines them: who each query word found, and who most words found.
//!
//! Every key's persons are kept as a sorted list of person numbers. A common key (one that one
//! person in 128 or more bears when it reaches 256, as "García" or "José" do) is kept as a
//! bitmap too: one bit per person, at most four times the size of its list when made (at a
//! million persons, at most 576 keys of 125 KB). Two bitmaps intersect by a word-wise AND, and a
//! list with a bitmap by testing a bit per listed person, instead of walking tens of thousands of
//! numbers side by side. A search intersects what its words found smallest first, so after the
//! first intersection the sets are small and kept as lists.
//!
//! The same persons come out whichever form a set takes: the form is only a matter of speed
//! (the tests compare every operation with the plain list).

use std::borrow::Cow;

/// A key gets a bitmap once it has this many persons and at least one person in [`DENSE_SHARE`]
/// of the index bears it.
const DENSE_MIN: usize = 256;
const DENSE_SHARE: usize = 128;

/// The persons filed under one key.
#[derive(Default)]
pub(crate) struct Postings {
    /// Sorted, without repeats.
    pub list: Vec<u32>,
    /// Bit `p` set for each person `p` in `list`, once the key is common.
    bits: Option<Vec<u64>>,
}

impl Postings {
    /// Files `person`, numbered after every person filed before; the index now holds `persons`.
    pub fn push(&mut self, person: u32, persons: usize) {
        self.list.push(person);
        match &mut self.bits {
            Some(bits) => set(bits, person),
            None if self.list.len() >= DENSE_MIN && self.list.len() * DENSE_SHARE >= persons => {
                let mut bits = Vec::new();
                for &p in &self.list {
                    set(&mut bits, p);
                }
                self.bits = Some(bits);
            }
            None => {}
        }
    }

    pub fn found(&self) -> Found<'_> {
        match &self.bits {
            Some(bits) => Found::Bits { words: Cow::Borrowed(bits), count: self.list.len() },
            None => Found::List(Cow::Borrowed(&self.list)),
        }
    }
}

fn set(bits: &mut Vec<u64>, person: u32) {
    let word = person as usize / 64;
    if bits.len() <= word {
        bits.resize(word + 1, 0);
    }
    bits[word] |= 1 << (person % 64);
}

/// A set of persons.
#[derive(Debug)]
pub(crate) enum Found<'a> {
    /// Sorted, without repeats.
    List(Cow<'a, [u32]>),
    /// Bit `p` of the words set for each person `p`; `count` bits are set.
    Bits { words: Cow<'a, [u64]>, count: usize },
}

impl<'a> Found<'a> {
    pub fn empty() -> Found<'a> {
        Found::List(Cow::Owned(Vec::new()))
    }

    pub fn len(&self) -> usize {
        match self {
            Found::List(list) => list.len(),
            Found::Bits { count, .. } => *count,
        }
    }

    /// The same set, borrowed.
    pub fn view(&self) -> Found<'_> {
        match self {
            Found::List(list) => Found::List(Cow::Borrowed(list)),
            Found::Bits { words, count } => Found::Bits { words: Cow::Borrowed(words), count: *count },
        }
    }

    fn contains_bit(words: &[u64], person: u32) -> bool {
        words.get(person as usize / 64).is_some_and(|w| w & (1 << (person % 64)) != 0)
    }

    /// Appends the persons, sorted, to `out`.
    pub fn extend_into(&self, out: &mut Vec<u32>) {
        match self {
            Found::List(list) => out.extend_from_slice(list),
            Found::Bits { words, .. } => extend_with_bits(out, words.iter().copied()),
        }
    }

    /// The persons, sorted.
    pub fn into_list(self) -> Vec<u32> {
        match self {
            Found::List(list) => list.into_owned(),
            Found::Bits { words, count } => {
                let mut out = Vec::with_capacity(count);
                extend_with_bits(&mut out, words.iter().copied());
                out
            }
        }
    }

    /// The persons in both.
    pub fn intersect(&self, other: &Found<'_>) -> Found<'static> {
        let list = match (self, other) {
            (Found::List(a), Found::List(b)) => intersect_two(a, b),
            (Found::List(list), Found::Bits { words, .. })
            | (Found::Bits { words, .. }, Found::List(list)) => {
                list.iter().copied().filter(|&p| Found::contains_bit(words, p)).collect()
            }
            (Found::Bits { words: a, .. }, Found::Bits { words: b, .. }) => {
                let mut out = Vec::new();
                extend_with_both(&mut out, a, b);
                out
            }
        };
        Found::List(Cow::Owned(list))
    }

    /// The persons in any of `sets`.
    pub fn union(mut sets: Vec<Found<'a>>) -> Found<'a> {
        sets.retain(|s| s.len() > 0);
        if sets.len() <= 1 {
            return sets.pop().unwrap_or_else(Found::empty);
        }
        let longest = sets.iter().filter_map(|s| match s {
            Found::Bits { words, .. } => Some(words.len()),
            Found::List(_) => None,
        });
        match longest.max() {
            None => {
                let mut merged: Vec<u32> = Vec::with_capacity(sets.iter().map(Found::len).sum());
                for one in &sets {
                    if let Found::List(list) = one {
                        merged.extend_from_slice(list);
                    }
                }
                // Sorted runs one after another: a stable sort finds the runs and merges them.
                merged.sort();
                merged.dedup();
                Found::List(Cow::Owned(merged))
            }
            Some(size) => {
                let mut bits = vec![0u64; size];
                for one in &sets {
                    match one {
                        Found::Bits { words, .. } => {
                            for (into, from) in bits.iter_mut().zip(words.iter()) {
                                *into |= from;
                            }
                        }
                        Found::List(list) => {
                            for &p in list.iter() {
                                set(&mut bits, p);
                            }
                        }
                    }
                }
                let count = bits.iter().map(|w| w.count_ones() as usize).sum();
                Found::Bits { words: Cow::Owned(bits), count }
            }
        }
    }
}

fn extend_with_bits(out: &mut Vec<u32>, words: impl Iterator<Item = u64>) {
    extend_with_bits_from(out, 0, words);
}

/// The persons in both bitmaps, appended to `out`: eight words at a time, so that the AND runs
/// in vector registers and the (mostly empty) result is looked into only where it is not.
fn extend_with_both(out: &mut Vec<u32>, a: &[u64], b: &[u64]) {
    const CHUNK: usize = 8;
    let len = a.len().min(b.len());
    let (a, b) = (&a[..len], &b[..len]);
    let mut at = 0;
    for (x, y) in a.chunks_exact(CHUNK).zip(b.chunks_exact(CHUNK)) {
        let mut both = [0u64; CHUNK];
        for ((slot, x), y) in both.iter_mut().zip(x).zip(y) {
            *slot = x & y;
        }
        if both.iter().fold(0, |any, w| any | w) != 0 {
            extend_with_bits_from(out, at, both.iter().copied());
        }
        at += CHUNK;
    }
    extend_with_bits_from(out, at, a[at..].iter().zip(&b[at..]).map(|(x, y)| x & y));
}

/// [`extend_with_bits`] for words that start at word `first`.
fn extend_with_bits_from(out: &mut Vec<u32>, first: usize, words: impl Iterator<Item = u64>) {
    for (at, mut word) in words.enumerate() {
        while word != 0 {
            out.push(((first + at) * 64) as u32 + word.trailing_zeros());
            word &= word - 1;
        }
    }
}

/// The values in every sorted list, walking the shortest and galloping through the others from
/// where the last search left off.
pub(crate) fn intersect(lists: &[&[u32]]) -> Vec<u32> {
    let Some((shortest, others)) = lists.split_first() else { return Vec::new() };
    let mut at = vec![0usize; others.len()];
    let mut out = Vec::new();
    'values: for &value in shortest.iter() {
        for (list, pos) in others.iter().zip(at.iter_mut()) {
            // Gallop: double the step until past `value`, then binary search that stretch.
            let mut step = 1;
            let mut hi = *pos;
            while hi < list.len() && list[hi] < value {
                *pos = hi;
                hi += step;
                step *= 2;
            }
            let hi = hi.min(list.len());
            *pos += list[*pos..hi].partition_point(|&x| x < value);
            if *pos >= list.len() {
                break 'values;
            }
            if list[*pos] != value {
                continue 'values;
            }
        }
        out.push(value);
    }
    out
}

/// The values in both sorted lists: by galloping through the longer when one is much longer,
/// else by walking both side by side (cheaper per value, and without unpredictable branches).
pub(crate) fn intersect_two(a: &[u32], b: &[u32]) -> Vec<u32> {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.len() * 16 < long.len() {
        return intersect(&[short, long]);
    }
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < short.len() && j < long.len() {
        let (x, y) = (short[i], long[j]);
        if x == y {
            out.push(x);
        }
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    out
}

/// The persons in every set, and a way to the persons in all sets but at most one, for sets
/// sorted smallest first.
///
/// "All but one" is the union, over each set, of the intersection of the others: built from the
/// intersections of the prefixes of the sets (which "all" needs anyway) and the sets after the
/// one left out, instead of counting every person of every set (the sets of common names run to
/// tens of thousands, and counting them in a map cost a search most of its time).
pub(crate) fn all_and_all_but_one<'a>(sets: &'a [Found<'a>]) -> (Vec<u32>, impl FnOnce() -> Vec<u32> + 'a) {
    let n = sets.len();
    // prefixes[k]: the persons in the first k + 1 sets.
    let mut prefixes: Vec<Found<'a>> = Vec::with_capacity(n);
    for set in sets {
        let next = match prefixes.last() {
            None => set.view(),
            Some(before) => before.intersect(set),
        };
        prefixes.push(next);
    }
    let all = prefixes.last().map(|p| p.view().into_list()).unwrap_or_default();
    let but_one = move || {
        if n < 2 {
            return Vec::new();
        }
        // For each set left out, the others intersected from the smallest: the persons in the
        // sets before it are a prefix already, and each further step is driven by a list that
        // is short by then. (Intersecting from the largest end instead, to share suffixes between
        // the sets left out, ANDs the two largest sets, often two bitmaps of common names.)
        let mut union: Vec<u32> = Vec::new();
        for left_out in 0..n {
            let (mut found, rest) = match left_out {
                0 => (sets[1].view(), 2),
                k => (prefixes[k - 1].view(), k + 1),
            };
            for set in &sets[rest..] {
                if found.len() == 0 {
                    break;
                }
                found = found.intersect(set);
            }
            found.extend_into(&mut union);
        }
        // Sorted runs one after another: a stable sort finds the runs and merges them.
        union.sort();
        union.dedup();
        union
    };
    (all, but_one)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A set in both forms.
    fn both(values: &[u32]) -> [Found<'static>; 2] {
        let mut bits = Vec::new();
        for &v in values {
            set(&mut bits, v);
        }
        [
            Found::List(Cow::Owned(values.to_vec())),
            Found::Bits { words: Cow::Owned(bits), count: values.len() },
        ]
    }

    fn pseudo_random(seed: u64, n: usize, below: u32) -> Vec<u32> {
        let mut state = seed;
        let mut out: Vec<u32> = (0..n)
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((state >> 33) % u64::from(below)) as u32
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    #[test]
    fn intersections() {
        let (a, b, c) = ([1u32, 4, 7, 9, 20], [0u32, 1, 2, 4, 5, 9, 10, 20, 30], [1u32, 3, 4, 9, 19, 20]);
        assert_eq!(intersect(&[&a, &b, &c]), vec![1, 4, 9, 20]);
        assert_eq!(intersect(&[&a]), a.to_vec());
        assert!(intersect(&[&a, &[]]).is_empty());
        let big: Vec<u32> = (0..10_000).map(|x| x * 3).collect();
        let other: Vec<u32> = (0..15_000).map(|x| x * 2).collect();
        let expected: Vec<u32> = (0..10_000).map(|x| x * 3).filter(|x| x % 2 == 0).collect();
        assert_eq!(intersect(&[&big, &other]), expected);
        for (x, y) in
            [(&big[..], &other[..]), (&other[..], &big[..]), (&big[..100], &other[..]), (&a[..], &b[..])]
        {
            let expected: Vec<u32> = x.iter().copied().filter(|v| y.contains(v)).collect();
            assert_eq!(intersect_two(x, y), expected);
        }
        assert!(intersect_two(&a, &[]).is_empty());
    }

    #[test]
    fn every_form_gives_the_same_persons() {
        let sets: Vec<Vec<u32>> = vec![
            pseudo_random(1, 3_000, 100_000),
            pseudo_random(2, 40_000, 100_000),
            pseudo_random(3, 500, 100_000),
            pseudo_random(4, 20_000, 60_000),
            Vec::new(),
            vec![0, 63, 64, 99_999],
        ];
        for x in &sets {
            for y in &sets {
                let expected: Vec<u32> = x.iter().copied().filter(|v| y.binary_search(v).is_ok()).collect();
                let mut union: Vec<u32> = x.iter().chain(y).copied().collect();
                union.sort_unstable();
                union.dedup();
                for fx in both(x) {
                    for fy in both(y) {
                        assert_eq!(fx.intersect(&fy).into_list(), expected);
                        let u = Found::union(vec![fx.view(), fy.view()]);
                        assert_eq!(u.len(), union.len());
                        assert_eq!(u.into_list(), union);
                    }
                }
            }
        }
    }

    #[test]
    fn all_but_one_is_what_counting_says() {
        let lists: Vec<Vec<u32>> =
            (0..5).map(|s| pseudo_random(10 + s, 3_000 + 2_000 * s as usize, 20_000)).collect();
        for n in 1..=lists.len() {
            for bits in [false, true] {
                let sets: Vec<Found<'_>> = lists[..n]
                    .iter()
                    .map(|l| both(l).into_iter().nth(usize::from(bits)).unwrap_or_else(Found::empty))
                    .collect();
                let (all, but_one) = all_and_all_but_one(&sets);
                let mut counts = std::collections::BTreeMap::<u32, usize>::new();
                for list in &lists[..n] {
                    for &p in list {
                        *counts.entry(p).or_default() += 1;
                    }
                }
                let every: Vec<u32> = counts.iter().filter(|(_, c)| **c == n).map(|(p, _)| *p).collect();
                let most: Vec<u32> = counts.iter().filter(|(_, c)| **c + 1 >= n).map(|(p, _)| *p).collect();
                assert_eq!(all, every, "{n} sets");
                if n >= 2 {
                    assert_eq!(but_one(), most, "{n} sets");
                }
            }
        }
    }

    #[test]
    fn a_common_key_gets_a_bitmap_and_answers_as_its_list() {
        let mut postings = Postings::default();
        for p in 0..1_000u32 {
            postings.push(p * 3, (p as usize + 1) * 3);
        }
        assert!(matches!(postings.found(), Found::Bits { count: 1_000, .. }));
        assert_eq!(postings.found().into_list(), postings.list);
        let mut rare = Postings::default();
        for p in 0..300u32 {
            rare.push(p * 1_000, (p as usize + 1) * 1_000);
        }
        assert!(matches!(rare.found(), Found::List(_)));
    }
}
