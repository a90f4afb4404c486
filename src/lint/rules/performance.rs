use crate::catalog::{Index, Relation};
use crate::lint::config::LintConfig;
use crate::lint::{Context, Level, Rule};
use serde_json::json;
use std::collections::BTreeSet;

/// Whether some valid index of `table` starts with exactly `columns` (in any order).
fn leading_columns_covered(table: &Relation, columns: &[i16]) -> bool {
    let wanted: BTreeSet<i16> = columns.iter().copied().collect();
    table.indexes.iter().filter(|i| i.valid && !i.partial).any(|index| {
        let keys = index.keys();
        keys.len() >= wanted.len() && keys[..wanted.len()].iter().copied().collect::<BTreeSet<_>>() == wanted
    })
}

pub const FOREIGN_KEY_WITHOUT_INDEX: Rule = Rule {
    name: "foreign_key_without_index",
    category: "performance",
    level: Level::Warning,
    rationale: "Without an index on the referencing columns, every delete or key update in the referenced table scans the whole referencing table, under lock.",
    remediation: "CREATE INDEX CONCURRENTLY ON the table (the foreign key's columns).",
    check: |ctx, report| {
        for table in ctx.tables() {
            for fk in table.constraints.iter().filter(|c| c.kind == "f") {
                if !leading_columns_covered(table, fk.column_nums()) {
                    let columns = table.column_names(fk.column_nums());
                    report.on_relation(
                        table,
                        Some(&fk.name),
                        format!("foreign key {} on {} ({}) has no index", fk.name, table.qualified(), columns.join(", ")),
                        json!({"constraint": fk.name, "columns": columns}),
                    );
                    let quoted: Vec<String> = columns.iter().map(|c| ctx.catalog.ident(c)).collect();
                    // A partitioned table cannot build an index concurrently.
                    let how = if table.kind == "p" { "" } else { " CONCURRENTLY" };
                    report.remedy(format!(
                        "CREATE INDEX{how} ON {} ({});",
                        ctx.catalog.sql_name(&table.schema, &table.name),
                        quoted.join(", ")
                    ));
                }
            }
        }
    },
};

/// Whether two indexes compute the same thing the same way (UNIQUE aside).
fn same_computation(a: &Index, b: &Index) -> bool {
    a.method == b.method
        && a.columns == b.columns
        && a.key_columns == b.key_columns
        && a.opclasses == b.opclasses
        && a.collations == b.collations
        && a.shape == b.shape
}

/// Which of two same-shape indexes to keep: the primary key's, then one backing a constraint,
/// then one attached to a partitioned parent's index (it cannot be dropped alone), then a
/// unique one, then the first by name.
fn keep_rank(index: &Index) -> (bool, bool, bool, bool) {
    (!index.primary, !index.constraint, !index.attached, !index.unique)
}

/// SQL that drops `index` of `table`: through its constraint when it backs one.
fn drop_index_sql(ctx: &Context, table: &Relation, index: &Index) -> String {
    if index.constraint {
        format!(
            "ALTER TABLE {} DROP CONSTRAINT {};",
            ctx.catalog.sql_name(&table.schema, &table.name),
            ctx.catalog.ident(&index.name)
        )
    } else {
        // A partitioned table's index cannot be dropped concurrently.
        let how = if table.kind == "p" { "" } else { " CONCURRENTLY" };
        format!("DROP INDEX{how} {};", ctx.catalog.sql_name(&table.schema, &index.name))
    }
}

pub const DUPLICATE_INDEX: Rule = Rule {
    name: "duplicate_index",
    category: "performance",
    level: Level::Warning,
    rationale: "Two indexes on the same columns, the same way, cost two writes per change and twice the memory, for one benefit.",
    remediation: "DROP INDEX CONCURRENTLY the duplicate, or drop the constraint it backs; the primary key's index is kept.",
    check: |ctx, report| {
        for table in ctx.stored() {
            // A partition's index attached to its parent's goes with the parent's: reported there.
            for index in table.indexes.iter().filter(|i| !i.attached) {
                let kept = table.indexes.iter().find(|other| {
                    other.name != index.name
                        && same_computation(index, other)
                        && (keep_rank(other), &other.name) < (keep_rank(index), &index.name)
                });
                if let Some(kept) = kept {
                    report.on_relation(
                        table,
                        Some(&index.name),
                        format!("index {} on {} duplicates {}", index.name, table.qualified(), kept.name),
                        json!({"index": index.name, "duplicate_of": kept.name}),
                    );
                    report.remedy(drop_index_sql(ctx, table, index));
                }
            }
        }
    },
};

