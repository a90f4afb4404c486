use crate::catalog::{Column, Relation};
use crate::lint::{Context, Level, Report, Rule, Site};
use serde_json::json;

/// What fixes a column: SQL written from the table and the column (quoted names), and the
/// column itself (its type).
type ColumnFix = fn(table: &str, column: &str, found: &Column) -> String;

/// Report every column of a table whose type `matches`, with the SQL that `fix` writes for it.
fn columns_of_type(
    ctx: &Context,
    report: &mut Report,
    matches: fn(&Column) -> bool,
    what: &str,
    fix: ColumnFix,
) {
    for table in ctx.tables() {
        for column in table.columns.iter().filter(|c| matches(c)) {
            report.on_relation(
                table,
                Some(&column.name),
                format!("column {}.{} is {what} ({})", table.qualified(), column.name, column.data_type),
                json!({"column": column.name, "type": column.data_type}),
            );
            report.remedy(fix(&table_sql(ctx, table), &ctx.catalog.ident(&column.name), column));
        }
    }
}

fn table_sql(ctx: &Context, table: &Relation) -> String {
    ctx.catalog.sql_name(&table.schema, &table.name)
}

/// The name of an identity column added as a table's key: `id`, or `<table>_id` when the table
/// already has an `id`.
pub fn surrogate_key_name(table: &Relation) -> String {
    if table.columns.iter().any(|c| c.name == "id") {
        format!("{}_id", table.name)
    } else {
        "id".into()
    }
}

pub const TABLE_WITHOUT_PRIMARY_KEY: Rule = Rule {
    name: "table_without_primary_key",
    category: "integrity",
    level: Level::Error,
    rationale: "Without a primary key rows cannot be addressed reliably, logical replication cannot update or delete them, and duplicates creep in.",
    remediation: "Promote a unique index over NOT NULL columns (ADD PRIMARY KEY USING INDEX), or add an identity column as the key.",
    check: |ctx, report| {
        for table in ctx.tables().filter(|t| t.primary_key().is_none()) {
            report.on_relation(table, None, format!("table {} has no primary key", table.qualified()), json!({}));
            // A unique index over NOT NULL columns can become the key as it is.
            let candidate = table.indexes.iter().find(|i| {
                i.unique && i.valid && !i.partial && !i.expressions
                    && i.keys().iter().all(|n| table.column(*n).is_some_and(|c| c.not_null))
            });
            let id = surrogate_key_name(table);
            report.remedy(match candidate {
                Some(index) if table.kind == "r" => format!(
                    "ALTER TABLE {} ADD PRIMARY KEY USING INDEX {};",
                    table_sql(ctx, table),
                    ctx.catalog.ident(&index.name)
                ),
                _ => format!(
                    "ALTER TABLE {} ADD COLUMN {} bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;",
                    table_sql(ctx, table),
                    ctx.catalog.ident(&id)
                ),
            });
        }
    },
};

pub const FOREIGN_KEY_TYPE_MISMATCH: Rule = Rule {
    name: "foreign_key_type_mismatch",
    category: "integrity",
    level: Level::Warning,
    rationale: "A foreign key column of another type than the key it references (integer -> bigint) needs casts on every join and breaks when the referenced key outgrows it.",
    remediation: "Change the referencing column to the referenced column's type.",
    check: |ctx, report| {
        for table in ctx.tables() {
            for fk in table.constraints.iter().filter(|c| c.kind == "f") {
                let (Some(schema), Some(name)) = (&fk.ref_schema, &fk.ref_table) else { continue };
                let Some(referenced) = ctx.catalog.relation(schema, name) else { continue };
                let pairs = fk.column_nums().iter().zip(fk.ref_columns.as_deref().unwrap_or(&[]));
                for (&own, &theirs) in pairs {
                    let (Some(own), Some(theirs)) = (table.column(own), referenced.column(theirs)) else { continue };
                    if own.data_type != theirs.data_type {
                        report.on_relation(
                            table,
                            Some(&format!("{}.{}", fk.name, own.name)),
                            format!(
                                "foreign key {} on {}: column {} is {} but {}.{} is {}",
                                fk.name, table.qualified(), own.name, own.data_type, referenced.qualified(), theirs.name, theirs.data_type
                            ),
                            json!({"constraint": fk.name, "column": own.name, "type": own.data_type, "referenced_type": theirs.data_type}),
                        );
                        report.remedy(format!(
                            "ALTER TABLE {} ALTER COLUMN {} TYPE {};",
                            table_sql(ctx, table),
                            ctx.catalog.ident(&own.name),
                            theirs.data_type
                        ));
                    }
                }
            }
        }
    },
};

