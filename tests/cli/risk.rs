//! Migration risk (docs/risk.md): what `confiture migrate assess` says a statement locks and
//! rewrites, observed on an empty schema-only copy, checked against what PostgreSQL does on
//! the real table of a million rows; the lock holders it reports; `migrate up --max-risk`;
//! `migrate up --interactive` driven through a real terminal.

use crate::support::*;
use std::time::{Duration, Instant};

const ROWS: i64 = 1_000_000;

/// A table of `ROWS` rows with columns of the kinds the shapes change, its parent, a trigger
/// function.
fn big_table(url: &str) {
    connect(url)
        .batch_execute(&format!(
            "CREATE TABLE parent (id int PRIMARY KEY);
             INSERT INTO parent SELECT generate_series(1, 1000);
             CREATE TABLE big (id bigint PRIMARY KEY, parent_id int NOT NULL, qty int, price numeric(10,2),
                               label varchar(40), note text, created timestamptz NOT NULL, flag boolean,
                               code char(8), data jsonb);
             INSERT INTO big
             SELECT i, 1 + i % 1000, i % 1000, (i % 1000) / 10.0, 'label ' || i, NULL,
                    '2026-01-01'::timestamptz + i * interval '1 second', i % 2 = 0, lpad((i % 100000)::text, 8, '0'),
                    NULL
               FROM generate_series(1, {ROWS}) AS i;
             ANALYZE parent, big;
             CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;"
        ))
        .unwrap();
}

