//! Precision on real schemas: what the rules must not say, and remediations that run as written.

use super::testing::*;
use crate::lint::config::LintConfig;
use crate::lint::{lint, Finding};
use serde_json::json;

fn all_findings(catalog: &crate::catalog::Catalog, rule: &str) -> Vec<Finding> {
    let names: Vec<&str> = super::ALL.iter().map(|r| r.name).collect();
    lint(catalog, &LintConfig::parse(json!({}), &names).unwrap())
        .into_iter()
        .filter(|f| f.rule == rule)
        .collect()
}

fn index(name: &str, columns: &[i16]) -> serde_json::Value {
    json!({"name": name, "columns": columns, "key_columns": columns.len(), "method": "btree",
           "shape": format!("btree {columns:?} 3124"), "opclasses": vec![3124; columns.len()], "collations": vec![0; columns.len()]})
}

#[test]
fn a_primary_key_index_is_never_the_duplicate_to_drop() {
    let mut v = table("v", &[("id", "int8", "bigint", true)]);
    let mut pkey = index("v_pkey", &[1]);
    pkey["unique"] = json!(true);
    pkey["primary"] = json!(true);
    pkey["constraint"] = json!(true);
    let mut key = index("v_id_key", &[1]);
    key["unique"] = json!(true);
    key["constraint"] = json!(true);
    let plain = index("v_id_idx", &[1]);
    v["indexes"] = json!([pkey, key, plain]);
    let findings = all_findings(&catalog(json!({"relations": [v]})), "duplicate_index");
    let by_index: Vec<(&str, &str)> =
        findings.iter().map(|f| (f.metadata["index"].as_str().unwrap(), f.remediation.as_str())).collect();
    assert_eq!(
        by_index,
        [
            ("v_id_idx", "DROP INDEX CONCURRENTLY app.v_id_idx;"),
            ("v_id_key", "ALTER TABLE app.v DROP CONSTRAINT v_id_key;"),
        ]
    );
}

#[test]
fn a_partitions_attached_index_is_left_to_its_parent() {
    let mut parent = table("events", &[("id", "int8", "bigint", true)]);
    parent["kind"] = json!("p");
    parent["oid"] = json!(10);
    parent["indexes"] = json!([index("events_a", &[1]), index("events_b", &[1])]);
    let mut partition = table("events_2026", &[("id", "int8", "bigint", true)]);
    partition["oid"] = json!(11);
    partition["partition_of"] = json!(["app", "events"]);
    let (mut a, mut b) = (index("events_2026_a", &[1]), index("events_2026_b", &[1]));
    a["attached"] = json!(true);
    b["attached"] = json!(true);
    partition["indexes"] = json!([a, b]);
    let catalog = catalog(json!({"relations": [parent, partition]}));
    let findings = all_findings(&catalog, "duplicate_index");
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].object_name, "events");
    // A partitioned table's index cannot be dropped concurrently.
    assert_eq!(findings[0].remediation, "DROP INDEX app.events_b;");
}

#[test]
fn a_finding_repeated_on_every_partition_is_reported_once_on_the_parent() {
    let mut parent =
        table("measurements", &[("id", "int4", "integer", true), ("v", "numeric", "numeric", false)]);
    parent["kind"] = json!("p");
    parent["oid"] = json!(20);
    let mut relations = vec![parent];
    for (i, oid) in [21, 22, 23].iter().enumerate() {
        let mut partition = table(
            &format!("measurements_{i}"),
            &[("id", "int4", "integer", true), ("v", "numeric", "numeric", false)],
        );
        partition["oid"] = json!(oid);
        partition["partition_of"] = json!(["app", "measurements"]);
        relations.push(partition);
    }
    // One sequence feeds the column of the parent and of each partition.
    let sequence = json!({"schema": "app", "name": "measurements_id_seq", "last_value": 1,
                          "columns": [[20, 1], [21, 1], [22, 1], [23, 1]]});
    let catalog = catalog(json!({"relations": relations, "sequences": [sequence]}));
    let findings = all_findings(&catalog, "serial_instead_of_identity");
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].object_name, "measurements");
    assert_eq!(
        findings[0].metadata["partitions"],
        json!(["app.measurements_0", "app.measurements_1", "app.measurements_2"])
    );
    assert!(
        findings[0].remediation.contains("DROP SEQUENCE app.measurements_id_seq;"),
        "{}",
        findings[0].remediation
    );
}

