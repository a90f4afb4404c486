//! confiture sync: masked copies that are keyed, deterministic (across runs, --jobs and the SQL
//! functions), foreign-key consistent and resumable after a kill; refusals before any row moves.

use crate::support::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

const KEY: &str = "sync-test-key-0123456789abcdefghijklmnopqrstuv";
const OTHER_KEY: &str = "another-key-0123456789abcdefghijklmnopqrstuvwx";

const SCHEMA: &str = r#"
CREATE SCHEMA billing;
CREATE SCHEMA "Mixed Case";
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE users (
    id bigserial PRIMARY KEY,
    email text NOT NULL UNIQUE,
    phone text UNIQUE,
    full_name text,
    national_id varchar(20) UNIQUE,
    born date,
    moods mood[],
    note text,
    shout text GENERATED ALWAYS AS (upper(note)) STORED
);
CREATE TABLE billing.invoices (
    id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users,
    customer_email text,
    amount numeric(10,2),
    previous int REFERENCES billing.invoices
);
CREATE TABLE "Mixed Case"."Odd Table" ("Weird Col" text, "user" int);
CREATE TABLE audit (id serial PRIMARY KEY, what text);
CREATE FUNCTION audit_it() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO audit (what) VALUES (TG_TABLE_NAME); RETURN NEW; END $$;
CREATE TRIGGER users_audit AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION audit_it();
"#;

const DATA: &str = r#"
INSERT INTO users (email, phone, full_name, national_id, born, moods, note)
SELECT 'user' || g || '@corp.example', '+1 555 ' || lpad(g::text, 7, '0'), 'Person ' || g,
       'AB' || lpad(g::text, 6, '0') || 'Z', date '1970-01-01' + g, ARRAY['ok', 'sad']::mood[],
       CASE WHEN g % 7 = 0 THEN NULL ELSE E'tab\there\nline \\ ' || g END
FROM generate_series(1, 3000) g;
INSERT INTO billing.invoices (user_id, customer_email, amount)
SELECT 1 + g % 3000, 'user' || (1 + g % 3000) || '@corp.example', g * 1.25 FROM generate_series(1, 6000) g;
UPDATE billing.invoices SET previous = id - 1 WHERE id > 1;
INSERT INTO "Mixed Case"."Odd Table" VALUES ('x', 1), (NULL, 2), (E'a\\b', 3);
"#;

const RULES: &str = r#"
key_env: SYNC_TEST_KEY
tables:
  users:
    columns:
      email: {strategy: email, domain: customer_email}
      phone: phone
      full_name: name
      national_id: preserve_format
      born: {strategy: date_shift, max_days: 90}
  billing.invoices:
    columns:
      customer_email: {strategy: email, domain: customer_email}
"#;

/// Source and target with the same schema; the source holds the rows.
fn databases(name: &str) -> (String, String) {
    let source = empty_database(&format!("{name}_source"));
    let target = empty_database(&format!("{name}_target"));
    connect(&source).batch_execute(&format!("{SCHEMA}{DATA}")).unwrap();
    connect(&target).batch_execute(SCHEMA).unwrap();
    (source, target)
}

fn sync(project: &Path, source: &str, target: &str, key: &str, extra: &[&str]) -> Output {
    let mut args = vec!["sync", "--no-config", "--from", source, "--to", target, "--anonymize", "-f", "json"];
    args.extend_from_slice(extra);
    let variables = [("SYNC_TEST_KEY", key), ("CONFITURE_MASK_KEY", key), ("CONFITURE_NO_PROGRESS", "1")];
    confiture(&args, project, &variables)
}

fn rules_project() -> Project {
    Project::new(&[("db/sync/anonymization.yaml", RULES)])
}

/// Each table's rows in key order, as text: equal maps mean byte-identical tables.
fn contents(url: &str) -> BTreeMap<String, String> {
    let mut client = connect(url);
    let mut out = BTreeMap::new();
    for (table, order) in [
        ("users", "id"),
        ("billing.invoices", "id"),
        ("\"Mixed Case\".\"Odd Table\"", "\"user\""),
        ("audit", "id"),
    ] {
        let sql = format!("SELECT coalesce(string_agg(t::text, E'\\n' ORDER BY {order}), '') FROM {table} t");
        out.insert(table.to_string(), client.query_one(&sql, &[]).unwrap().get(0));
    }
    out
}

fn column(url: &str, sql: &str) -> Vec<Option<String>> {
    connect(url).query(sql, &[]).unwrap().iter().map(|r| r.get(0)).collect()
}

