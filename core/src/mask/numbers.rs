//! noise over the text PostgreSQL prints for integers and numerics: the value times 1 ± up to
//! `ratio`, keyed by the value, printed with the input's number of decimals.

use super::MaskError;

pub fn noise(value: &str, digest: &[u8; 32], ratio: f64) -> Result<String, MaskError> {
    if matches!(value, "NaN" | "Infinity" | "-Infinity") {
        return Ok(value.to_string());
    }
    let plain = value.strip_prefix('-').unwrap_or(value);
    let readable = !plain.is_empty()
        && plain.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && plain.bytes().filter(|&b| b == b'.').count() <= 1;
    let number: f64 = match value.parse() {
        Ok(number) if readable => number,
        // Never quoting the value: it is the personal data being masked.
        _ => return Err(MaskError::Value("noise: a value is not a plain number".into())),
    };
    let decimals = plain.split_once('.').map_or(0, |(_, fraction)| fraction.len());
    // A factor in [-ratio, ratio], never 0: 53 bits of the digest as a fraction.
    let unit =
        (u64::from_be_bytes(digest[..8].try_into().expect("8 bytes")) >> 11) as f64 / (1u64 << 53) as f64;
    let factor = ratio * (2.0 * unit - 1.0);
    let mut out = format!("{:.*}", decimals, number * (1.0 + factor));
    if out == value || out.trim_start_matches('-') == plain && number == 0.0 {
        // Too small to move at this precision: one unit of the last decimal, up or down.
        let step = 10f64.powi(-(decimals as i32));
        out = format!("{:.*}", decimals, number + if digest[8] & 1 == 0 { step } else { -step });
    }
    if out.starts_with("-0") && out.trim_start_matches(['-', '0', '.']).is_empty() {
        out.remove(0);
    }
    Ok(out)
}
