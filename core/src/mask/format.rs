//! Format-preserving permutations: the digits of a value (and for preserve_format its ASCII
//! letters) replaced by others of the same kind, through a keyed permutation, so that distinct
//! values stay distinct. FF1 (the `fpe` crate, AES-256) where its domain is large enough (6
//! digits, 5 letters); below that a small keyed Feistel network with cycle walking, also a
//! permutation.

use super::numerals::{self, SmallNumerals};
use super::{mac, HmacSha256};
use aes::Aes256;
use fpe::ff1::{FlexibleNumeralString, FF1};
use hmac::Mac;

pub struct FormatPermutation {
    digits: FF1<Aes256>,
    letters: FF1<Aes256>,
    /// For the small domains FF1 refuses.
    small: HmacSha256,
    tweak: Vec<u8>,
}

/// FF1's smallest domain (the crate enforces a million values).
const FF1_MIN_DOMAIN: u64 = 1_000_000;

impl FormatPermutation {
    pub fn new(key: &[u8; 32], domain: &str) -> Self {
        let small_key = mac(key, b"small domain permutation");
        FormatPermutation {
            digits: FF1::new(key, 10).expect("radix 10 is valid"),
            letters: FF1::new(key, 26).expect("radix 26 is valid"),
            small: HmacSha256::new_from_slice(&small_key).expect("HMAC takes any key length"),
            tweak: domain.as_bytes().to_vec(),
        }
    }

    /// The value's ASCII digits permuted (after the first `keep_first`), everything else kept.
    pub fn digits(&self, value: &str, keep_first: usize) -> String {
        let positions: Vec<usize> =
            value.bytes().enumerate().filter(|(_, b)| b.is_ascii_digit()).map(|(i, _)| i).collect();
        let permuted = positions.get(keep_first..).unwrap_or(&[]);
        let numerals: Vec<u16> = permuted.iter().map(|&i| u16::from(value.as_bytes()[i] - b'0')).collect();
        let out = self.permute(&numerals, 10);
        let mut bytes = value.as_bytes().to_vec();
        for (&i, n) in permuted.iter().zip(out) {
            bytes[i] = b'0' + n as u8;
        }
        String::from_utf8(bytes).expect("only ASCII digits were replaced")
    }

    /// Digits and ASCII letters permuted separately (letters keep their case), the rest kept.
    pub fn digits_and_letters(&self, value: &str) -> String {
        let digits = self.digits(value, 0);
        let positions: Vec<usize> =
            digits.bytes().enumerate().filter(|(_, b)| b.is_ascii_alphabetic()).map(|(i, _)| i).collect();
        let numerals: Vec<u16> =
            positions.iter().map(|&i| u16::from(digits.as_bytes()[i].to_ascii_lowercase() - b'a')).collect();
        let out = self.permute(&numerals, 26);
        let mut bytes = digits.into_bytes();
        for (&i, n) in positions.iter().zip(out) {
            let letter = b'a' + n as u8;
            bytes[i] = if bytes[i].is_ascii_uppercase() { letter.to_ascii_uppercase() } else { letter };
        }
        String::from_utf8(bytes).expect("only ASCII letters were replaced")
    }

    fn permute(&self, numerals: &[u16], radix: u16) -> Vec<u16> {
        if numerals.is_empty() {
            return Vec::new();
        }
        let domain = (radix as u64).checked_pow(numerals.len() as u32);
        if domain.is_some_and(|size| size < FF1_MIN_DOMAIN) {
            return self.small_domain(numerals, radix);
        }
        let cipher = if radix == 10 { &self.digits } else { &self.letters };
        // FF1 refuses only numerals at or above the radix or a domain below a million: neither
        // can reach here. Returning the input unmasked instead would leak it silently.
        const VALID: &str = "numerals below the radix, a domain of a million values or more";
        if numerals::fits(radix as u32, numerals.len()) {
            let input = SmallNumerals { numerals: numerals.to_vec(), radix: radix as u32 };
            return cipher.encrypt(&self.tweak, &input).expect(VALID).numerals;
        }
        cipher.encrypt(&self.tweak, &FlexibleNumeralString::from(numerals.to_vec())).expect(VALID).into()
    }

    /// A keyed permutation of [0, radix^n) for n numerals (below a million values): a Feistel
    /// network over the next even number of bits, walked until it lands inside the domain.
    fn small_domain(&self, numerals: &[u16], radix: u16) -> Vec<u16> {
        let size = (radix as u64).pow(numerals.len() as u32);
        let mut value = numerals.iter().fold(0u64, |acc, &n| acc * radix as u64 + n as u64);
        let bits = (64 - (size - 1).leading_zeros()).max(2).next_multiple_of(2);
        let half = bits / 2;
        let mask = (1u64 << half) - 1;
        loop {
            let (mut left, mut right) = (value >> half, value & mask);
            for round in 0u8..8 {
                let mut mac = self.small.clone();
                mac.update(&self.tweak);
                mac.update(&[0, radix as u8, numerals.len() as u8, round]);
                mac.update(&right.to_be_bytes());
                let digest = mac.finalize().into_bytes();
                let f = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes")) & mask;
                (left, right) = (right, left ^ f);
            }
            value = (left << half) | right;
            if value < size {
                break;
            }
        }
        let mut out = vec![0u16; numerals.len()];
        for slot in out.iter_mut().rev() {
            *slot = (value % radix as u64) as u16;
            value /= radix as u64;
        }
        out
    }
}
