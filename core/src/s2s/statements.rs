//! The SQL a plan runs: one copy batch, the checksums verify compares, the rows that differ.
//! Names are always quoted; the only values written into the text are the last key of the
//! previous batch, as literals of the key's type, so that postgres_fdw sends the range filter,
//! the ORDER BY and the LIMIT to the source (a parameter cast from text would stay local and
//! make every batch read the whole remaining table).

use super::plan::{ident, TablePlan};
use crate::sql_text::literal;

fn qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", ident(schema), ident(name))
}

/// `k1 >= v1 AND (k1 > v1 OR (k2 >= v2 AND (k2 > v2 OR ...)))`: the rows after `after` in key
/// order, written so that the source uses its key index as a range start (a row comparison is
/// not sent by postgres_fdw, and a plain OR would scan from the beginning every time).
fn after_key(plan: &TablePlan, after: &[String]) -> String {
    fn level(keys: &[(String, String)]) -> String {
        let (column, value) = &keys[0];
        if keys.len() == 1 {
            return format!("{column} > {value}");
        }
        format!("{column} >= {value} AND ({column} > {value} OR ({}))", level(&keys[1..]))
    }
    let keys: Vec<(String, String)> = plan
        .batch_key
        .iter()
        .zip(after)
        .map(|(k, v)| (format!("src.{}", ident(&k.name)), format!("CAST({} AS {})", literal(v), k.type_name)))
        .collect();
    level(&keys)
}

/// One batch: up to `limit` source rows after `after` (the previous batch's last key, as text),
/// inserted into the target. Returns one row: the rows inserted, this batch's last key (text[];
/// NULL when the batch was empty), and the sum (numeric, as text) and xor (bigint) of the hashes
/// of the batch's mapped source values, which verify compares with the target's rows. A plan
/// without a key copies everything in one statement.
pub fn copy_batch(plan: &TablePlan, limit: i64, after: Option<&[String]>) -> Option<String> {
    let source = plan.source.as_ref()?;
    let (names, expressions): (Vec<String>, Vec<String>) = plan
        .columns
        .iter()
        .filter_map(|c| c.expression.as_ref().map(|e| (ident(&c.column), e.clone())))
        .unzip();
    let overriding = if plan.overriding_system_value { " OVERRIDING SYSTEM VALUE" } else { "" };
    let insert = format!(
        "INSERT INTO {} ({}){overriding} SELECT {} FROM batch AS src RETURNING 1",
        qualified(&plan.target_schema, &plan.target_name),
        names.join(", "),
        expressions.join(", ")
    );
    let from = qualified(&source.staging_schema, &source.name);
    let (_, source_values) = compared_values(plan);
    let sums = "(SELECT coalesce(sum(h), 0)::text FROM hashed), (SELECT coalesce(bit_xor(h), 0) FROM hashed)";
    let hashed = format!("hashed AS (SELECT {} AS h FROM batch AS src)", row_hash(&source_values));
    if plan.batch_key.is_empty() {
        return Some(format!(
            "WITH batch AS MATERIALIZED (SELECT * FROM {from} AS src), moved AS ({insert}), {hashed} \
             SELECT (SELECT count(*) FROM moved)::bigint, NULL::text[], {sums}"
        ));
    }
    let keys: Vec<String> = plan.batch_key.iter().map(|k| ident(&k.name)).collect();
    let filter = match after {
        Some(after) if after.len() == plan.batch_key.len() => format!(" WHERE {}", after_key(plan, after)),
        _ => String::new(),
    };
    let as_text: Vec<String> = keys.iter().map(|k| format!("{k}::text")).collect();
    // The last key is the last row as the source sorted them (the batch keeps its arrival order):
    // sorting again here could order text differently than the source's collation does.
    Some(format!(
        "WITH batch AS MATERIALIZED (SELECT * FROM {from} AS src{filter} ORDER BY {} LIMIT {limit}), \
         moved AS ({insert}), {hashed} \
         SELECT (SELECT count(*) FROM moved)::bigint, \
                (SELECT ARRAY[{}] FROM batch OFFSET greatest((SELECT count(*) FROM batch) - 1, 0) LIMIT 1), {sums}",
        keys.join(", "),
        as_text.join(", "),
    ))
}

