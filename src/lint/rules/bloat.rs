//! Bloat and vacuum: the space a table or a btree index takes beyond what its live rows need,
//! by the statistics-based estimate (the one check_postgres and pgstattuple-less monitoring use:
//! row width from pg_stats, pages from pg_class; nothing is scanned), and tables whose dead rows
//! no vacuum ever reclaimed.

use crate::catalog::{Index, Relation};
use crate::lint::{Context, Level, Rule};
use serde_json::json;

const BLOCK_SIZE: f64 = 8192.0;
const PAGE_HEADER: f64 = 24.0;
const ITEM_POINTER: f64 = 4.0;
const MAXALIGN: f64 = 8.0;
/// Dead rows a never-vacuumed table must hold before it is worth a finding.
pub const NEVER_VACUUMED_MIN_DEAD_ROWS: i64 = 10_000;

fn align(bytes: f64) -> f64 {
    (bytes / MAXALIGN).ceil() * MAXALIGN
}

/// What the estimate found: pages there are, pages the live rows need.
#[derive(Debug, PartialEq)]
pub struct Estimate {
    pub pages: i64,
    pub expected_pages: i64,
    pub row_bytes: f64,
}

impl Estimate {
    pub fn wasted_bytes(&self) -> i64 {
        (self.pages - self.expected_pages).max(0) * BLOCK_SIZE as i64
    }

    pub fn wasted_ratio(&self) -> f64 {
        if self.pages == 0 {
            0.0
        } else {
            (self.pages - self.expected_pages).max(0) as f64 / self.pages as f64
        }
    }

    fn evidence(&self, tuples: f64) -> serde_json::Value {
        json!({"pages": self.pages, "expected_pages": self.expected_pages, "estimated_rows": tuples.round(),
               "row_bytes": self.row_bytes.round(), "wasted_bytes": self.wasted_bytes(),
               "wasted_ratio": (self.wasted_ratio() * 100.0).round() / 100.0, "method": "statistics"})
    }
}

/// Pages `tuples` rows of `row_bytes` need at `fillfactor`, with `page_overhead` per page.
fn expected_pages(tuples: f64, row_bytes: f64, fillfactor: i32, page_overhead: f64) -> i64 {
    let usable = (BLOCK_SIZE - page_overhead) * f64::from(fillfactor.clamp(10, 100)) / 100.0;
    let per_page = (usable / (row_bytes + ITEM_POINTER)).floor().max(1.0);
    (tuples / per_page).ceil() as i64
}

/// The heap estimate: a tuple header (23 bytes, plus the null bitmap when a column has NULLs)
/// and the columns' average widths, both aligned. None when the table was never analyzed or a
/// column has no statistics.
pub fn table_estimate(table: &Relation) -> Option<Estimate> {
    let storage = table.storage.as_ref()?;
    if storage.tuples < 0.0 || storage.pages == 0 || table.columns.is_empty() {
        return None;
    }
    let stats: Vec<_> =
        table.columns.iter().map(|c| table.column_stats.get(&c.num)).collect::<Option<_>>()?;
    let data: f64 = stats.iter().map(|s| (1.0 - s.null_frac) * s.avg_width).sum();
    let nulls = stats.iter().any(|s| s.null_frac > 0.0);
    let header = align(23.0 + if nulls { (table.columns.len() as f64 / 8.0).ceil() } else { 0.0 });
    let row_bytes = header + align(data);
    let expected = expected_pages(storage.tuples, row_bytes, storage.fillfactor.unwrap_or(100), PAGE_HEADER);
    Some(Estimate { pages: storage.pages, expected_pages: expected, row_bytes })
}

/// The btree estimate: an 8-byte index tuple header and the key columns' widths, leaf pages at
/// the index's fillfactor (90 by default) after the page header and btree's special space, plus
/// the metapage. Expression indexes and other methods are not estimated.
pub fn index_estimate(table: &Relation, index: &Index) -> Option<Estimate> {
    if index.method != "btree" || index.expressions {
        return None;
    }
    let (pages, tuples) = (index.pages?, index.tuples?);
    if tuples < 0.0 || pages == 0 {
        return None;
    }
    let data: f64 = index
        .columns
        .iter()
        .map(|n| table.column_stats.get(n).map(|s| (1.0 - s.null_frac) * s.avg_width))
        .sum::<Option<f64>>()?;
    let row_bytes = align(8.0 + data);
    let expected = expected_pages(tuples, row_bytes, index.fillfactor.unwrap_or(90), PAGE_HEADER + 16.0) + 1;
    Some(Estimate { pages, expected_pages: expected, row_bytes })
}

