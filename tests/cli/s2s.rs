//! confiture migrate schema-to-schema: a source owned by a non-superuser with scram-sha-256
//! password login, three schemas, renames, casts, a split column and a new NOT NULL column;
//! exactly the configured connection settings, no password in logs or confiture tables; killed
//! and resumed equal to uninterrupted; nothing of ours left after success, error or Ctrl-C.

use crate::support::*;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The scram_owner role's password (scripts/lib.sh gives the role scram-sha-256 login); the
/// same in every test, which share the role. A space and a quote test the escaping.
const PASSWORD: &str = "s2s Secret'9f3e7d";

const SOURCE: &str = r#"
CREATE SCHEMA billing;
CREATE SCHEMA "Mixed Case";
CREATE TABLE users (id serial PRIMARY KEY, full_name text NOT NULL, status text NOT NULL, joined date);
CREATE TABLE billing.invoices (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id integer NOT NULL REFERENCES users,
    amount integer NOT NULL,
    legacy_flag boolean
);
CREATE TABLE "Mixed Case"."Line Items" (
    "Invoice" integer REFERENCES billing.invoices, "N" integer, "Qty" integer, PRIMARY KEY ("Invoice", "N")
);
CREATE TABLE old_audit (id int);
INSERT INTO users (full_name, status, joined)
SELECT 'First' || g || ' Last' || g, CASE WHEN g % 3 = 0 THEN 'closed' ELSE 'active' END, date '2020-01-01' + g
FROM generate_series(1, 3000) g;
INSERT INTO billing.invoices (user_id, amount, legacy_flag) SELECT 1 + g % 3000, g * 7, g % 2 = 0 FROM generate_series(1, 6000) g;
INSERT INTO "Mixed Case"."Line Items" SELECT 1 + g % 6000, g / 6000, g % 13 FROM generate_series(0, 11999) g;
INSERT INTO old_audit VALUES (1);
"#;

const TARGET_DDL: &str = r#"
CREATE SCHEMA billing;
CREATE SCHEMA "Mixed Case";
CREATE TYPE user_status AS ENUM ('active', 'closed');
CREATE TABLE users (
    id bigserial PRIMARY KEY,
    first_name text NOT NULL,
    last_name text NOT NULL,
    status user_status NOT NULL,
    joined date,
    region text NOT NULL DEFAULT 'eu'
);
CREATE TABLE billing.invoices (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES users,
    amount_cents bigint NOT NULL
);
CREATE TABLE "Mixed Case"."Line Items" (
    "Invoice" bigint REFERENCES billing.invoices, "N" integer, "Qty" integer, PRIMARY KEY ("Invoice", "N")
);
CREATE TABLE touched (what text);
CREATE FUNCTION note_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO touched VALUES (TG_TABLE_NAME); RETURN NEW; END $$;
CREATE TRIGGER users_noted AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION note_insert();
"#;

const MAPPING: &str = r#"
tables:
  users:
    columns:
      first_name: {expr: "split_part(full_name, ' ', 1)"}
      last_name: {expr: "split_part(full_name, ' ', 2)"}
      status: {cast: user_status}
  billing.invoices:
    columns:
      customer_id: user_id
      amount_cents: {from: amount, cast: bigint}
    drop: [legacy_flag]
  touched: {from: null}
drop_tables: [old_audit]
"#;

