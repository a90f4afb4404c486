use super::mapping::{Dropped, Fill, Mapping, Name};
use super::plan::{mentions, plan, Column, How, Table};
use super::statements::{copy_batch, differing_keys, source_checksum, target_checksum};
use serde_json::json;

fn column(name: &str, type_name: &str) -> Column {
    Column { name: name.into(), type_name: type_name.into(), ..Column::default() }
}

fn table(schema: &str, name: &str, columns: Vec<Column>, key: &[&str]) -> Table {
    Table {
        schema: schema.into(),
        name: name.into(),
        columns,
        key: key.iter().map(|k| k.to_string()).collect(),
        rows: 1000,
        staging_schema: None,
    }
}

fn source(schema: &str, name: &str, columns: Vec<Column>, key: &[&str]) -> Table {
    Table { staging_schema: Some("confiture_s2s_1".into()), ..table(schema, name, columns, key) }
}

#[test]
fn the_python_mapping_reads_unchanged_and_accepts_dropping_unlisted_columns() {
    let mapping = Mapping::parse(&json!({
        "users": {"source_table": "old_users", "columns": {"full_name": "display_name", "id": "id"}}
    }))
    .unwrap();
    let users = &mapping.tables[0];
    assert_eq!(users.target, Name { schema: None, name: "users".into() });
    assert_eq!(users.source, Some(Name { schema: None, name: "old_users".into() }));
    assert_eq!(users.dropped, Dropped::All);
    assert_eq!(users.columns[0].column, "display_name");
    assert_eq!(users.columns[0].fill, Fill::From { column: "full_name".into(), cast: None });
}

#[test]
fn our_mapping_reads_every_fill() {
    let mapping = Mapping::parse(&json!({
        "tables": {
            "\"Mixed Case\".accounts": {
                "from": "public.old_accounts",
                "columns": {
                    "owner": "owner_name",
                    "id": {"from": "id", "cast": "bigint"},
                    "status": {"cast": "billing.status"},
                    "first_name": {"expr": "split_part(full_name, ' ', 1)"},
                    "created_at": {"default": true}
                },
                "drop": ["legacy"]
            },
            "public.new_table": {"from": null}
        },
        "drop_tables": ["public.audit_2019"]
    }))
    .unwrap();
    let accounts = &mapping.tables[0];
    assert_eq!(accounts.target.schema.as_deref(), Some("Mixed Case"));
    let fill_of = |name: &str| &accounts.columns.iter().find(|c| c.column == name).unwrap().fill;
    let fills: Vec<&Fill> = ["owner", "id", "status", "first_name", "created_at"].map(fill_of).to_vec();
    assert_eq!(
        fills,
        [
            &Fill::From { column: "owner_name".into(), cast: None },
            &Fill::From { column: "id".into(), cast: Some("bigint".into()) },
            &Fill::Cast { to: "billing.status".into() },
            &Fill::Expr { sql: "split_part(full_name, ' ', 1)".into() },
            &Fill::Default,
        ]
    );
    assert_eq!(accounts.dropped, Dropped::Columns(vec!["legacy".into()]));
    assert_eq!(mapping.tables[1].source, None);
    assert_eq!(mapping.dropped_tables[0].name, "audit_2019");
}

#[test]
fn mapping_mistakes_are_named() {
    let cases = [
        (json!({"tables": {"t": {"form": "x"}}}), "table t: unknown key \"form\""),
        (
            json!({"tables": {"t": {"columns": {"c": {"from": "a", "expr": "1"}}}}}),
            "table t, column c: give one of",
        ),
        (json!({"tables": {"t": {"columns": {"c": 3}}}}), "table t, column c: expected a source column"),
        (json!({"tables": {"t": {"drop": "x"}}}), "table t: drop must be"),
        (json!({"tables": {"t": {"columns": {"c": {"expr": " "}}}}}), "expr is empty"),
        (json!({"tables": {}, "options": {}}), "unknown key \"options\""),
        (json!({"t": {"columns": ["a"]}}), "table t: columns must map"),
        (json!(["t"]), "must be a map of tables"),
    ];
    for (document, expected) in cases {
        let error = Mapping::parse(&document).unwrap_err();
        assert!(error.contains(expected), "{error} should contain {expected}");
    }
}

