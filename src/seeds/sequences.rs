//! Sequences during seed validation. `nextval()` is not transactional: rows the seeds insert are
//! rolled back, the values they drew are not. Putting a sequence back is only safe when no
//! other session can have drawn from it meanwhile, so only the sequences owned by the tables the
//! seeds write (serial, identity, OWNED BY) are guarded: locked against every other session's
//! nextval/setval until the caller's transaction ends, their state saved, and put back. Any other
//! sequence the seeds draw from is left alone and reported.

use pgrx::datum::DatumWithOid;
use pgrx::pg_sys;
use pgrx::prelude::*;
use std::collections::BTreeSet;

/// A guarded sequence and its state before the seeds ran.
struct Saved {
    oid: pg_sys::Oid,
    name: String,
    last_value: i64,
    is_called: bool,
}

pub struct Guarded {
    saved: Vec<Saved>,
}

/// Lock the sequences owned by `tables` that the caller may read and set, and save their state.
pub fn guard(tables: &BTreeSet<(String, String)>) -> Guarded {
    let names: Vec<String> =
        tables.iter().map(|(schema, table)| pgrx::spi::quote_qualified_identifier(schema, table)).collect();
    let owned = Spi::connect(|client| -> Result<Vec<(pg_sys::Oid, String)>, pgrx::spi::Error> {
        let rows = client.select(
            "SELECT DISTINCT s.oid, format('%I.%I', n.nspname, s.relname) \
             FROM pg_catalog.pg_depend d \
             JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S' \
             JOIN pg_catalog.pg_namespace n ON n.oid = s.relnamespace \
             WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.refclassid = 'pg_catalog.pg_class'::regclass \
               AND d.deptype IN ('a', 'i') AND d.refobjid = ANY ($1::text[]::regclass[]) \
               AND CASE WHEN s.relkind = 'S' THEN pg_catalog.has_sequence_privilege(s.oid, 'SELECT') \
                        AND pg_catalog.has_sequence_privilege(s.oid, 'UPDATE') END \
             ORDER BY 1",
            None,
            &[DatumWithOid::from(names)],
        )?;
        rows.map(|row| Ok((row.get(1)?.unwrap_or(pg_sys::InvalidOid), row.get(2)?.unwrap_or_default())))
            .collect()
    })
    .unwrap_or_else(|e| pgrx::error!("listing the sequences of the tables the seeds write: {e}"));
    let saved = owned
        .into_iter()
        .map(|(oid, name)| {
            // SAFETY: a plain lock request from a backend inside a transaction; it waits like any
            // lock (lock_timeout applies) and is released at the transaction's end. SHARE
            // conflicts with the ROW EXCLUSIVE lock nextval() and setval() take, so no other
            // session draws from the sequence until then; our own session still can.
            unsafe { pg_sys::LockRelationOid(oid, pg_sys::ShareLock as pg_sys::LOCKMODE) };
            let (last_value, is_called) = state_of(&name);
            Saved { oid, name, last_value, is_called }
        })
        .collect();
    Guarded { saved }
}

impl Guarded {
    pub fn covers(&self, name: &str) -> bool {
        self.saved.iter().any(|s| s.name == name)
    }

    /// Put back every guarded sequence the seeds moved; nobody else could have moved it.
    pub fn put_back(&self) {
        for saved in &self.saved {
            if state_of(&saved.name) == (saved.last_value, saved.is_called) {
                continue;
            }
            Spi::run_with_args(
                "SELECT pg_catalog.setval($1, $2, $3)",
                &[
                    DatumWithOid::from(saved.oid),
                    DatumWithOid::from(saved.last_value),
                    DatumWithOid::from(saved.is_called),
                ],
            )
            .unwrap_or_else(|e| pgrx::error!("putting sequence {} back: {e}", saved.name));
        }
    }
}

fn state_of(name: &str) -> (i64, bool) {
    let query = format!("SELECT last_value, is_called FROM {name}");
    Spi::connect(|client| -> Result<(i64, bool), pgrx::spi::Error> {
        let row = client.select(&query, Some(1), &[])?.first();
        Ok((row.get(1)?.unwrap_or(0), row.get(2)?.unwrap_or(false)))
    })
    .unwrap_or_else(|e| pgrx::error!("reading sequence {name}: {e}"))
}

/// Which sequences the seeds draw from, step by step: nextval() and setval() keep a ROW
/// EXCLUSIVE lock on the sequence to the end of the top transaction, even when the
/// subtransaction that called them is rolled back, so pg_locks tells.
pub struct Draws {
    seen: BTreeSet<String>,
}

impl Draws {
    /// Those already drawn from in this transaction (before the seeds) do not count.
    pub fn start() -> Self {
        Self { seen: drawn_in_this_transaction() }
    }

    /// The sequences drawn from since the last call, by name.
    pub fn new_since(&mut self) -> Vec<String> {
        drawn_in_this_transaction().into_iter().filter(|name| self.seen.insert(name.clone())).collect()
    }
}

fn drawn_in_this_transaction() -> BTreeSet<String> {
    Spi::connect(|client| -> Result<BTreeSet<String>, pgrx::spi::Error> {
        client
            .select(
                "SELECT DISTINCT format('%I.%I', n.nspname, c.relname) FROM pg_catalog.pg_locks l \
                 JOIN pg_catalog.pg_class c ON c.oid = l.relation AND c.relkind = 'S' \
                 JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                 WHERE l.locktype = 'relation' AND l.pid = pg_catalog.pg_backend_pid() \
                   AND l.mode = 'RowExclusiveLock' AND l.granted AND n.nspname <> 'confiture' \
                 ORDER BY 1",
                None,
                &[],
            )?
            .map(|row| Ok(row.get::<String>(1)?.unwrap_or_default()))
            .collect()
    })
    .unwrap_or_else(|e| pgrx::error!("listing the sequences the seeds drew from: {e}"))
}
