//! The tracking tables and the migration lock: what is registered, what is applied, and the
//! one planner. Nothing here runs a migration's script.

use super::spi;
use super::{check_version, down_plan, pending, statuses, Applied, Direction, Registered, LOCK_KEY};
use crate::errors::{invalid, raise};
use crate::schema_hash::text_checksum;
use crate::script::{first_outside_transaction, Purpose};
use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;

/// Take the migration lock. Only under READ COMMITTED: at REPEATABLE READ or SERIALIZABLE the
/// transaction's snapshot was taken before the lock, so it could miss what the session that held
/// the lock just committed, and apply (or register over) a migration a second time.
pub(super) fn lock() {
    let isolation = spi(
        "reading the isolation level",
        Spi::get_one::<String>("SELECT pg_catalog.current_setting('transaction_isolation')"),
    )
    .unwrap_or_default();
    // PostgreSQL runs READ UNCOMMITTED as READ COMMITTED.
    if isolation != "read committed" && isolation != "read uncommitted" {
        raise(
            crate::errors::codes::NOT_READ_COMMITTED,
            format!(
                "confiture migrations need a READ COMMITTED transaction, not {}",
                isolation.to_uppercase()
            ),
            Some(
                "The transaction's snapshot predates the migration lock: it could miss a migration another \
                 session has just applied, and apply it again."
                    .into(),
            ),
            Some(
                "Run it in a transaction started with BEGIN ISOLATION LEVEL READ COMMITTED (the CLI does)."
                    .into(),
            ),
        );
    }
    spi(
        "taking the migration lock",
        Spi::run(&format!("SELECT pg_catalog.pg_advisory_xact_lock({LOCK_KEY})")),
    );
}

pub(crate) fn registered() -> Vec<Registered> {
    read_registered(
        "SELECT version, name, checksum, down_sql IS NOT NULL, up_outside_transaction, \
         down_outside_transaction FROM confiture.migrations",
    )
}

/// What migration_status needs, from the columns every role may read (not the scripts).
fn registered_for_status() -> Vec<Registered> {
    read_registered(
        "SELECT version, name, checksum, false, up_outside_transaction, down_outside_transaction \
         FROM confiture.migrations",
    )
}

fn read_registered(query: &str) -> Vec<Registered> {
    spi(
        "reading confiture.migrations",
        Spi::connect(|client| {
            client
                .select(query, None, &[])?
                .map(|row| {
                    Ok(Registered {
                        version: row.get::<String>(1)?.unwrap_or_default(),
                        name: row.get::<String>(2)?.unwrap_or_default(),
                        checksum: row.get::<String>(3)?.unwrap_or_default(),
                        has_down: row.get::<bool>(4)?.unwrap_or(false),
                        up_outside_transaction: row.get(5)?,
                        down_outside_transaction: row.get(6)?,
                    })
                })
                .collect::<Result<Vec<_>, pgrx::spi::Error>>()
        }),
    )
}

pub(crate) fn applied() -> Vec<Applied> {
    spi(
        "reading confiture.migration_history",
        Spi::connect(|client| {
            client
                .select(
                    "SELECT version, name, checksum FROM confiture.migration_history \
                     ORDER BY applied_at, version COLLATE \"C\"",
                    None,
                    &[],
                )?
                .map(|row| {
                    Ok(Applied {
                        version: row.get::<String>(1)?.unwrap_or_default(),
                        name: row.get::<String>(2)?.unwrap_or_default(),
                        checksum: row.get::<String>(3)?.unwrap_or_default(),
                    })
                })
                .collect::<Result<Vec<_>, pgrx::spi::Error>>()
        }),
    )
}

fn short(checksum: &str) -> &str {
    &checksum[..checksum.len().min(12)]
}

pub(super) fn drift_error(version: &str, name: &str, applied: &str, now: &str) -> ! {
    raise(
        crate::errors::codes::CHECKSUM_DRIFT,
        format!(
            "checksum drift: migration {version}_{name} was applied with checksum {} but its text now has {}: refused",
            short(applied),
            short(now)
        ),
        None,
        Some(format!(
            "Restore the applied text, or accept the new one on purpose: confiture migrate accept {version} \
             (SQL: SELECT confiture.accept_checksum('{version}', <new text>))."
        )),
    )
}