pub const UNIQUE_NULLABLE_COLUMNS: Rule = Rule {
    name: "unique_nullable_columns",
    category: "integrity",
    level: Level::Info,
    rationale: "NULLs are distinct from each other, so a unique constraint over a nullable column allows any number of rows with NULL there.",
    remediation: "Make the columns NOT NULL, or declare the constraint UNIQUE NULLS NOT DISTINCT (PostgreSQL 15+).",
    check: |ctx, report| {
        for table in ctx.tables() {
            let nullable = |num: &i16| table.column(*num).is_some_and(|c| !c.not_null);
            for index in table.indexes.iter().filter(|i| i.unique && !i.primary && !i.partial && !i.nulls_not_distinct) {
                let nullable_columns: Vec<String> = table.column_names(
                    &index.keys().iter().copied().filter(|n| *n != 0 && nullable(n)).collect::<Vec<_>>(),
                );
                if !nullable_columns.is_empty() {
                    report.on_relation(
                        table,
                        Some(&index.name),
                        format!("unique index {} on {} allows duplicates through nullable {}", index.name, table.qualified(), nullable_columns.join(", ")),
                        json!({"index": index.name, "nullable_columns": nullable_columns}),
                    );
                }
            }
        }
    },
};

pub const TIMESTAMP_WITHOUT_TIME_ZONE: Rule = Rule {
    name: "timestamp_without_time_zone",
    category: "integrity",
    level: Level::Warning,
    rationale: "timestamp without time zone records a wall-clock reading whose meaning depends on the writer's time zone; timestamptz records an instant.",
    remediation: "Change the column to timestamptz, reading the values in the zone they were written in.",
    check: |ctx, report| {
        columns_of_type(ctx, report, |c| c.type_name == "timestamp", "timestamp without time zone", |t, c, _| {
            format!("ALTER TABLE {t} ALTER COLUMN {c} TYPE timestamptz USING {c} AT TIME ZONE 'UTC'; -- or the zone the values were written in")
        })
    },
};

pub const CHAR_N_COLUMN: Rule = Rule {
    name: "char_n_column",
    category: "integrity",
    level: Level::Info,
    rationale:
        "char(n) pads values with spaces and compares ignoring them; it is never faster than text or varchar.",
    remediation: "Change the column to text (add a CHECK on length if the limit matters).",
    check: |ctx, report| {
        columns_of_type(
            ctx,
            report,
            |c| c.type_name == "bpchar",
            "char(n)",
            |t, c, _| format!("ALTER TABLE {t} ALTER COLUMN {c} TYPE text;"),
        )
    },
};