fn plain_btree(index: &Index) -> bool {
    index.method == "btree" && !index.expressions && !index.partial && index.valid
}

pub const REDUNDANT_INDEX: Rule = Rule {
    name: "redundant_index",
    category: "performance",
    level: Level::Info,
    rationale:
        "A btree index on (a) is redundant next to one on (a, b): the longer one serves the same lookups.",
    remediation:
        "DROP INDEX CONCURRENTLY the shorter index, after checking that no query needs its smaller size.",
    check: |ctx, report| {
        for table in ctx.stored() {
            for index in
                table.indexes.iter().filter(|i| plain_btree(i) && !i.unique && !i.constraint && !i.attached)
            {
                let keys = index.keys();
                let longer = table.indexes.iter().find(|other| {
                    plain_btree(other)
                        && other.keys().len() > keys.len()
                        && other.keys().starts_with(keys)
                        && other.opclasses.get(..keys.len()) == index.opclasses.get(..keys.len())
                        && other.collations.get(..keys.len()) == index.collations.get(..keys.len())
                });
                if let Some(longer) = longer {
                    report.on_relation(
                        table,
                        Some(&index.name),
                        format!(
                            "index {} on {} is a prefix of {}",
                            index.name,
                            table.qualified(),
                            longer.name
                        ),
                        json!({"index": index.name, "covered_by": longer.name}),
                    );
                    report.remedy(drop_index_sql(ctx, table, index));
                }
            }
        }
    },
};

pub const SEQ_SCANS_ON_LARGE_TABLE: Rule = Rule {
    name: "seq_scans_on_large_table",
    category: "performance",
    level: Level::Info,
    rationale: "A large table that queries keep reading whole (most of the rows it returns come from sequential scans) usually lacks the index its frequent queries filter or join on: each such query costs the whole table.",
    remediation: "Find the queries that scan it (pg_stat_statements, EXPLAIN) and index the columns they filter or join on; a table that is meant to be read whole (reporting) can be waived.",
    check: |ctx, report| {
        let min_rows = ctx.config.indexes.seq_scan_min_rows;
        let min_scans = ctx.config.indexes.seq_scan_min_scans;
        for table in ctx.stored() {
            let (Some(scans), Some(rows)) = (&table.scans, table.live_rows) else { continue };
            let seq_scans = scans.seq.unwrap_or(0);
            let seq_rows = scans.seq_rows.unwrap_or(0);
            let idx_rows = scans.idx_rows.unwrap_or(0);
            if rows < min_rows || seq_scans < min_scans || seq_rows <= idx_rows {
                continue;
            }
            let share = seq_rows as f64 / (seq_rows + idx_rows) as f64;
            report.on_relation(
                table,
                None,
                format!(
                    "{} (about {rows} rows) was scanned sequentially {seq_scans} times: {:.0}% of the rows read from it came from sequential scans",
                    table.qualified(),
                    share * 100.0
                ),
                json!({"live_rows": rows, "seq_scans": seq_scans, "seq_rows_read": seq_rows,
                       "index_scans": scans.idx, "index_rows_fetched": idx_rows,
                       "seq_read_ratio": (share * 1000.0).round() / 1000.0,
                       "stats_since": ctx.catalog.stats_since}),
            );
        }
    },
};

/// An index unused_index may report, its age aside: never scanned, droppable on its own, on a
/// table scanned often enough for that to mean something. The loader asks commit times (the
/// index's age) for these only.
pub fn unused_index_candidate(config: &LintConfig, table: &Relation, index: &Index) -> bool {
    index.scans == Some(0)
        && !index.unique
        && !index.constraint
        && !index.attached
        && table.scans.as_ref().is_some_and(|scans| scans.total() >= config.indexes.unused_min_table_scans)
}

