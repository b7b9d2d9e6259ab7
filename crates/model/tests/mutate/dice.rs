//! A small, seeded generator for the tests that change their input at random: in the model's
//! tests (through `mutate`), and included by path in the store's, the names', the io's and the
//! server's, so that every such test rolls the same way and says which seed it used.

#![allow(dead_code)]

/// A small, seeded generator (xorshift64*), so the test needs no dependency for randomness.
pub struct Dice(pub u64);

impl Dice {
    /// Rolls from `seed`, or from `HABEAS_MUTATED_SEED` when set, to search further than the
    /// suite does; a run that fails says which seed it used.
    pub fn seeded(seed: u64) -> Dice {
        let seed = std::env::var("HABEAS_MUTATED_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(seed);
        eprintln!("seed {seed}");
        Dice(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}
