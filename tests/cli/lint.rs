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
    let findings = findings_of(&lint);
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
    // What the report says was linted, against the catalog read another way.
    let report: serde_json::Value = serde_json::from_slice(&lint.stdout).unwrap();
    let user_tables =
        "FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema', 'confiture')";
    let tables = query_one_i64(&url, &format!("SELECT count(*) {user_tables}"));
    let documented = query_one_i64(
        &url,
        &format!("SELECT count(*) {user_tables} AND obj_description(format('%I.%I', schemaname, tablename)::regclass, 'pg_class') IS NOT NULL"),
    );
    assert_eq!(
        (report["tables_checked"].as_i64(), report["documentation"]["documented"].as_i64()),
        (Some(tables), Some(documented))
    );
    assert!(
        tables >= 1000 && documented > 0 && documented < tables,
        "{tables} tables, {documented} documented"
    );
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

/// confiture's rows in `lint --format json` (beside the Python confiture's `violations`).
fn findings_of(output: &std::process::Output) -> Vec<serde_json::Value> {
    let report: serde_json::Value =
        serde_json::from_str(&stdout(output)).unwrap_or_else(|e| panic!("{e}: {}", stdout(output)));
    report["findings"].as_array().unwrap_or_else(|| panic!("no findings: {report}")).clone()
}

/// The rules and their count in `lint --format json`.
fn rules_found(project: &Project, url: &str, extra: &[&str]) -> BTreeMap<String, usize> {
    let output = project.run(url, &[&["lint", "--format", "json", "--fail-on", "never"][..], extra].concat());
    assert_exit(&output, 0);
    let findings = findings_of(&output);
    let mut rules = BTreeMap::new();
    for finding in findings {
        *rules.entry(finding["rule"].as_str().unwrap().to_string()).or_default() += 1;
    }
    rules
}

#[test]
fn select_and_ignore_choose_rules_by_name_or_category() {
    let (project, url) = linted_project("e2e_lint_select");
    let all = rules_found(&project, &url, &[]);
    assert!(
        all.contains_key("table_without_primary_key") && all.contains_key("table_name_not_snake_case"),
        "{all:?}"
    );
    let only = rules_found(&project, &url, &["--select", "table_without_primary_key"]);
    assert_eq!(only.keys().collect::<Vec<_>>(), ["table_without_primary_key"]);
    let ignored =
        rules_found(&project, &url, &["--ignore", "table_without_primary_key,table_without_comment"]);
    assert!(
        !ignored.contains_key("table_without_primary_key") && !ignored.contains_key("table_without_comment")
    );
    assert!(ignored.contains_key("table_name_not_snake_case"), "{ignored:?}");
    // --ignore wins over --select; `default` is every rule.
    let both = rules_found(&project, &url, &["--select", "default", "--ignore", "table_without_primary_key"]);
    assert_eq!(both.len(), all.len() - 1);
    let unknown = project.run(&url, &["lint", "--select", "no_such_rule"]);
    assert_exit(&unknown, 5);
    assert!(stderr(&unknown).contains("no rule or category \"no_such_rule\""), "{}", stderr(&unknown));
    // --list-rules lists every rule with its category, in the Python confiture's JSON shape too.
    let listed = project.run(&url, &["lint", "--list-rules", "--format", "json"]);
    assert_exit(&listed, 0);
    let listed: serde_json::Value = serde_json::from_str(&stdout(&listed)).unwrap();
    let codes: Vec<&str> =
        listed["rules"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect();
    assert!(
        codes.contains(&"table_without_primary_key") && codes.contains(&"foreign_key_without_index"),
        "{codes:?}"
    );
    let csv = project.run(&url, &["lint", "--list-rules", "--format", "csv"]);
    assert!(stdout(&csv).starts_with("rule,category,level,rationale\n"), "{}", stdout(&csv));
}

#[test]
fn a_baseline_fails_only_on_new_findings_and_forgets_fixed_ones() {
    let (project, url) = linted_project("e2e_lint_baseline");
    let baseline = project.path().join("lint-baseline.json");
    let baseline = baseline.to_str().unwrap();
    assert_exit(&project.run(&url, &["lint", "--baseline", baseline, "--write-baseline"]), 0);
    let known: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(baseline).unwrap()).unwrap();
    let known_count = known["findings"].as_array().unwrap().len();
    assert!(known_count >= 3, "{known}");
    // Everything is known: nothing shown, exit 0 even at --fail-on info.
    let quiet = project.run(&url, &["lint", "--baseline", baseline, "--fail-on", "info"]);
    assert_exit(&quiet, 0);
    assert!(stdout(&quiet).contains("0 findings"), "{}", stdout(&quiet));
    // A new problem fails the run and is the only one shown.
    connect(&url).batch_execute("CREATE TABLE app.events (id bigint);").unwrap();
    let new = project.run(&url, &["lint", "--baseline", baseline, "--format", "json"]);
    assert_exit(&new, 1);
    let findings = findings_of(&new);
    assert!(findings.iter().all(|f| f["object_name"] == "events"), "{findings:?}");
    // A fixed problem leaves the baseline, so that it cannot come back unnoticed.
    connect(&url)
        .batch_execute("DROP TABLE app.events; ALTER TABLE app.\"AuditLog\" ADD PRIMARY KEY (id);")
        .unwrap();
    let fixed = project.run(&url, &["lint", "--baseline", baseline]);
    assert_exit(&fixed, 0);
    assert!(stderr(&fixed).contains("baseline findings are gone"), "{}", stderr(&fixed));
    let kept: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(baseline).unwrap()).unwrap();
    assert!(kept["findings"].as_array().unwrap().len() < known_count);
    assert!(!kept.to_string().contains("table_without_primary_key"), "{kept}");
}