pub const UNUSED_INDEX: Rule = Rule {
    name: "unused_index",
    category: "performance",
    level: Level::Info,
    rationale: "An index never scanned, on a table that is read a lot, costs writes and memory for nothing. Statistics are per server: check the standbys before dropping.",
    remediation: "DROP INDEX CONCURRENTLY it, after checking standbys and rare jobs (month-end reports) that might use it.",
    check: |ctx, report| {
        let min_age = ctx.config.indexes.unused_min_age_days;
        for table in ctx.stored() {
            let table_scans = table.scans.as_ref().map_or(0, |scans| scans.total());
            let idle = table.indexes.iter().filter(|i| unused_index_candidate(ctx.config, table, i));
            // An index younger than the minimum age has not lived through enough of the
            // workload (where its age is known: the server keeps commit timestamps).
            for index in idle.filter(|i| i.age_days.is_none_or(|age| age >= min_age)) {
                // The table's scans are counted since the statistics were reset: some may
                // predate the index unless it is known to be older than the reset.
                let may_predate = match (index.age_days, ctx.catalog.stats_age_days) {
                    (Some(index_age), Some(stats_age)) => index_age < stats_age,
                    _ => true,
                };
                let age = index.age_days.map(|days| format!(", the index is {days:.0} days old")).unwrap_or_default();
                report.on_relation(
                    table,
                    Some(&index.name),
                    format!(
                        "index {} on {} was never used in {table_scans} scans of the table{age}",
                        index.name,
                        table.qualified()
                    ),
                    // The evidence: how many scans, counted since when (null: never reset,
                    // since the cluster's statistics began), and the index's age when known.
                    json!({"index": index.name, "table_scans": table_scans, "index_scans": 0,
                           "stats_since": ctx.catalog.stats_since,
                           "index_created_at": index.created_at,
                           "index_age_days": index.age_days.map(|days| (days * 10.0).round() / 10.0),
                           "table_scans_may_predate_index": may_predate}),
                );
                report.remedy(drop_index_sql(ctx, table, index));
            }
        }
    },
};

#[cfg(test)]
mod tests {
    use crate::lint::rules::testing::*;
    use serde_json::json;

    /// A plain btree index; its shape is built from the columns, as the snapshot's would be.
    fn index(name: &str, columns: &[i16]) -> serde_json::Value {
        json!({"name": name, "columns": columns, "key_columns": columns.len(), "method": "btree",
               "shape": format!("btree {columns:?} 3124"), "opclasses": vec![3124; columns.len()], "collations": vec![0; columns.len()]})
    }

    #[test]
    fn foreign_keys_need_a_leading_index() {
        let mut t = table(
            "t",
            &[
                ("id", "int8", "bigint", true),
                ("a_id", "int8", "bigint", false),
                ("b_id", "int8", "bigint", false),
                ("c_id", "int8", "bigint", false),
            ],
        );
        t["constraints"] = json!([
            {"name": "t_a_fk", "kind": "f", "columns": [2], "ref_schema": "app", "ref_table": "t", "ref_columns": [1]},
            {"name": "t_b_fk", "kind": "f", "columns": [3], "ref_schema": "app", "ref_table": "t", "ref_columns": [1]},
            {"name": "t_c_fk", "kind": "f", "columns": [4], "ref_schema": "app", "ref_table": "t", "ref_columns": [1]},
        ]);
        // a_id leads an index; b_id is only second in one; c_id has none.
        t["indexes"] = json!([index("t_a_b", &[2, 3])]);
        assert_eq!(
            findings_of("foreign_key_without_index", &catalog(json!({"relations": [t]}))),
            ["app.t.t_b_fk", "app.t.t_c_fk"]
        );
    }

    #[test]
    fn duplicates_keep_the_constraint_index() {
        let mut t = table("t", &[("id", "int8", "bigint", true), ("email", "text", "text", true)]);
        let mut key = index("t_email_key", &[2]);
        key["unique"] = json!(true);
        key["constraint"] = json!(true);
        let mut again = index("a_email_unique", &[2]);
        again["unique"] = json!(true);
        t["indexes"] = json!([key, again, index("t_id_idx", &[1])]);
        assert_eq!(
            findings_of("duplicate_index", &catalog(json!({"relations": [t]}))),
            ["app.t.a_email_unique"]
        );
    }

    #[test]
    fn prefixes_of_longer_indexes_are_redundant() {
        let mut t = table("t", &[("a", "int4", "integer", true), ("b", "int4", "integer", true)]);
        t["indexes"] = json!([index("t_a", &[1]), index("t_a_b", &[1, 2]), index("t_b", &[2]),]);
        assert_eq!(findings_of("redundant_index", &catalog(json!({"relations": [t]}))), ["app.t.t_a"]);
    }