/// Store a migration's texts, or confirm them. Returns registered, unchanged or updated.
/// An applied migration whose text changed is refused (checksum drift).
pub fn register(version: &str, name: &str, up_sql: &str, down_sql: Option<&str>) -> &'static str {
    check_version(version).unwrap_or_else(|e| invalid(e, None));
    if name.trim().is_empty() {
        invalid(format!("migration {version}: the name is empty"), None);
    }
    if crate::sql_text::is_blank(up_sql) {
        invalid(
            format!("migration {version}_{name}: the up script is empty"),
            Some(Purpose::EMPTY_MIGRATION_HINT.into()),
        );
    }
    lock();
    let (known, history) = (registered(), applied());
    let versions = known.iter().map(|r| r.version.as_str()).chain(history.iter().map(|a| a.version.as_str()));
    if let Some(other) = super::same_number_as(version, versions) {
        invalid(
            format!("migration version {version} is the number of migration {other}, written differently"),
            Some(format!("Versions are compared as numbers: rename {version}_{name} to another version.")),
        );
    }
    let checksum = text_checksum(up_sql);
    if let Some(done) = history.into_iter().find(|a| a.version == version) {
        if done.checksum != checksum {
            drift_error(version, name, &done.checksum, &checksum);
        }
    }
    let existing = known.into_iter().find(|r| r.version == version);
    let unchanged = existing.as_ref().is_some_and(|r| r.checksum == checksum && r.name == name)
        && spi(
            "comparing the down script",
            Spi::get_one_with_args::<bool>(
                "SELECT down_sql IS NOT DISTINCT FROM $2 FROM confiture.migrations WHERE version = $1",
                &[DatumWithOid::from(version), DatumWithOid::from(down_sql)],
            ),
        )
        .unwrap_or(false);
    if unchanged {
        return "unchanged";
    }
    spi(
        "storing the migration",
        Spi::run_with_args(
            "INSERT INTO confiture.migrations (version, name, up_sql, down_sql, checksum, \
               up_outside_transaction, down_outside_transaction) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (version) DO UPDATE SET name = EXCLUDED.name, up_sql = EXCLUDED.up_sql, \
               down_sql = EXCLUDED.down_sql, checksum = EXCLUDED.checksum, \
               up_outside_transaction = EXCLUDED.up_outside_transaction, \
               down_outside_transaction = EXCLUDED.down_outside_transaction, \
               registered_at = clock_timestamp(), registered_by = current_user",
            &[
                DatumWithOid::from(version),
                DatumWithOid::from(name),
                DatumWithOid::from(up_sql),
                DatumWithOid::from(down_sql),
                DatumWithOid::from(checksum.as_str()),
                DatumWithOid::from(first_outside_transaction(up_sql)),
                DatumWithOid::from(down_sql.and_then(first_outside_transaction)),
            ],
        ),
    );
    if existing.is_some() {
        "updated"
    } else {
        "registered"
    }
}

/// The registered script of `version`; an error naming the cause when its row is gone (a hook
/// or another statement of the run deleted it).
pub(crate) fn script_of(version: &str, column: &str) -> String {
    let query = format!("SELECT {column} FROM confiture.migrations WHERE version = $1");
    let found = spi(
        "reading the migration text",
        Spi::connect(|client| {
            let rows = client.select(&query, Some(1), &[DatumWithOid::from(version)])?;
            match rows.into_iter().next() {
                Some(row) => row.get::<String>(1),
                None => Ok(None),
            }
        }),
    );
    found.unwrap_or_else(|| {
        raise(
            crate::errors::codes::WRONG_STATE,
            format!("migration {version} is no longer registered: its row in confiture.migrations was deleted during the run"),
            None,
            Some("A hook or a migration must not delete from confiture.migrations; register the migration again.".into()),
        )
    })
}

/// What migrate_up (to `target`) or migrate_down (`steps`) would run now, in order, with the
/// statement of each that cannot run in a transaction: the one planner, which the CLI follows.
pub fn plan(direction: &str, target: Option<&str>, steps: i32) -> Vec<(String, String, Option<String>)> {
    let Some(direction) = Direction::parse(direction) else {
        invalid(format!("direction must be up or down, not \"{direction}\""), None);
    };
    let (registered, applied) = (registered(), applied());
    let plan = match direction {
        Direction::Up => pending(&registered, &applied, target),
        Direction::Down => down_plan(&registered, &applied, steps),
    }
    .unwrap_or_else(|e| invalid(e, None));
    plan.into_iter()
        .map(|m| (m.version.clone(), m.name.clone(), direction.outside_transaction(m).map(str::to_string)))
        .collect()
}

