//! Maintenance: what autovacuum has or has not done, from the statistics (nothing is scanned).

use crate::catalog::{Catalog, Relation};
use crate::lint::config::LintConfig;
use crate::lint::{Context, Level, Report, Rule, Site};
use confiture_core::sql_text::literal;
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

pub const AUTOVACUUM_DISABLED: Rule = Rule {
    name: "autovacuum_disabled",
    category: "maintenance",
    level: Level::Info,
    rationale: "With autovacuum_enabled = false on a table, nothing removes its dead rows or refreshes its statistics but a manual VACUUM or ANALYZE: it bloats and its plans age (only the anti-wraparound vacuum still runs). Right for a short bulk load, wrong when left behind.",
    remediation: "ALTER TABLE name RESET (autovacuum_enabled); once the bulk load that needed it is over, or schedule VACUUM (ANALYZE) for the table.",
    check: |ctx: &Context, report: &mut Report| {
        for table in ctx.stored() {
            if table.storage.as_ref().and_then(|s| s.autovacuum_enabled) != Some(false) {
                continue;
            }
            let dead_rows = table.storage.as_ref().map(|s| s.dead_rows);
            report.on_relation(
                table,
                None,
                format!("{} has autovacuum disabled (autovacuum_enabled = false)", table.qualified()),
                json!({"dead_rows": dead_rows, "live_rows": table.live_rows}),
            );
            report.remedy(format!(
                "ALTER {} {} RESET (autovacuum_enabled);",
                table.sql_kind(),
                ctx.catalog.sql_name(&table.schema, &table.name)
            ));
        }
    },
};

/// A table table_never_read may report, its age aside: a plain table that received rows and
/// was never scanned, over a statistics window of at least the minimum (without a reset the
/// window is unknown: it may be minutes long on a fresh database). The loader asks commit
/// times (the table's age) for these only.
pub fn never_read_candidate(config: &LintConfig, catalog: &Catalog, table: &Relation) -> bool {
    let Some(scans) = &table.scans else { return false };
    table.kind == "r"
        && catalog.stats_age_days.is_some_and(|days| days >= config.tables.never_read_min_days)
        && scans.inserted.unwrap_or(0) > 0
        && scans.total() == 0
}

pub const TABLE_NEVER_READ: Rule = Rule {
    name: "table_never_read",
    category: "maintenance",
    level: Level::Info,
    rationale: "A table that is written and never read, over a statistics window long enough to have seen the workload, costs its inserts, WAL, backups and vacuum for nothing: a forgotten log or a feature that was removed. Statistics are per server: reads on a standby (reports) are not counted on the primary, so check the standbys first.",
    remediation: "Find out who writes it; if nothing reads it anywhere (standbys and rare jobs included), archive it (pg_dump -t) and drop it.",
    check: |ctx: &Context, report: &mut Report| {
        let min_days = ctx.config.tables.never_read_min_days;
        // Known for every candidate.
        let window = ctx.catalog.stats_age_days.unwrap_or(0.0);
        for table in ctx.tables().filter(|t| never_read_candidate(ctx.config, ctx.catalog, t)) {
            let inserted = table.scans.as_ref().and_then(|s| s.inserted).unwrap_or(0);
            // A table younger than the window has not lived through it (where its age is known).
            if table.age_days.is_some_and(|age| age < min_days) {
                continue;
            }
            report.on_relation(
                table,
                None,
                format!(
                    "{} received {inserted} rows and was never read in the {window:.0} days since statistics were reset",
                    table.qualified()
                ),
                json!({"rows_inserted": inserted, "scans": 0, "stats_since": ctx.catalog.stats_since,
                       "stats_age_days": (window * 10.0).round() / 10.0,
                       "table_changed_at": table.created_at,
                       "table_age_days": table.age_days.map(|days| (days * 10.0).round() / 10.0)}),
            );
            report.remedy(format!(
                "-- archive it first (pg_dump -t), and check the standbys: their reads are not counted here\nDROP TABLE {};",
                ctx.catalog.sql_name(&table.schema, &table.name)
            ));
        }
    },
};

/// Extensions PostgreSQL removed or declares obsolete: name, what became of it, what replaces it.
const DEPRECATED_EXTENSIONS: &[(&str, &str, &str)] = &[
    ("adminpack", "was removed in PostgreSQL 17 (pg_upgrade to 17 or later fails while it is installed)", "pgAdmin works without it"),
    ("old_snapshot", "was removed in PostgreSQL 17 with old_snapshot_threshold (pg_upgrade to 17 or later fails while it is installed)", "nothing: the feature is gone"),
    ("xml2", "is deprecated", "the core SQL/XML functions (xpath, xmltable, xmlexists)"),
    ("intagg", "is obsolete", "array_agg and unnest"),
];