fn worth_reporting(ctx: &Context, estimate: &Estimate) -> bool {
    let bloat = &ctx.config.bloat;
    estimate.wasted_bytes() >= bloat.min_bytes && estimate.wasted_ratio() >= bloat.min_ratio
}

fn megabytes(bytes: i64) -> String {
    format!("{:.0} MB", bytes as f64 / 1_048_576.0)
}

/// "takes 900 MB of which about 600 MB (67%)": a relation's size and its estimated waste.
fn size_and_waste(estimate: &Estimate) -> String {
    format!(
        "takes {} of which about {} ({:.0}%)",
        megabytes(estimate.pages * BLOCK_SIZE as i64),
        megabytes(estimate.wasted_bytes()),
        estimate.wasted_ratio() * 100.0
    )
}

pub const TABLE_BLOAT: Rule = Rule {
    name: "table_bloat",
    category: "maintenance",
    level: Level::Warning,
    rationale: "A table much larger than its live rows need (dead rows vacuum has not reclaimed, or space it cannot give back) is slower to scan and cache, and its backups are larger.",
    remediation: "Find why vacuum falls behind (long transactions, autovacuum settings); then VACUUM (FULL) in a quiet window, or rebuild online with pg_repack.",
    check: |ctx, report| {
        for table in ctx.stored() {
            let Some(estimate) = table_estimate(table).filter(|e| worth_reporting(ctx, e)) else { continue };
            let tuples = table.storage.as_ref().map_or(0.0, |s| s.tuples);
            report.on_relation(
                table,
                None,
                format!(
                    "{} {} its live rows do not need (statistics estimate)",
                    table.qualified(),
                    size_and_waste(&estimate)
                ),
                estimate.evidence(tuples),
            );
            report.remedy(format!("VACUUM (VERBOSE, ANALYZE) {};", ctx.catalog.sql_name(&table.schema, &table.name)));
        }
    },
};

pub const INDEX_BLOAT: Rule = Rule {
    name: "index_bloat",
    category: "maintenance",
    level: Level::Warning,
    rationale: "A btree index much larger than its entries need costs cache, I/O and backup size on every use; vacuum does not shrink it.",
    remediation: "REINDEX INDEX CONCURRENTLY it.",
    check: |ctx, report| {
        for table in ctx.stored() {
            for index in &table.indexes {
                let Some(estimate) = index_estimate(table, index).filter(|e| worth_reporting(ctx, e)) else {
                    continue;
                };
                report.on_relation(
                    table,
                    Some(&index.name),
                    format!(
                        "index {} on {} {} its entries do not need (statistics estimate)",
                        index.name,
                        table.qualified(),
                        size_and_waste(&estimate)
                    ),
                    {
                        let mut evidence = estimate.evidence(index.tuples.unwrap_or(0.0));
                        evidence["index"] = json!(index.name);
                        evidence
                    },
                );
                report.remedy(format!("REINDEX INDEX CONCURRENTLY {};", ctx.catalog.sql_name(&table.schema, &index.name)));
            }
        }
    },
};