#[test]
fn remediations_name_real_objects_and_fit_the_object_kind() {
    let mut bad = table(
        "OrderItems",
        &[("Qty", "int4", "integer", true), ("made", "timestamp", "timestamp without time zone", false)],
    );
    bad["unlogged"] = json!(true);
    let matview = json!({"oid": 30, "schema": "app", "name": "totals", "kind": "m", "reads_rls_tables": ["app.orders"]});
    let view = json!({"oid": 31, "schema": "app", "name": "open_orders", "kind": "v", "reads_rls_tables": ["app.orders"]});
    let catalog = catalog(json!({"relations": [bad, matview, view], "reserved_words": ["order"]}));
    let remedy = |rule: &str| -> Vec<String> {
        all_findings(&catalog, rule).into_iter().map(|f| f.remediation).collect()
    };
    assert_eq!(
        remedy("table_name_not_snake_case"),
        [r#"ALTER TABLE app."OrderItems" RENAME TO order_items;"#]
    );
    assert_eq!(
        remedy("column_name_not_snake_case"),
        [r#"ALTER TABLE app."OrderItems" RENAME COLUMN "Qty" TO qty;"#]
    );
    assert_eq!(remedy("unlogged_table"), [r#"ALTER TABLE app."OrderItems" SET LOGGED;"#]);
    assert!(remedy("timestamp_without_time_zone")[0].starts_with(
        r#"ALTER TABLE app."OrderItems" ALTER COLUMN made TYPE timestamptz USING made AT TIME ZONE 'UTC';"#
    ));
    let views = remedy("view_bypasses_rls");
    assert_eq!(views.len(), 2);
    assert!(views.contains(&"ALTER VIEW app.open_orders SET (security_invoker = true);".to_string()));
    let matview_fix = views.iter().find(|r| r.contains("totals")).unwrap();
    assert!(matview_fix.starts_with("REVOKE SELECT ON app.totals FROM PUBLIC;"), "{matview_fix}");
    for finding in lint(
        &catalog,
        &LintConfig::parse(json!({}), &super::ALL.iter().map(|r| r.name).collect::<Vec<_>>()).unwrap(),
    ) {
        assert!(!finding.remediation.contains("..."), "{}: {}", finding.rule, finding.remediation);
    }
}

#[test]
fn hashed_secrets_are_not_plain_text() {
    let mut users = table(
        "users",
        &[
            ("password_hash", "text", "text", true),
            ("passwordsalt", "text", "text", true),
            ("password", "text", "text", true),
            ("legacy_password", "text", "text", true),
            ("api_token", "text", "text", false),
        ],
    );
    users["samples"] = json!({
        "password": ["$2b$12$KIXQJ3mWZ1u3Y2rZk8bG1uQq1kI7h9Vw0h5b1oP0r3y9yGzQ1xY2K", "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"],
        "legacy_password": ["hunter2", "$2b$12$KIXQJ3mWZ1u3Y2rZk8bG1uQq1kI7h9Vw0h5b1oP0r3y9yGzQ1xY2K"],
        "api_token": [],
    });
    let catalog = catalog(json!({"relations": [users]}));
    // password_hash and passwordsalt by name; password by its bcrypt/argon2 values; an empty
    // table is judged by name alone.
    assert_eq!(
        findings_of("secret_column_plain_text", &catalog),
        ["app.users.api_token", "app.users.legacy_password"]
    );
}

#[test]
fn hash_shapes() {
    use super::security::looks_hashed;
    for hashed in [
        "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
        "$6$rounds=5000$saltsalt$abcdefghijklmnopqrstuv",
        "pbkdf2_sha256$600000$salt$hash=",
        "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8",
        "md5d41d8cd98f00b204e9800998ecf8427e",
        "SCRAM-SHA-256$4096:c2FsdA==$a2V5:c2VydmVy",
    ] {
        assert!(looks_hashed(hashed), "{hashed}");
    }
    for plain in ["hunter2", "correct horse battery staple", "P@ssw0rd!", ""] {
        assert!(!looks_hashed(plain), "{plain}");
    }
}
