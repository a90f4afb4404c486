//! The extension is the only migration planner: the CLI and a psql user calling the SQL functions
//! see the same states, the same order and the same refusals.

use crate::migrate::with_migrations;
use crate::support::*;

/// (version, state) as `confiture migrate status --format json` says.
fn cli_states(project: &Project, url: &str) -> (i32, Vec<(String, String)>) {
    let output = project.run(url, &["migrate", "status", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let rows = report["migrations"].as_array().unwrap();
    let states = rows
        .iter()
        .map(|r| (r["version"].as_str().unwrap().to_string(), r["state"].as_str().unwrap().to_string()))
        .collect();
    (output.status.code().unwrap(), states)
}

/// (version, state) as migration_status() says for the project's files.
fn sql_states(project: &Project, url: &str) -> Vec<(String, String)> {
    let mut versions = Vec::new();
    let mut checksums = Vec::new();
    for entry in std::fs::read_dir(project.path().join("db/migrations")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if let Some(stem) = name.strip_suffix(".up.sql") {
            let text = std::fs::read_to_string(project.path().join("db/migrations").join(&name)).unwrap();
            versions.push(stem.split('_').next().unwrap().to_string());
            checksums.push(confiture_core::schema_hash::text_checksum(&text));
        }
    }
    connect(url)
        .query("SELECT version, state FROM confiture.migration_status($1, $2)", &[&versions, &checksums])
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

#[test]
fn the_cli_and_the_sql_functions_agree_on_order_drift_and_missing_migrations() {
    // Versions that sort differently as text (10 before 2) and as numbers.
    let project = with_migrations(&[
        ("10_ten.up.sql", "CREATE TABLE ten (id int);"),
        ("1_one.up.sql", "CREATE TABLE one (id int);"),
        ("2_two.up.sql", "CREATE TABLE two (id int);"),
    ]);
    let url = empty_database("e2e_agreement");
    assert_exit(&project.run(&url, &["build", "--apply"]), 0);
    assert_exit(&project.run(&url, &["migrate", "up", "--target", "2"]), 0);

    // Order and states.
    let (code, cli) = cli_states(&project, &url);
    assert_eq!(code, 1, "a pending migration");
    assert_eq!(cli, sql_states(&project, &url));
    assert_eq!(
        cli,
        [("1".into(), "applied".into()), ("2".into(), "applied".into()), ("10".into(), "pending".into())]
    );
    let plan: Vec<String> = connect(&url)
        .query("SELECT version FROM confiture.migration_plan('up')", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(plan, ["10"]);

    // Drift: the file of an applied migration changed.
    project.write("db/migrations/1_one.up.sql", "CREATE TABLE one (id bigint);");
    let (code, cli) = cli_states(&project, &url);
    assert_eq!(code, 1);
    assert_eq!(cli, sql_states(&project, &url));
    assert_eq!(cli[0], ("1".to_string(), "drifted".to_string()));
    assert_exit(&project.run(&url, &["migrate", "up"]), 1);
    let refused = connect(&url)
        .query("SELECT confiture.register_migration('1', 'one', 'CREATE TABLE one (id bigint);')", &[])
        .expect_err("drift");
    assert_eq!(sqlstate(&refused), "27000");
    project.write("db/migrations/1_one.up.sql", "CREATE TABLE one (id int);");

    // Missing: the file of an applied migration is gone (CLI), or its registration is (SQL).
    std::fs::remove_file(project.path().join("db/migrations/2_two.up.sql")).unwrap();
    let (code, cli) = cli_states(&project, &url);
    assert_eq!(code, 1);
    assert_eq!(cli, sql_states(&project, &url));
    assert_eq!(cli[1], ("2".to_string(), "missing".to_string()));
    assert_exit(&project.run(&url, &["migrate", "up"]), 1);
    let mut client = connect(&url);
    client.batch_execute("DELETE FROM confiture.migrations WHERE version = '2'").unwrap();
    let refused = client.query("SELECT * FROM confiture.migrate_up()", &[]).expect_err("missing");
    assert_eq!(sqlstate(&refused), "27000");
    assert_eq!(
        query_one_i64(&url, "SELECT count(*) FROM confiture.migration_history WHERE version = '10'"),
        0
    );
}