/// Statement shapes a migration writes, each valid after the ones before it.
const SHAPES: &[&str] = &[
    "ALTER TABLE big ADD COLUMN c1 int",
    "ALTER TABLE big ADD COLUMN c2 int DEFAULT 0",
    "ALTER TABLE big ADD COLUMN c3 text NOT NULL DEFAULT 'x'",
    "ALTER TABLE big ADD COLUMN c4 timestamptz DEFAULT now()",
    "ALTER TABLE big ADD COLUMN c5 double precision DEFAULT random()",
    "ALTER TABLE big ADD COLUMN c6 bigint GENERATED ALWAYS AS IDENTITY",
    "ALTER TABLE big ADD COLUMN c7 int GENERATED ALWAYS AS (qty * 2) STORED",
    "ALTER TABLE big ADD COLUMN c8 int REFERENCES parent (id)",
    "ALTER TABLE big DROP COLUMN c7",
    "ALTER TABLE big ALTER COLUMN qty TYPE bigint",
    "ALTER TABLE big ALTER COLUMN label TYPE varchar(80)",
    "ALTER TABLE big ALTER COLUMN label TYPE text",
    "ALTER TABLE big ALTER COLUMN note TYPE varchar(100)",
    "ALTER TABLE big ALTER COLUMN price TYPE numeric(12,2)",
    "ALTER TABLE big ALTER COLUMN price TYPE numeric(12,3)",
    "ALTER TABLE big ALTER COLUMN code TYPE varchar(8)",
    "ALTER TABLE big ALTER COLUMN data TYPE json USING data::json",
    "ALTER TABLE big ALTER COLUMN flag TYPE int USING flag::int",
    "ALTER TABLE big ALTER COLUMN qty SET NOT NULL",
    "ALTER TABLE big ALTER COLUMN qty DROP NOT NULL",
    "ALTER TABLE big ADD CONSTRAINT qty_nn CHECK (qty IS NOT NULL) NOT VALID",
    "ALTER TABLE big VALIDATE CONSTRAINT qty_nn",
    "ALTER TABLE big ALTER COLUMN qty SET NOT NULL",
    "ALTER TABLE big ADD CONSTRAINT qty_pos CHECK (qty >= 0)",
    "ALTER TABLE big ADD CONSTRAINT big_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id) NOT VALID",
    "ALTER TABLE big VALIDATE CONSTRAINT big_parent_fk",
    "ALTER TABLE big DROP CONSTRAINT big_parent_fk",
    "ALTER TABLE big ADD CONSTRAINT big_parent_fk2 FOREIGN KEY (parent_id) REFERENCES parent (id)",
    "ALTER TABLE big ADD CONSTRAINT big_id_code_key UNIQUE (id, code)",
    "CREATE INDEX big_parent_idx ON big (parent_id)",
    "CREATE UNIQUE INDEX big_code_id_idx ON big (code, id)",
    "ALTER TABLE big ADD CONSTRAINT big_code_id_uq UNIQUE USING INDEX big_code_id_idx",
    "DROP INDEX big_parent_idx",
    "ALTER INDEX big_id_code_key RENAME TO big_id_code_key2",
    "REINDEX INDEX big_pkey",
    "ALTER TABLE big RENAME COLUMN note TO remark",
    "ALTER TABLE big RENAME CONSTRAINT qty_pos TO qty_positive",
    "ALTER TABLE big ALTER COLUMN c2 SET DEFAULT 5",
    "ALTER TABLE big ALTER COLUMN c2 DROP DEFAULT",
    "ALTER TABLE big ALTER COLUMN remark SET STATISTICS 500",
    "ALTER TABLE big ALTER COLUMN remark SET STORAGE EXTERNAL",
    "ALTER TABLE big SET (fillfactor = 90)",
    "ALTER TABLE big SET (autovacuum_vacuum_scale_factor = 0.01)",
    "ALTER TABLE big SET (parallel_workers = 2, autovacuum_enabled = false)",
    "CREATE TRIGGER big_touch BEFORE UPDATE ON big FOR EACH ROW EXECUTE FUNCTION touch()",
    "ALTER TABLE big DISABLE TRIGGER big_touch",
    "ALTER TABLE big ENABLE TRIGGER big_touch",
    "DROP TRIGGER big_touch ON big",
    "COMMENT ON TABLE big IS 'a big table'",
    "COMMENT ON COLUMN big.qty IS 'quantity'",
    "ALTER TABLE big ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY big_all ON big USING (true)",
    "ALTER POLICY big_all ON big USING (qty >= 0)",
    "DROP POLICY big_all ON big",
    "ALTER TABLE big DISABLE ROW LEVEL SECURITY",
    "CREATE VIEW big_view AS SELECT id, qty FROM big",
    "GRANT SELECT ON big TO PUBLIC",
    "ALTER TABLE big CLUSTER ON big_pkey",
    "ALTER TABLE big SET WITHOUT CLUSTER",
    "ALTER TABLE big REPLICA IDENTITY FULL",
    "ALTER TABLE big ALTER COLUMN c3 DROP NOT NULL",
    "UPDATE big SET c2 = 1 WHERE id < 100",
    "DELETE FROM big WHERE id < 0",
    "LOCK TABLE big IN SHARE MODE",
    "ANALYZE big",
    "ALTER TABLE big OWNER TO CURRENT_USER",
];