pub const SERIAL_INSTEAD_OF_IDENTITY: Rule = Rule {
    name: "serial_instead_of_identity",
    category: "integrity",
    level: Level::Info,
    rationale: "serial is a default plus a separately owned sequence: privileges, copies and dumps treat them apart. Identity columns are the SQL-standard, self-contained form.",
    remediation: "Convert the column to GENERATED BY DEFAULT AS IDENTITY: drop the default and the sequence, add the identity, set its next value.",
    check: |ctx, report| {
        for table in ctx.tables() {
            for column in table.columns.iter().filter(|c| !c.identity) {
                if let Some(sequence) = ctx.catalog.sequence_of(table, column) {
                    report.on_relation(
                        table,
                        Some(&column.name),
                        format!("column {}.{} is a serial, not an identity column", table.qualified(), column.name),
                        json!({"column": column.name, "sequence": format!("{}.{}", sequence.schema, sequence.name)}),
                    );
                    let (t, c) = (table_sql(ctx, table), ctx.catalog.ident(&column.name));
                    report.remedy(format!(
                        "BEGIN; ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT; DROP SEQUENCE {seq}; \
                         ALTER TABLE {t} ALTER COLUMN {c} ADD GENERATED BY DEFAULT AS IDENTITY; \
                         SELECT setval(pg_get_serial_sequence('{t_lit}', '{c_lit}'), coalesce(max({c}), 0) + 1, false) FROM {t}; COMMIT;",
                        seq = ctx.catalog.sql_name(&sequence.schema, &sequence.name),
                        t_lit = t.replace('\'', "''"),
                        c_lit = column.name.replace('\'', "''"),
                    ));
                }
            }
        }
    },
};

fn small_integer_max(column: &Column) -> Option<i64> {
    match column.type_name.as_str() {
        "int2" => Some(i16::MAX as i64),
        "int4" => Some(i32::MAX as i64),
        _ => None,
    }
}

pub const INT4_SEQUENCE_NEAR_EXHAUSTION: Rule = Rule {
    name: "int4_sequence_near_exhaustion",
    category: "integrity",
    level: Level::Error,
    rationale: "When the sequence of an integer key passes the column's maximum, every insert fails; past half the range the migration to bigint should already be planned.",
    remediation: "Change the column to bigint (rewrites the table: plan it), along with the columns that reference it.",
    check: |ctx, report| {
        for table in ctx.tables() {
            for column in &table.columns {
                let Some(max) = small_integer_max(column) else { continue };
                let Some(sequence) = ctx.catalog.sequence_of(table, column) else { continue };
                let Some(last) = sequence.last_value else { continue };
                if last > max / 2 {
                    let used = (last as f64 / max as f64 * 1000.0).round() / 10.0;
                    report.on_relation(
                        table,
                        Some(&column.name),
                        format!("column {}.{} ({}) has used {used}% of its range (last value {last})", table.qualified(), column.name, column.data_type),
                        json!({"column": column.name, "sequence": format!("{}.{}", sequence.schema, sequence.name),
                               "last_value": last, "max_value": max, "percent_used": used}),
                    );
                    report.remedy(format!(
                        "ALTER TABLE {} ALTER COLUMN {} TYPE bigint; -- rewrites the table under lock: plan it, with the columns that reference it",
                        table_sql(ctx, table),
                        ctx.catalog.ident(&column.name)
                    ));
                }
            }
        }
    },
};

pub const INT4_PRIMARY_KEY: Rule = Rule {
    name: "int4_primary_key",
    category: "integrity",
    level: Level::Info,
    rationale: "An integer key runs out at 2.1 billion; changing it to bigint later rewrites the table and every table that references it.",
    remediation: "Use bigint for surrogate keys (id bigint GENERATED ALWAYS AS IDENTITY).",
    check: |ctx, report| {
        for table in ctx.tables() {
            let Some(pk) = table.primary_key() else { continue };
            let [num] = pk.column_nums() else { continue };
            let Some(column) = table.column(*num) else { continue };
            if small_integer_max(column).is_some() {
                report.on_relation(
                    table,
                    Some(&column.name),
                    format!("primary key {}.{} is {}", table.qualified(), column.name, column.data_type),
                    json!({"column": column.name, "type": column.data_type}),
                );
            }
        }
    },
};

