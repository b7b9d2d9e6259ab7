//! Typos: the optimal-string-alignment distance (Levenshtein with adjacent transpositions), and a
//! similarity in [0, 1] derived from it.

/// Words longer than this are compared with heap buffers; names never are.
const SHORT: usize = 40;

/// Edits (insert, delete, substitute, swap two neighbours) from `a` to `b`; stops counting above
/// `limit` and returns `limit + 1`.
pub fn distance(a: &str, b: &str, limit: usize) -> usize {
    // Folded names are nearly always ASCII: compare bytes, without decoding characters.
    if a.is_ascii() && b.is_ascii() && a.len() <= SHORT && b.len() <= SHORT {
        if a.len().abs_diff(b.len()) > limit {
            return limit + 1;
        }
        let mut rows = [[0usize; SHORT + 1]; 3];
        return osa(a.as_bytes(), b.as_bytes(), limit, &mut rows);
    }
    let (mut a_buf, mut b_buf) = (['\0'; SHORT], ['\0'; SHORT]);
    let (la, lb) = (a.chars().count(), b.chars().count());
    if la.abs_diff(lb) > limit {
        return limit + 1;
    }
    if la > SHORT || lb > SHORT {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        let mut rows = vec![vec![0usize; b.len() + 1]; 3];
        return osa(&a, &b, limit, &mut rows);
    }
    for (slot, c) in a_buf.iter_mut().zip(a.chars()) {
        *slot = c;
    }
    for (slot, c) in b_buf.iter_mut().zip(b.chars()) {
        *slot = c;
    }
    let mut rows = [[0usize; SHORT + 1]; 3];
    osa(&a_buf[..la], &b_buf[..lb], limit, &mut rows)
}

/// Optimal string alignment over three rolling rows (i-2, i-1, i).
fn osa<T: PartialEq, R: AsMut<[usize]>>(a: &[T], b: &[T], limit: usize, rows: &mut [R]) -> usize {
    for (j, cell) in rows[0].as_mut().iter_mut().take(b.len() + 1).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        let (current, previous, before) = (i % 3, (i + 2) % 3, (i + 1) % 3);
        rows[current].as_mut()[0] = i;
        let mut best = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[previous].as_mut()[j] + 1)
                .min(rows[current].as_mut()[j - 1] + 1)
                .min(rows[previous].as_mut()[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[before].as_mut()[j - 2] + 1);
            }
            rows[current].as_mut()[j] = d;
            best = best.min(d);
        }
        if best > limit {
            return limit + 1;
        }
    }
    rows[a.len() % 3].as_mut()[b.len()].min(limit + 1)
}

/// Which of the letters a to z a folded word holds, as bits.
pub fn letters(word: &str) -> u32 {
    word.bytes().filter(u8::is_ascii_lowercase).fold(0, |mask, b| mask | 1 << (b - b'a'))
}

/// Whether two words with these [`letters`] can be two edits apart or closer. An edit adds or
/// removes at most one letter each way (a swap none), so words two edits apart differ in at most
/// four letters: words differing in more are rejected without computing their distance.
pub fn may_be_near(a: u32, b: u32) -> bool {
    (a ^ b).count_ones() <= 4
}

/// `1 - distance / longer length`, 0 when more than two edits apart.
pub fn similarity(a: &str, b: &str) -> f64 {
    let longer = if a.is_ascii() && b.is_ascii() {
        a.len().max(b.len())
    } else {
        a.chars().count().max(b.chars().count())
    };
    if longer == 0 {
        return 1.0;
    }
    let d = distance(a, b, 2);
    if d > 2 { 0.0 } else { 1.0 - d as f64 / longer as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits() {
        assert_eq!(distance("rodriguez", "rodriguez", 2), 0);
        assert_eq!(distance("rodriguez", "rodirguez", 2), 1, "a swap is one edit");
        assert_eq!(distance("gonzalez", "gonzales", 2), 1);
        assert_eq!(distance("perez", "peres", 2), 1);
        assert_eq!(distance("ana", "anabel", 2), 3, "beyond the limit");
        assert_eq!(distance("", "ab", 2), 2);
        assert!((similarity("martinez", "martines") - 0.875).abs() < 1e-9);
        assert_eq!(similarity("jose", "maria"), 0.0);
        let long_a = "a".repeat(50) + "b";
        let long_b = "a".repeat(50) + "c";
        assert_eq!(distance(&long_a, &long_b, 2), 1, "long words take the heap path");
    }
}