/// What the statement did to the real tables: the strongest lock it took on a relation that
/// existed before it, and whether `big`'s storage was replaced. Observed in a transaction of
/// its own, committed so that the next statement sees its effect.
fn real_effect(client: &mut postgres::Client, statement: &str) -> (Option<String>, bool) {
    let relations = "SELECT c.oid::int8 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'm', 'v', 'f')";
    let file = "SELECT relfilenode::int8 FROM pg_class WHERE oid = 'big'::regclass";
    let mut tx = client.transaction().unwrap();
    let existing: Vec<i64> = tx.query(relations, &[]).unwrap().iter().map(|r| r.get(0)).collect();
    let before: i64 = tx.query_one(file, &[]).unwrap().get(0);
    tx.batch_execute(statement).unwrap_or_else(|e| panic!("{statement}: {e}"));
    let locks: Vec<(i64, String)> = tx
        .query(
            "SELECT relation::int8, mode FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'relation' \
             AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let after: i64 = tx.query_one(file, &[]).unwrap().get(0);
    tx.commit().unwrap();
    const ORDER: [&str; 8] = [
        "AccessShareLock",
        "RowShareLock",
        "RowExclusiveLock",
        "ShareUpdateExclusiveLock",
        "ShareLock",
        "ShareRowExclusiveLock",
        "ExclusiveLock",
        "AccessExclusiveLock",
    ];
    let strongest = locks
        .iter()
        .filter(|(oid, _)| existing.contains(oid))
        .filter_map(|(_, mode)| ORDER.iter().position(|m| m == mode))
        .max()
        .map(|i| {
            // As the documentation spells it: AccessExclusiveLock -> ACCESS EXCLUSIVE.
            let name = ORDER[i].trim_end_matches("Lock");
            let mut label = String::new();
            for (n, c) in name.chars().enumerate() {
                if c.is_uppercase() && n > 0 {
                    label.push(' ');
                }
                label.push(c.to_ascii_uppercase());
            }
            label
        });
    (strongest, before != after)
}

fn assessed(output: &std::process::Output) -> Vec<serde_json::Value> {
    let report: serde_json::Value = serde_json::from_str(&stdout(output))
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(output), stderr(output)));
    report["statements"].as_array().unwrap().clone()
}

