//! Migration version rules, shared by the extension and the CLI (which compiles this very file
//! with `#[path]`, as it does schema_hash.rs), so both order and accept versions alike.
//! No dependencies.

use std::cmp::Ordering;

/// The advisory lock key every migration run takes ("confitur" in ASCII): migrate_up and
/// migrate_down at transaction level, the CLI at session level around a script it runs
/// outside a transaction. Either way two runs never apply a migration twice.
pub const LOCK_KEY: i64 = 0x636f_6e66_6974_7572;

/// 1 to 20 ASCII digits (`confiture migrate new` writes 14-digit UTC timestamps).
pub fn is_version(version: &str) -> bool {
    !version.is_empty() && version.len() <= 20 && version.bytes().all(|b| b.is_ascii_digit())
}

/// Versions are digit strings; shorter ones sort first, so 1, 2, 10 and 20260101120000 come in
/// that order.
pub fn version_order(a: &str, b: &str) -> Ordering {
    (a.len(), a).cmp(&(b.len(), b))
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
    fn versions_are_digits() {
        assert!(is_version("20260101120000"));
        assert!(!is_version("1a"));
        assert!(!is_version(""));
        assert!(!is_version(&"9".repeat(21)));
    }
}
