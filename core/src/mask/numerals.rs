//! A numeral string for the `fpe` crate's FF1 whose arithmetic is done in u128: the crate's own
//! `FlexibleNumeralString` goes through arbitrary-precision integers, which cost 90% of an
//! encryption (6.5 µs per phone number). The algorithm stays the crate's (FF1 over its
//! `NumeralString` and `Operations` traits); only NUM and STR are ours, for strings whose domain
//! fits in 64 bits, and the tests check that the outputs equal FlexibleNumeralString's.

use fpe::ff1::{NumeralString, Operations};

/// Numerals of one radix, as FF1 reads and returns them.
pub struct SmallNumerals {
    pub numerals: Vec<u16>,
    pub radix: u32,
}

/// Half of a numeral string during FF1: its value, its length and its radix.
pub struct Half {
    value: u128,
    count: usize,
    radix: u32,
}

/// Whether `count` numerals of `radix` fit: radix^count below 2^64, so every sum stays in u128.
pub fn fits(radix: u32, count: usize) -> bool {
    (radix as u64).checked_pow(count as u32).is_some()
}

fn power(radix: u32, exponent: usize) -> u128 {
    (radix as u128).pow(exponent as u32)
}

fn half(numerals: &[u16], radix: u32) -> Half {
    let value = numerals.iter().fold(0u128, |acc, &n| acc * radix as u128 + n as u128);
    Half { value, count: numerals.len(), radix }
}

/// Big-endian bytes, at most 16.
pub struct Bytes {
    buffer: [u8; 16],
    start: usize,
}

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        &self.buffer[self.start..]
    }
}

impl Operations for Half {
    type Bytes = Bytes;

    fn numeral_count(&self) -> usize {
        self.count
    }

    fn to_be_bytes(&self, _radix: u32, b: usize) -> Bytes {
        // b = ceil(v * log2(radix) / 8) bytes for a value below radix^v < 2^64: at most 8.
        Bytes { buffer: self.value.to_be_bytes(), start: 16 - b.min(16) }
    }

    fn add_mod_exp(self, other: impl Iterator<Item = u8>, radix: u32, m: usize) -> Self {
        let modulus = power(radix, m);
        let other = other.fold(0u128, |acc, byte| (acc * 256 + byte as u128) % modulus);
        Half { value: (self.value % modulus + other) % modulus, count: m, radix }
    }

    fn sub_mod_exp(self, other: impl Iterator<Item = u8>, radix: u32, m: usize) -> Self {
        let modulus = power(radix, m);
        let other = other.fold(0u128, |acc, byte| (acc * 256 + byte as u128) % modulus);
        Half { value: (self.value % modulus + modulus - other) % modulus, count: m, radix }
    }
}

impl NumeralString for SmallNumerals {
    type Ops = Half;

    fn is_valid(&self, radix: u32) -> bool {
        radix == self.radix
            && fits(radix, self.numerals.len())
            && self.numerals.iter().all(|&n| (n as u32) < radix)
    }

    fn numeral_count(&self) -> usize {
        self.numerals.len()
    }

    fn split(&self) -> (Half, Half) {
        let (front, back) = self.numerals.split_at(self.numerals.len() / 2);
        (half(front, self.radix), half(back, self.radix))
    }

    fn concat(a: Half, b: Half) -> Self {
        let radix = a.radix;
        let mut numerals = vec![0u16; a.count + b.count];
        let (front, back) = numerals.split_at_mut(a.count);
        for (slots, mut value) in [(front, a.value), (back, b.value)] {
            for slot in slots.iter_mut().rev() {
                *slot = (value % radix as u128) as u16;
                value /= radix as u128;
            }
        }
        SmallNumerals { numerals, radix }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes::Aes256;
    use fpe::ff1::{FlexibleNumeralString, FF1};

    /// Byte for byte the crate's own numeral string, on every length each radix allows.
    #[test]
    fn outputs_equal_the_crates_flexible_numeral_string() {
        let key = [7u8; 32];
        for radix in [10u32, 26] {
            let ff1 = FF1::<Aes256>::new(&key, radix).unwrap();
            let mut state = 0x9e37_79b9_7f4a_7c15u64;
            for count in 2..=19usize {
                if !fits(radix, count) || (radix as u64).pow(count as u32) < 1_000_000 {
                    continue;
                }
                for _ in 0..200 {
                    let numerals: Vec<u16> = (0..count)
                        .map(|_| {
                            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                            ((state >> 33) % radix as u64) as u16
                        })
                        .collect();
                    let tweak = b"public.users.phone";
                    let ours =
                        ff1.encrypt(tweak, &SmallNumerals { numerals: numerals.clone(), radix }).unwrap();
                    let crates: Vec<u16> =
                        ff1.encrypt(tweak, &FlexibleNumeralString::from(numerals.clone())).unwrap().into();
                    assert_eq!(ours.numerals, crates, "radix {radix}, {count} numerals");
                    let back = ff1.decrypt(tweak, &ours).unwrap();
                    assert_eq!(back.numerals, numerals);
                }
            }
        }
    }
}