#[test]
fn a_plan_fills_renames_casts_splits_and_defaults() {
    let target = table(
        "public",
        "users",
        vec![
            Column { not_null: true, ..column("id", "bigint") },
            column("display_name", "text"),
            column("first_name", "text"),
            Column { not_null: true, has_default: true, ..column("created_at", "timestamp with time zone") },
            column("status", "public.user_status"),
            Column { generated: true, ..column("search", "tsvector") },
        ],
        &["id"],
    );
    let source = source(
        "public",
        "users",
        vec![
            column("id", "integer"),
            column("full_name", "text"),
            Column {
                read_as_text: true,
                source_type: Some("public.user_status".into()),
                ..column("status", "text")
            },
        ],
        &["id"],
    );
    let mapping = Mapping::parse(&json!({"tables": {"users": {"columns": {
        "display_name": "full_name",
        "first_name": {"expr": "split_part(full_name, ' ', 1)"}
    }}}}))
    .unwrap();
    let planned = plan(&[target], &[source], &mapping);
    assert!(planned.errors.is_empty() && planned.hazards.is_empty(), "{planned:?}");
    let users = &planned.tables[0];
    assert!(users.errors.is_empty() && users.hazards.is_empty(), "{users:?}");
    let hows: Vec<(How, Option<&str>)> =
        users.columns.iter().map(|c| (c.how, c.expression.as_deref())).collect();
    assert_eq!(
        hows,
        [
            (How::Same, Some("src.\"id\"")),
            (How::Renamed, Some("src.\"full_name\"")),
            (How::Expr, Some("(split_part(full_name, ' ', 1))")),
            (How::Default, None),
            (How::Same, Some("CAST(src.\"status\" AS public.user_status)")),
            (How::Generated, None),
        ]
    );
    assert_eq!(users.batch_key[0].name, "id");
    assert_eq!(users.verify_key, ["id"]);
}

#[test]
fn lost_columns_and_tables_are_hazards_unless_dropped_and_unfillable_columns_are_errors() {
    let target = table(
        "public",
        "orders",
        vec![column("id", "integer"), Column { not_null: true, ..column("region", "text") }],
        &["id"],
    );
    let sources = [
        source("public", "orders", vec![column("id", "integer"), column("legacy", "text")], &["id"]),
        source("public", "audit", vec![column("id", "integer")], &[]),
    ];
    let planned = plan(std::slice::from_ref(&target), &sources, &Mapping::default());
    let orders = &planned.tables[0];
    assert_eq!(orders.hazards.len(), 1);
    assert!(orders.hazards[0].starts_with("deletes_data: source column public.orders.legacy"));
    assert_eq!(orders.errors.len(), 1);
    assert!(orders.errors[0].contains("public.orders.region is NOT NULL and has no default"));
    assert!(planned.hazards[0].contains("source table public.audit is not copied"));

    let accepted = Mapping::parse(&json!({
        "tables": {"orders": {"columns": {"region": {"expr": "'eu'"}}, "drop": ["legacy"]}},
        "drop_tables": ["audit"]
    }))
    .unwrap();
    let planned = plan(&[target], &sources, &accepted);
    assert!(
        planned.hazards.is_empty()
            && planned.tables[0].hazards.is_empty()
            && planned.tables[0].errors.is_empty()
    );
}

