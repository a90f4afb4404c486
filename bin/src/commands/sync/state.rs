//! What a sync leaves in the target while it runs, so that a killed run resumes and loses
//! nothing: the run's fingerprint (tables, rules, key fingerprint: never the key), the tables
//! already loaded (written in the same transaction as their rows), and the foreign keys dropped
//! for the load (written in the same transaction as the DROP). Removed when the run ends well.

use super::catalog::ForeignKey;
use crate::failure::{Failure, Kind, Result};
use postgres::{Client, GenericClient};
use std::collections::{BTreeMap, BTreeSet};

const CREATE: &str = "
CREATE SCHEMA IF NOT EXISTS confiture_sync;
COMMENT ON SCHEMA confiture_sync IS 'confiture sync: the state of an unfinished run (dropped when it ends)';
CREATE TABLE IF NOT EXISTS confiture_sync.run (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  fingerprint text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS confiture_sync.loaded (
  table_name text PRIMARY KEY,
  rows bigint NOT NULL,
  loaded_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS confiture_sync.dropped_foreign_keys (
  table_name text NOT NULL,
  constraint_name text NOT NULL,
  definition text NOT NULL,
  validated boolean NOT NULL,
  PRIMARY KEY (table_name, constraint_name));
REVOKE ALL ON SCHEMA confiture_sync FROM PUBLIC;";

/// The state found in the target before a run.
#[derive(Debug, Default)]
pub struct Found {
    pub fingerprint: Option<String>,
    /// Table (as `schema.table`, quoted) to rows loaded.
    pub loaded: BTreeMap<String, i64>,
    pub dropped: Vec<ForeignKey>,
}

fn db(description: &str) -> impl Fn(postgres::Error) -> Failure + '_ {
    move |e| Failure::from_postgres(e, description)
}

pub fn read(client: &mut Client, description: &str) -> Result<Found> {
    let exists: bool = client
        .query_one("SELECT to_regclass('confiture_sync.run') IS NOT NULL", &[])
        .map_err(db(description))?
        .get(0);
    if !exists {
        return Ok(Found::default());
    }
    let mut found = Found::default();
    for row in client.query("SELECT fingerprint FROM confiture_sync.run", &[]).map_err(db(description))? {
        found.fingerprint = Some(row.get(0));
    }
    for row in
        client.query("SELECT table_name, rows FROM confiture_sync.loaded", &[]).map_err(db(description))?
    {
        found.loaded.insert(row.get(0), row.get(1));
    }
    let dropped = client
        .query(
            "SELECT table_name, constraint_name, definition, validated FROM confiture_sync.dropped_foreign_keys
             ORDER BY table_name, constraint_name",
            &[],
        )
        .map_err(db(description))?;
    found.dropped = dropped
        .iter()
        .map(|row| ForeignKey {
            table: row.get(0),
            name: row.get(1),
            definition: row.get(2),
            validated: row.get(3),
            referenced: String::new(),
            table_loaded: true,
            referenced_loaded: true,
        })
        .collect();
    Ok(found)
}

/// One sync at a time into a database: a session lock, held until `client` disconnects (a
/// killed run's goes with it).
pub fn lock(client: &mut Client, description: &str) -> Result<()> {
    let locked: bool = client
        .query_one("SELECT pg_try_advisory_lock(hashtextextended('confiture sync', 0))", &[])
        .map_err(db(description))?
        .get(0);
    if locked {
        return Ok(());
    }
    Err(Failure::new(Kind::Lock, format!("another confiture sync is loading {description}"))
        .with_hint("Wait for it to finish, or stop it (its tables loaded so far are kept for --resume)."))
}

/// Starts (or resumes) a run: the state tables exist, the fingerprint is this run's, and every
/// foreign key in `foreign_keys` is recorded then dropped, in one transaction.
pub fn begin(
    client: &mut Client,
    description: &str,
    fingerprint: &str,
    fresh: bool,
    foreign_keys: &[ForeignKey],
) -> Result<()> {
    let mut transaction = client.transaction().map_err(db(description))?;
    transaction.batch_execute(CREATE).map_err(db(description))?;
    if fresh {
        transaction.batch_execute("TRUNCATE confiture_sync.loaded").map_err(db(description))?;
    }
    transaction
        .execute(
            "INSERT INTO confiture_sync.run (fingerprint) VALUES ($1)
             ON CONFLICT (only_row) DO UPDATE SET fingerprint = EXCLUDED.fingerprint",
            &[&fingerprint],
        )
        .map_err(db(description))?;
    for key in foreign_keys {
        transaction
            .execute(
                "INSERT INTO confiture_sync.dropped_foreign_keys VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                &[&key.table, &key.name, &key.definition, &key.validated],
            )
            .map_err(db(description))?;
        transaction
            .batch_execute(&format!(
                "ALTER TABLE {} DROP CONSTRAINT {}",
                key.table,
                super::catalog::ident(&key.name)
            ))
            .map_err(|e| {
                let mut failure = Failure::from_postgres(e, description);
                failure.message = format!(
                    "cannot drop foreign key {} of {} for the load: {}",
                    key.name, key.table, failure.message
                );
                failure.with_hint(
                    "sync needs to own the target's tables (it drops and re-adds their foreign keys)",
                )
            })?;
    }
    transaction.commit().map_err(db(description))
}

/// Records a table as loaded, inside the transaction that loaded it.
pub fn mark_loaded(
    transaction: &mut impl GenericClient,
    table: &str,
    rows: i64,
) -> std::result::Result<(), postgres::Error> {
    transaction
        .execute(
            "INSERT INTO confiture_sync.loaded (table_name, rows) VALUES ($1, $2)
             ON CONFLICT (table_name) DO UPDATE SET rows = EXCLUDED.rows, loaded_at = now()",
            &[&table, &rows],
        )
        .map(drop)
}

/// Re-adds the dropped foreign keys: each NOT VALID, then validated (a scan that takes no lock
/// blocking writes), and only then forgotten: a kill in between leaves the record, and the next
/// run drops and re-adds the key again. Returns the keys that failed to validate, with
/// PostgreSQL's reason: they stay NOT VALID, still recorded.
pub fn restore_foreign_keys(client: &mut Client, description: &str) -> Result<Vec<(String, String)>> {
    let found = read(client, description)?;
    let mut invalid = Vec::new();
    for key in &found.dropped {
        let name = super::catalog::ident(&key.name);
        let definition = key.definition.trim_end_matches(" NOT VALID");
        // PostgreSQL 15 cannot add a NOT VALID foreign key to a partitioned table: there the ADD
        // checks the rows itself, and a key that does not hold stays recorded, not added.
        let partitioned: bool = client
            .query_one("SELECT relkind = 'p' FROM pg_class WHERE oid = $1::text::regclass", &[&key.table])
            .map_err(db(description))?
            .get(0);
        let add = format!("ALTER TABLE {} ADD CONSTRAINT {name} {definition}", key.table);
        let checked = if partitioned && key.validated {
            client.batch_execute(&add)
        } else {
            client.batch_execute(&format!("{add} NOT VALID")).map_err(db(description))?;
            match key.validated {
                true => {
                    client.batch_execute(&format!("ALTER TABLE {} VALIDATE CONSTRAINT {name}", key.table))
                }
                false => Ok(()),
            }
        };
        if let Err(error) = checked {
            let failure = Failure::from_postgres(error, description);
            let state = if partitioned { "not added, still recorded" } else { "NOT VALID" };
            invalid.push((format!("{} on {} ({state})", key.name, key.table), failure.message));
            continue;
        }
        client
            .execute(
                "DELETE FROM confiture_sync.dropped_foreign_keys WHERE table_name = $1 AND constraint_name = $2",
                &[&key.table, &key.name],
            )
            .map_err(db(description))?;
    }
    Ok(invalid)
}

/// The run is over: the state goes.
pub fn finish(client: &mut Client, description: &str) -> Result<()> {
    client.batch_execute("DROP SCHEMA IF EXISTS confiture_sync CASCADE").map_err(db(description))
}

/// Tables in `wanted` already loaded by the run being resumed.
pub fn already_loaded(found: &Found, wanted: &BTreeSet<String>) -> BTreeSet<String> {
    found.loaded.keys().filter(|t| wanted.contains(*t)).cloned().collect()
}

pub fn refuse_resume(reason: &str) -> Failure {
    Failure::new(Kind::Config, format!("cannot resume: {reason}"))
        .with_hint("Run without --resume to start the sync over (the tables are loaded again from scratch).")
}
