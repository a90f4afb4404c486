//! The Python confiture's scripts read ours unchanged: the same exit code in the same situation,
//! and its JSON keys in ours. Both tools run the same steps on twin projects and databases.

use crate::support::*;
use std::path::Path;
use std::process::{Command, Output};

/// Ours run as the Python confiture is: from the project folder, `-c` relative to it.
fn run_ours(project: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_confiture"))
        .current_dir(project)
        .args(args)
        .env_remove("CONFITURE_DATABASE_URL")
        .env_remove("DATABASE_URL")
        .output()
        .unwrap()
}

fn python(project: &Path, args: &[&str]) -> Output {
    let program = std::env::var("CONFITURE_PYTHON_CONFITURE")
        .expect("CONFITURE_PYTHON_CONFITURE is not set: run the CLI tests through scripts/test.sh");
    Command::new(program).current_dir(project).args(args).env("NO_COLOR", "1").output().unwrap()
}

/// Twin projects, one per tool, each with its own database.
struct Twins {
    python: Project,
    ours: Project,
}

impl Twins {
    fn new(name: &str) -> Self {
        let urls = [empty_database(&format!("{name}_py")), empty_database(&format!("{name}_ours"))];
        let make = |url: &str| {
            let project = Project::new(&[("db/schema/t.sql", "CREATE TABLE t (id int);\n")]);
            project.write(
                "db/environments/local.yaml",
                &format!("name: local\ndatabase_url: {url}\ninclude_dirs:\n  - db/schema\n"),
            );
            project
        };
        Self { python: make(&urls[0]), ours: make(&urls[1]) }
    }

    fn write(&self, name: &str, text: &str) {
        self.python.write(name, text);
        self.ours.write(name, text);
    }

    /// Run the step with both tools: (Python's exit code, ours, our output).
    fn run(&self, args: &[&str]) -> (Option<i32>, Option<i32>, Output) {
        let theirs = python(self.python.path(), args);
        let ours = run_ours(self.ours.path(), args);
        (theirs.status.code(), ours.status.code(), ours)
    }
}

