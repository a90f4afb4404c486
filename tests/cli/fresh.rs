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
    assert_exit(&output, 5);
    assert!(stderr(&output).contains("allow_reset"), "{}", stderr(&output));
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM precious"), 1);
}

#[test]
fn fresh_rebuilds_then_clones_the_template_of_an_unchanged_schema() {
    let project = Project::new(&[(
        "db/schema/00.sql",
        "CREATE TABLE a (id int PRIMARY KEY);\nCOMMENT ON TABLE a IS 'v1';\n",
    )]);
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
fn a_failed_fresh_build_leaves_the_target_as_it_was_and_saves_no_template() {
    let project = Project::new(&[("db/schema/00.sql", "CREATE TABLE a (id int REFERENCES nowhere);")]);
    let url = empty_database("e2e_fresh_failed");
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client.batch_execute("CREATE TABLE precious (id int); INSERT INTO precious VALUES (42);").unwrap();
    drop(client);
    let before = schema_dump(&url);
    let output = project.run(&url, &["build", "--fresh"]);
    assert_exit(&output, 4);
    assert!(
        stderr(&output).contains("db/schema/00.sql:1: relation \"nowhere\" does not exist"),
        "{}",
        stderr(&output)
    );
    assert_eq!(before, schema_dump(&url));
    assert_eq!(query_one_i64(&url, "SELECT sum(id) FROM precious"), 42);
    let leftovers = admin()
        .query("SELECT datname FROM pg_database WHERE datname LIKE 'e2e_fresh_failed_%'", &[])
        .unwrap();
    assert!(leftovers.is_empty(), "staging or template databases were left behind");
}

#[test]
fn fresh_is_refused_while_others_use_the_target_and_keeps_it() {
    let project = Project::new(&[("db/schema/00.sql", "CREATE TABLE a (id int);")]);
    let url = empty_database("e2e_fresh_busy");
    let mut session = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    session.batch_execute("CREATE TABLE precious (id int); INSERT INTO precious VALUES (7);").unwrap();
    let output = project.run(&url, &["build", "--fresh"]);
    assert_exit(&output, 4);
    assert!(stderr(&output).contains("is being accessed by other users"), "{}", stderr(&output));
    // The other session and its data are untouched.
    let kept: i32 = session.query_one("SELECT id FROM precious", &[]).unwrap().get(0);
    assert_eq!(kept, 7);
    assert!(!database_exists("e2e_fresh_busy_cft_new"));
}
