//! What the database says was applied, and when: `migrate current`, the `applied_at` of
//! `status`, and which migrations `down --to VERSION` rolls back.

use super::db_error;
use super::report::AppliedRow;
use crate::db::Target;
use crate::failure::{Failure, Kind, Result};
use confiture_core::migration::version::{same_number, version_order};
use postgres::GenericClient;
use std::cmp::Ordering;

/// The applied migrations, in the order they were applied (migration_history is readable by
/// every role); None when the extension is not installed (confiture never migrated here).
pub fn applied(client: &mut impl GenericClient, target: &Target) -> Result<Option<Vec<AppliedRow>>> {
    let installed: bool = client
        .query_one("SELECT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'confiture')", &[])
        .map_err(db_error(target))?
        .get(0);
    if !installed {
        return Ok(None);
    }
    let rows = client
        .query(
            "SELECT version, name, pg_catalog.to_json(applied_at) #>> '{}' AS applied_at, checksum \
               FROM confiture.migration_history ORDER BY applied_at, version COLLATE \"C\"",
            &[],
        )
        .map_err(db_error(target))?;
    Ok(Some(
        rows.iter()
            .map(|r| AppliedRow {
                version: r.get("version"),
                name: r.get("name"),
                applied_at: r.get("applied_at"),
                checksum: r.get("checksum"),
            })
            .collect(),
    ))
}

/// The newest applied migration by version (what the Python confiture calls the current revision).
pub fn newest(applied: &[AppliedRow]) -> Option<&AppliedRow> {
    applied.iter().max_by(|a, b| version_order(&a.version, &b.version))
}

/// How many of the last applied migrations `down --to keep` rolls back: every one newer than
/// `keep`, which must be applied. Rolling back runs in reverse order of application, so the
/// newer ones must be the last applied: otherwise an older one applied later would go first,
/// and the run is refused.
pub fn steps_down_to(applied: &[AppliedRow], keep: &str) -> Result<i32> {
    if !applied.iter().any(|a| same_number(&a.version, keep)) {
        return Err(Failure::new(Kind::Config, format!("--to {keep}: migration {keep} is not applied"))
            .with_hint("migrate status lists the applied migrations; the version given stays applied."));
    }
    let newer = |a: &AppliedRow| {
        version_order(&a.version, keep) == Ordering::Greater && !same_number(&a.version, keep)
    };
    let count = applied.iter().filter(|a| newer(a)).count();
    if let Some(out_of_order) = applied.iter().rev().take(count).find(|a| !newer(a)) {
        return Err(Failure::new(
            Kind::Migration,
            format!(
                "--to {keep}: migration {} (older) was applied after some newer than {keep}: rolling back the last {count} \
                 applied would undo it too",
                out_of_order.version
            ),
        )
        .with_hint("Roll back with --steps, looking at the order in migrate status."));
    }
    Ok(count as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applied(versions: &[&str]) -> Vec<AppliedRow> {
        versions
            .iter()
            .map(|v| AppliedRow {
                version: v.to_string(),
                name: format!("m{v}"),
                applied_at: String::new(),
                checksum: String::new(),
            })
            .collect()
    }

    #[test]
    fn down_to_counts_the_newer_migrations() {
        let rows = applied(&["001", "002", "010", "011"]);
        assert_eq!(steps_down_to(&rows, "002").unwrap(), 2);
        assert_eq!(steps_down_to(&rows, "2").unwrap(), 2, "versions compare as numbers");
        assert_eq!(steps_down_to(&rows, "011").unwrap(), 0);
        assert_eq!(newest(&rows).unwrap().version, "011");
    }

    #[test]
    fn down_to_refuses_an_unapplied_version_and_an_interleaved_history() {
        let rows = applied(&["001", "002"]);
        assert_eq!(steps_down_to(&rows, "003").unwrap_err().kind, Kind::Config);
        // 002 was applied after 003: the last two applied are 003 and 002, not 003 and 004.
        let interleaved = applied(&["001", "003", "004", "002"]);
        let refused = steps_down_to(&interleaved, "002").unwrap_err();
        assert!(refused.message.contains("migration 002 (older) was applied after"), "{}", refused.message);
    }
}
