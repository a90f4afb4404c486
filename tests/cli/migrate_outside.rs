//! Migrations whose scripts cannot run in a transaction, concurrent runs around them, and a
//! run whose backend is killed.

use crate::migrate::with_migrations;
use crate::support::*;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn steps_of(output: &Output) -> Vec<serde_json::Value> {
    crate::support::steps_of(output)
}

#[test]
fn scripts_outside_a_transaction_run_on_their_own_and_are_recorded() {
    let project = with_migrations(&[
        ("1_add_v.up.sql", "ALTER TABLE t ADD COLUMN v text;\n"),
        ("2_index_v.up.sql", "SET lock_timeout = '5s';\n-- no write lock while it builds\nCREATE INDEX CONCURRENTLY t_v ON t (v);\n"),
        ("2_index_v.down.sql", "DROP INDEX CONCURRENTLY t_v;\n"),
        ("3_add_w.up.sql", "ALTER TABLE t ADD COLUMN w text;\n"),
        ("3_add_w.down.sql", "ALTER TABLE t DROP COLUMN w;\n"),
    ]);
    let url = empty_database("e2e_outside");
    assert_exit(&project.run(&url, &["build", "--apply"]), 0);
    let unknown = project.run(&url, &["migrate", "up", "--target", "99"]);
    assert_exit(&unknown, 5);
    assert!(
        stderr(&unknown).contains("target version 99 is not a registered migration"),
        "{}",
        stderr(&unknown)
    );
    let first = project.run(&url, &["--format", "json", "migrate", "up", "--target", "1"]);
    assert_exit(&first, 0);
    assert_eq!(steps_of(&first).len(), 1);
    let up = project.run(&url, &["--format", "json", "migrate", "up"]);
    assert_exit(&up, 0);
    let steps = steps_of(&up);
    let applied: Vec<(&str, &str)> =
        steps.iter().map(|s| (s["version"].as_str().unwrap(), s["status"].as_str().unwrap())).collect();
    assert_eq!(applied, [("2", "applied"), ("3", "applied")]);
    assert_eq!(steps[0]["statements"], 2);
    assert_eq!(
        query_one_i64(
            &url,
            "SELECT count(*) FROM pg_index WHERE indexrelid = 't_v'::regclass AND indisvalid"
        ),
        1,
        "the index was built, and is valid"
    );
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM confiture.migration_history"), 3);
    assert_eq!(
        query_one_i64(
            &url,
            "SELECT count(*) FROM confiture.migration_events WHERE version = '2' \
             AND event IN ('migration_started', 'migration_completed') AND (detail->>'outside_transaction')::bool"
        ),
        2
    );
    let again = project.run(&url, &["--format", "json", "migrate", "up"]);
    assert_exit(&again, 0);
    assert!(steps_of(&again).is_empty());
    // A plan whose down scripts are not all there is refused before anything runs, although the
    // script outside a transaction would run first.
    let refused = project.run(&url, &["migrate", "down", "--steps", "3"]);
    assert_exit(&refused, 3);
    assert!(
        stderr(&refused).contains("migration 1_add_v has no down script: nothing was rolled back"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM confiture.migration_history"), 3);
    // Down: 3 in a transaction, then 2's DROP INDEX CONCURRENTLY on its own.
    let down = project.run(&url, &["--format", "json", "migrate", "down", "--steps", "2"]);
    assert_exit(&down, 0);
    let versions: Vec<String> =
        steps_of(&down).iter().map(|s| s["version"].as_str().unwrap().to_string()).collect();
    assert_eq!(versions, ["3", "2"]);
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM pg_class WHERE relname = 't_v'"), 0);
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM confiture.migration_history"), 1);
}

#[test]
fn a_failing_statement_outside_a_transaction_is_named_and_not_recorded() {
    let project = with_migrations(&[(
        "1_indexes.up.sql",
        "CREATE INDEX CONCURRENTLY t_id ON t (id);\nCREATE INDEX CONCURRENTLY t_nope ON t (nope);\n",
    )]);
    let url = empty_database("e2e_outside_failure");
    assert_exit(&project.run(&url, &["build", "--apply"]), 0);
    let up = project.run(&url, &["migrate", "up"]);
    assert_exit(&up, 3);
    let error = stderr(&up);
    assert!(error.contains("1_indexes.up.sql:2: column \"nope\" does not exist"), "{error}");
    assert!(error.contains("its first 1 statement(s) were committed"), "{error}");
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM confiture.migration_history"), 0, "not recorded");
    assert_eq!(
        query_one_i64(&url, "SELECT count(*) FROM pg_class WHERE relname = 't_id'"),
        1,
        "the first statement committed on its own, as the message says"
    );
    assert_eq!(
        query_one_i64(
            &url,
            "SELECT count(*) FROM confiture.migration_events WHERE event = 'migration_failed' AND version = '1' \
             AND (detail->>'statements')::int = 1"
        ),
        1
    );
}

fn spawn_up(project: &crate::support::Project, url: &str) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_confiture"))
        .arg("--project")
        .arg(project.path())
        .args(["--format", "json", "migrate", "up"])
        .env("CONFITURE_E2E_URL", url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn concurrent_runs_around_an_index_built_concurrently_neither_deadlock_nor_apply_twice() {
    let files: Vec<(String, String)> = (1..=20)
        .map(|i| {
            let text = if i == 10 {
                "CREATE INDEX CONCURRENTLY t_c1 ON t (c1);\n".to_string()
            } else {
                format!("ALTER TABLE t ADD COLUMN c{i} int;\n")
            };
            (format!("{i:02}_step_{i}.up.sql"), text)
        })
        .collect();
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
    let project = with_migrations(&refs);
    let url = empty_database("e2e_outside_concurrent");
    assert_exit(&project.run(&url, &["build", "--apply"]), 0);
    let processes: Vec<std::process::Child> = (0..4).map(|_| spawn_up(&project, &url)).collect();
    let mut applied = 0;
    for process in processes {
        let output = process.wait_with_output().unwrap();
        assert_exit(&output, 0);
        applied += steps_of(&output).len();
    }
    assert_eq!(applied, 20, "every migration applied exactly once across the processes");
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM confiture.migration_history"), 20);
    assert_eq!(
        query_one_i64(
            &url,
            "SELECT count(*) FROM pg_index WHERE indexrelid = 't_c1'::regclass AND indisvalid"
        ),
        1
    );
}

#[test]
fn killing_the_backend_mid_migration_leaves_the_database_and_history_consistent() {
    let project = with_migrations(&[
        ("1_add_a.up.sql", "ALTER TABLE t ADD COLUMN a int;\n"),
        ("2_slow.up.sql", "ALTER TABLE t ADD COLUMN b int;\nSELECT pg_sleep(60);\n"),
        ("3_add_c.up.sql", "ALTER TABLE t ADD COLUMN c int;\n"),
    ]);
    let url = empty_database("e2e_migrate_killed");
    assert_exit(&project.run(&url, &["build", "--apply"]), 0);
    let before = schema_dump(&url);
    let run = spawn_up(&project, &url);
    // Wait until migration 2 sleeps, then kill its backend.
    let mut admin = admin();
    let started = Instant::now();
    let killed = loop {
        let row = admin
            .query_opt(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = 'e2e_migrate_killed' AND wait_event = 'PgSleep'",
                &[],
            )
            .unwrap();
        if let Some(row) = row {
            break row.get::<_, bool>(0);
        }
        assert!(started.elapsed() < Duration::from_secs(30), "the migration never reached its sleep");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(killed);
    let output = run.wait_with_output().unwrap();
    // The client sees either the server's FATAL (57P01, a failed migration) or, when the socket
    // closes before it is read, a lost connection: exit 3 both.
    let error: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_exit(&output, 3);
    match error["error"]["kind"].as_str() {
        Some("migration") => assert_eq!(error["error"]["sqlstate"], "57P01", "{error}"),
        Some("connection") => {
            assert!(error["error"]["message"].as_str().unwrap().contains("connection closed"), "{error}")
        }
        other => panic!("kind {other:?}: {error}"),
    }
    assert_eq!(before, schema_dump(&url), "migration 1 went with the killed transaction");
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM confiture.migration_history"), 0);
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM confiture.migration_events"), 0);
    assert_exit(&project.run(&url, &["migrate", "status"]), 1);
    // The next run starts from a clean state and applies everything once.
    project.write("db/migrations/2_slow.up.sql", "ALTER TABLE t ADD COLUMN b int;\n");
    assert_exit(&project.run(&url, &["migrate", "up"]), 0);
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM confiture.migration_history"), 3);
    assert_exit(&project.run(&url, &["migrate", "status"]), 0);
}