/// Record in migration_history that `migration` ran in `direction`.
pub(super) fn record_history(
    migration: &Registered,
    direction: Direction,
    (duration_ms, statements, rows): (f64, i32, i64),
) {
    let done = match direction {
        Direction::Up => Spi::run_with_args(
            "INSERT INTO confiture.migration_history (version, name, checksum, duration_ms, statement_count, rows_affected) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                DatumWithOid::from(migration.version.as_str()),
                DatumWithOid::from(migration.name.as_str()),
                DatumWithOid::from(migration.checksum.as_str()),
                DatumWithOid::from(duration_ms),
                DatumWithOid::from(statements),
                DatumWithOid::from(rows),
            ],
        ),
        Direction::Down => Spi::run_with_args(
            "DELETE FROM confiture.migration_history WHERE version = $1",
            &[DatumWithOid::from(migration.version.as_str())],
        ),
    };
    spi("recording the migration", done);
}

/// Every known migration and its state; `offered` (version, checksum) pairs, from the CLI's
/// files, reveal drift before anything is registered.
pub fn status(
    versions: Option<Vec<String>>,
    checksums: Option<Vec<String>>,
) -> Vec<(String, String, &'static str)> {
    let (versions, checksums) = match (versions, checksums) {
        (None, None) => {
            let rows = statuses(&registered_for_status(), &applied(), None);
            return rows.into_iter().map(|(v, n, s)| (v, n, s.as_str())).collect();
        }
        (versions, checksums) => (versions.unwrap_or_default(), checksums.unwrap_or_default()),
    };
    if versions.len() != checksums.len() {
        let message = format!(
            "versions has {} elements but checksums has {}: give one checksum per version",
            versions.len(),
            checksums.len()
        );
        invalid(message, None);
    }
    let offered: Vec<(String, String)> = versions.into_iter().zip(checksums).collect();
    statuses(&registered_for_status(), &applied(), Some(&offered))
        .into_iter()
        .map(|(v, n, s)| (v, n, s.as_str()))
        .collect()
}

/// Accept a changed text for an applied migration, on purpose: it becomes the registered text
/// and the history's checksum, and the history records who accepted it and when.
pub fn accept(version: &str, up_sql: &str) -> String {
    lock();
    if !applied().iter().any(|a| a.version == version) {
        raise(
            crate::errors::codes::WRONG_STATE,
            format!("migration {version} is not applied: nothing to accept (register it instead)"),
            None,
            None,
        );
    }
    let checksum = text_checksum(up_sql);
    spi(
        "accepting the checksum",
        Spi::run_with_args(
            "UPDATE confiture.migrations SET up_sql = $2, checksum = $3 WHERE version = $1; ",
            &[DatumWithOid::from(version), DatumWithOid::from(up_sql), DatumWithOid::from(checksum.as_str())],
        ),
    );
    spi(
        "accepting the checksum",
        Spi::run_with_args(
            "UPDATE confiture.migration_history SET checksum = $2, checksum_accepted_at = clock_timestamp(), \
             checksum_accepted_by = current_user WHERE version = $1",
            &[DatumWithOid::from(version), DatumWithOid::from(checksum.as_str())],
        ),
    );
    checksum
}

/// Mark registered migrations applied without running them (an existing database adopted by
/// `migrate baseline`, or a history imported from another tool), in version order; `reason`
/// goes into each migration_marked_applied event. Returns (version, name, "marked" or
/// "already applied").
pub fn mark_applied(versions: &[String], reason: &str) -> Vec<(String, String, &'static str)> {
    lock();
    let (known, history) = (registered(), applied());
    let mut wanted: Vec<&Registered> = Vec::with_capacity(versions.len());
    for version in versions {
        match known.iter().find(|r| &r.version == version) {
            Some(migration) => wanted.push(migration),
            None => raise(
                crate::errors::codes::WRONG_STATE,
                format!("migration {version} is not registered: register it before marking it applied"),
                None,
                Some(
                    "confiture migrate baseline and migrate import register the project's files first."
                        .into(),
                ),
            ),
        }
    }
    wanted.sort_by(|a, b| confiture_core::migration::version::version_order(&a.version, &b.version));
    wanted.dedup_by(|a, b| a.version == b.version);
    wanted
        .into_iter()
        .map(|migration| {
            if history.iter().any(|a| a.version == migration.version) {
                return (migration.version.clone(), migration.name.clone(), "already applied");
            }
            record_history(migration, Direction::Up, (0.0, 0, 0));
            super::events::record(
                super::events::Event::MigrationMarkedApplied,
                Some(&migration.version),
                serde_json::json!({ "reason": reason, "checksum": migration.checksum }),
            );
            (migration.version.clone(), migration.name.clone(), "marked")
        })
        .collect()
}
