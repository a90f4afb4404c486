//! build --fresh: allowed only by the environment; an unchanged schema is a template clone.

use crate::support::*;

#[test]
fn fresh_needs_allow_reset_and_touches_nothing_without_it() {
    let project = Project::new(&[("db/schema/00.sql", "CREATE TABLE a (id int);")]);
    project.write("db/environments/local.yaml", "name: local\ndatabase_url: ${CONFITURE_E2E_URL}\n");
    let url = empty_database("e2e_fresh_forbidden");
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client.batch_execute("CREATE TABLE precious (id int); INSERT INTO precious VALUES (1);").unwrap();
    let output = project.run(&url, &["build", "--fresh"]);
    assert_exit(&output, 3);
    assert!(stderr(&output).contains("allow_reset"), "{}", stderr(&output));
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM precious"), 1);
}

#[test]
fn fresh_rebuilds_then_clones_the_template_of_an_unchanged_schema() {
    let project = Project::new(&[("db/schema/00.sql", "CREATE TABLE a (id int PRIMARY KEY);\nCOMMENT ON TABLE a IS 'v1';\n")]);
    let url = empty_database("e2e_fresh");
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client.batch_execute("CREATE TABLE leftover (id int);").unwrap();
    drop(client);

    let first = project.run(&url, &["build", "--fresh", "--format", "json"]);
    assert_exit(&first, 0);
    let first: serde_json::Value = serde_json::from_str(&stdout(&first)).unwrap();
    assert_eq!(first["applied"]["method"], "build");
    let template = first["applied"]["template"].as_str().unwrap().to_string();
    assert!(database_exists(&template));
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM pg_tables WHERE tablename = 'leftover'"), 0);

    // Data written since is gone after the next fresh build: it is a clone of the template.
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client.batch_execute("INSERT INTO a VALUES (1);").unwrap();
    drop(client);
    let second = project.run(&url, &["build", "--fresh", "--format", "json"]);
    assert_exit(&second, 0);
    let second: serde_json::Value = serde_json::from_str(&stdout(&second)).unwrap();
    assert_eq!(second["applied"]["method"], "template");
    assert_eq!(second["applied"]["template"], template.as_str());
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM a"), 0);
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM confiture.build_history"), 1);

    // A changed schema builds again and replaces the old template.
    project.write("db/schema/00.sql", "CREATE TABLE a (id int PRIMARY KEY);\nCOMMENT ON TABLE a IS 'v2';\n");
    let third = project.run(&url, &["build", "--fresh", "--format", "json"]);
    assert_exit(&third, 0);
    let third: serde_json::Value = serde_json::from_str(&stdout(&third)).unwrap();
    assert_eq!(third["applied"]["method"], "build");
    assert_ne!(third["applied"]["template"], template.as_str());
    assert!(!database_exists(&template), "the stale template was kept");
}

#[test]
fn a_failed_fresh_build_saves_no_template() {
    let project = Project::new(&[("db/schema/00.sql", "CREATE TABLE a (id int REFERENCES nowhere);")]);
    let url = empty_database("e2e_fresh_failed");
    let output = project.run(&url, &["build", "--fresh", "--format", "json"]);
    assert_exit(&output, 6);
    let templates = admin()
        .query("SELECT datname FROM pg_database WHERE datname LIKE 'e2e_fresh_failed_tpl_%'", &[])
        .unwrap();
    assert!(templates.is_empty());
}