#[test]
fn masked_copies_are_keyed_deterministic_and_consistent() {
    let (source, target) = databases("sync_main");
    let project = rules_project();
    let first = sync(project.path(), &source, &target, KEY, &["--jobs", "1"]);
    assert_exit(&first, 0);
    let report: serde_json::Value = serde_json::from_str(&stdout(&first)).unwrap();
    assert_eq!(report["rows"], 3000 + 6000 + 3 + 3000, "{report}");
    assert_eq!(report["anonymized"], true);
    let fingerprint = report["key_fingerprint"].as_str().unwrap().to_string();
    assert!(!stdout(&first).contains(KEY));
    let copied = contents(&target);

    // Identical on a second run with 3 workers, into another database.
    let second_target = empty_database("sync_main_second");
    connect(&second_target).batch_execute(SCHEMA).unwrap();
    assert_exit(&sync(project.path(), &source, &second_target, KEY, &["--jobs", "3"]), 0);
    assert_eq!(contents(&second_target), copied, "--jobs 3 gives other bytes than --jobs 1");

    // Unmasked columns and the tables without rules are copied as they are.
    let originals = contents(&source);
    assert_eq!(copied["\"Mixed Case\".\"Odd Table\""], originals["\"Mixed Case\".\"Odd Table\""]);
    assert_eq!(copied["audit"], originals["audit"], "the target's trigger fired during the load");
    assert_eq!(
        column(&target, "SELECT note FROM users ORDER BY id"),
        column(&source, "SELECT note FROM users ORDER BY id")
    );

    // No masked cell equals its source value.
    for masked in ["email", "phone", "full_name", "national_id", "born::text"] {
        let before = column(&source, &format!("SELECT {masked} FROM users ORDER BY id"));
        let after = column(&target, &format!("SELECT {masked} FROM users ORDER BY id"));
        assert_eq!(before.len(), after.len());
        let same = before.iter().zip(&after).filter(|(b, a)| b == a).count();
        assert_eq!(same, 0, "{masked}: {same} cells kept their value");
    }

    // Joins on columns sharing a domain still find the source's rows.
    let join = "SELECT count(*) FROM billing.invoices i JOIN users u ON u.email = i.customer_email";
    assert_eq!(query_one_i64(&target, join), query_one_i64(&source, join));
    assert_eq!(query_one_i64(&target, join), 6000);

    // Foreign keys back and validated, none violated; sequences past the copied values; the
    // trigger enabled again; the run's state gone.
    let validated = "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND convalidated";
    assert_eq!(query_one_i64(&target, validated), 2);
    let orphans =
        "SELECT count(*) FROM billing.invoices i LEFT JOIN users u ON u.id = i.user_id WHERE u.id IS NULL";
    assert_eq!(query_one_i64(&target, orphans), 0);
    assert_eq!(query_one_i64(&target, "SELECT nextval('users_id_seq')"), 3001);
    assert_eq!(query_one_i64(&target, "SELECT nextval('audit_id_seq')"), 3001);
    assert_eq!(
        query_one_i64(&target, "SELECT nextval(pg_get_serial_sequence('billing.invoices', 'id'))"),
        6001
    );
    let trigger = "SELECT count(*) FROM pg_trigger WHERE tgname = 'users_audit' AND tgenabled = 'O'";
    assert_eq!(query_one_i64(&target, trigger), 1);
    assert_eq!(
        query_one_i64(&target, "SELECT count(*) FROM pg_namespace WHERE nspname = 'confiture_sync'"),
        0
    );

    // The indexes and constraints the load dropped and rebuilt are as the schema defines them.
    let reference = empty_database("sync_main_schema_only");
    connect(&reference).batch_execute(SCHEMA).unwrap();
    let definitions = "SELECT string_agg(d, E'\n' ORDER BY d) FROM (
        SELECT indexdef AS d FROM pg_indexes WHERE schemaname NOT IN ('pg_catalog', 'confiture')
        UNION ALL
        SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) || ' ' || convalidated
        FROM pg_constraint WHERE connamespace <> 'pg_catalog'::regnamespace) x";
    assert_eq!(column(&target, definitions), column(&reference, definitions));

    // The SQL functions give the same bytes, with the key given per session at connection time.
    let functions = empty_database("sync_main_functions");
    connect(&functions).batch_execute("CREATE EXTENSION confiture").unwrap();
    let keyed = format!("{functions}?options=-c%20confiture.mask_key%3D{KEY}");
    let mut client = connect(&keyed);
    let fingerprint_sql: String =
        client.query_one("SELECT confiture.mask_key_fingerprint()", &[]).unwrap().get(0);
    assert_eq!(fingerprint_sql, fingerprint);
    let sources = connect(&source)
        .query("SELECT email, phone, national_id FROM users ORDER BY id LIMIT 200", &[])
        .unwrap();
    let targets = connect(&target)
        .query("SELECT email, phone, national_id FROM users ORDER BY id LIMIT 200", &[])
        .unwrap();
    for (before, after) in sources.iter().zip(&targets) {
        let sql = "SELECT confiture.mask_text($1, 'email', '{}', 'customer_email'),
                          confiture.mask_phone($2, 'public.users.phone'),
                          confiture.mask_text($3, 'preserve_format', '{\"unique\": true}', 'public.users.national_id')";
        let row = client
            .query_one(
                sql,
                &[&before.get::<_, String>(0), &before.get::<_, String>(1), &before.get::<_, String>(2)],
            )
            .unwrap();
        for i in 0..3 {
            assert_eq!(row.get::<_, String>(i), after.get::<_, String>(i));
        }
    }

    // Another key changes (almost) every masked cell.
    let third_target = empty_database("sync_main_other_key");
    connect(&third_target).batch_execute(SCHEMA).unwrap();
    assert_exit(&sync(project.path(), &source, &third_target, OTHER_KEY, &[]), 0);
    let mut cells = 0;
    let mut same = 0;
    for masked in ["email", "phone", "national_id"] {
        let a = column(&target, &format!("SELECT {masked} FROM users ORDER BY id"));
        let b = column(&third_target, &format!("SELECT {masked} FROM users ORDER BY id"));
        cells += a.len();
        same += a.iter().zip(&b).filter(|(x, y)| x == y).count();
    }
    assert!(same * 10_000 <= cells, "{same} of {cells} masked cells are the same under another key");
}