#[test]
fn custom_rules_are_listed_and_selected_like_built_in_ones() {
    let (project, url) = linted_project("e2e_lint_select_custom");
    connect(&url)
        .batch_execute(
            "CREATE TABLE app.tmp_import (id bigint PRIMARY KEY);\n\
             CREATE FUNCTION app.tables_named_tmp() RETURNS TABLE (schema_name text, object_name text, object_type text, message text)\n\
             LANGUAGE sql AS $$ SELECT n.nspname::text, c.relname::text, 'table', 'temporary-looking table'\n\
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND c.relname LIKE 'tmp%' $$;\n\
             SELECT confiture.register_lint_rule('no_tmp_tables', 'app.tables_named_tmp()', 'warning', 'housekeeping');",
        )
        .unwrap();
    let only = rules_found(&project, &url, &["--select", "housekeeping"]);
    assert_eq!(only.keys().collect::<Vec<_>>(), ["no_tmp_tables"]);
    let listed = project.run(&url, &["lint", "--list-rules", "--format", "json"]);
    let listed: serde_json::Value = serde_json::from_str(&stdout(&listed)).unwrap();
    let custom = listed["rules"].as_array().unwrap().iter().find(|r| r["code"] == "no_tmp_tables").cloned();
    assert_eq!(
        custom.map(|r| (r["family"].clone(), r["custom"].clone())),
        Some(("housekeeping".into(), true.into()))
    );
}

/// A schema written to pass every rule (examples/showcase) lints clean: the rules stay quiet on
/// good practice (identity keys, indexed foreign keys, comments, tenant columns, RLS with
/// initplan policies, a pinned search_path, a security_invoker view).
#[test]
fn the_showcase_schema_has_no_finding() {
    let url = empty_database("e2e_lint_showcase");
    let project = repo_root().join("examples/showcase");
    let output = tempfile::tempdir().unwrap();
    let generated = output.path().join("schema.sql");
    let build = confiture(
        &["build", "--apply", "--database-url", &url, "--output", generated.to_str().unwrap()],
        &project,
        &[],
    );
    assert_exit(&build, 0);
    let lint =
        confiture(&["lint", "--database-url", &url, "--fail-on", "info", "--format", "json"], &project, &[]);
    assert_exit(&lint, 0);
    assert_eq!(findings_of(&lint), Vec::<serde_json::Value>::new());
}

/// A table another session holds locked (a migration's ACCESS EXCLUSIVE) is not waited for when
/// its suspect columns are sampled: the lint goes on, the locked table's secret column is
/// reported without its values judged (a hash stored there cannot be seen), and the other
/// tables' values are still read.
#[test]
fn a_locked_table_is_not_waited_for_when_sampling_secrets() {
    let url = empty_database("e2e_lint_locked_sample");
    let hash = "$2b$12$KIXQJ3mWZ1u3Y2rZk8bG1uQq1kI7h9Vw0h5b1oP0r3y9yGzQ1xY2K";
    let project = Project::new(&[(
        "db/schema/00.sql",
        &format!(
            "CREATE TABLE account (id bigint PRIMARY KEY, password text);\n\
             CREATE TABLE device (id bigint PRIMARY KEY, password text);\n\
             INSERT INTO account VALUES (1, '{hash}');\nINSERT INTO device VALUES (1, '{hash}');\n"
        ),
    )]);
    assert_exit(&project.run(&url, &["build", "--apply"]), 0);
    let secrets = |project: &Project| -> Vec<String> {
        let lint = project.run(
            &url,
            &["lint", "--format", "json", "--fail-on", "never", "--select", "secret_column_plain_text"],
        );
        assert_exit(&lint, 0);
        findings_of(&lint)
            .iter()
            .map(|f| {
                format!("{}.{}.{}", f["schema_name"], f["object_name"], f["metadata"]["column"])
                    .replace('"', "")
            })
            .collect()
    };
    assert_eq!(secrets(&project), Vec::<String>::new(), "hashed values are not plain secrets");
    let mut migration = connect(&url);
    migration.batch_execute("BEGIN; LOCK TABLE account IN ACCESS EXCLUSIVE MODE").unwrap();
    let started = std::time::Instant::now();
    let found = secrets(&project);
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "the lint waited for the lock");
    assert_eq!(found, vec!["public.account.password".to_string()]);
    migration.batch_execute("ROLLBACK").unwrap();
}
