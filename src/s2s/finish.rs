//! After the copy: the foreign keys set aside come back (NOT VALID, then validated, so the
//! check is one scan per key), and every sequence of a copied table moves past its values.

use super::{execute, execute_with, json_query, report_of, spi_checked};
use crate::server::scope::Scope;
use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use pgrx::spi::quote_identifier;

#[derive(serde::Deserialize)]
struct SetAside {
    target_table: String,
    constraint_name: String,
    definition: String,
    exists: bool,
    validated: bool,
    partitioned: bool,
}

/// One row per foreign key put back: `validated`, `not valid` (it was NOT VALID in the DDL), or
/// the error that kept it from validating (it stays NOT VALID, still recorded, so a second call
/// retries it).
pub fn validate() -> Vec<(String, String, String)> {
    let keys: Vec<SetAside> = json_query(
        "reading the foreign keys set aside",
        "SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(\
             'target_table', s.target_table, 'constraint_name', s.constraint_name, 'definition', s.definition, \
             'exists', k.oid IS NOT NULL, 'validated', coalesce(k.convalidated, false), \
             'partitioned', c.relkind = 'p') ORDER BY s.target_table, s.constraint_name), '[]')::text \
         FROM confiture.s2s_set_aside_constraints s \
         JOIN pg_catalog.pg_class c ON c.oid = pg_catalog.to_regclass(s.target_table) \
         LEFT JOIN pg_catalog.pg_constraint k ON k.conrelid = c.oid AND k.conname = s.constraint_name",
        &[],
    );
    let mut rows = Vec::new();
    for key in keys {
        let name = quote_identifier(&key.constraint_name);
        let table = &key.target_table;
        let was_not_valid = key.definition.ends_with(" NOT VALID");
        if !key.exists {
            // PostgreSQL 15 cannot add a NOT VALID foreign key to a partitioned table: checked as added.
            let suffix = if was_not_valid || key.partitioned { "" } else { " NOT VALID" };
            let added =
                attempt(&format!("ALTER TABLE {table} ADD CONSTRAINT {name} {}{suffix}", key.definition));
            if let Err(message) = added {
                rows.push((table.clone(), key.constraint_name.clone(), message));
                continue;
            }
        }
        let outcome = if was_not_valid {
            Ok("not valid".to_string())
        } else if key.exists && key.validated || key.partitioned && !key.exists {
            Ok("validated".to_string())
        } else {
            attempt(&format!("ALTER TABLE {table} VALIDATE CONSTRAINT {name}"))
                .map(|()| "validated".to_string())
        };
        let status = match outcome {
            Ok(status) => {
                execute_with(
                    "forgetting a foreign key put back",
                        "DELETE FROM confiture.s2s_set_aside_constraints WHERE target_table = $1 AND constraint_name = $2",
                        &[DatumWithOid::from(table.as_str()), DatumWithOid::from(key.constraint_name.as_str())],
                );
                status
            }
            Err(message) => message,
        };
        rows.push((table.clone(), key.constraint_name, status));
    }
    rows
}

/// Run a statement in a subtransaction of its own; its error message if it failed.
fn attempt(statement: &str) -> Result<(), String> {
    match Scope::kept_on_success().run(|_| execute("putting a foreign key back", statement)) {
        Ok(()) => Ok(()),
        Err(failure) => Err(format!("error: {}", report_of(&failure.error).message())),
    }
}

/// `sequence, table, column, value`: each sequence owned by a column of a planned table (serial,
/// identity, OWNED BY), set so that its next value comes after every copied one (below, for a
/// descending sequence). A sequence already past them is left alone.
pub fn sync_sequences() -> Vec<(String, String, String, Option<i64>)> {
    let owned: Vec<(String, String, String, bool)> = json_query(
        "listing the sequences of the copied tables",
        "SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_array(\
             pg_catalog.format('%I.%I', sn.nspname, s.relname), t.target_table, a.attname, q.seqincrement > 0) \
             ORDER BY t.target_table, a.attnum), '[]')::text \
         FROM confiture.s2s_tables t \
         JOIN pg_catalog.pg_depend d ON d.refobjid = pg_catalog.to_regclass(t.target_table) \
              AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.classid = 'pg_catalog.pg_class'::regclass \
              AND d.deptype IN ('a', 'i') \
         JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S' \
         JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace \
         JOIN pg_catalog.pg_sequence q ON q.seqrelid = s.oid \
         JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid",
        &[],
    );
    let mut rows = Vec::new();
    for (sequence, table, column, ascending) in owned {
        let (extreme, past) = if ascending { ("max", ">") } else { ("min", "<") };
        let column_sql = quote_identifier(&column);
        // setval only when the copied values reach the sequence's position; is_called = true
        // makes the next nextval() step past the value set.
        let query = format!(
            "WITH copied AS (SELECT {extreme}({column_sql})::bigint AS v FROM {table}), \
                  now_at AS (SELECT last_value, is_called FROM {sequence}) \
             SELECT CASE WHEN copied.v IS NULL THEN NULL \
                         WHEN now_at.is_called AND now_at.last_value {past} copied.v THEN now_at.last_value \
                         WHEN NOT now_at.is_called AND now_at.last_value {past} copied.v THEN now_at.last_value \
                         ELSE pg_catalog.setval($1::regclass, copied.v, true) END \
             FROM copied, now_at"
        );
        let value = spi_checked(
            "moving a sequence",
            Spi::get_one_with_args::<i64>(&query, &[DatumWithOid::from(sequence.as_str())]),
        );
        rows.push((sequence, table, column, value));
    }
    rows
}