/// A login role the tests share, created by the first that needs it (concurrent tests race).
fn login_role(name: &str) {
    admin()
        .batch_execute(&format!(
            "DO $$ BEGIN CREATE ROLE {name} LOGIN; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        ))
        .unwrap();
}

/// The role, and a source database it owns, filled as it.
fn source_database(name: &str, extra: &str) -> String {
    // Once per test process: the tests share the role, and two ALTER ROLE at once collide.
    static ROLE: std::sync::Once = std::sync::Once::new();
    ROLE.call_once(|| {
        login_role("scram_owner");
        let mut admin = admin();
        let password = PASSWORD.replace('\'', "''");
        admin
            .batch_execute(&format!(
                "SET password_encryption = 'scram-sha-256'; ALTER ROLE scram_owner PASSWORD '{password}'"
            ))
            .unwrap();
    });
    empty_database_owned_by(name, "scram_owner");
    connect(&url_of(name)).batch_execute(&format!("SET ROLE scram_owner; {SOURCE} {extra}")).unwrap();
    // As the target server reaches it: the cluster's own address and (non-default) port.
    let password = PASSWORD.replace(' ', "%20").replace('\'', "%27");
    format!("{}/{name}", server_url().replacen("postgres@", &format!("scram_owner:{password}@"), 1))
}

fn project() -> Project {
    Project::new(&[("db/schema/10_tables.sql", TARGET_DDL), ("mapping.yaml", MAPPING)])
}

fn migrate(project: &Project, source: &str, target: &str, extra: &[&str]) -> std::process::Output {
    let mapping = project.path().join("mapping.yaml");
    let mut args = vec!["migrate", "schema-to-schema", "--from", source, "--to", "local"];
    args.extend(["--mapping", mapping.to_str().unwrap()]);
    args.extend(extra);
    project.run(target, &args)
}

fn spawn(project: &Project, source: &str, target: &str, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_confiture"))
        .arg("--project")
        .arg(project.path())
        .args(["migrate", "schema-to-schema", "--from", source, "--to", "local", "--mapping"])
        .arg(project.path().join("mapping.yaml"))
        .args(extra)
        .env("CONFITURE_E2E_URL", target)
        .env("CONFITURE_NO_PROGRESS", "1")
        .env_remove("CONFITURE_DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Wait until the copy of `table` has committed a batch.
fn wait_for_progress(child: &mut Child, target: &str, table: &str) {
    let query = format!(
        "SELECT CASE WHEN to_regclass('confiture.s2s_tables') IS NULL THEN 0 ELSE \
         coalesce((SELECT rows_copied FROM confiture.s2s_tables WHERE target_table = '{table}'), 0) END"
    );
    let started = Instant::now();
    loop {
        let copied = postgres::Client::connect(target, postgres::NoTls)
            .and_then(|mut c| c.query_one(&query, &[]))
            .map(|r| r.get::<_, i64>(0))
            .unwrap_or(0);
        if copied > 0 {
            return;
        }
        assert!(child.try_wait().unwrap().is_none(), "the copy ended before it could be stopped");
        assert!(started.elapsed() < Duration::from_secs(120), "no batch of {table} in 2 minutes");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every row of every migrated table, in a stable order.
fn contents(url: &str) -> String {
    let tables = ["users", "billing.invoices", "\"Mixed Case\".\"Line Items\"", "zz_events"];
    let mut client = connect(url);
    let mut described = Vec::new();
    for table in tables {
        let exists: bool = client.query_one("SELECT to_regclass($1) IS NOT NULL", &[&table]).unwrap().get(0);
        if exists {
            let digest: String = client
                .query_one(
                    &format!(
                        "SELECT count(*) || ':' || coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '') FROM {table} x"
                    ),
                    &[],
                )
                .unwrap()
                .get(0);
            described.push(format!("{table} {digest}"));
        }
    }
    described.join("\n")
}

/// What s2s_attach creates, counted: servers, user mappings, foreign tables, staging schemas.
fn attached_objects(url: &str) -> i64 {
    query_one_i64(
        url,
        "SELECT (SELECT count(*) FROM pg_foreign_server) + (SELECT count(*) FROM pg_user_mappings) \
         + (SELECT count(*) FROM pg_foreign_table) \
         + (SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'confiture\\_s2s%')",
    )
}

fn percent_encoded(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

fn server_log() -> String {
    admin()
        .query_one("SELECT pg_read_file(current_setting('data_directory') || '/../server.log')", &[])
        .unwrap()
        .get(0)
}

#[test]
fn renames_casts_splits_and_defaults_migrate_and_verify_without_leaking_the_password() {
    let source = source_database("s2s_main_source", "");
    let target = empty_database("s2s_main_target");
    // Only what this run logs is read (the setup's ALTER ROLE ... PASSWORD is the test's own).
    let log_start = server_log().len();
    let mut admin = admin();
    for database in ["s2s_main_source", "s2s_main_target"] {
        admin.batch_execute(&format!("ALTER DATABASE {database} SET log_statement = 'all'")).unwrap();
    }
    let project = project();
    let done = migrate(&project, &source, &target, &["--format", "json"]);
    assert_exit(&done, 0);
    let report: serde_json::Value = serde_json::from_str(&stdout(&done)).unwrap();
    assert_eq!(report["success"], true, "{report}");
    assert_eq!(report["rows"], 3000 + 6000 + 12000);

    let mut db = connect(&target);
    let row = db
        .query_one(
            "SELECT first_name, last_name, status::text, region, joined::text FROM users WHERE id = 6",
            &[],
        )
        .unwrap();
    assert_eq!(
        (row.get::<_, String>(0), row.get::<_, String>(1), row.get::<_, String>(2), row.get::<_, String>(3)),
        ("First6".into(), "Last6".into(), "closed".into(), "eu".into())
    );
    assert_eq!(row.get::<_, String>(4), "2020-01-07");
    let sums = "SELECT sum(customer_id)::text || '/' || sum(amount_cents)::text FROM billing.invoices";
    let source_sums = "SELECT sum(user_id)::text || '/' || sum(amount)::text FROM billing.invoices";
    assert_eq!(
        db.query_one(sums, &[]).unwrap().get::<_, String>(0),
        connect(&source).query_one(source_sums, &[]).unwrap().get::<_, String>(0)
    );
    assert_eq!(query_one_i64(&target, "SELECT count(*) FROM \"Mixed Case\".\"Line Items\""), 12000);
    // Foreign keys back and validated, the trigger enabled again and never fired by the copy.
    assert_eq!(
        query_one_i64(&target, "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND convalidated"),
        2
    );
    assert_eq!(query_one_i64(&target, "SELECT count(*) FROM touched"), 0);
    assert_eq!(
        query_one_i64(
            &target,
            "SELECT count(*) FROM pg_trigger WHERE tgname = 'users_noted' AND tgenabled = 'O'"
        ),
        1
    );
    // Sequences and identities continue after the copied values.
    let next: i64 = db.query_one("SELECT nextval('users_id_seq')", &[]).unwrap().get(0);
    assert!(next > 3000, "users_id_seq gives {next}");
    let id: i64 = db
        .query_one("INSERT INTO billing.invoices (customer_id, amount_cents) VALUES (1, 1) RETURNING id", &[])
        .unwrap()
        .get(0);
    assert!(id > 6000, "the identity gives {id}");
    assert_eq!(attached_objects(&target), 0, "the source is still attached");

    // One changed cell among the rows is found and its key named (the SQL functions directly).
    db.batch_execute("DELETE FROM billing.invoices WHERE id = 6001; UPDATE \"Mixed Case\".\"Line Items\" SET \"Qty\" = \"Qty\" + 1 WHERE \"Invoice\" = 77 AND \"N\" = 1").unwrap();
    let host_port = server_url();
    let port = host_port.rsplit(':').next().unwrap();
    let settings = serde_json::json!({"host": "127.0.0.1", "port": port, "dbname": "s2s_main_source", "user": "scram_owner"});
    // The password as the CLI gives it: a setting in the connection's startup options.
    let option =
        format!("-c confiture.s2s_source_password={}", PASSWORD.replace('\\', "\\\\").replace(' ', "\\ "));
    let mut db = connect(&format!("{target}?options={}", percent_encoded(&option)));
    db.query("SELECT * FROM confiture.s2s_attach($1::jsonb, '{public,billing,Mixed Case}')", &[&settings])
        .unwrap();
    let options: String = db.query_one("SELECT array_to_string(srvoptions, ' ') FROM pg_foreign_server WHERE srvname = 'confiture_s2s_source'", &[]).unwrap().get(0);
    for expected in ["host=127.0.0.1", &format!("port={port}"), "dbname=s2s_main_source"] {
        assert!(options.contains(expected), "{options} lacks {expected}");
    }
    let mapping: serde_json::Value = serde_yaml_ng::from_str(MAPPING).unwrap();
    let planned = db.query("SELECT errors FROM confiture.s2s_plan($1::jsonb)", &[&mapping]).unwrap();
    assert!(planned.iter().all(|r| r.get::<_, Vec<String>>(0).is_empty()));
    let verdict = db
        .query_one(
            "SELECT matches, differing::text FROM confiture.s2s_verify('\"Mixed Case\".\"Line Items\"')",
            &[],
        )
        .unwrap();
    assert!(!verdict.get::<_, bool>(0));
    assert_eq!(
        verdict.get::<_, String>(1),
        r#"[{"key": {"N": "1", "Invoice": "77"}, "difference": "differs"}]"#
    );
    let users = db.query_one("SELECT matches FROM confiture.s2s_verify('users')", &[]).unwrap();
    assert!(users.get::<_, bool>(0), "an unchanged table differs");
    let counted = db
        .query_one(
            "SELECT matches, source_rows, target_rows FROM confiture.s2s_verify('billing.invoices', 'count')",
            &[],
        )
        .unwrap();
    assert_eq!(
        (counted.get::<_, bool>(0), counted.get::<_, i64>(1), counted.get::<_, i64>(2)),
        (true, 6000, 6000)
    );
    for _ in 0..2 {
        db.query("SELECT * FROM confiture.s2s_detach()", &[]).unwrap();
        assert_eq!(attached_objects(&target), 0);
    }

    let log = server_log().split_off(log_start);
    assert!(log.contains("s2s_attach"), "log_statement=all logged nothing");
    for secret in [PASSWORD, "Secret'9f3e7d", "Secret''9f3e7d", "Secret\\ ", "Secret%27"] {
        assert!(!log.contains(secret), "the password is in the server log ({secret})");
    }
    let leaked = query_one_i64(
        &target,
        &format!(
            "SELECT count(*) FROM (SELECT row_to_json(t)::text AS x FROM confiture.s2s_tables t UNION ALL \
             SELECT row_to_json(t)::text FROM confiture.s2s_attachment t UNION ALL \
             SELECT row_to_json(t)::text FROM confiture.s2s_set_aside_constraints t) r WHERE x LIKE '%{}%'",
            "Secret''9f3e7d"
        ),
    );
    assert_eq!(leaked, 0);
}

#[test]
fn killed_runs_resume_to_the_same_rows_and_errors_and_cancels_leave_nothing_attached() {
    // A big table copied last (parents first, then by name), in small batches: the stop lands
    // while it copies.
    let big_source = "CREATE TABLE zz_events (id bigint PRIMARY KEY, user_id int REFERENCES users, payload text);
        INSERT INTO zz_events SELECT g, 1 + g % 3000, repeat('e', 100) || g FROM generate_series(1, 150000) g;";
    let big_target =
        "CREATE TABLE zz_events (id bigint PRIMARY KEY, user_id bigint REFERENCES users, payload text);";
    let source = source_database("s2s_resume_source", big_source);
    let project = project();
    project.write("db/schema/20_events.sql", big_target);
    let reference = empty_database("s2s_resume_reference");
    assert_exit(&migrate(&project, &source, &reference, &[]), 0);

    // Killed: the attachment stays (exactly the configured connection, no password of ours
    // anywhere), the committed batches too; --resume finishes to the same rows.
    let target = empty_database("s2s_resume_target");
    let mut child = spawn(&project, &source, &target, &["--batch-rows", "2000"]);
    wait_for_progress(&mut child, &target, "public.zz_events");
    child.kill().unwrap();
    child.wait().unwrap();
    let copied = query_one_i64(&target, "SELECT count(*) FROM zz_events");
    assert!(copied > 0 && copied < 150_000, "{copied} rows copied when killed");
    let port = server_url().rsplit(':').next().unwrap().to_string();
    let options: String = connect(&target)
        .query_one("SELECT array_to_string(srvoptions, ' ') FROM pg_foreign_server", &[])
        .unwrap()
        .get(0);
    for expected in ["host=127.0.0.1", &format!("port={port}"), "dbname=s2s_resume_source"] {
        assert!(options.contains(expected), "{options} lacks {expected}");
    }
    let mapped: String = connect(&target)
        .query_one("SELECT array_to_string(umoptions, ' ') FROM pg_user_mappings", &[])
        .unwrap()
        .get(0);
    assert!(mapped.contains("user=scram_owner"), "{mapped}");
    let ours = "SELECT coalesce(string_agg(x, ' '), '') FROM (SELECT row_to_json(t)::text AS x FROM confiture.s2s_tables t \
                UNION ALL SELECT row_to_json(t)::text FROM confiture.s2s_attachment t) r";
    let recorded: String = connect(&target).query_one(ours, &[]).unwrap().get(0);
    assert!(recorded.contains("scram_owner") && !recorded.contains("9f3e7d"), "{recorded}");
    // The source's statistics change meanwhile (its row estimates are in the plan): the
    // progress still belongs to the same copy.
    connect(&source).batch_execute("ANALYZE").unwrap();
    let again = migrate(&project, &source, &target, &[]);
    assert_exit(&again, 5);
    assert!(stderr(&again).contains("--resume"), "{}", stderr(&again));
    assert_exit(&migrate(&project, &source, &target, &["--resume", "--batch-rows", "2000"]), 0);
    assert_eq!(contents(&target), contents(&reference));
    assert_eq!(attached_objects(&target), 0);
    for url in [&target, &reference] {
        let next: i64 = connect(url).query_one("SELECT nextval('users_id_seq')", &[]).unwrap().get(0);
        assert!(next > 3000);
    }

    // Ctrl-C: stops at once, detaches, exits 130; the copied batches stay for --resume.
    let target = empty_database("s2s_cancel_target");
    let mut child = spawn(&project, &source, &target, &["--batch-rows", "2000"]);
    wait_for_progress(&mut child, &target, "public.zz_events");
    Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert_eq!(attached_objects(&target), 0, "Ctrl-C left the source attached");
    assert_exit(&migrate(&project, &source, &target, &["--resume"]), 0);
    assert_eq!(contents(&target), contents(&reference));

    // An error half way (a value the new enum refuses): named, detached, the copy stopped.
    connect(&source).batch_execute("UPDATE users SET status = 'frozen' WHERE id = 2500").unwrap();
    let target = empty_database("s2s_error_target");
    let failed = migrate(&project, &source, &target, &["--batch-rows", "1000"]);
    assert_exit(&failed, 3);
    let message = stderr(&failed);
    assert!(
        message.contains("copying public.users into public.users (the rows after key (2000))")
            && message.contains("invalid input value for enum user_status: \"frozen\""),
        "{message}"
    );
    assert_eq!(attached_objects(&target), 0, "an error left the source attached");
    assert_eq!(query_one_i64(&target, "SELECT count(*) FROM users"), 2000);
    let mut db = connect(&target);
    for _ in 0..2 {
        assert_eq!(db.query("SELECT * FROM confiture.s2s_detach()", &[]).unwrap().len(), 0);
    }
}

#[test]
fn plans_that_would_lose_data_or_cannot_fill_a_column_copy_nothing() {
    let source = source_database("s2s_refusal_source", "");
    let project = project();
    project.write("mapping.yaml", "tables:\n  users:\n    columns:\n      status: {cast: user_status}\n");
    let target = empty_database("s2s_refusal_target");
    let refused = migrate(&project, &source, &target, &[]);
    assert_exit(&refused, 3);
    let message = stderr(&refused);
    for expected in [
        "public.users.first_name is NOT NULL and has no default, and no source column fills it",
        "deletes_data: source column public.users.full_name is not copied into public.users",
        "deletes_data: source column billing.invoices.legacy_flag",
        "deletes_data: source table public.old_audit is not copied",
        "no source table public.touched",
    ] {
        assert!(message.contains(expected), "{expected} not in:\n{message}");
    }
    assert_eq!(query_one_i64(&target, "SELECT count(*) FROM users"), 0);
    assert_eq!(attached_objects(&target), 0);
    let planned = migrate(&project, &source, &target, &["--plan-only"]);
    assert_exit(&planned, 1);
    assert!(stdout(&planned).contains("! deletes_data"), "{}", stdout(&planned));
    assert_eq!(attached_objects(&target), 0);
}

#[test]
fn a_role_that_is_not_a_superuser_migrates_with_the_grants_the_docs_list() {
    let source = source_database("s2s_role_source", "");
    login_role("s2s_runner");
    let target = empty_database_owned_by("s2s_role_target", "s2s_runner");
    // docs/schema-to-schema.md, Privileges: what a superuser grants once.
    connect(&target)
        .batch_execute(
            "CREATE EXTENSION confiture; CREATE EXTENSION postgres_fdw;
             GRANT USAGE ON FOREIGN DATA WRAPPER postgres_fdw TO s2s_runner;
             GRANT EXECUTE ON FUNCTION confiture.s2s_attach(jsonb, text[], jsonb), confiture.s2s_plan(jsonb),
                 confiture.s2s_copy(regclass, jsonb), confiture.s2s_copy_by_oid(oid, jsonb), confiture.s2s_validate(),
                 confiture.s2s_sync_sequences(), confiture.s2s_verify(regclass, text),
                 confiture.s2s_verify_by_oid(oid, text), confiture.s2s_detach() TO s2s_runner;
             GRANT SELECT, INSERT, UPDATE, DELETE ON confiture.s2s_attachment, confiture.s2s_tables,
                 confiture.s2s_set_aside_constraints TO s2s_runner;",
        )
        .unwrap();
    connect(&target).batch_execute(&format!("SET ROLE s2s_runner; {TARGET_DDL}")).unwrap();
    let project = project();
    let runner = target.replacen("postgres@", "s2s_runner@", 1);
    let mapping = project.path().join("mapping.yaml");
    let args = ["migrate", "schema-to-schema", "--from", &source, "--to", &runner, "--mapping"];
    let done = project.run(&runner, &[&args[..], &[mapping.to_str().unwrap()]].concat());
    assert_exit(&done, 0);
    assert_eq!(query_one_i64(&target, "SELECT count(*) FROM billing.invoices"), 6000);
    assert_eq!(attached_objects(&target), 0);
}
