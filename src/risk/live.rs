//! The live facts a statement is judged with, read without taking a lock on any user table:
//! names resolve through to_regclass (no lock), sizes come from pg_class (relpages,
//! reltuples: pg_relation_size would lock), write rates from the statistics, lock holders
//! from pg_locks. A session holding ACCESS EXCLUSIVE on the table delays none of it.

use crate::server::query;
use confiture_core::risk::LockMode;
use pgrx::datum::DatumWithOid;
use serde::Deserialize;
use serde_json::Value;

const CAPABILITY: &str = "confiture assess";

/// A live relation the statement locks.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Relation {
    pub oid: u32,
    pub kind: String,
    /// Heap plus TOAST bytes, from relpages.
    pub bytes: i64,
    pub rows: i64,
    pub index_bytes: i64,
    pub writes_per_second: f64,
}

impl Relation {
    pub fn is_table(&self) -> bool {
        matches!(self.kind.as_str(), "r" | "p" | "m")
    }
}

/// The relation `name` ("schema.name" or a name on the search_path) as it is now, if it exists.
pub fn relation(name: &str) -> Option<Relation> {
    query::json(
        CAPABILITY,
        "reading a relation's size",
        "SELECT jsonb_build_object(
             'oid', c.oid::int8, 'kind', c.relkind::text,
             'bytes', (c.relpages::int8 + COALESCE(t.relpages, 0)::int8) * current_setting('block_size')::int8,
             'rows', GREATEST(c.reltuples, 0)::int8,
             'index_bytes', COALESCE((SELECT sum(i.relpages)::int8 FROM pg_catalog.pg_index x
                                       JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
                                      WHERE x.indrelid = c.oid), 0) * current_setting('block_size')::int8,
             'writes_per_second',
                 (pg_catalog.pg_stat_get_tuples_inserted(c.oid) + pg_catalog.pg_stat_get_tuples_updated(c.oid)
                  + pg_catalog.pg_stat_get_tuples_deleted(c.oid))::float8
                 / GREATEST(extract(epoch FROM now() - COALESCE(
                       (SELECT d.stats_reset FROM pg_catalog.pg_stat_database d WHERE d.datname = current_database()),
                       pg_catalog.pg_postmaster_start_time())), 1))::text
           FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_class t ON t.oid = c.reltoastrelid
          WHERE c.oid = pg_catalog.to_regclass($1)",
        &[DatumWithOid::from(name)],
    )
}

/// The sessions holding, now, a lock on relation `oid` that conflicts with `mode`.
pub fn blockers(oid: u32, name: &str, mode: LockMode) -> Vec<Value> {
    #[derive(Deserialize)]
    struct Holder {
        pid: i32,
        mode: String,
        user: Option<String>,
        application: Option<String>,
        state: Option<String>,
        seconds: f64,
    }
    let holders: Option<Vec<Holder>> = query::json(
        CAPABILITY,
        "reading the sessions that hold locks",
        "SELECT jsonb_agg(jsonb_build_object(
                 'pid', COALESCE(l.pid, 0), 'mode', l.mode, 'user', a.usename, 'application', a.application_name,
                 'state', a.state,
                 'seconds', round(COALESCE(extract(epoch FROM now() - COALESCE(a.xact_start, a.backend_start)), 0)::numeric, 3))
               ORDER BY l.pid)::text
           FROM pg_catalog.pg_locks l LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'relation' AND l.relation = $1::oid AND l.granted
            AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
            AND l.pid IS DISTINCT FROM pg_catalog.pg_backend_pid()",
        &[DatumWithOid::from(oid as i64)],
    );
    holders
        .unwrap_or_default()
        .into_iter()
        .filter(|h| LockMode::parse(&h.mode).is_some_and(|held| held.conflicts_with(mode)))
        .map(|h| {
            serde_json::json!({
                "pid": h.pid, "relation": name, "mode": LockMode::parse(&h.mode).map(LockMode::label),
                "user": h.user, "application": h.application, "state": h.state, "seconds": h.seconds,
            })
        })
        .collect()
}

/// What uses relation `oid` (or its column `column`): views and materialized views over it,
/// foreign keys that reference it, functions whose body names it.
pub fn dependents(oid: u32, column: Option<&str>) -> Vec<String> {
    let found: Option<Vec<String>> = query::json(
        CAPABILITY,
        "reading what depends on a relation",
        "WITH target AS (
             SELECT c.oid, c.relname, (SELECT a.attnum FROM pg_catalog.pg_attribute a
                                        WHERE a.attrelid = c.oid AND a.attname = $2) AS attnum
               FROM pg_catalog.pg_class c WHERE c.oid = $1::oid),
         found AS (
             SELECT format('%s %s', CASE v.relkind WHEN 'm' THEN 'materialized view' ELSE 'view' END,
                           v.oid::regclass) AS what
               FROM target t JOIN pg_catalog.pg_depend d ON d.refobjid = t.oid
               JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid
               JOIN pg_catalog.pg_class v ON v.oid = r.ev_class
              WHERE d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.refclassid = 'pg_catalog.pg_class'::regclass
                AND v.oid <> t.oid AND ($2 IS NULL OR d.refobjsubid = t.attnum)
             UNION
             SELECT format('foreign key %I on %s', k.conname, k.conrelid::regclass)
               FROM target t JOIN pg_catalog.pg_constraint k ON k.confrelid = t.oid
              WHERE k.contype = 'f' AND k.conrelid <> t.oid
                AND ($2 IS NULL OR t.attnum = ANY (k.confkey))
             UNION
             SELECT 'function ' || p.oid::regprocedure
               FROM target t, pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
              WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'confiture')
                AND p.prolang NOT IN (12, 13)
                AND p.prosrc ~* ('\\m' || regexp_replace(t.relname, '(\\W)', '\\\\\\1', 'g') || '\\M')
                AND ($2 IS NULL OR p.prosrc ~* ('\\m' || regexp_replace($2, '(\\W)', '\\\\\\1', 'g') || '\\M')))
         SELECT jsonb_agg(what ORDER BY what)::text FROM found",
        &[DatumWithOid::from(oid as i64), DatumWithOid::from(column)],
    );
    found.unwrap_or_default()
}

/// Whether constraint `name` of relation `oid` is a foreign key.
pub fn is_foreign_key(oid: u32, name: &str) -> bool {
    query::value::<bool>(
        CAPABILITY,
        "reading a constraint",
        "SELECT contype = 'f' FROM pg_catalog.pg_constraint WHERE conrelid = $1::oid AND conname = $2",
        &[DatumWithOid::from(oid as i64), DatumWithOid::from(name)],
    )
    .unwrap_or(false)
}

/// A lock_timeout is set for this session now.
pub fn lock_timeout_now() -> bool {
    query::value::<String>(CAPABILITY, "reading lock_timeout", "SELECT current_setting('lock_timeout')", &[])
        .is_some_and(|v| v.trim_start_matches('0').chars().any(|c| c.is_ascii_digit()))
}