#[test]
fn the_same_situation_gives_the_python_confitures_exit_code() {
    let twins = Twins::new("e2e_compat_codes");
    fn with_config(command: &[&'static str]) -> Vec<&'static str> {
        [command, &["-c", "db/environments/local.yaml"][..]].concat()
    }
    twins.write("db/migrations/001_a.up.sql", "CREATE TABLE a (id int);\n");
    twins.write("db/migrations/001_a.down.sql", "DROP TABLE a;\n");
    let mut table = Vec::new();
    let mut step = |label: &str, args: Vec<&str>, expected: i32| {
        let (theirs, ours, output) = twins.run(&args);
        table.push(format!("{label:<40} python {theirs:?} ours {ours:?} expected {expected}"));
        (theirs == Some(expected) && ours == Some(expected), output)
    };
    let mut results = vec![
        step("status, never migrated", with_config(&["migrate", "status"]), 2),
        step("up", with_config(&["migrate", "up"]), 0),
        step("status, up to date", with_config(&["migrate", "status"]), 0),
    ];
    twins.write("db/migrations/002_b.up.sql", "CREATE TABLE b (id int);\n");
    twins.write("db/migrations/002_b.down.sql", "DROP TABLE b;\n");
    results.push(step("status, pending", with_config(&["migrate", "status"]), 1));
    results.push(step("current", with_config(&["migrate", "current"]), 0));
    twins.write("db/migrations/001_a.up.sql", "CREATE TABLE a (id int, x int);\n");
    results.push(step("up, an applied file changed", with_config(&["migrate", "up"]), 1));
    results.push(step("verify-checksums, a file changed", with_config(&["migrate", "verify-checksums"]), 1));
    twins.write("db/migrations/001_a.up.sql", "CREATE TABLE a (id int);\n");
    twins.write("db/migrations/003_c.up.sql", "CREATE TABLE c (id int REFERENCES nope);\n");
    twins.write("db/migrations/003_c.down.sql", "DROP TABLE c;\n");
    results.push(step("up, a migration fails", with_config(&["migrate", "up"]), 3));
    results.push(step(
        "configuration file missing",
        vec!["migrate", "status", "-c", "db/environments/nope.yaml"],
        5,
    ));
    results.push(step(
        "connection refused",
        vec!["migrate", "status", "-d", "postgresql://postgres@127.0.0.1:1/x"],
        3,
    ));
    twins.write(
        "db/environments/bad.yaml",
        "name: bad\ndatabase_url: postgresql://localhost/x\ninclude_dirs:\n  - db/nope\n",
    );
    results.push(step("build, an include dir is missing", vec!["build", "--env", "bad"], 5));
    results.push(step("down", with_config(&["migrate", "down"]), 0));
    let report = table.join("\n");
    assert!(results.iter().all(|(same, _)| *same), "exit codes differ:\n{report}");
    // The failure names the file and its line for scripts, in the Python confiture's envelope.
    let (_, _, json) = twins.run(&with_config(&["migrate", "up", "--format", "json"]));
    let error: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(
        (error["ok"].as_bool(), error["error"]["code"].as_str()),
        (Some(false), Some("MIGR_001")),
        "{error}"
    );
    assert_eq!(error["error"]["migration"], "003", "{error}");
    assert_eq!(error["error"]["file"], "db/migrations/003_c.up.sql", "{error}");
    assert_eq!(error["error"]["line"], 1, "{error}");
}

/// Every top-level key of the Python confiture's JSON is in ours.
fn assert_keys_kept(what: &str, theirs: &Output, ours: &Output) {
    let parse = |output: &Output| -> serde_json::Value {
        serde_json::from_str(&stdout(output))
            .unwrap_or_else(|e| panic!("{what}: not JSON ({e}):\n{}", stdout(output)))
    };
    let (theirs, ours) = (parse(theirs), parse(ours));
    let keys =
        |value: &serde_json::Value| -> Vec<String> { value.as_object().unwrap().keys().cloned().collect() };
    let missing: Vec<String> = keys(&theirs).into_iter().filter(|k| ours.get(k).is_none()).collect();
    assert!(missing.is_empty(), "{what}: ours lacks {missing:?}\ntheirs: {theirs}\nours: {ours}");
}

#[test]
fn json_has_the_python_confitures_keys() {
    let twins = Twins::new("e2e_compat_json");
    twins.write("db/migrations/001_a.up.sql", "CREATE TABLE a (id int);\n");
    twins.write("db/migrations/001_a.down.sql", "DROP TABLE a;\n");
    twins.write("db/migrations/002_b.up.sql", "CREATE TABLE b (id int);\n");
    twins.write("db/migrations/002_b.down.sql", "DROP TABLE b;\n");
    let config = ["-c", "db/environments/local.yaml", "--format", "json"];
    for command in [
        &["migrate", "up"][..],
        &["migrate", "status"],
        &["migrate", "current"],
        &["migrate", "verify-checksums"],
    ] {
        let args = [command, &config[..]].concat();
        let theirs = python(twins.python.path(), &args);
        let ours = run_ours(twins.ours.path(), &args);
        assert_exit(&ours, theirs.status.code().unwrap());
        assert_keys_kept(&command.join(" "), &theirs, &ours);
    }
    // build and lint read the environment by --env (local by default), not -c.
    for command in [&["build"][..], &["lint", "--fail-on", "never"]] {
        let args = [command, &["--format", "json"][..]].concat();
        let theirs = python(twins.python.path(), &args);
        let ours = run_ours(twins.ours.path(), &args);
        assert_exit(&ours, 0);
        assert_keys_kept(&command.join(" "), &theirs, &ours);
    }
    let args = ["migrate", "down-to", "001", "-c", "db/environments/local.yaml", "--format", "json"];
    let ours = run_ours(twins.ours.path(), &args);
    assert_exit(&ours, 0);
    let rolled: serde_json::Value = serde_json::from_str(&stdout(&ours)).unwrap();
    assert_eq!((rolled["from"].as_str(), rolled["to"].as_str()), (Some("002"), Some("001")), "{rolled}");
    assert_eq!(rolled["rolled_back"], serde_json::json!(["002"]));
    let current = run_ours(
        twins.ours.path(),
        &["migrate", "current", "-c", "db/environments/local.yaml", "--format", "json"],
    );
    let current: serde_json::Value = serde_json::from_str(&stdout(&current)).unwrap();
    assert_eq!(current["revision"], "001", "{current}");
}