pub const REG_TYPE_COLUMN: Rule = Rule {
    name: "reg_type_column",
    category: "integrity",
    level: Level::Warning,
    rationale: "Columns of the reg* OID-alias types (regproc, regoper, regconfig, ...) store OIDs that pg_upgrade cannot carry over: such tables block an upgrade.",
    remediation: "Store the object's name as text instead (regclass, regrole and regtype are fine).",
    check: |ctx, report| {
        const BLOCKERS: &[&str] =
            &["regproc", "regprocedure", "regoper", "regoperator", "regconfig", "regdictionary", "regnamespace", "regcollation"];
        columns_of_type(ctx, report, |c| BLOCKERS.contains(&c.type_name.as_str()), "an OID-alias type that blocks pg_upgrade", |t, c, _| {
            format!("ALTER TABLE {t} ALTER COLUMN {c} TYPE text USING {c}::text;")
        })
    },
};

pub const MONEY_COLUMN: Rule = Rule {
    name: "money_column",
    category: "integrity",
    level: Level::Info,
    rationale: "money formats and parses with lc_monetary, so the same value reads differently on another server, and it has a fixed fractional precision.",
    remediation: "Use numeric(p, s), with the currency in its own column if needed.",
    check: |ctx, report| {
        columns_of_type(ctx, report, |c| c.type_name == "money", "money", |t, c, _| {
            format!("ALTER TABLE {t} ALTER COLUMN {c} TYPE numeric(19, 2) USING {c}::numeric;")
        })
    },
};

pub const TIMETZ_COLUMN: Rule = Rule {
    name: "timetz_column",
    category: "integrity",
    level: Level::Info,
    rationale: "A time of day with a fixed UTC offset cannot follow daylight saving time, and no date makes it an instant: PostgreSQL's manual keeps timetz for SQL compliance only.",
    remediation: "Use timestamptz for instants; for a time of day, time (the SQL converts each value to its time of day in UTC) with the time zone in its own column if needed.",
    check: |ctx, report| {
        columns_of_type(ctx, report, |c| c.type_name == "timetz", "timetz", |t, c, _| {
            format!("ALTER TABLE {t} ALTER COLUMN {c} TYPE time USING ({c} AT TIME ZONE 'UTC')::time;")
        })
    },
};

/// timestamp(0) and timestamptz(0): the precision PostgreSQL rounds to when storing.
fn zero_precision_timestamp(column: &Column) -> bool {
    matches!(column.type_name.as_str(), "timestamp" | "timestamptz")
        && column.data_type.starts_with("timestamp(0)")
}

pub const TIMESTAMP_ZERO_PRECISION: Rule = Rule {
    name: "timestamp_zero_precision",
    category: "integrity",
    level: Level::Info,
    rationale: "timestamp(0) rounds to the nearest second instead of truncating: a value stored at 12:00:00.6 reads 12:00:01, up to half a second in the future, and ranges miss rows.",
    remediation: "Keep the full precision and truncate where seconds are wanted (date_trunc('second', ...) in the query or the default).",
    check: |ctx, report| {
        // The same type at full precision (timestamp stays timestamp).
        columns_of_type(ctx, report, zero_precision_timestamp, "rounded to whole seconds", |t, c, found| {
            format!("ALTER TABLE {t} ALTER COLUMN {c} TYPE {};", found.type_name)
        })
    },
};

pub const DATABASE_ENCODING_SQL_ASCII: Rule = Rule {
    name: "database_encoding_sql_ascii",
    category: "integrity",
    level: Level::Warning,
    rationale: "A SQL_ASCII database stores whatever bytes it is given, unchecked and unconverted: text written in several encodings mixes in one column, no client can be told how to read it, and sorting, lower() and length() work on bytes.",
    remediation: "Dump the database and restore it into one created WITH ENCODING 'UTF8' (pg_dump, then pg_restore), converting or fixing rows that are not valid UTF-8 first.",
    check: |ctx, report| {
        let (database, encoding) = &ctx.catalog.database;
        if encoding == "SQL_ASCII" {
            report.add(
                Site { schema: None, object: database, object_type: "database", detail: None },
                format!("database {database} has encoding SQL_ASCII: its text is bytes, unchecked"),
                json!({"database": database, "encoding": encoding}),
            );
        }
    },
};