    #[test]
    fn unused_indexes_only_on_busy_tables() {
        let mut busy = table("busy", &[("a", "int4", "integer", true)]);
        busy["scans"] = json!({"seq": 400, "idx": 900});
        let mut idle_index = index("busy_a", &[1]);
        idle_index["scans"] = json!(0);
        busy["indexes"] = json!([idle_index.clone()]);
        let mut quiet = table("quiet", &[("a", "int4", "integer", true)]);
        quiet["scans"] = json!({"seq": 3, "idx": 0});
        quiet["indexes"] = json!([idle_index]);
        let catalog =
            catalog(json!({"relations": [busy, quiet], "stats_since": "2026-11-01T00:00:00+00:00"}));
        assert_eq!(findings_of("unused_index", &catalog), ["app.busy.busy_a"]);
        let finding = all_findings(&catalog).into_iter().find(|f| f.rule == "unused_index").unwrap();
        assert_eq!(
            finding.metadata,
            json!({"index": "busy_a", "table_scans": 1300, "index_scans": 0, "stats_since": "2026-11-01T00:00:00+00:00",
                   "index_created_at": null, "index_age_days": null, "table_scans_may_predate_index": true,
                   "docs_url": "docs/lint.md#unused_index"})
        );
        assert!(findings_with(
            "unused_index",
            &catalog,
            json!({"indexes": {"unused_min_table_scans": 5000}})
        )
        .is_empty());
    }

    #[test]
    fn young_unused_indexes_are_not_reported() {
        let with_index = |age_days: f64| {
            let mut busy = table("busy", &[("a", "int4", "integer", true)]);
            busy["scans"] = json!({"seq": 5000, "idx": 0});
            let mut idle = index("busy_a", &[1]);
            idle["scans"] = json!(0);
            idle["created_at"] = json!("2026-11-28T09:00:00+00:00");
            idle["age_days"] = json!(age_days);
            busy["indexes"] = json!([idle]);
            catalog(
                json!({"relations": [busy], "stats_since": "2026-10-01T00:00:00+00:00", "stats_age_days": 61.0}),
            )
        };
        assert!(findings_of("unused_index", &with_index(3.0)).is_empty());
        assert!(
            findings_with("unused_index", &with_index(3.0), json!({"indexes": {"unused_min_age_days": 1}}))
                .len()
                == 1
        );
        // Older than the minimum, younger than the statistics: the table's scans may predate it.
        let finding =
            all_findings(&with_index(20.04)).into_iter().find(|f| f.rule == "unused_index").unwrap();
        assert_eq!(finding.metadata["index_age_days"], json!(20.0));
        assert_eq!(finding.metadata["table_scans_may_predate_index"], json!(true));
        assert!(finding.message.ends_with("the index is 20 days old"), "{}", finding.message);
        // Older than the reset: every counted scan happened while it existed.
        let finding = all_findings(&with_index(90.0)).into_iter().find(|f| f.rule == "unused_index").unwrap();
        assert_eq!(finding.metadata["table_scans_may_predate_index"], json!(false));
    }

    #[test]
    fn large_tables_read_mostly_by_sequential_scans() {
        let read = |name: &str, rows: i64, seq: i64, seq_rows: i64, idx_rows: i64| {
            let mut t = table(name, &[("id", "int8", "bigint", true)]);
            t["live_rows"] = json!(rows);
            t["scans"] = json!({"seq": seq, "idx": 10, "seq_rows": seq_rows, "idx_rows": idx_rows});
            t
        };
        let catalog = catalog(json!({"relations": [
            read("events", 50_000, 500, 25_000_000, 1_000),
            read("lookup", 500, 100_000, 50_000_000, 0),
            read("orders", 50_000, 500, 25_000_000, 90_000_000),
            read("rarely", 50_000, 3, 150_000, 0),
        ]}));
        assert_eq!(findings_of("seq_scans_on_large_table", &catalog), ["app.events"]);
        let lowered = json!({"indexes": {"seq_scan_min_rows": 100, "seq_scan_min_scans": 2}});
        assert_eq!(
            findings_with("seq_scans_on_large_table", &catalog, lowered),
            ["app.events", "app.lookup", "app.rarely"]
        );
    }
}