pub const TABLE_NEVER_VACUUMED: Rule = Rule {
    name: "table_never_vacuumed",
    category: "maintenance",
    level: Level::Warning,
    rationale: "Dead rows pile up in a table no vacuum ever processed (autovacuum disabled on it, or always cancelled): the table bloats and its transaction IDs are never frozen.",
    remediation: "VACUUM (ANALYZE) the table, and check that autovacuum is enabled and not cancelled on it.",
    check: |ctx, report| {
        for table in ctx.stored() {
            let Some(storage) = &table.storage else { continue };
            if storage.vacuumed || storage.dead_rows < NEVER_VACUUMED_MIN_DEAD_ROWS {
                continue;
            }
            report.on_relation(
                table,
                None,
                format!("{} holds about {} dead rows and was never vacuumed", table.qualified(), storage.dead_rows),
                json!({"dead_rows": storage.dead_rows}),
            );
            report.remedy(format!("VACUUM (ANALYZE) {};", ctx.catalog.sql_name(&table.schema, &table.name)));
        }
    },
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::rules::testing::*;
    use serde_json::json;

    /// `orders` (id int4, note text) holding `tuples` rows in `pages` pages, with statistics.
    fn orders(pages: i64, tuples: f64, index_pages: i64) -> serde_json::Value {
        let mut t = table("orders", &[("id", "int4", "integer", true), ("note", "text", "text", false)]);
        t["storage"] =
            json!({"pages": pages, "tuples": tuples, "fillfactor": null, "dead_rows": 0, "vacuumed": true});
        t["column_stats"] =
            json!({"1": {"avg_width": 4.0, "null_frac": 0.0}, "2": {"avg_width": 40.0, "null_frac": 0.5}});
        t["indexes"] = json!([{"name": "orders_pkey", "columns": [1], "key_columns": 1, "method": "btree",
                               "shape": "btree", "unique": true, "primary": true, "constraint": true,
                               "pages": index_pages, "tuples": tuples}]);
        t
    }

    #[test]
    fn the_estimate_follows_the_statistics() {
        let catalog = catalog(json!({"relations": [orders(1000, 100_000.0, 300)]}));
        let table = &catalog.relations[0];
        // header 23 + null bitmap 1 -> 24; data 4 + 20 = 24; 48 bytes + 4 per row: 157 rows a page.
        let estimate = table_estimate(table).unwrap();
        assert_eq!(estimate.row_bytes, 48.0);
        assert_eq!(estimate.expected_pages, 637);
        // index: 8 + 4 -> 16 bytes + 4; (8192 - 40) * 0.9 / 20 = 366 a page, plus the metapage.
        assert_eq!(index_estimate(table, &table.indexes[0]).unwrap().expected_pages, 275);
    }

    #[test]
    fn bloated_tables_and_indexes_are_reported_with_their_evidence() {
        let config = json!({"bloat": {"min_bytes": 1_000_000, "min_ratio": 0.5}});
        let bloated = catalog(json!({"relations": [orders(3_000, 100_000.0, 3_000)]}));
        assert_eq!(findings_with("table_bloat", &bloated, config.clone()), ["app.orders"]);
        assert_eq!(findings_with("index_bloat", &bloated, config.clone()), ["app.orders.orders_pkey"]);
        let fine = catalog(json!({"relations": [orders(700, 100_000.0, 300)]}));
        assert!(findings_with("table_bloat", &fine, config.clone()).is_empty());
        assert!(findings_with("index_bloat", &fine, config.clone()).is_empty());
        // 18 MB wasted: under the default threshold (50 MB).
        assert!(findings_of("table_bloat", &bloated).is_empty());
        // Never analyzed (reltuples -1) or a column without statistics: no estimate.
        let mut unknown = orders(10_000, -1.0, 3_000);
        assert!(findings_with(
            "table_bloat",
            &catalog(json!({"relations": [unknown.clone()]})),
            config.clone()
        )
        .is_empty());
        unknown["storage"]["tuples"] = json!(100_000.0);
        unknown["column_stats"] = json!({"1": {"avg_width": 4.0, "null_frac": 0.0}});
        assert!(findings_with("table_bloat", &catalog(json!({"relations": [unknown]})), config).is_empty());
    }

    #[test]
    fn tables_with_dead_rows_never_vacuumed_are_reported() {
        let mut never = orders(10, 1000.0, 5);
        never["storage"]["vacuumed"] = json!(false);
        never["storage"]["dead_rows"] = json!(50_000);
        assert_eq!(
            findings_of("table_never_vacuumed", &catalog(json!({"relations": [never.clone()]}))),
            ["app.orders"]
        );
        never["storage"]["dead_rows"] = json!(10);
        assert!(
            findings_of("table_never_vacuumed", &catalog(json!({"relations": [never.clone()]}))).is_empty()
        );
        never["storage"]["dead_rows"] = json!(50_000);
        never["storage"]["vacuumed"] = json!(true);
        assert!(findings_of("table_never_vacuumed", &catalog(json!({"relations": [never]}))).is_empty());
    }
}