#[test]
fn missing_sources_and_unknown_names_are_errors() {
    let target = table("billing", "invoices", vec![column("id", "integer")], &["id"]);
    let planned = plan(std::slice::from_ref(&target), &[], &Mapping::default());
    assert!(planned.tables[0].errors[0].contains("no source table billing.invoices"));
    let mapping = Mapping::parse(&json!({"tables": {
        "billing.invoices": {"columns": {"nope": "id"}, "from": "billing.old"},
        "billing.ghost": {}
    }}))
    .unwrap();
    let sources = [source("billing", "old", vec![column("id", "integer")], &["id"])];
    let planned = plan(&[target], &sources, &mapping);
    assert!(planned.errors[0].contains("target table billing.ghost"));
    assert!(planned.tables[0].errors[0].contains("names column nope"));
}

#[test]
fn a_new_table_is_left_empty_and_copies_nothing() {
    let target =
        table("public", "fresh", vec![Column { not_null: true, ..column("id", "integer") }], &["id"]);
    let mapping = Mapping::parse(&json!({"tables": {"fresh": {"from": null}}})).unwrap();
    let planned = plan(&[target], &[], &mapping);
    assert!(planned.tables[0].errors.is_empty());
    assert_eq!(copy_batch(&planned.tables[0], 10, None), None);
}

#[test]
fn batches_page_through_the_key_with_literals_the_source_can_use() {
    let target = table("public", "lines", vec![column("order_id", "integer"), column("n", "integer")], &[]);
    let source = source(
        "public",
        "lines",
        vec![column("order_id", "integer"), column("n", "integer")],
        &["order_id", "n"],
    );
    let planned = plan(&[target], &[source], &Mapping::default());
    let first = copy_batch(&planned.tables[0], 500, None).unwrap();
    assert!(
        first.contains("FROM \"confiture_s2s_1\".\"lines\" AS src ORDER BY \"order_id\", \"n\" LIMIT 500"),
        "{first}"
    );
    let next = copy_batch(&planned.tables[0], 500, Some(&["7".into(), "it's".into()])).unwrap();
    assert!(
        next.contains(
            "WHERE src.\"order_id\" >= CAST('7' AS integer) AND (src.\"order_id\" > CAST('7' AS integer) \
             OR (src.\"n\" > CAST('it''s' AS integer)))"
        ),
        "{next}"
    );
    assert!(planned.tables[0].verify_key.is_empty());
    assert_eq!(differing_keys(&planned.tables[0], 10), None);
}

#[test]
fn identity_always_columns_are_inserted_overriding_and_checksums_skip_defaults() {
    let target = table(
        "public",
        "t",
        vec![
            Column { identity_always: true, identity: true, ..column("id", "bigint") },
            Column { has_default: true, ..column("at", "timestamp with time zone") },
        ],
        &["id"],
    );
    let source = source("public", "t", vec![column("id", "bigint")], &["id"]);
    let planned = plan(&[target], &[source], &Mapping::default());
    let batch = copy_batch(&planned.tables[0], 10, None).unwrap();
    assert!(
        batch.contains("INSERT INTO \"public\".\"t\" (\"id\") OVERRIDING SYSTEM VALUE SELECT src.\"id\""),
        "{batch}"
    );
    let (target_sum, source_sum) =
        (target_checksum(&planned.tables[0]), source_checksum(&planned.tables[0]).unwrap());
    assert!(batch.contains("hashed AS (SELECT pg_catalog.hashtextextended((ROW(CAST((src.\"id\") AS bigint)))::text, 0) AS h FROM batch AS src)"), "{batch}");
    assert!(target_sum.contains("ROW(t.\"id\")") && !target_sum.contains("\"at\""), "{target_sum}");
    assert!(source_sum.contains("ROW(CAST((src.\"id\") AS bigint))"), "{source_sum}");
    assert!(differing_keys(&planned.tables[0], 5).unwrap().contains("LIMIT 5"));
}

#[test]
fn expressions_mention_columns_by_their_sql_names() {
    assert!(mentions("split_part(Full_Name, ' ', 1)", "full_name"));
    assert!(mentions("\"Full Name\" || 'x'", "Full Name"));
    assert!(!mentions("'full_name'", "full_name"));
    assert!(!mentions("'it''s full_name'", "full_name"));
    assert!(!mentions("full_names", "full_name"));
}