pub const INVALID_INDEX: Rule = Rule {
    name: "invalid_index",
    category: "integrity",
    level: Level::Error,
    rationale: "An index left invalid by a failed CREATE INDEX CONCURRENTLY is maintained on every write but never used, and a unique one does not protect anything.",
    remediation: "DROP INDEX CONCURRENTLY the index and create it again, or REINDEX INDEX CONCURRENTLY.",
    check: |ctx, report| {
        for table in ctx.stored() {
            for index in table.indexes.iter().filter(|i| !i.valid) {
                report.on_relation(
                    table,
                    Some(&index.name),
                    format!("index {} on {} is invalid", index.name, table.qualified()),
                    json!({"index": index.name}),
                );
                report.remedy(format!("REINDEX INDEX CONCURRENTLY {};", ctx.catalog.sql_name(&table.schema, &index.name)));
            }
        }
    },
};

pub const CONSTRAINT_NOT_VALIDATED: Rule = Rule {
    name: "constraint_not_validated",
    category: "integrity",
    level: Level::Warning,
    rationale: "A foreign key or check added NOT VALID (the safe way to add one to a large table) holds only for rows written since: until VALIDATE CONSTRAINT runs, older rows may break it, and the planner cannot rely on it.",
    remediation: "ALTER TABLE ... VALIDATE CONSTRAINT: it scans the table under a lock that lets reads and writes go on.",
    check: |ctx, report| {
        for table in ctx.tables() {
            for constraint in table.constraints.iter().filter(|c| !c.validated && (c.kind == "f" || c.kind == "c")) {
                let what = if constraint.kind == "f" { "foreign key" } else { "check constraint" };
                report.on_relation(
                    table,
                    Some(&constraint.name),
                    format!("{what} {} on {} was never validated", constraint.name, table.qualified()),
                    json!({"constraint": constraint.name, "kind": constraint.kind}),
                );
                report.remedy(format!(
                    "ALTER TABLE {} VALIDATE CONSTRAINT {};",
                    table_sql(ctx, table),
                    ctx.catalog.ident(&constraint.name)
                ));
            }
        }
    },
};

pub const UNLOGGED_TABLE: Rule = Rule {
    name: "unlogged_table",
    category: "integrity",
    level: Level::Info,
    rationale: "An unlogged table is emptied after a crash and is not replicated to standbys.",
    remediation: "SET LOGGED, unless losing its rows is acceptable (caches, staging).",
    check: |ctx, report| {
        for table in ctx.tables().filter(|t| t.unlogged) {
            report.on_relation(table, None, format!("table {} is unlogged", table.qualified()), json!({}));
            report.remedy(format!("ALTER TABLE {} SET LOGGED;", table_sql(ctx, table)));
        }
    },
};

pub const JSON_COLUMN: Rule = Rule {
    name: "json_column",
    category: "integrity",
    level: Level::Info,
    rationale: "json stores the text as written and re-parses it on every access; jsonb is parsed once, can be indexed and compared.",
    remediation: "Change the column to jsonb (unless key order or duplicate keys must be kept).",
    check: |ctx, report| {
        columns_of_type(ctx, report, |c| c.type_name == "json", "json rather than jsonb", |t, c, _| {
            format!("ALTER TABLE {t} ALTER COLUMN {c} TYPE jsonb USING {c}::jsonb;")
        })
    },
};

#[cfg(test)]
mod tests {
    use crate::lint::rules::testing::*;
    use serde_json::json;

    fn with_pk(mut table: serde_json::Value, columns: &[i16]) -> serde_json::Value {
        table["constraints"] = json!([{"name": "pk", "kind": "p", "columns": columns}]);
        table
    }

