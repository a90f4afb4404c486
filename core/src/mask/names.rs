//! Names from word lists shipped with confiture (core/data): 321 first names and 340 last
//! names, 109,140 full names, chosen by the HMAC of the value.

use super::strategy::NamePart;
use std::sync::OnceLock;

const FIRST: &str = include_str!("../../data/first_names.txt");
const LAST: &str = include_str!("../../data/last_names.txt");

fn words(list: &'static str, cell: &'static OnceLock<Vec<&'static str>>) -> &'static [&'static str] {
    cell.get_or_init(|| list.split_whitespace().collect())
}

fn first_names() -> &'static [&'static str] {
    static CELL: OnceLock<Vec<&'static str>> = OnceLock::new();
    words(FIRST, &CELL)
}

fn last_names() -> &'static [&'static str] {
    static CELL: OnceLock<Vec<&'static str>> = OnceLock::new();
    words(LAST, &CELL)
}

pub fn name(digest: &[u8; 32], part: NamePart, unique: bool) -> String {
    let pick = |list: &[&'static str], from: usize| {
        let n = u64::from_be_bytes(digest[from..from + 8].try_into().expect("8 bytes"));
        list[(n % list.len() as u64) as usize]
    };
    let mut out = match part {
        NamePart::First => pick(first_names(), 0).to_string(),
        NamePart::Last => pick(last_names(), 8).to_string(),
        NamePart::Full => format!("{} {}", pick(first_names(), 0), pick(last_names(), 8)),
    };
    if unique {
        out.push(' ');
        out.push_str(&super::hex(&digest[16..], 16));
    }
    out
}
