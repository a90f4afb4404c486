//! confiture migrate end to end.

use crate::support::*;
use std::process::Command;

pub fn with_migrations(files: &[(&str, &str)]) -> Project {
    let project = Project::new(&[("db/schema/00.sql", "CREATE TABLE t (id bigint PRIMARY KEY);\n")]);
    for (name, text) in files {
        project.write(&format!("db/migrations/{name}"), text);
    }
    project
}

#[test]
fn the_generated_200_migrations_apply_once() {
    let dir = tempfile::tempdir().unwrap();
    let generated = Command::new("python3")
        .arg(corpus("gen_schema.py"))
        .args(["--tables", "1000", "--migrations", "200", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(generated.status.success());
    let url = empty_database("e2e_migrate_200");
    assert_exit(&confiture(&["build", "--apply", "--database-url", &url], dir.path(), &[]), 0);
    let up = confiture(&["--format", "json", "migrate", "up", "--database-url", &url], dir.path(), &[]);
    assert_exit(&up, 0);
    let steps = steps_of(&up);
    assert_eq!(steps.len(), 200);
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM confiture.migration_history"), 200);
    let status =
        confiture(&["--format", "json", "migrate", "status", "--database-url", &url], dir.path(), &[]);
    assert_exit(&status, 0);
    let report: serde_json::Value = serde_json::from_str(&stdout(&status)).unwrap();
    assert!(report["migrations"].as_array().unwrap().iter().all(|r| r["state"] == "applied"));
    assert_eq!(report["summary"]["applied"], 200);
    let again = confiture(&["--format", "json", "migrate", "up", "--database-url", &url], dir.path(), &[]);
    assert_exit(&again, 0);
    assert!(steps_of(&again).is_empty());
}

#[test]
fn four_concurrent_runs_apply_each_migration_once() {
    let files: Vec<(String, String)> = (1..=50)
        .map(|i| {
            (
                format!("{i:03}_add_{i}.up.sql"),
                format!("ALTER TABLE t ADD COLUMN c{i} int;\nSELECT pg_sleep(0.002);\n"),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
    let project = with_migrations(&refs);
    let url = empty_database("e2e_migrate_concurrent");
    assert_exit(&project.run(&url, &["build", "--apply"]), 0);
    // Four processes started at once, all waiting on the advisory lock in turn.
    let processes: Vec<std::process::Child> = (0..4)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_confiture"))
                .arg("--project")
                .arg(project.path())
                .args(["--format", "json", "migrate", "up"])
                .env("CONFITURE_E2E_URL", &url)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<std::process::Output> =
        processes.into_iter().map(|p| p.wait_with_output().unwrap()).collect();
    let mut applied = 0;
    for output in &outputs {
        assert_exit(output, 0);
        applied += steps_of(output).len();
    }
    assert_eq!(applied, 50, "every migration applied exactly once across the processes");
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM confiture.migration_history"), 50);
    assert_eq!(
        query_one_i64(&url, "SELECT count(*) FROM information_schema.columns WHERE table_name = 't' AND column_name LIKE 'c%'"),
        50
    );
}

#[test]
fn a_failing_migration_leaves_no_trace() {
    let project = with_migrations(&[
        ("1_first.up.sql", "ALTER TABLE t ADD COLUMN a int;\n"),
        ("2_broken.up.sql", "ALTER TABLE t ADD COLUMN b int;\nALTER TABLE t ADD COLUMN c int;\nALTER TABLE nope ADD COLUMN d int;\n"),
    ]);
    let url = empty_database("e2e_migrate_failure");
    assert_exit(&project.run(&url, &["build", "--apply"]), 0);
    let before = schema_dump(&url);
    let output = project.run(&url, &["migrate", "up"]);
    assert_exit(&output, 3);
    assert!(
        stderr(&output).contains("2_broken.up.sql:3: relation \"nope\" does not exist"),
        "{}",
        stderr(&output)
    );
    assert_eq!(before, schema_dump(&url), "nothing of the run remains, the first migration included");
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM confiture.migration_history"), 0);
    // What stays: the registrations (both pending) and the failure, as an event.
    assert_exit(&project.run(&url, &["migrate", "status"]), 1);
    assert_eq!(
        query_one_i64(
            &url,
            "SELECT count(*) FROM confiture.migration_events WHERE event = 'migration_failed' AND version = '2' \
             AND detail->'error'->>'message' LIKE '2_broken.up.sql:3:%'"
        ),
        1
    );
    assert_eq!(
        query_one_i64(
            &url,
            "SELECT count(*) FROM confiture.migration_events WHERE event <> 'migration_failed'"
        ),
        0,
        "the events of the rolled-back migrations are gone with them"
    );
}

#[test]
fn drift_is_reported_refused_and_accepted_on_purpose() {
    let project = with_migrations(&[("1_add_a.up.sql", "ALTER TABLE t ADD COLUMN a int;\n")]);
    let url = empty_database("e2e_migrate_drift");
    assert_exit(&project.run(&url, &["build", "--apply"]), 0);
    assert_exit(&project.run(&url, &["migrate", "up"]), 0);
    project.write("db/migrations/1_add_a.up.sql", "ALTER TABLE t ADD COLUMN a bigint;\n");
    project.write("db/migrations/2_add_b.up.sql", "ALTER TABLE t ADD COLUMN b int;\n");
    let status = project.run(&url, &["migrate", "status"]);
    assert_exit(&status, 1);
    assert!(
        stdout(&status).contains("add_b"),
        "a file not registered yet is shown with its name: {}",
        stdout(&status)
    );
    assert!(stdout(&status).contains("drifted"), "{}", stdout(&status));
    let up = project.run(&url, &["migrate", "up"]);
    assert_exit(&up, 1);
    assert!(stderr(&up).contains("1_add_a (drifted)"), "{}", stderr(&up));
    assert_eq!(
        query_one_i64(&url, "SELECT count(*) FROM confiture.migration_history"),
        1,
        "2 was not applied"
    );
    assert_exit(&project.run(&url, &["migrate", "accept", "1"]), 0);
    assert_exit(&project.run(&url, &["migrate", "status"]), 1); // 2 is pending
    assert_exit(&project.run(&url, &["migrate", "up"]), 0);
    assert_exit(&project.run(&url, &["migrate", "status"]), 0);
}

#[test]
fn down_runs_newest_first_and_refuses_without_a_down_script() {
    let project = with_migrations(&[
        ("1_add_a.up.sql", "ALTER TABLE t ADD COLUMN a int;\n"),
        ("1_add_a.down.sql", "ALTER TABLE t DROP COLUMN a;\n"),
        ("2_add_b.up.sql", "ALTER TABLE t ADD COLUMN b int;\n"),
    ]);
    let url = empty_database("e2e_migrate_down");
    assert_exit(&project.run(&url, &["build", "--apply"]), 0);
    assert_exit(&project.run(&url, &["migrate", "up"]), 0);
    let refused = project.run(&url, &["migrate", "down"]);
    assert_exit(&refused, 3);
    assert!(stderr(&refused).contains("2_add_b has no down script"), "{}", stderr(&refused));
    project.write("db/migrations/2_add_b.down.sql", "ALTER TABLE t DROP COLUMN b;\n");
    assert_exit(&project.run(&url, &["migrate", "down", "--steps", "2"]), 0);
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM confiture.migration_history"), 0);
    assert_eq!(
        query_one_i64(&url, "SELECT count(*) FROM information_schema.columns WHERE table_name = 't'"),
        1
    );
}

#[test]
fn the_history_survives_pg_dump_and_restore() {
    let project = with_migrations(&[("1_add_a.up.sql", "ALTER TABLE t ADD COLUMN a int;\n")]);
    let url = empty_database("e2e_migrate_dump");
    assert_exit(&project.run(&url, &["build", "--apply"]), 0);
    assert_exit(&project.run(&url, &["migrate", "up"]), 0);
    let dump = Command::new("pg_dump").args(["--format", "custom", &url]).output().unwrap();
    assert!(dump.status.success());
    let restored = empty_database("e2e_migrate_restored");
    let mut restore = Command::new("pg_restore")
        .args(["--exit-on-error", "--dbname", &restored])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    restore.stdin.take().unwrap().write_all(&dump.stdout).unwrap();
    assert!(restore.wait().unwrap().success());
    assert_eq!(query_one_i64(&restored, "SELECT count(*) FROM confiture.migration_history"), 1);
    assert_eq!(query_one_i64(&restored, "SELECT count(*) FROM confiture.migration_events"), 2);
    assert_eq!(
        query_one_i64(
            &restored,
            "SELECT (nextval('confiture.migration_events_id_seq') > (SELECT max(id) FROM confiture.migration_events))::int::int8"
        ),
        1,
        "the event ids go on after the restored ones"
    );
    assert_exit(&project.run(&restored, &["migrate", "status"]), 0);
}

#[test]
fn a_dry_run_reports_locks_and_rewrites_and_changes_nothing() {
    let project =
        with_migrations(&[("1_add_c.up.sql", "ALTER TABLE t ADD COLUMN c int DEFAULT random()::int;\n")]);
    let url = empty_database("e2e_migrate_dry_run");
    assert_exit(&project.run(&url, &["build", "--apply"]), 0);
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client.batch_execute("INSERT INTO t SELECT g FROM generate_series(1, 1000) g").unwrap();
    let before = schema_dump(&url);
    let output = project.run(&url, &["--format", "json", "migrate", "up", "--dry-run"]);
    assert_exit(&output, 0);
    let steps = steps_of(&output);
    assert_eq!(steps[0]["status"], "dry run");
    assert!(
        steps[0]["locks"].as_array().unwrap().iter().any(|l| l == "public.t: AccessExclusiveLock"),
        "{steps:?}"
    );
    assert_eq!(steps[0]["rewritten"], serde_json::json!(["public.t"]));
    assert_eq!(before, schema_dump(&url), "the table is unchanged");
    assert_eq!(
        query_one_i64(&url, "SELECT count(*) FROM confiture.migrations"),
        0,
        "nothing registered either"
    );
    // A migration that would fail is reported with its file and line, and exits 1.
    project.write("db/migrations/2_bad.up.sql", "SELECT 1;\nALTER TABLE t ADD COLUMN d nosuchtype;\n");
    let output = project.run(&url, &["migrate", "up", "--dry-run"]);
    assert_exit(&output, 1);
    assert!(
        stdout(&output).contains("2_bad.up.sql:2: type \"nosuchtype\" does not exist"),
        "{}",
        stdout(&output)
    );
}

fn three_migrations() -> Project {
    with_migrations(&[
        ("1_add_a.up.sql", "ALTER TABLE t ADD COLUMN a int;\n"),
        ("1_add_a.down.sql", "ALTER TABLE t DROP COLUMN a;\n"),
        ("2_add_b.up.sql", "ALTER TABLE t ADD COLUMN b int;\n"),
        ("2_add_b.down.sql", "ALTER TABLE t DROP COLUMN b;\n"),
        ("10_add_c.up.sql", "ALTER TABLE t ADD COLUMN c int;\n"),
        ("10_add_c.down.sql", "ALTER TABLE t DROP COLUMN c;\n"),
    ])
}

#[test]
fn down_to_keeps_the_version_given_and_a_dry_run_changes_nothing() {
    let project = three_migrations();
    let url = empty_database("e2e_migrate_down_to");
    assert_exit(&project.run(&url, &["build", "--apply"]), 0);
    assert_exit(&project.run(&url, &["migrate", "up"]), 0);
    let current = project.run(&url, &["migrate", "current"]);
    assert_exit(&current, 0);
    assert!(stdout(&current).starts_with("10 add_c (applied "), "{}", stdout(&current));
    let before = schema_dump(&url);
    let dry = project.run(&url, &["migrate", "down", "--to", "1", "--dry-run", "--format", "json"]);
    assert_exit(&dry, 0);
    let planned: Vec<String> =
        steps_of(&dry).iter().map(|s| format!("{} {}", s["version"], s["status"])).collect();
    assert_eq!(planned, ["\"10\" \"dry run\"", "\"2\" \"dry run\""]);
    assert_eq!(before, schema_dump(&url), "a dry run rolls everything back");
    let down = project.run(&url, &["migrate", "down-to", "1", "--format", "json"]);
    assert_exit(&down, 0);
    let report: serde_json::Value = serde_json::from_str(&stdout(&down)).unwrap();
    assert_eq!((report["from"].as_str(), report["to"].as_str()), (Some("10"), Some("1")), "{report}");
    assert_eq!(report["rolled_back"], serde_json::json!(["10", "2"]));
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM confiture.migration_history"), 1);
    let unapplied = project.run(&url, &["migrate", "down", "--to", "2"]);
    assert_exit(&unapplied, 5);
    assert!(stderr(&unapplied).contains("migration 2 is not applied"), "{}", stderr(&unapplied));
    let csv = project.run(&url, &["migrate", "status", "--format", "csv"]);
    assert_exit(&csv, 1);
    assert!(
        stdout(&csv).starts_with("version,name,status,state,applied_at\n1,add_a,applied,applied,"),
        "{}",
        stdout(&csv)
    );
    assert!(
        stdout(&csv).contains("\n10,add_c,pending,pending,\n")
            || stdout(&csv).ends_with("10,add_c,pending,pending,\n"),
        "{}",
        stdout(&csv)
    );
}

#[test]
fn a_held_migration_lock_times_out_naming_its_holder() {
    let project = three_migrations();
    let url = empty_database("e2e_migrate_lock_timeout");
    assert_exit(&project.run(&url, &["build", "--apply"]), 0);
    let mut holder = postgres::Config::from(url.parse::<postgres::Config>().unwrap())
        .application_name("the_other_deploy")
        .connect(postgres::NoTls)
        .unwrap();
    holder.batch_execute("SELECT pg_advisory_lock(x'636f6e6669747572'::bigint)").unwrap();
    let started = std::time::Instant::now();
    let refused = project.run(&url, &["migrate", "up", "--lock-timeout", "300"]);
    assert_exit(&refused, 6);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert!(stderr(&refused).contains("application the_other_deploy"), "{}", stderr(&refused));
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM confiture.migration_history"), 0);
    // --no-lock takes no session lock, and says so; each transaction still takes the server's
    // own (on the same key), so it runs once the other deploy is done.
    drop(holder);
    let unlocked = project.run(&url, &["migrate", "up", "--no-lock"]);
    assert_exit(&unlocked, 0);
    assert!(stderr(&unlocked).contains("--no-lock"), "{}", stderr(&unlocked));
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM confiture.migration_history"), 3);
}
