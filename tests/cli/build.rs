//! Builds that succeed.

use crate::support::*;
use std::process::Command;

#[test]
fn init_scaffolds_a_project_that_builds() {
    let dir = tempfile::tempdir().unwrap();
    let output = confiture(&["init"], dir.path(), &[]);
    assert_exit(&output, 0);
    for folder in ["db/schema/00_common", "db/schema/10_tables", "db/migrations", "db/seeds"] {
        assert!(dir.path().join(folder).is_dir(), "{folder} missing");
    }
    std::fs::write(
        dir.path().join("db/schema/10_tables/10_note.sql"),
        "CREATE TABLE note (id int PRIMARY KEY);\n",
    )
    .unwrap();
    let url = empty_database("e2e_init");
    let output = confiture(&["build", "--apply"], dir.path(), &[("DATABASE_URL", url.as_str())]);
    assert_exit(&output, 0);
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM note"), 0);
}

#[test]
fn quickstart_builds_and_reports_json() {
    let url = empty_database("e2e_quickstart");
    let project = repo_root().join("examples/quickstart");
    let output = tempfile::tempdir().unwrap();
    let generated = output.path().join("schema.sql");
    let run = confiture(
        &[
            "build",
            "--apply",
            "--format",
            "json",
            "--database-url",
            &url,
            "--output",
            generated.to_str().unwrap(),
        ],
        &project,
        &[],
    );
    assert_exit(&run, 0);
    let report: serde_json::Value = serde_json::from_str(&stdout(&run)).unwrap();
    assert_eq!(report["files"], 7);
    assert_eq!(report["applied"]["method"], "build");
    assert_eq!(report["applied"]["statements"], 16);
    let hash = report["schema_hash"].as_str().unwrap();
    // The CLI's hash is the server's: the same value is recorded and recomputed there.
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let recorded: String =
        client.query_one("SELECT schema_hash FROM confiture.build_history", &[]).unwrap().get(0);
    assert_eq!(recorded, hash);
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'shop'"), 4);
}

#[test]
fn the_concatenation_is_byte_identical_across_runs() {
    let project = Project::new(&[("db/schema/b.sql", "SELECT 2;"), ("db/schema/a.sql", "SELECT 1;\r\n")]);
    assert_exit(&project.run("unused", &["build"]), 0);
    let generated = project.path().join("db/generated/schema_local.sql");
    let first = std::fs::read(&generated).unwrap();
    assert_exit(&project.run("unused", &["build"]), 0);
    assert_eq!(first, std::fs::read(&generated).unwrap());
    let text = String::from_utf8(first).unwrap();
    assert!(text.find("-- file: db/schema/a.sql").unwrap() < text.find("-- file: db/schema/b.sql").unwrap());
}

/// Build `project` through the CLI into one database and `psql -1 -f` its generated
/// concatenation into another (with the extension installed first, as the CLI does); the two
/// `pg_dump --schema-only` outputs must be identical.
fn assert_same_catalog_as_psql(project: &std::path::Path, name: &str, expected_object: &str) {
    let built = empty_database(&format!("e2e_{name}_confiture"));
    let generated = tempfile::tempdir().unwrap();
    let sql = generated.path().join("schema.sql");
    let output = confiture(
        &["build", "--apply", "--database-url", &built, "--output", sql.to_str().unwrap()],
        project,
        &[],
    );
    assert_exit(&output, 0);

    let reference = empty_database(&format!("e2e_{name}_psql"));
    let mut client = postgres::Client::connect(&reference, postgres::NoTls).unwrap();
    client.batch_execute("CREATE EXTENSION confiture").unwrap();
    let psql = Command::new("psql")
        .args(["-X", "-q", "-1", "-v", "ON_ERROR_STOP=1", "-f"])
        .arg(&sql)
        .arg(&reference)
        .output()
        .unwrap();
    assert!(psql.status.success(), "{}", String::from_utf8_lossy(&psql.stderr));

    let (ours, theirs) = (schema_dump(&built), schema_dump(&reference));
    assert!(ours.contains(expected_object), "{expected_object} was not built");
    assert!(ours == theirs, "pg_dump differs between confiture and psql for {name}");
}

#[test]
fn pagila_builds_to_the_same_catalog_as_psql() {
    let pagila = std::fs::read_to_string(corpus("pagila/pagila-schema.sql"))
        .expect("the shared corpus: set CONFITURE_CORPUS");
    let project = Project::new(&[("db/schema/pagila-schema.sql", &pagila)]);
    assert_same_catalog_as_psql(project.path(), "pagila", "CREATE TABLE public.film");
}

