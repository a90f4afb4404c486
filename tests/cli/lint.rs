//! confiture lint end to end.

use crate::support::*;
use std::collections::BTreeMap;
use std::process::Command;

const CLASSIC: &[(&str, &str)] = &[
    ("table_without_primary_key", "no_primary_key"),
    ("table_name_not_snake_case", "not_snake_case_tables"),
    ("column_name_not_snake_case", "not_snake_case_columns"),
    ("table_without_comment", "undocumented_tables"),
    ("foreign_key_without_index", "unindexed_foreign_keys"),
    ("secret_column_plain_text", "plaintext_secret_columns"),
    ("tenant_table_without_tenant_column", "tenant_tables_without_tenant_id"),
];

/// The corpus generator plants an exact number of findings per classic rule (manifest.json);
/// the lint must report exactly those counts.
#[test]
fn the_classic_rules_match_the_generated_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let generated = Command::new("python3")
        .arg(corpus("gen_schema.py"))
        .args(["--tables", "1000", "--migrations", "0", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(generated.status.success(), "{}", String::from_utf8_lossy(&generated.stderr));
    let url = empty_database("e2e_lint_manifest");
    let build = confiture(&["build", "--apply", "--database-url", &url], dir.path(), &[]);
    assert_exit(&build, 0);
    let lint = confiture(
        &["lint", "--database-url", &url, "--format", "json", "--fail-on", "never"],
        dir.path(),
        &[],
    );
    assert_exit(&lint, 0);
    let findings: Vec<serde_json::Value> = serde_json::from_str(&stdout(&lint)).unwrap();
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for finding in &findings {
        *counts.entry(finding["rule"].as_str().unwrap()).or_default() += 1;
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("manifest.json")).unwrap()).unwrap();
    for (rule, key) in CLASSIC {
        assert_eq!(
            counts.get(rule).copied().unwrap_or(0),
            manifest[key].as_u64().unwrap(),
            "{rule} vs manifest {key}"
        );
    }
}

fn linted_project(database: &str) -> (Project, String) {
    let project = Project::new(&[(
        "db/schema/00.sql",
        "CREATE SCHEMA app;\nCREATE TABLE app.orders (id bigint PRIMARY KEY, note text);\n\
         CREATE TABLE app.\"AuditLog\" (id bigint);\nCOMMENT ON TABLE app.\"AuditLog\" IS 'x';\n",
    )]);
    let url = empty_database(database);
    assert_exit(&project.run(&url, &["build", "--apply"]), 0);
    (project, url)
}

#[test]
fn fail_on_decides_the_exit_code() {
    let (project, url) = linted_project("e2e_lint_fail_on");
    // app.AuditLog: no primary key (error), not snake_case (warning); app.orders: no comment (info).
    assert_exit(&project.run(&url, &["lint"]), 1);
    assert_exit(&project.run(&url, &["lint", "--fail-on", "never"]), 0);
    let disabled = r#"{"rules": {"table_without_primary_key": {"enabled": false}}}"#;
    project.write(
        "db/environments/local.yaml",
        &format!("name: local\ndatabase_url: ${{CONFITURE_E2E_URL}}\nlint: {disabled}\n"),
    );
    assert_exit(&project.run(&url, &["lint"]), 0);
    assert_exit(&project.run(&url, &["lint", "--fail-on", "warning"]), 1);
    project.write(
        "db/environments/local.yaml",
        "name: local\ndatabase_url: ${CONFITURE_E2E_URL}\nlint:\n  rules:\n    table_name_not_snake_case: {enabled: false}\n    table_without_primary_key: {enabled: false}\n",
    );
    assert_exit(&project.run(&url, &["lint", "--fail-on", "warning"]), 0);
    let output = project.run(&url, &["lint", "--fail-on", "info"]);
    assert_exit(&output, 1);
    assert!(stdout(&output).contains("1 findings: 0 errors, 0 warnings, 1 info"), "{}", stdout(&output));
}

#[test]
fn sarif_output_names_rules_objects_and_files() {
    let (project, url) = linted_project("e2e_lint_sarif");
    let output = project.run(&url, &["--format", "sarif", "lint", "--fail-on", "never"]);
    assert_exit(&output, 0);
    let sarif: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "confiture");
    let results = run["results"].as_array().unwrap();
    let pk =
        results.iter().find(|r| r["ruleId"] == "table_without_primary_key").expect("a primary key finding");
    assert_eq!(pk["level"], "error");
    let location = &pk["locations"][0];
    assert_eq!(location["physicalLocation"]["artifactLocation"]["uri"], "db/schema/00.sql");
    assert_eq!(location["physicalLocation"]["region"]["startLine"], 3);
    assert_eq!(location["logicalLocations"][0]["fullyQualifiedName"], "app.AuditLog");
    assert_eq!(pk["partialFingerprints"]["confiture/cacheKey/v1"], "table_without_primary_key:app.AuditLog");
    let rule_ids: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(rule_ids.contains(&"table_without_primary_key"));
}

#[test]
fn a_bad_lint_configuration_is_named() {
    let (project, url) = linted_project("e2e_lint_bad_config");
    project.write(
        "db/environments/local.yaml",
        "name: local\ndatabase_url: ${CONFITURE_E2E_URL}\nlint:\n  exclude_schema: [app]\n",
    );
    let output = project.run(&url, &["lint"]);
    assert_exit(&output, 5);
    assert!(stderr(&output).contains("unknown field `exclude_schema`"), "{}", stderr(&output));
}

#[test]
fn a_database_without_the_extension_gets_a_hint() {
    let project = Project::new(&[("db/schema/00.sql", "SELECT 1;")]);
    let url = empty_database("e2e_lint_no_extension");
    let output = project.run(&url, &["lint"]);
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("CREATE EXTENSION confiture"), "{}", stderr(&output));
}

#[test]
fn sarif_is_only_for_lint() {
    let project = Project::new(&[("db/schema/00.sql", "SELECT 1;")]);
    let output = project.run("unused", &["--format", "sarif", "build"]);
    assert_exit(&output, 5);
}
