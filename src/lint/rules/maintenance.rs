//! Maintenance: what autovacuum has or has not done, from the statistics (nothing is scanned).

use crate::lint::{Context, Level, Report, Rule};
use serde_json::json;

/// Rows the statistics must count before a never-analyzed table is worth a finding: a small
/// table's plans hardly depend on its statistics, and a freshly built one has none yet.
pub const NEVER_ANALYZED_MIN_ROWS: i64 = 1000;

/// Half the way to the 2^31 transaction IDs at which PostgreSQL stops accepting writes;
/// autovacuum forces a freeze at autovacuum_freeze_max_age (200 million by default), so a table
/// this old means freezing has been failing for a long time.
pub const XID_AGE_LIMIT: i64 = 1_000_000_000;

pub const TABLE_NEVER_ANALYZED: Rule = Rule {
    name: "table_never_analyzed",
    category: "maintenance",
    level: Level::Info,
    rationale: "Without statistics the planner guesses row counts and value distributions, and picks plans for a table that does not exist: a table with rows that was never analyzed (autovacuum off, or a bulk load since) gets bad plans.",
    remediation: "ANALYZE the table, and check that autovacuum runs on it.",
    check: |ctx: &Context, report: &mut Report| {
        for table in ctx.stored() {
            let rows = table.live_rows.unwrap_or(0);
            if table.analyzed || rows < NEVER_ANALYZED_MIN_ROWS {
                continue;
            }
            report.on_relation(
                table,
                None,
                format!("{} holds about {rows} rows and was never analyzed", table.qualified()),
                json!({"live_rows": rows}),
            );
            report.remedy(format!("ANALYZE {};", ctx.catalog.sql_name(&table.schema, &table.name)));
        }
    },
};

pub const XID_WRAPAROUND_RISK: Rule = Rule {
    name: "xid_wraparound_risk",
    category: "maintenance",
    level: Level::Error,
    rationale: "At 2^31 transaction IDs of age PostgreSQL stops accepting writes to protect the data; a table past a billion has not been frozen for a very long time (a long transaction, a stale replication slot or prepared transaction, or a vacuum that keeps failing).",
    remediation: "Find what holds back the freeze horizon (old transactions, replication slots, prepared transactions), then VACUUM (FREEZE) the table.",
    check: |ctx: &Context, report: &mut Report| {
        for table in ctx.stored() {
            let Some(age) = table.xid_age.filter(|age| *age > XID_AGE_LIMIT) else { continue };
            let percent = age as f64 * 100.0 / 2_147_483_648.0;
            report.on_relation(
                table,
                None,
                format!("{} is {age} transactions old ({percent:.0}% of the way to wraparound)", table.qualified()),
                json!({"xid_age": age, "limit": XID_AGE_LIMIT}),
            );
            report.remedy(format!("VACUUM (FREEZE, VERBOSE) {};", ctx.catalog.sql_name(&table.schema, &table.name)));
        }
    },
};

#[cfg(test)]
mod tests {
    use crate::lint::rules::testing::{catalog, findings_of, table};
    use serde_json::json;

    #[test]
    fn statistics_and_freezing() {
        let with = |name: &str, extra: serde_json::Value| {
            let mut t = table(name, &[("id", "int8", "bigint", true)]);
            for (key, value) in extra.as_object().unwrap() {
                t[key] = value.clone();
            }
            t
        };
        let catalog = catalog(json!({"relations": [
            with("loaded", json!({"live_rows": 50000, "analyzed": false, "xid_age": 1_500_000_000})),
            with("analyzed", json!({"live_rows": 50000, "analyzed": true, "xid_age": 1000})),
            with("small", json!({"live_rows": 10, "analyzed": false, "xid_age": 999_999_999})),
        ]}));
        assert_eq!(findings_of("table_never_analyzed", &catalog), ["app.loaded"]);
        assert_eq!(findings_of("xid_wraparound_risk", &catalog), ["app.loaded"]);
    }
}
