//! Migration version rules: the extension and the CLI order and accept versions alike.

use std::cmp::Ordering;

/// The advisory lock key every migration run takes ("confitur" in ASCII): migrate_up and
/// migrate_down at transaction level, the CLI at session level around a script it runs
/// outside a transaction. Either way two runs never apply a migration twice.
pub const LOCK_KEY: i64 = 0x636f_6e66_6974_7572;

/// 1 to 20 ASCII digits (`confiture migrate new` writes 14-digit UTC timestamps).
pub fn is_version(version: &str) -> bool {
    !version.is_empty() && version.len() <= 20 && version.bytes().all(|b| b.is_ascii_digit())
}

/// The version as a number, written without leading zeros ("007" -> "7", "000" -> "0").
pub fn numeric(version: &str) -> &str {
    let trimmed = version.trim_start_matches('0');
    if trimmed.is_empty() && !version.is_empty() {
        "0"
    } else {
        trimmed
    }
}

/// Two spellings of one number ("2", "02", "002") are the same version: refused side by side.
pub fn same_number(a: &str, b: &str) -> bool {
    numeric(a) == numeric(b)
}

/// Versions are digit strings ordered as numbers, so 1, 2, 10 and 20260101120000 come in that
/// order, and 002 before 10.
pub fn version_order(a: &str, b: &str) -> Ordering {
    let (x, y) = (numeric(a), numeric(b));
    (x.len(), x, a).cmp(&(y.len(), y, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorter_versions_sort_first() {
        let mut versions = vec!["20260101120000", "10", "2", "1", "20251231235959"];
        versions.sort_by(|a, b| version_order(a, b));
        assert_eq!(versions, ["1", "2", "10", "20251231235959", "20260101120000"]);
    }

    #[test]
    fn versions_compare_as_numbers() {
        let mut versions = vec!["10", "002", "1", "0"];
        versions.sort_by(|a, b| version_order(a, b));
        assert_eq!(versions, ["0", "1", "002", "10"]);
        assert!(same_number("2", "02") && same_number("001", "1") && same_number("0", "000"));
        assert!(!same_number("10", "1"));
    }

    #[test]
    fn versions_are_digits() {
        assert!(is_version("20260101120000"));
        assert!(!is_version("1a"));
        assert!(!is_version(""));
        assert!(!is_version(&"9".repeat(21)));
    }
}