#[test]
fn a_killed_sync_resumes_to_the_same_result() {
    let (source, target) = databases("sync_resume");
    // A big table loaded last (parents first, then by name): the kill lands while it loads,
    // after the small ones.
    let big = "CREATE TABLE zz_big (id int PRIMARY KEY, payload text)";
    connect(&source)
        .batch_execute(&format!(
            "{big}; INSERT INTO zz_big SELECT g, repeat('w', 200) FROM generate_series(1, 400000) g"
        ))
        .unwrap();
    connect(&target).batch_execute(big).unwrap();
    let project = rules_project();
    let reference = empty_database("sync_resume_reference");
    connect(&reference).batch_execute(&format!("{SCHEMA}; {big}")).unwrap();
    assert_exit(&sync(project.path(), &source, &reference, KEY, &[]), 0);

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_confiture"))
        .args(["--project", project.path().to_str().unwrap(), "sync", "--no-config", "--anonymize"])
        .args(["--from", &source, "--to", &target])
        .env("SYNC_TEST_KEY", KEY)
        .env("CONFITURE_NO_PROGRESS", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once three tables are loaded, while the big one loads.
    let loaded = "SELECT CASE WHEN to_regclass('confiture_sync.loaded') IS NULL THEN 0
                       ELSE (SELECT count(*) FROM confiture_sync.loaded) END";
    let started = std::time::Instant::now();
    loop {
        let count = connect(&target).query_one(loaded, &[]).map(|r| r.get::<_, i64>(0)).unwrap_or(0);
        if count >= 3 {
            break;
        }
        assert!(child.try_wait().unwrap().is_none(), "the sync ended before it could be killed");
        assert!(started.elapsed().as_secs() < 120, "no table loaded in 2 minutes");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let done = query_one_i64(&target, loaded);
    assert!(done < 5, "the kill came after the last table ({done} loaded)");
    // The foreign keys dropped for the load are recorded, not lost.
    assert_eq!(query_one_i64(&target, "SELECT count(*) FROM confiture_sync.dropped_foreign_keys"), 2);

    let resumed = sync(project.path(), &source, &target, KEY, &["--resume"]);
    assert_exit(&resumed, 0);
    let report: serde_json::Value = serde_json::from_str(&stdout(&resumed)).unwrap();
    assert_eq!(report["resumed_tables"], done);
    assert_eq!(contents(&target), contents(&reference));
    let big_digest = "SELECT count(*) || md5(string_agg(payload, '' ORDER BY id)) FROM zz_big";
    assert_eq!(column(&target, big_digest), column(&reference, big_digest));
    assert_eq!(
        query_one_i64(&target, "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND convalidated"),
        2
    );
}

#[test]
fn refusals_come_before_any_row_moves() {
    let (source, target) = databases("sync_refusals");
    connect(&target).batch_execute("INSERT INTO \"Mixed Case\".\"Odd Table\" VALUES ('kept', 99)").unwrap();
    let untouched = || {
        assert_eq!(
            query_one_i64(&target, "SELECT count(*) FROM \"Mixed Case\".\"Odd Table\" WHERE \"user\" = 99"),
            1
        );
        assert_eq!(
            query_one_i64(&target, "SELECT count(*) FROM pg_namespace WHERE nspname = 'confiture_sync'"),
            0
        );
        assert_eq!(query_one_i64(&target, "SELECT count(*) FROM pg_constraint WHERE contype = 'f'"), 2);
    };
    let project = rules_project();
    let plain = |extra: &[&str]| {
        let mut args = vec!["sync", "--no-config", "--from", &source, "--to", &target];
        args.extend_from_slice(extra);
        confiture(&args, project.path(), &[("SYNC_TEST_KEY", KEY)])
    };

    // Personal columns without a rule.
    let output = plain(&[]);
    assert_exit(&output, 5);
    for column in ["users.email", "users.phone", "users.full_name", "invoices.customer_email"] {
        assert!(stderr(&output).contains(column), "{column} not named: {}", stderr(&output));
    }
    untouched();

    // No key, a short key, an unknown strategy, a strategy that would break a unique column.
    let output = confiture(
        &["sync", "--no-config", "--from", &source, "--to", &target, "--anonymize"],
        project.path(),
        &[],
    );
    assert_exit(&output, 5);
    assert!(stderr(&output).contains("SYNC_TEST_KEY is not set"), "{}", stderr(&output));
    let output = sync(project.path(), &source, &target, "short", &[]);
    assert_exit(&output, 5);
    assert!(stdout(&output).contains("at least 32 are needed"), "{}", stdout(&output));
    for (rules, expected) in [
        ("users:\n  - {column: email, strategy: scramble}\n", "unknown masking strategy \"scramble\""),
        ("users:\n  - {column: email, strategy: redact}\n", "users.email"),
        ("users:\n  - {column: nope, strategy: hash}\n", "users.nope"),
        ("ghosts:\n  - {column: a, strategy: hash}\n", "ghosts"),
    ] {
        project.write("bad.yaml", rules);
        let file = project.path().join("bad.yaml");
        let output = sync(
            project.path(),
            &source,
            &target,
            KEY,
            &["--rules", file.to_str().unwrap(), "--allow-unmasked"],
        );
        assert_exit(&output, 5);
        let error: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
        let message = error["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(expected), "{expected} not in {message}");
        untouched();
    }

    // Another sync loading the target (its session lock held here).
    let mut holder = connect(&target);
    holder.batch_execute("SELECT pg_advisory_lock(hashtextextended('confiture sync', 0))").unwrap();
    let output = plain(&["--allow-unmasked"]);
    assert_exit(&output, 6);
    assert!(stderr(&output).contains("another confiture sync is loading"), "{}", stderr(&output));
    drop(holder);
    untouched();

    // A column of another type in the target.
    connect(&target)
        .batch_execute("ALTER TABLE billing.invoices ALTER COLUMN amount TYPE numeric(12,2)")
        .unwrap();
    let output = plain(&["--allow-unmasked"]);
    assert_exit(&output, 5);
    assert!(
        stderr(&output).contains(
            "billing.invoices.amount is numeric(10,2) in the source and numeric(12,2) in the target"
        ),
        "{}",
        stderr(&output)
    );
    untouched();

    // A table outside the sync that references one inside it.
    let output = plain(&["--allow-unmasked", "--exclude", "invoices"]);
    assert_exit(&output, 5);
    assert!(
        stderr(&output).contains("\"billing\".\"invoices\" references \"public\".\"users\""),
        "{}",
        stderr(&output)
    );
    untouched();

    // The same database on both sides.
    let output = confiture(
        &["sync", "--no-config", "--from", &source, "--to", &source, "--allow-unmasked"],
        project.path(),
        &[],
    );
    assert_exit(&output, 5);
    assert!(stderr(&output).contains("the same database"), "{}", stderr(&output));
}

#[test]
fn the_key_never_reaches_the_server_log() {
    let (source, target) = databases("sync_log");
    let marker = "keymarker-9f8e7d6c5b4a39281706f5e4d3c2b1a0";
    let mut admin = admin();
    for database in ["sync_log_source", "sync_log_target"] {
        admin.batch_execute(&format!("ALTER DATABASE {database} SET log_statement = 'all'")).unwrap();
    }
    let project = rules_project();
    assert_exit(&sync(project.path(), &source, &target, marker, &[]), 0);
    // The SQL functions with the session key given at connection time.
    connect(&target).batch_execute("CREATE EXTENSION confiture").unwrap();
    let keyed = format!("{target}?options=-c%20confiture.mask_key%3D{marker}");
    let masked: String =
        connect(&keyed).query_one("SELECT confiture.mask_email('a@b.c')", &[]).unwrap().get(0);
    assert!(masked.ends_with("@example.com"));
    let log: String = admin
        .query_one("SELECT pg_read_file(current_setting('data_directory') || '/../server.log')", &[])
        .unwrap()
        .get(0);
    assert!(log.contains("sync_log") || log.contains("COPY"), "log_statement=all logged nothing");
    assert!(!log.contains(marker), "the key is in the server log");
}

#[test]
fn filters_sql_masks_and_partitions() {
    let (source, target) = databases("sync_filters");
    let partitions = "
        CREATE TABLE events (id bigint, at date NOT NULL, user_id bigint REFERENCES users, PRIMARY KEY (id, at))
            PARTITION BY RANGE (at);
        CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
        CREATE INDEX events_user ON events (user_id);";
    connect(&source).batch_execute(partitions).unwrap();
    connect(&target).batch_execute(partitions).unwrap();
    connect(&source)
        .batch_execute(
            "INSERT INTO events SELECT g, date '2024-06-01' + (g % 400), 1 + g % 3000 FROM generate_series(1, 2000) g",
        )
        .unwrap();
    let project = Project::new(&[(
        "rules.yaml",
        "key_env: SYNC_TEST_KEY\ntables:\n  users:\n    columns:\n      email: email\n      phone: phone\n      \
         full_name: {strategy: sql, expr: \"'Person #' || id\"}\n      national_id: {strategy: null}\n      \
         born: {strategy: date_shift, max_days: 10}\n  billing.invoices:\n    where: \"amount < 1000\"\n    \
         columns:\n      customer_email: {strategy: hash, length: 16}\n",
    )]);
    let rules = project.path().join("rules.yaml");
    let rules = rules.to_str().unwrap();
    let output = sync(
        project.path(),
        &source,
        &target,
        KEY,
        &["--rules", rules, "--where", "events=id % 2 = 0", "--jobs", "2"],
    );
    assert_exit(&output, 0);
    let count = |url: &str, sql: &str| query_one_i64(url, sql);
    assert_eq!(
        count(&target, "SELECT count(*) FROM billing.invoices"),
        count(&source, "SELECT count(*) FROM billing.invoices WHERE amount < 1000")
    );
    assert_eq!(count(&target, "SELECT count(*) FROM events"), 1000);
    assert_eq!(
        count(&target, "SELECT count(*) FROM events_2025"),
        count(&source, "SELECT count(*) FROM events_2025 WHERE id % 2 = 0")
    );
    assert_eq!(count(&target, "SELECT count(*) FROM users WHERE full_name = 'Person #' || id"), 3000);
    assert_eq!(count(&target, "SELECT count(*) FROM users WHERE national_id IS NULL"), 3000);
    assert_eq!(
        count(&target, "SELECT count(*) FROM billing.invoices WHERE length(customer_email) = 16"),
        count(&target, "SELECT count(*) FROM billing.invoices")
    );
    // The partitions' indexes (attached to the partitioned ones) are in place.
    assert_eq!(count(&target, "SELECT count(*) FROM pg_indexes WHERE tablename LIKE 'events_20%'"), 4);

    // A filter that leaves children without their parents: the rows are loaded, the foreign key
    // is named, left NOT VALID, and the run fails.
    let output =
        sync(project.path(), &source, &target, KEY, &["--rules", rules, "--where", "users=id <= 10"]);
    assert_exit(&output, 1);
    let error: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let message = error["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("invoices_user_id_fkey"), "{message}");
    assert_eq!(
        count(
            &target,
            "SELECT count(*) FROM pg_constraint WHERE conname = 'invoices_user_id_fkey' AND NOT convalidated"
        ),
        1
    );
}