#[test]
fn assess_reports_the_lock_and_rewrite_postgresql_takes_on_a_million_row_table() {
    assert!(SHAPES.len() >= 50, "{} shapes", SHAPES.len());
    let url = empty_database("e2e_risk_shapes");
    big_table(&url);
    let migration = SHAPES.iter().map(|s| format!("{s};\n")).collect::<String>();
    let project = Project::new(&[("db/migrations/001_shapes.up.sql", &migration)]);
    let output = project.run(&url, &["migrate", "assess", "--format", "json"]);
    assert_exit(&output, 0);
    let rows = assessed(&output);
    assert_eq!(rows.len(), SHAPES.len());
    // Nothing was applied, nothing registered, not even the extension created: assess only reads.
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM pg_extension WHERE extname = 'confiture'"), 0);
    assert_eq!(
        query_one_i64(&url, "SELECT count(*) FROM information_schema.columns WHERE column_name = 'c1'"),
        0
    );

    let mut client = connect(&url);
    let mut mismatches = Vec::new();
    for (shape, row) in SHAPES.iter().zip(&rows) {
        assert_eq!(row["statement"].as_str(), Some(*shape));
        assert_eq!(row["observed"], true, "{shape}: {row}");
        let (lock, rewrote) = real_effect(&mut client, shape);
        let said = (row["lock_mode"].as_str().map(String::from), row["rewrites"].as_bool());
        if said != (lock.clone(), Some(rewrote)) {
            mismatches.push(format!("{shape}: assess said {said:?}, PostgreSQL took ({lock:?}, {rewrote})"));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    // The judgement uses the live table: the rewrites are weighed on a million rows.
    let retype = &rows[SHAPES.iter().position(|s| s.ends_with("qty TYPE bigint")).unwrap()];
    assert!(retype["table_rows"].as_i64().unwrap() >= ROWS * 9 / 10, "{retype}");
    assert!(retype["hazards"].as_array().unwrap().iter().any(|h| h == "type_change_rewrites"), "{retype}");
}

/// The locks the session running `statement` holds on `big`, seen from another session. A
/// third session keeps a transaction open on `big` until they are seen, so that the statement
/// (which waits for such transactions) cannot finish between two looks.
fn lock_while_running(url: &str, statement: &'static str) -> String {
    let mut holder = connect(url);
    holder.batch_execute("BEGIN; SELECT count(*) FROM big WHERE id = 1").unwrap();
    let mut runner = connect(url);
    let pid: i32 = runner.query_one("SELECT pg_backend_pid()", &[]).unwrap().get(0);
    let handle = std::thread::spawn(move || runner.batch_execute(statement).unwrap());
    let mut watcher = connect(url);
    let started = Instant::now();
    let mut seen: Vec<String> = Vec::new();
    while seen.is_empty() && started.elapsed() < Duration::from_secs(10) {
        let rows = watcher
            .query(
                "SELECT mode FROM pg_locks WHERE pid = $1 AND relation = 'big'::regclass AND granted",
                &[&pid],
            )
            .unwrap();
        seen.extend(rows.iter().map(|r| r.get::<_, String>(0)));
        std::thread::sleep(Duration::from_millis(2));
    }
    holder.batch_execute("COMMIT").unwrap();
    handle.join().unwrap();
    seen.sort();
    seen.dedup();
    seen.join(",")
}

#[test]
fn statements_outside_a_transaction_are_judged_by_the_model_and_it_matches_postgresql() {
    let url = empty_database("e2e_risk_outside");
    big_table(&url);
    let migration = "CREATE INDEX CONCURRENTLY big_label_idx ON big (label);\n";
    let project = Project::new(&[("db/migrations/001_concurrently.up.sql", migration)]);
    let output = project.run(&url, &["migrate", "assess", "--format", "json"]);
    assert_exit(&output, 0);
    let rows = assessed(&output);
    assert_eq!(rows[0]["observed"], false);
    assert_eq!(rows[0]["lock_mode"], "SHARE UPDATE EXCLUSIVE");
    assert!(rows[0]["hazards"].as_array().unwrap().iter().any(|h| h == "not_transactional"));
    assert_eq!(
        lock_while_running(&url, "CREATE INDEX CONCURRENTLY big_label_idx ON big (label)"),
        "ShareUpdateExclusiveLock"
    );
    assert_eq!(lock_while_running(&url, "DROP INDEX CONCURRENTLY big_label_idx"), "ShareUpdateExclusiveLock");
}

#[test]
fn assess_answers_at_once_and_names_the_session_holding_the_table() {
    let url = empty_database("e2e_risk_blocked");
    connect(&url)
        .batch_execute(
            "CREATE EXTENSION confiture; CREATE TABLE t (id int PRIMARY KEY, a int);
             INSERT INTO t SELECT i, i FROM generate_series(1, 10000) i; ANALYZE t;",
        )
        .unwrap();
    let mut holder = connect(&url);
    let holder_pid: i32 = holder.query_one("SELECT pg_backend_pid()", &[]).unwrap().get(0);
    holder.batch_execute("BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE").unwrap();

    let mut client = connect(&url);
    // A wait would hit the timeout and fail the test instead of hanging it.
    client.batch_execute("SET statement_timeout = '5s'").unwrap();
    let started = Instant::now();
    let row = client
        .query_one(
            "SELECT lock_mode, blocked_by, hazards, level FROM confiture.assess_migration('ALTER TABLE t ADD COLUMN b int')",
            &[],
        )
        .unwrap();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(1), "assess took {took:?}");
    let blocked_by: serde_json::Value = row.get("blocked_by");
    assert_eq!(blocked_by[0]["pid"], holder_pid, "{blocked_by}");
    assert_eq!(blocked_by[0]["mode"], "ACCESS EXCLUSIVE");
    let hazards: Vec<String> = row.get("hazards");
    assert!(hazards.contains(&"blocked_now".to_string()), "{hazards:?}");

    // The CLI too: its copy is built from the catalog, which the lock does not hold up.
    let project = Project::new(&[("db/migrations/001_b.up.sql", "ALTER TABLE t ADD COLUMN b int;\n")]);
    let output = project.run(&url, &["migrate", "assess", "--format", "json"]);
    assert_exit(&output, 0);
    let rows = assessed(&output);
    assert_eq!(rows[0]["blocked_by"][0]["pid"], holder_pid);
    assert_eq!(rows[0]["observed"], true);
    holder.batch_execute("ROLLBACK").unwrap();
}

#[test]
fn max_risk_refuses_a_rewrite_of_a_million_rows_before_running_anything() {
    let url = empty_database("e2e_risk_max");
    big_table(&url);
    connect(&url).batch_execute("CREATE EXTENSION confiture").unwrap();
    let project = Project::new(&[
        ("db/migrations/001_comment.up.sql", "COMMENT ON TABLE big IS 'big';\n"),
        ("db/migrations/002_widen.up.sql", "ALTER TABLE big ALTER COLUMN qty TYPE bigint;\n"),
    ]);
    let output = project.run(&url, &["migrate", "up", "--max-risk", "medium"]);
    assert_exit(&output, 3);
    assert!(stderr(&output).contains("002 statement 1 (line 1)"), "{}", stderr(&output));
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM confiture.migration_history"), 0);
    assert_eq!(
        query_one_i64(&url, "SELECT count(*) FROM pg_attribute WHERE attrelid = 'big'::regclass AND attname = 'qty' AND atttypid = 'int4'::regtype"),
        1
    );
    // The same limit on assess: exit 1, the report printed.
    let output = project.run(&url, &["migrate", "assess", "--max-risk", "medium"]);
    assert_exit(&output, 1);
    assert!(stdout(&output).contains("type_change_rewrites"), "{}", stdout(&output));
    // A limit it stays under runs.
    let output = project.run(&url, &["migrate", "up", "--max-risk", "critical"]);
    assert_exit(&output, 0);
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM confiture.migration_history"), 2);
}

fn interactive_project(url: &str) -> Project {
    connect(url)
        .batch_execute(
            "CREATE TABLE t (id int PRIMARY KEY, a int); INSERT INTO t SELECT i, i FROM generate_series(1, 50000) i;
             ANALYZE t;",
        )
        .unwrap();
    Project::new(&[
        ("db/migrations/001_add.up.sql", "SET lock_timeout = '2s';\nALTER TABLE t ADD COLUMN b int;\n"),
        ("db/migrations/002_widen.up.sql", "ALTER TABLE t ALTER COLUMN a TYPE bigint;\n"),
    ])
}

/// `confiture migrate up --interactive` on a pseudo-terminal.
fn spawn_interactive(project: &Project, url: &str) -> rexpect::session::PtySession {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_confiture"));
    command
        .arg("--project")
        .arg(project.path())
        .args(["migrate", "up", "--interactive"])
        .env("CONFITURE_E2E_URL", url)
        .env("NO_COLOR", "1")
        .env_remove("CONFITURE_DATABASE_URL");
    rexpect::session::spawn_command(command, Some(60_000)).unwrap()
}

fn answers(url: &str) -> Vec<(String, String)> {
    connect(url)
        .query(
            "SELECT version, detail->>'answer' FROM confiture.migration_events WHERE event = 'migration_answered' ORDER BY id",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

fn applied(url: &str) -> i64 {
    query_one_i64(url, "SELECT count(*) FROM confiture.migration_history")
}

#[test]
fn interactive_no_applies_nothing_and_all_applies_everything_with_the_answers_recorded() {
    let url = empty_database("e2e_risk_interactive");
    let project = interactive_project(&url);

    let mut session = spawn_interactive(&project, &url);
    session.exp_string("migration 001_add").unwrap();
    session.exp_string("ALTER TABLE t ADD COLUMN b int").unwrap();
    session.exp_string("Apply 001_add?").unwrap();
    session.send_line("no").unwrap();
    session.exp_eof().unwrap();
    assert_eq!(applied(&url), 0);
    assert_eq!(answers(&url), [("001".to_string(), "no".to_string())]);

    let mut session = spawn_interactive(&project, &url);
    session.exp_string("Apply 001_add?").unwrap();
    session.send_line("all").unwrap();
    session.exp_eof().unwrap();
    assert_eq!(applied(&url), 2);
    let recorded = answers(&url);
    assert_eq!(
        recorded[1..],
        [("001".to_string(), "all".to_string()), ("002".to_string(), "all".to_string())]
    );
}

#[test]
fn a_critical_statement_needs_its_table_typed_and_without_a_terminal_interactive_refuses() {
    let url = empty_database("e2e_risk_critical");
    let project = interactive_project(&url);
    // A slow server (as calibrate() would have measured it): the rewrite becomes critical.
    connect(&url)
        .batch_execute(
            "CREATE EXTENSION confiture;
             INSERT INTO confiture.risk_calibration (rows, table_bytes, index_bytes, rewrite_bytes_per_second,
                 scan_bytes_per_second, index_bytes_per_second, foreign_key_bytes_per_second)
             VALUES (1000, 1, 1, 1000, 1000, 1000, 1000)",
        )
        .unwrap();

    // No terminal (the test's pipes), no --yes: refused, nothing applied.
    let output = project.run(&url, &["migrate", "up", "--interactive"]);
    assert_exit(&output, 5);
    assert!(stderr(&output).contains("--interactive needs a terminal"), "{}", stderr(&output));
    assert_eq!(applied(&url), 0);

    let mut session = spawn_interactive(&project, &url);
    session.exp_string("Apply 001_add?").unwrap();
    session.send_line("yes").unwrap();
    session.exp_string("critical").unwrap();
    session.exp_string("Apply 002_widen?").unwrap();
    session.send_line("yes").unwrap();
    session.exp_string("type public.t to confirm").unwrap();
    session.send_line("t2").unwrap();
    session.exp_eof().unwrap();
    // 001 was accepted, 002 not confirmed.
    assert_eq!(applied(&url), 1);

    let mut session = spawn_interactive(&project, &url);
    session.exp_string("Apply 002_widen?").unwrap();
    session.send_line("y").unwrap();
    session.exp_string("to confirm").unwrap();
    session.send_line("public.t").unwrap();
    session.exp_eof().unwrap();
    assert_eq!(applied(&url), 2);
    let recorded: Vec<String> = answers(&url).into_iter().map(|(v, a)| format!("{v}:{a}")).collect();
    assert_eq!(recorded, ["001:yes", "002:no", "002:yes"]);

    // --yes answers all without a terminal, and says so in the events.
    let more = Project::new(&[
        ("db/migrations/001_add.up.sql", "SET lock_timeout = '2s';\nALTER TABLE t ADD COLUMN b int;\n"),
        ("db/migrations/002_widen.up.sql", "ALTER TABLE t ALTER COLUMN a TYPE bigint;\n"),
        ("db/migrations/003_c.up.sql", "ALTER TABLE t ADD COLUMN c int;\n"),
    ]);
    let output = more.run(&url, &["migrate", "up", "--interactive", "--yes"]);
    assert_exit(&output, 0);
    assert_eq!(applied(&url), 3);
    let by_yes = query_one_i64(
        &url,
        "SELECT count(*) FROM confiture.migration_events WHERE event = 'migration_answered' AND detail->>'by_yes' = 'true'",
    );
    assert_eq!(by_yes, 1);
}

#[test]
fn assess_never_runs_what_would_change_the_server_itself() {
    let url = empty_database("e2e_risk_server_wide");
    let migration = "CREATE ROLE confiture_assess_probe;\nALTER SYSTEM SET work_mem = '77MB';\nCREATE TABLE x (id int);\n";
    let project = Project::new(&[("db/migrations/001_server.up.sql", migration)]);
    let output = project.run(&url, &["migrate", "assess", "--format", "json"]);
    assert_exit(&output, 0);
    let rows = assessed(&output);
    for row in &rows[..2] {
        assert!(row["hazards"].as_array().unwrap().iter().any(|h| h == "outside_the_database"), "{row}");
        assert_eq!(row["observed"], false);
    }
    assert_eq!(rows[2]["observed"], true);
    let mut admin = admin();
    let roles: i64 = admin
        .query_one("SELECT count(*) FROM pg_roles WHERE rolname = 'confiture_assess_probe'", &[])
        .unwrap()
        .get(0);
    assert_eq!(roles, 0);
    let settings: i64 = admin
        .query_one("SELECT count(*) FROM pg_file_settings WHERE name = 'work_mem' AND setting = '77MB'", &[])
        .unwrap()
        .get(0);
    assert_eq!(settings, 0);
}