    #[test]
    fn tables_without_primary_key() {
        let catalog = catalog(json!({"relations": [
            with_pk(table("keyed", &[("id", "int8", "bigint", true)]), &[1]),
            table("loose", &[("id", "int8", "bigint", true)]),
            {"oid": 3, "schema": "app", "name": "a_view", "kind": "v"},
        ]}));
        assert_eq!(findings_of("table_without_primary_key", &catalog), ["app.loose"]);
    }

    #[test]
    fn foreign_key_types_must_match() {
        let mut child = table(
            "child",
            &[
                ("id", "int8", "bigint", true),
                ("parent_id", "int4", "integer", false),
                ("other_id", "int8", "bigint", false),
            ],
        );
        child["constraints"] = json!([
            {"name": "child_parent_fk", "kind": "f", "columns": [2], "ref_schema": "app", "ref_table": "parent", "ref_columns": [1]},
            {"name": "child_other_fk", "kind": "f", "columns": [3], "ref_schema": "app", "ref_table": "parent", "ref_columns": [1]},
        ]);
        let catalog =
            catalog(json!({"relations": [table("parent", &[("id", "int8", "bigint", true)]), child]}));
        assert_eq!(
            findings_of("foreign_key_type_mismatch", &catalog),
            ["app.child.child_parent_fk.parent_id"]
        );
    }

    #[test]
    fn unique_indexes_over_nullable_columns() {
        let mut t = table(
            "t",
            &[
                ("id", "int8", "bigint", true),
                ("email", "text", "text", false),
                ("code", "text", "text", true),
            ],
        );
        t["indexes"] = json!([
            {"name": "t_pkey", "columns": [1], "key_columns": 1, "unique": true, "primary": true, "method": "btree", "shape": ""},
            {"name": "t_email_key", "columns": [2], "key_columns": 1, "unique": true, "method": "btree", "shape": ""},
            {"name": "t_code_key", "columns": [3], "key_columns": 1, "unique": true, "method": "btree", "shape": ""},
            {"name": "t_email_nnd", "columns": [2], "key_columns": 1, "unique": true, "nulls_not_distinct": true, "method": "btree", "shape": ""},
            {"name": "t_email_partial", "columns": [2], "key_columns": 1, "unique": true, "partial": true, "method": "btree", "shape": ""},
        ]);
        assert_eq!(
            findings_of("unique_nullable_columns", &catalog(json!({"relations": [t]}))),
            ["app.t.t_email_key"]
        );
    }

    #[test]
    fn column_type_rules() {
        let t = table(
            "t",
            &[
                ("at", "timestamp", "timestamp without time zone", false),
                ("at_tz", "timestamptz", "timestamp with time zone", false),
                ("code", "bpchar", "character(3)", false),
                ("name", "varchar", "character varying(20)", false),
                ("fn", "regproc", "regproc", false),
                ("cls", "regclass", "regclass", false),
                ("price", "money", "money", false),
                ("doc", "json", "json", false),
                ("docb", "jsonb", "jsonb", false),
                ("opens", "timetz", "time with time zone", false),
                ("closes", "time", "time without time zone", false),
                ("seen", "timestamptz", "timestamp(0) with time zone", false),
                ("logged", "timestamp", "timestamp(0) without time zone", false),
                ("exact", "timestamptz", "timestamp(3) with time zone", false),
            ],
        );
        let catalog = catalog(json!({"relations": [t]}));
        assert_eq!(findings_of("timetz_column", &catalog), ["app.t.opens"]);
        assert_eq!(findings_of("timestamp_zero_precision", &catalog), ["app.t.logged", "app.t.seen"]);
        assert_eq!(findings_of("timestamp_without_time_zone", &catalog), ["app.t.at", "app.t.logged"]);
        assert_eq!(findings_of("char_n_column", &catalog), ["app.t.code"]);
        assert_eq!(findings_of("reg_type_column", &catalog), ["app.t.fn"]);
        assert_eq!(findings_of("money_column", &catalog), ["app.t.price"]);

        assert_eq!(findings_of("json_column", &catalog), ["app.t.doc"]);
    }

