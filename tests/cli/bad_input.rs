//! Bad input: a clear message naming the file, line or object, a documented exit code, and the
//! target database exactly as it was.

use crate::support::*;

/// Runs `build --apply` of `project` into a fresh database and checks that it fails with `code`
/// leaving the schema untouched; returns stderr.
fn failing_build(database: &str, project: &Project, code: i32) -> String {
    let url = empty_database(database);
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client.batch_execute("CREATE TABLE keep_me (id int); INSERT INTO keep_me VALUES (1);").unwrap();
    let before = schema_dump(&url);
    let output = project.run(&url, &["build", "--apply"]);
    assert_exit(&output, code);
    assert_eq!(before, schema_dump(&url), "the database changed");
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM keep_me"), 1);
    stderr(&output)
}

#[test]
fn a_syntax_error_in_the_500th_file_names_it_and_applies_nothing() {
    let project = Project::new(&[]);
    for i in 1..=500 {
        let text = if i == 500 {
            "CREATE TABLE t0500 (\n    id int,\n    name text text\n);\n".to_string()
        } else {
            format!("CREATE TABLE t{i:04} (id int PRIMARY KEY);\n")
        };
        project.write(&format!("db/schema/10_tables/{i:04}_t.sql"), &text);
    }
    let message = failing_build("e2e_syntax_500", &project, 4);
    assert!(
        message.contains("db/schema/10_tables/0500_t.sql:3: syntax error at or near \"text\""),
        "{message}"
    );
    assert!(message.contains("In the statement starting at line 1: CREATE TABLE t0500 ("), "{message}");
    assert!(message.contains("SQLSTATE 42601"), "{message}");
}

#[test]
fn a_missing_table_is_named_with_file_and_line() {
    let project = Project::new(&[
        ("db/schema/10_a.sql", "CREATE TABLE a (id int PRIMARY KEY);\n"),
        (
            "db/schema/20_view.sql",
            "-- orders by customer\nCREATE VIEW v AS\nSELECT *\nFROM missing_orders;\n",
        ),
    ]);
    let message = failing_build("e2e_missing_table", &project, 4);
    assert!(
        message.contains("db/schema/20_view.sql:4: relation \"missing_orders\" does not exist"),
        "{message}"
    );
    assert!(message.contains("SQLSTATE 42P01"), "{message}");
}

#[test]
fn a_psql_meta_command_is_refused_by_name() {
    let project = Project::new(&[("db/schema/00.sql", "CREATE TABLE a (id int);\n\\ir other.sql\n")]);
    let message = failing_build("e2e_meta", &project, 4);
    assert!(message.contains("db/schema/00.sql:2: psql meta-command \\ir is not SQL"), "{message}");
}

#[test]
fn unreadable_and_non_utf8_files_are_refused_before_connecting() {
    let unreadable = Project::new(&[("db/schema/00.sql", "CREATE TABLE a (id int);")]);
    std::os::unix::fs::symlink("/nonexistent/target.sql", unreadable.path().join("db/schema/10.sql"))
        .unwrap();
    let message = failing_build("e2e_unreadable", &unreadable, 4);
    assert!(message.contains("cannot read") && message.contains("10.sql"), "{message}");

    let latin1 = Project::new(&[("db/schema/00.sql", "CREATE TABLE a (id int);")]);
    latin1.write_bytes("db/schema/10.sql", b"-- ok\nCOMMENT ON TABLE a IS 'caf\xe9';\n");
    assert!(
        failing_build("e2e_latin1", &latin1, 4).contains("db/schema/10.sql:2: the file is not valid UTF-8")
    );
}

#[test]
fn a_file_of_comments_only_builds_nothing() {
    let project = Project::new(&[
        ("db/schema/00.sql", "CREATE TABLE a (id int);"),
        ("db/schema/10.sql", "-- later\n/* nothing yet */\n"),
        ("db/schema/20.sql", ""),
    ]);
    let url = empty_database("e2e_comment_only");
    let output = project.run(&url, &["build", "--apply"]);
    assert_exit(&output, 0);
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM pg_tables WHERE tablename = 'a'"), 1);
}

#[test]
fn a_missing_environment_file_is_a_config_error() {
    let project = Project::new(&[("db/schema/00.sql", "SELECT 1;")]);
    let output = project.run("unused", &["build", "--env", "staging"]);
    assert_exit(&output, 5);
    let message = stderr(&output);
    assert!(message.contains("db/environments/staging.yaml"), "{message}");
    assert!(message.contains("available: local"), "{message}");
}

#[test]
fn an_unset_variable_in_the_url_is_named() {
    let project = Project::new(&[("db/schema/00.sql", "SELECT 1;")]);
    let output = confiture(&["build", "--apply"], project.path(), &[]);
    assert_exit(&output, 5);
    assert!(
        stderr(&output).contains("the database URL uses ${CONFITURE_E2E_URL}, which is not set"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn an_unreachable_database_is_exit_3_in_table_and_json() {
    let project = Project::new(&[("db/schema/00.sql", "SELECT 1;")]);
    let url = "postgresql://postgres@127.0.0.1:1/nowhere";
    let output = project.run(url, &["build", "--apply"]);
    assert_exit(&output, 3);
    assert!(stderr(&output).contains("cannot reach database nowhere on 127.0.0.1:1"), "{}", stderr(&output));
    let output = project.run(url, &["build", "--apply", "--format", "json"]);
    assert_exit(&output, 3);
    let error: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(error["error"]["kind"], "connection");
    assert_eq!(error["error"]["exit_code"], 3);
    assert_eq!((error["ok"].as_bool(), error["error"]["code"].as_str()), (Some(false), Some("CONFIG_006")));
}

#[test]
fn a_database_that_does_not_exist_is_a_connection_error() {
    let project = Project::new(&[("db/schema/00.sql", "SELECT 1;")]);
    let output = project.run(&url_of("e2e_no_such_database"), &["build", "--apply"]);
    assert_exit(&output, 3);
    assert!(
        stderr(&output).contains("database \"e2e_no_such_database\" does not exist"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn unknown_keys_in_the_environment_are_named_in_a_warning() {
    let project = Project::new(&[("db/schema/00.sql", "SELECT 1;")]);
    project.write("db/environments/local.yaml", "name: local\ninclude_dir: [db/schema]\n");
    let output = project.run("unused", &["build"]);
    assert_exit(&output, 0);
    assert!(
        stderr(&output).contains("warning: ")
            && stderr(&output).contains("unknown key `include_dir` ignored"),
        "{}",
        stderr(&output)
    );
    project.write("db/environments/local.yaml", "name: local\ninclude_dirs: db/schema\n");
    let output = project.run("unused", &["build"]);
    assert_exit(&output, 5);
    assert!(stderr(&output).contains("include_dirs: expected a list"), "{}", stderr(&output));
}