pub const DEPRECATED_EXTENSION: Rule = Rule {
    name: "deprecated_extension",
    category: "maintenance",
    level: Level::Warning,
    rationale: "An extension PostgreSQL removed in a later version blocks the upgrade to it (pg_upgrade refuses a cluster whose databases need a library the new server lacks); an obsolete one is kept only for old code.",
    remediation: "Replace what uses the extension, then DROP EXTENSION name; (it refuses while objects depend on it).",
    check: |ctx: &Context, report: &mut Report| {
        for extension in ctx.catalog.extensions.iter().filter(|e| !ctx.schema_excluded(&e.schema)) {
            let Some((_, fate, replacement)) = DEPRECATED_EXTENSIONS.iter().find(|(name, ..)| *name == extension.name)
            else {
                continue;
            };
            report.add(
                Site { schema: Some(&extension.schema), object: &extension.name, object_type: "extension", detail: None },
                format!("extension {} {fate}; instead: {replacement}", extension.name),
                json!({"version": extension.version, "replacement": replacement}),
            );
            report.remedy(format!("DROP EXTENSION {};", ctx.catalog.ident(&extension.name)));
        }
    },
};

/// A slot holding back the vacuum horizon by this many transactions is reported inactive:
/// half of autovacuum_freeze_max_age's default (200 million).
pub const SLOT_HORIZON_AGE_LIMIT: i64 = 100_000_000;

pub const UNUSED_REPLICATION_SLOT: Rule = Rule {
    name: "unused_replication_slot",
    category: "maintenance",
    level: Level::Warning,
    rationale: "An inactive replication slot keeps all WAL from its restart point (the disk fills) and, with an xmin or catalog_xmin, stops vacuum from removing dead rows in every database; past max_slot_wal_keep_size it is invalidated and its consumer cannot resume.",
    remediation: "Reconnect the slot's consumer, or drop the slot: SELECT pg_drop_replication_slot('name'); (a logical slot from its own database).",
    check: |ctx: &Context, report: &mut Report| {
        if !ctx.whole_server() {
            return;
        }
        let limit = ctx.config.replication_slots.max_retained_wal_bytes;
        for slot in ctx.catalog.server.replication_slots.iter().filter(|s| !s.active) {
            let status = slot.wal_status.as_deref().unwrap_or("");
            let retained = slot.retained_bytes.unwrap_or(0);
            let horizon = slot.xmin_age.max(slot.catalog_xmin_age).unwrap_or(0);
            let why = match status {
                "lost" => "was invalidated: its consumer can no longer resume".to_string(),
                "unreserved" => "keeps more WAL than max_slot_wal_keep_size allows".to_string(),
                _ if horizon >= SLOT_HORIZON_AGE_LIMIT => {
                    format!("holds back vacuum by {horizon} transactions in every database")
                }
                _ if retained >= limit => format!("keeps {} MB of WAL", retained / (1024 * 1024)),
                _ => continue,
            };
            report.add(
                Site { schema: None, object: &slot.name, object_type: "replication slot", detail: None },
                format!("replication slot {} ({}) is inactive and {why}", slot.name, slot.kind),
                json!({"slot_type": slot.kind, "database": slot.database, "wal_status": slot.wal_status,
                       "retained_wal_bytes": slot.retained_bytes, "xmin_age": slot.xmin_age,
                       "catalog_xmin_age": slot.catalog_xmin_age}),
            );
            report.remedy(format!("SELECT pg_drop_replication_slot({});", literal(&slot.name)));
        }
    },
};

#[cfg(test)]
mod tests {
    use crate::lint::rules::testing::{all_findings, catalog, findings_of, findings_with, table};
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