    #[test]
    fn sql_ascii_databases() {
        let utf8 = catalog(json!({"database": ["app", "UTF8"]}));
        assert!(findings_of("database_encoding_sql_ascii", &utf8).is_empty());
        let ascii = catalog(json!({"database": ["legacy", "SQL_ASCII"]}));
        assert_eq!(findings_of("database_encoding_sql_ascii", &ascii), ["legacy"]);
    }

    #[test]
    fn serials_and_sequences_near_exhaustion() {
        let mut t = table(
            "t",
            &[
                ("id", "int4", "integer", true),
                ("big", "int8", "bigint", true),
                ("ident", "int4", "integer", true),
                ("legacy", "int4", "integer", true),
                ("plain", "int4", "integer", true),
            ],
        );
        t["columns"][2][5] = json!(true);
        let catalog = catalog(json!({"relations": [t], "sequences": [
            {"schema": "app", "name": "t_id_seq", "last_value": 1_500_000_000i64, "columns": [[1, 1]]},
            {"schema": "app", "name": "t_big_seq", "last_value": 3_000_000_000i64, "columns": [[1, 2]]},
            {"schema": "app", "name": "t_ident_seq", "last_value": 10, "columns": [[1, 3]]},
            // Not owned by the column (no OWNED BY); linked through the column's nextval() default.
            {"schema": "app", "name": "legacy_seq", "last_value": 2_000_000_000i64, "columns": [[1, 4]]},
            {"schema": "app", "name": "unused_seq", "last_value": 2_000_000_000i64, "columns": []},
        ]}));
        assert_eq!(
            findings_of("serial_instead_of_identity", &catalog),
            ["app.t.big", "app.t.id", "app.t.legacy"]
        );
        assert_eq!(findings_of("int4_sequence_near_exhaustion", &catalog), ["app.t.id", "app.t.legacy"]);
    }

    #[test]
    fn integer_primary_keys() {
        let catalog = catalog(json!({"relations": [
            with_pk(table("small", &[("id", "int4", "integer", true)]), &[1]),
            with_pk(table("big", &[("id", "int8", "bigint", true)]), &[1]),
            with_pk(table("pair", &[("a", "int4", "integer", true), ("b", "int4", "integer", true)]), &[1, 2]),
        ]}));
        assert_eq!(findings_of("int4_primary_key", &catalog), ["app.small.id"]);
    }

    #[test]
    fn invalid_indexes_and_unlogged_tables() {
        let mut t = table("t", &[("id", "int8", "bigint", true)]);
        t["unlogged"] = json!(true);
        t["indexes"] = json!([
            {"name": "t_broken", "columns": [1], "key_columns": 1, "valid": false, "method": "btree", "shape": ""},
            {"name": "t_fine", "columns": [1], "key_columns": 1, "method": "btree", "shape": ""},
        ]);
        let catalog = catalog(json!({"relations": [t, table("logged", &[("id", "int8", "bigint", true)])]}));
        assert_eq!(findings_of("invalid_index", &catalog), ["app.t.t_broken"]);
        assert_eq!(findings_of("unlogged_table", &catalog), ["app.t"]);
    }

    #[test]
    fn constraints_added_not_valid_and_never_validated() {
        let mut t = table("t", &[("id", "int8", "bigint", true), ("parent_id", "int8", "bigint", true)]);
        t["constraints"] = json!([
            {"name": "t_pkey", "kind": "p", "columns": [1]},
            {"name": "t_parent_fkey", "kind": "f", "columns": [2], "validated": false},
            {"name": "t_positive", "kind": "c", "validated": false},
            {"name": "t_checked", "kind": "c", "validated": true},
        ]);
        let catalog = catalog(json!({"relations": [t]}));
        assert_eq!(
            findings_of("constraint_not_validated", &catalog),
            ["app.t.t_parent_fkey", "app.t.t_positive"]
        );
    }
}
