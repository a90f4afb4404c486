//! Observing statements on a scratch copy: a database holding the live database's schema
//! (rebuilt from its catalog snapshot, no rows), where each statement runs in a transaction of
//! its own and, before that commits, pg_locks, the relfilenodes and the scan counters say what
//! it locked, rewrote and read. Committing lets the next statement see its effects; the copy is
//! dropped at the end. The live database is only read (its snapshot).

use crate::commands::diff::{everything_allowed, failure_of};
use crate::commands::diff_source::{snapshot, Scratch};
use crate::db::Target;
use crate::failure::{Failure, Result};
use confiture_core::diff;
use confiture_core::risk::Observation;
use postgres::{Client, Transaction};
use std::collections::{BTreeMap, HashMap};

/// Tables, views and foreign tables of the user's schemas: OID -> (name, relfilenode,
/// sequential scans so far in this transaction, has storage).
const RELATIONS: &str = "SELECT c.oid::int8, format('%I.%I', n.nspname, c.relname), c.relfilenode::int8, \
         pg_catalog.pg_stat_get_xact_numscans(c.oid), c.relkind IN ('r', 'm') \
     FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     WHERE c.relkind IN ('r', 'p', 'm', 'v', 'f') \
       AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'";

/// The relation locks this session holds.
const LOCKS: &str = "SELECT l.relation::int8, l.mode FROM pg_catalog.pg_locks l \
     WHERE l.pid = pg_catalog.pg_backend_pid() AND l.locktype = 'relation' AND l.granted \
       AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())";

struct Relation {
    name: String,
    file: i64,
    scans: i64,
    has_storage: bool,
}

/// A schema-only copy of `live`, dropped when it goes out of scope.
pub struct Copy {
    scratch: Scratch,
    client: Client,
}

impl Copy {
    pub fn of(live: &Target) -> Result<Copy> {
        let schema = snapshot(live, None)?;
        let scratch = Scratch::create(live, "assess", None)?;
        let empty = snapshot(&scratch.target, None)?;
        let rebuild = diff::plan(&empty, &schema, &everything_allowed(false)).map_err(failure_of)?;
        scratch.apply(&rebuild)?;
        let client = scratch.target.connect()?;
        Ok(Copy { scratch, client })
    }

    /// Run `statement` on the copy and say what it did. A statement that must run outside a
    /// transaction runs as is and is not observed (None: the model speaks for it).
    pub fn observe(
        &mut self,
        statement_no: i32,
        statement: &str,
        outside_transaction: bool,
    ) -> Option<Observation> {
        if outside_transaction {
            // Its effect matters to the statements after it; what it locks cannot be seen.
            let _ = self.client.batch_execute(statement);
            return None;
        }
        let description = self.scratch.target.description.clone();
        let mut transaction = self.client.transaction().ok()?;
        let observed = observe_in(&mut transaction, statement_no, statement).map_err(|e| {
            let failure = Failure::from_postgres(e, &description);
            Observation { statement_no, error: Some(failure.message), ..Observation::default() }
        });
        match observed {
            Ok(observation) => {
                transaction.commit().ok()?;
                Some(observation)
            }
            Err(failed) => {
                let _ = transaction.rollback();
                Some(failed)
            }
        }
    }
}

fn relations(transaction: &mut Transaction) -> std::result::Result<HashMap<i64, Relation>, postgres::Error> {
    Ok(transaction
        .query(RELATIONS, &[])?
        .iter()
        .map(|r| {
            (r.get(0), Relation { name: r.get(1), file: r.get(2), scans: r.get(3), has_storage: r.get(4) })
        })
        .collect())
}

fn observe_in(
    transaction: &mut Transaction,
    statement_no: i32,
    statement: &str,
) -> std::result::Result<Observation, postgres::Error> {
    let before = relations(transaction)?;
    transaction.batch_execute(statement)?;
    let held = transaction.query(LOCKS, &[])?;
    let after = relations(transaction)?;
    let mut locks: BTreeMap<String, String> = BTreeMap::new();
    for row in &held {
        let (oid, mode): (i64, String) = (row.get(0), row.get(1));
        // Only relations that existed before the statement: what it creates nobody waits for.
        let Some(relation) = before.get(&oid) else { continue };
        let stronger = locks.get(&relation.name).and_then(|m| confiture_core::risk::LockMode::parse(m));
        if stronger.is_none_or(|held| confiture_core::risk::LockMode::parse(&mode).is_some_and(|m| m > held))
        {
            locks.insert(relation.name.clone(), mode);
        }
    }
    let changed = |pick: fn(&Relation, &Relation) -> bool| -> Vec<String> {
        let mut names: Vec<String> = before
            .iter()
            .filter(|(oid, was)| was.has_storage && after.get(oid).is_some_and(|now| pick(was, now)))
            .map(|(_, was)| was.name.clone())
            .collect();
        names.sort();
        names
    };
    Ok(Observation {
        statement_no,
        locks,
        rewritten: changed(|was, now| was.file != now.file),
        scanned: changed(|was, now| now.scans > was.scans),
        error: None,
    })
}