/// The hash of one row's compared values, as text of the target's types, so that equal values
/// give equal hashes on both sides.
fn row_hash(values: &[String]) -> String {
    format!("pg_catalog.hashtextextended((ROW({}))::text, 0)", values.join(", "))
}

/// The target side's values (`t.col`), and the source side's (each expression cast to the
/// target column's type, as the INSERT assigned it).
fn compared_values(plan: &TablePlan) -> (Vec<String>, Vec<String>) {
    plan.compared()
        .map(|c| {
            let expression = c.expression.as_deref().unwrap_or("NULL");
            (format!("t.{}", ident(&c.column)), format!("CAST(({expression}) AS {})", c.type_name))
        })
        .unzip()
}

fn checksum_over(hashes: &str) -> String {
    format!(
        "SELECT count(*)::bigint, coalesce(sum(h), 0)::text, coalesce(bit_xor(h), 0) FROM ({hashes}) AS v"
    )
}

/// Row count, sum (text) and xor (bigint) of the row hashes of the target table.
pub fn target_checksum(plan: &TablePlan) -> String {
    let (target_values, _) = compared_values(plan);
    checksum_over(&format!(
        "SELECT {} AS h FROM {} AS t",
        row_hash(&target_values),
        qualified(&plan.target_schema, &plan.target_name)
    ))
}

/// The same of the mapped source rows, read again from the source now.
pub fn source_checksum(plan: &TablePlan) -> Option<String> {
    let source = plan.source.as_ref()?;
    let (_, source_values) = compared_values(plan);
    Some(checksum_over(&format!(
        "SELECT {} AS h FROM {} AS src",
        row_hash(&source_values),
        qualified(&source.staging_schema, &source.name)
    )))
}

/// The source's row count now (computed by the source).
pub fn source_count(plan: &TablePlan) -> Option<String> {
    let source = plan.source.as_ref()?;
    Some(format!("SELECT count(*)::bigint FROM {}", qualified(&source.staging_schema, &source.name)))
}

/// The keys (text[], in the target's key order) of rows that differ, are missing from the
/// target, or are extra in it: one pass over each side, hashed and joined on the key. Returns
/// `key text, in_target bool, in_source bool`.
pub fn differing_keys(plan: &TablePlan, limit: i64) -> Option<String> {
    let source = plan.source.as_ref()?;
    if plan.verify_key.is_empty() {
        return None;
    }
    let (target_values, source_values) = compared_values(plan);
    let key_of = |side: &str| -> Vec<String> {
        plan.verify_key
            .iter()
            .map(|k| {
                let column = plan.columns.iter().find(|c| c.column == *k);
                match (side, column) {
                    ("t", _) => format!("t.{}::text", ident(k)),
                    (_, Some(column)) => format!(
                        "CAST(({}) AS {})::text",
                        column.expression.as_deref().unwrap_or("NULL"),
                        column.type_name
                    ),
                    (_, None) => "NULL::text".to_string(),
                }
            })
            .collect()
    };
    Some(format!(
        "SELECT coalesce(t.k, s.k), t.k IS NOT NULL, s.k IS NOT NULL FROM \
         (SELECT ARRAY[{}] AS k, {} AS h FROM {} AS t) AS t \
         FULL JOIN (SELECT ARRAY[{}] AS k, {} AS h FROM {} AS src) AS s ON s.k = t.k \
         WHERE t.h IS DISTINCT FROM s.h ORDER BY 1 LIMIT {limit}",
        key_of("t").join(", "),
        row_hash(&target_values),
        qualified(&plan.target_schema, &plan.target_name),
        key_of("s").join(", "),
        row_hash(&source_values),
        qualified(&source.staging_schema, &source.name),
    ))
}