    #[test]
    fn tables_written_and_never_read_over_a_long_enough_window() {
        let with = |name: &str, seq: i64, inserted: i64, age_days: Option<f64>| {
            let mut t = table(name, &[("id", "int8", "bigint", true)]);
            t["scans"] = json!({"seq": seq, "idx": 0, "inserted": inserted});
            t["age_days"] = json!(age_days);
            t
        };
        let relations = json!([
            with("audit_trail", 0, 5000, None),
            with("read_once", 1, 5000, None),
            with("empty", 0, 0, None),
            with("new_table", 0, 5000, Some(2.0)),
            with("old_table", 0, 10, Some(30.0)),
        ]);
        let catalog_after = |days: Option<f64>| {
            catalog(
                json!({"relations": relations.clone(), "stats_age_days": days, "stats_since": "2026-11-01"}),
            )
        };
        let long = catalog_after(Some(30.0));
        assert_eq!(findings_of("table_never_read", &long), ["app.audit_trail", "app.old_table"]);
        assert!(findings_of("table_never_read", &catalog_after(Some(3.0))).is_empty(), "window too short");
        assert!(
            findings_of("table_never_read", &catalog_after(None)).is_empty(),
            "never reset: window unknown"
        );
        assert_eq!(
            findings_with(
                "table_never_read",
                &catalog_after(Some(3.0)),
                json!({"tables": {"never_read_min_days": 1}})
            ),
            ["app.audit_trail", "app.new_table", "app.old_table"]
        );
        let finding = all_findings(&long).into_iter().find(|f| f.rule == "table_never_read").unwrap();
        assert_eq!(finding.metadata["rows_inserted"], 5000);
        assert!(finding.remediation.ends_with("DROP TABLE app.audit_trail;"), "{}", finding.remediation);
    }

    #[test]
    fn autovacuum_switched_off_on_a_table() {
        let with_storage = |name: &str, autovacuum: serde_json::Value| {
            let mut t = table(name, &[("id", "int8", "bigint", true)]);
            t["storage"] = json!({"pages": 10, "tuples": 100.0, "dead_rows": 40, "vacuumed": false,
                                  "autovacuum_enabled": autovacuum});
            t
        };
        let catalog = catalog(json!({"relations": [
            with_storage("staging", json!(false)),
            with_storage("forced_on", json!(true)),
            with_storage("default", serde_json::Value::Null),
        ]}));
        assert_eq!(findings_of("autovacuum_disabled", &catalog), ["app.staging"]);
        let mut view = with_storage("totals", json!(false));
        view["kind"] = json!("m");
        let findings = all_findings(&crate::lint::rules::testing::catalog(json!({"relations": [view]})));
        let finding = findings.iter().find(|f| f.rule == "autovacuum_disabled").unwrap();
        assert_eq!(finding.remediation, "ALTER MATERIALIZED VIEW app.totals RESET (autovacuum_enabled);");
    }

    #[test]
    fn inactive_replication_slots_that_cost_something() {
        let slot = |name: &str, active: bool, status: &str, retained: i64, xmin_age: Option<i64>| {
            json!({"name": name, "kind": "physical", "database": null, "active": active, "wal_status": status,
                   "retained_bytes": retained, "xmin_age": xmin_age, "catalog_xmin_age": null})
        };
        let gib = 1024 * 1024 * 1024_i64;
        let catalog = catalog(json!({"server": {"replication_slots": [
            slot("streaming", true, "extended", 5 * gib, Some(200_000_000)),
            slot("briefly_off", false, "reserved", 1024, Some(10)),
            slot("forgotten", false, "extended", 3 * gib, None),
            slot("over_limit", false, "unreserved", 1024, None),
            slot("invalidated", false, "lost", 0, None),
            slot("holding_vacuum", false, "reserved", 1024, Some(150_000_000)),
        ]}}));
        let mut found = findings_of("unused_replication_slot", &catalog);
        found.sort();
        assert_eq!(found, ["forgotten", "holding_vacuum", "invalidated", "over_limit"]);
        // The WAL limit is configurable; a lint restricted to schemas leaves the server alone.
        assert_eq!(
            findings_with(
                "unused_replication_slot",
                &catalog,
                json!({"replication_slots": {"max_retained_wal_bytes": 512}})
            )
            .len(),
            5
        );
        assert!(findings_with("unused_replication_slot", &catalog, json!({"schemas": ["app"]})).is_empty());
        let findings = all_findings(&catalog);
        let invalidated = findings.iter().find(|f| f.object_name == "invalidated").unwrap();
        assert_eq!(invalidated.remediation, "SELECT pg_drop_replication_slot('invalidated');");
        assert_eq!(
            (invalidated.schema_name.as_deref(), invalidated.object_type.as_str()),
            (None, "replication slot")
        );
    }

    #[test]
    fn extensions_postgresql_removed_or_retired() {
        let extension = |name: &str| json!({"name": name, "schema": "public", "version": "1.0", "default_version": "1.0"});
        let catalog = catalog(
            json!({"extensions": [extension("adminpack"), extension("pgcrypto"), extension("intagg")]}),
        );
        assert_eq!(findings_of("deprecated_extension", &catalog), ["public.adminpack", "public.intagg"]);
        assert_eq!(
            findings_with("deprecated_extension", &catalog, json!({"exclude_schemas": ["public"]})).len(),
            0
        );
    }
}
