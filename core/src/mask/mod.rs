//! Keyed masking of personal data. One implementation for `confiture sync` (in the CLI) and the
//! `confiture.mask_*` SQL functions (in the server): the same key, domain, strategy and value give
//! the same bytes on both sides.
//!
//! Every keyed output is derived from HMAC-SHA-256 under a per-domain key (itself an HMAC of the
//! secret and the domain name), so equal values in one domain mask equally (joins on masked
//! natural keys keep working) and nobody without the secret can test a guess. Digit and letter
//! formats go through FF1 (NIST SP 800-38G), a keyed permutation: distinct inputs can never give
//! the same output, which keeps unique columns unique.

mod dates;
mod format;
mod names;
mod numbers;
mod numerals;
pub mod personal;
pub mod rules;
mod strategy;
#[cfg(test)]
mod tests;

pub use strategy::Strategy;

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The shortest secret accepted: 256 bits, the HMAC's own strength.
pub const MIN_KEY_BYTES: usize = 32;
/// Where the CLI reads the secret by default, and the Python confiture's variable, read when ours
/// is not set.
pub const DEFAULT_KEY_VARIABLE: &str = "CONFITURE_MASK_KEY";
pub const PYTHON_KEY_VARIABLE: &str = "ANONYMIZATION_SECRET";

#[derive(Debug, Clone, PartialEq)]
pub enum MaskError {
    /// The key is missing or too short (the message never contains it).
    Key(String),
    /// A strategy name or option that does not exist or does not fit the column.
    Rule(String),
    /// A value the strategy cannot read (date_shift of something that is not a date...).
    Value(String),
}

impl std::fmt::Display for MaskError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MaskError::Key(message) | MaskError::Rule(message) | MaskError::Value(message) => {
                f.write_str(message)
            }
        }
    }
}

impl std::error::Error for MaskError {}

/// The secret. Its bytes are never printed: Debug shows the fingerprint.
#[derive(Clone)]
pub struct Key(Vec<u8>);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Key(fingerprint {})", self.fingerprint())
    }
}

impl Key {
    pub fn new(bytes: &[u8]) -> Result<Self, MaskError> {
        if bytes.len() < MIN_KEY_BYTES {
            return Err(MaskError::Key(format!(
                "the masking key has {} bytes, at least {MIN_KEY_BYTES} are needed \
                 (generate one with: openssl rand -hex 32)",
                bytes.len()
            )));
        }
        Ok(Key(bytes.to_vec()))
    }

    /// A short public name for the key (16 hex digits of an HMAC under it): what runs record so
    /// that a resumed run can check it uses the same key, without storing anything that helps
    /// recover it.
    pub fn fingerprint(&self) -> String {
        hex(&mac(&self.0, b"confiture mask key fingerprint"), 16)
    }
}

fn mac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Lower-case hex of the first `digits` nibbles of `bytes`.
fn hex(bytes: &[u8], digits: usize) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(digits);
    for i in 0..digits.min(bytes.len() * 2) {
        let byte = bytes[i / 2];
        let nibble = if i % 2 == 0 { byte >> 4 } else { byte & 0x0f };
        out.push(HEX[nibble as usize] as char);
    }
    out
}

/// One column's masking: the strategy and the keyed state of its domain, prepared once.
pub struct ColumnMask {
    strategy: Strategy,
    /// HMAC state keyed by the domain's key, cloned per value (the key schedule is done once).
    mac: HmacSha256,
    format: format::FormatPermutation,
}

impl ColumnMask {
    pub fn new(key: &Key, domain: &str, strategy: Strategy) -> Self {
        let domain_key = mac(&key.0, &[b"confiture mask domain\0".as_slice(), domain.as_bytes()].concat());
        let mac = HmacSha256::new_from_slice(&domain_key).expect("HMAC takes any key length");
        let format = format::FormatPermutation::new(&mac_of(&mac, b"\0ff1 key"), domain);
        ColumnMask { strategy, mac, format }
    }

    pub fn strategy(&self) -> &Strategy {
        &self.strategy
    }

    /// The masked text of `value`, or `None` for SQL NULL. NULL stays NULL under every strategy.
    pub fn mask(&self, value: &str) -> Result<Option<String>, MaskError> {
        use Strategy::*;
        let digest = || mac_of(&self.mac, value.as_bytes());
        Ok(Some(match &self.strategy {
            Keep | Sql { .. } => value.to_string(),
            Null => return Ok(None),
            Redact { text } => text.clone(),
            Fixed { value } => value.clone(),
            Hash { length } => hex(&digest(), *length),
            Email { domain_name, keep_domain } => {
                let host = match value.rsplit_once('@') {
                    Some((_, host)) if *keep_domain => host,
                    _ => domain_name.as_str(),
                };
                format!("{}@{host}", hex(&digest(), 16))
            }
            Name { part, unique } => names::name(&digest(), *part, *unique),
            Phone { keep_first } => self.format.digits(value, *keep_first),
            PreserveFormat => self.format.digits_and_letters(value),
            Partial { first, last, fill } => partial(value, *first, *last, *fill),
            DateShift { max_days } => dates::shift(value, &digest(), *max_days)?,
            Noise { ratio } => numbers::noise(value, &digest(), *ratio)?,
        }))
    }
}

fn mac_of(prepared: &HmacSha256, data: &[u8]) -> [u8; 32] {
    let mut mac = prepared.clone();
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// The first `first` and last `last` characters kept, the others replaced by `fill`; a value too
/// short to hide anything is hidden whole.
fn partial(value: &str, first: usize, last: usize, fill: char) -> String {
    let count = value.chars().count();
    if count <= first + last {
        return std::iter::repeat_n(fill, count).collect();
    }
    value.chars().enumerate().map(|(i, c)| if i < first || i >= count - last { c } else { fill }).collect()
}