#[test]
fn the_example_project_builds_to_the_same_catalog_as_psql() {
    assert_same_catalog_as_psql(
        &repo_root().join("examples/quickstart"),
        "quickstart",
        "CREATE TABLE shop.order_line",
    );
}

#[test]
fn the_url_comes_from_flag_then_variable_then_file() {
    let project = Project::new(&[("db/schema/t.sql", "CREATE TABLE t (id int);")]);
    let from_file = empty_database("e2e_url_file");
    let from_variable = empty_database("e2e_url_variable");
    let output = confiture(
        &["build", "--apply"],
        project.path(),
        &[("CONFITURE_E2E_URL", from_file.as_str()), ("CONFITURE_DATABASE_URL", from_variable.as_str())],
    );
    assert_exit(&output, 0);
    assert_eq!(query_one_i64(&from_variable, "SELECT count(*) FROM confiture.build_history"), 1);
    assert_exit(&project.run(&from_file, &["build", "--apply"]), 0);
    assert_eq!(query_one_i64(&from_file, "SELECT count(*) FROM confiture.build_history"), 1);
}

#[test]
fn list_files_shows_the_build_order_without_building() {
    let project = Project::new(&[
        ("db/schema/10_tables/b.sql", "CREATE TABLE b ();\n"),
        ("db/schema/10_tables/a.sql", "CREATE TABLE a ();\n"),
        ("db/schema/00_common/x.sql", "CREATE SCHEMA x;\n"),
    ]);
    let output = project.run("postgresql://unused", &["build", "--list-files", "--format", "csv"]);
    assert_exit(&output, 0);
    assert_eq!(
        stdout(&output).trim(),
        "position,file,include_dir,order\n1,db/schema/00_common/x.sql,db/schema,0\n2,db/schema/10_tables/a.sql,db/schema,0\n\
         3,db/schema/10_tables/b.sql,db/schema,0"
    );
    assert!(!project.path().join("db/generated").exists(), "--list-files builds nothing");
    let shown = project.run("postgresql://unused", &["build", "--show-hash"]);
    assert_exit(&shown, 0);
    let hash = stdout(&shown).lines().find_map(|l| l.strip_prefix("schema hash: ")).map(str::to_string);
    assert_eq!(hash.map(|h| h.len()), Some(64), "{}", stdout(&shown));
}

#[test]
fn files_named_before_what_they_need_are_built_after_it() {
    // Name order puts comments before posts and posts before users, as in the Python
    // confiture's own example project; each file is built once what it names exists.
    let project = Project::new(&[
        ("db/schema/10_tables/comments.sql", "CREATE TABLE comments (id int PRIMARY KEY, post_id int REFERENCES posts);\nCREATE INDEX ON comments (post_id);\n"),
        ("db/schema/10_tables/posts.sql", "CREATE TABLE posts (id int PRIMARY KEY, user_id int REFERENCES users);\n"),
        ("db/schema/10_tables/users.sql", "CREATE TABLE users (id int PRIMARY KEY);\nSET search_path = public;\n"),
        ("db/schema/20_views/v.sql", "CREATE VIEW recent AS SELECT c.id FROM comments c JOIN posts p ON p.id = c.post_id;\n"),
    ]);
    let url = empty_database("e2e_build_put_off");
    let output = project.run(&url, &["build", "--apply", "--format", "json"]);
    assert_exit(&output, 0);
    assert!(
        stderr(&output).contains(
            "built after the files they need, which come later in the build order: \
                                  db/schema/10_tables/comments.sql, db/schema/10_tables/posts.sql"
        ),
        "{}",
        stderr(&output)
    );
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["applied"]["statements"], 6, "each statement counted once: {report}");
    assert_eq!(
        query_one_i64(
            &url,
            "SELECT count(*) FROM pg_class WHERE relname IN ('users', 'posts', 'comments', 'recent')"
        ),
        4
    );
    // A name that no file creates still fails, naming the file and line, with nothing built.
    project.write(
        "db/schema/10_tables/tags.sql",
        "CREATE TABLE tags (id int);\nCREATE TABLE post_tags (tag_id int REFERENCES tagz);\n",
    );
    let fresh = empty_database("e2e_build_put_off_missing");
    let failed = project.run(&fresh, &["build", "--apply"]);
    assert_exit(&failed, 4);
    assert!(
        stderr(&failed).contains("db/schema/10_tables/tags.sql:2: relation \"tagz\" does not exist"),
        "{}",
        stderr(&failed)
    );
    assert_eq!(query_one_i64(&fresh, "SELECT count(*) FROM pg_class WHERE relname IN ('users', 'tags')"), 0);
}
