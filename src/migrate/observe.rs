//! What a dry run saw before it was rolled back: the relation locks this backend took and the
//! tables whose storage was rewritten (their relfilenode changed).

use pgrx::prelude::*;
use std::collections::{BTreeSet, HashMap};

/// Tables and materialized views outside the system schemas: OID -> (name, relfilenode).
pub fn table_files() -> HashMap<u32, (String, u32)> {
    Spi::connect(|client| {
        client
            .select(
                "SELECT c.oid, format('%I.%I', n.nspname, c.relname), c.relfilenode::oid \
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'confiture') \
                   AND n.nspname !~ '^pg_toast'",
                None,
                &[],
            )?
            .map(|row| {
                let oid = row.get::<pg_sys::Oid>(1)?.map(|o| o.to_u32()).unwrap_or_default();
                let name = row.get::<String>(2)?.unwrap_or_default();
                let node = row.get::<pg_sys::Oid>(3)?.map(|o| o.to_u32()).unwrap_or_default();
                Ok((oid, (name, node)))
            })
            .collect::<Result<HashMap<_, _>, pgrx::spi::Error>>()
    })
    .unwrap_or_default()
}

/// "schema.table: Mode" for every relation lock this backend holds on a user table.
pub fn held_locks() -> BTreeSet<String> {
    Spi::connect(|client| {
        client
            .select(
                "SELECT format('%I.%I: %s', n.nspname, c.relname, l.mode) \
                 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted \
                   AND c.relkind IN ('r', 'p', 'm') \
                   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'confiture')",
                None,
                &[],
            )?
            .map(|row| row.get::<String>(1).map(Option::unwrap_or_default))
            .collect::<Result<BTreeSet<_>, pgrx::spi::Error>>()
    })
    .unwrap_or_default()
}

/// Locks taken and tables rewritten since `before_files` / `before_locks` were read.
pub fn changes(
    before_files: &HashMap<u32, (String, u32)>,
    before_locks: &BTreeSet<String>,
) -> (Vec<String>, Vec<String>) {
    let locks: Vec<String> = held_locks().difference(before_locks).cloned().collect();
    let now = table_files();
    let mut rewritten: Vec<String> = before_files
        .iter()
        .filter(|(oid, (_, node))| now.get(oid).is_some_and(|(_, new_node)| new_node != node))
        .map(|(_, (name, _))| name.clone())
        .collect();
    rewritten.sort();
    (locks, rewritten)
}
