//! Regression tests of the hardening issue that need real sessions side by side, cancels, or the
//! CLI: each test names the item it covers.

use crate::support::*;
use std::time::{Duration, Instant};

/// A database with the extension and `setup` run in it.
fn database_with(name: &str, setup: &str) -> String {
    let url = empty_database(name);
    connect(&url).batch_execute(&format!("CREATE EXTENSION confiture; {setup}")).unwrap();
    url
}

// 1. Seed validation puts back only the sequences of the tables the seeds write, which it locks,
//    and never rewinds a sequence another session drew from meanwhile.
#[test]
fn seed_validation_never_rewinds_another_sessions_sequence() {
    let url = database_with(
        "e2e_hard_sequences",
        "CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, item text);
         INSERT INTO orders (item) VALUES ('a'), ('b');",
    );
    // A slow seed that writes nothing: the other session's insert goes through and keeps id 3.
    let validating = {
        let url = url.clone();
        std::thread::spawn(move || {
            connect(&url)
                .query("SELECT * FROM confiture.validate_seeds(4, ARRAY['SELECT pg_sleep(2);'], ARRAY['slow.sql'])", &[])
                .map(|rows| rows.len())
        })
    };
    std::thread::sleep(Duration::from_millis(500));
    let id: i64 =
        connect(&url).query_one("INSERT INTO orders (item) VALUES ('c') RETURNING id", &[]).unwrap().get(0);
    assert_eq!(id, 3);
    validating.join().unwrap().unwrap();
    let next: i64 =
        connect(&url).query_one("INSERT INTO orders (item) VALUES ('d') RETURNING id", &[]).unwrap().get(0);
    assert_eq!(next, 4, "the sequence was rewound under another session's row");

    // A seed that writes orders: the other session waits for the validation, then draws the
    // next id after the rows already there; the seed's draws are undone.
    let validating = {
        let url = url.clone();
        std::thread::spawn(move || {
            connect(&url).query(
                "SELECT * FROM confiture.validate_seeds(4, ARRAY['INSERT INTO public.orders (item) VALUES (''s1''), (''s2''); SELECT pg_sleep(2);'], ARRAY['orders.sql'])",
                &[],
            )
        })
    };
    std::thread::sleep(Duration::from_millis(500));
    let started = Instant::now();
    let id: i64 =
        connect(&url).query_one("INSERT INTO orders (item) VALUES ('e') RETURNING id", &[]).unwrap().get(0);
    assert!(started.elapsed() > Duration::from_millis(800), "the insert did not wait for the locked table");
    validating.join().unwrap().unwrap();
    assert_eq!(id, 5, "after the validation, the next id follows the committed rows");
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM orders"), 5);
    assert_eq!(query_one_i64(&url, "SELECT count(DISTINCT id) FROM orders"), 5);
}

// 3. A cancel or statement_timeout stops every path that runs user SQL at once.
#[test]
fn statement_timeout_and_cancel_stop_lint_seeds_hooks_and_builds() {
    let url = database_with(
        "e2e_hard_cancel",
        "CREATE TABLE public.t (id int);
         CREATE FUNCTION public.slow_rule() RETURNS TABLE (object_name text, message text)
             LANGUAGE sql AS $$ SELECT 'x', pg_sleep(8)::text $$;
         SELECT confiture.register_lint_rule('slow_one', 'public.slow_rule()');
         SELECT confiture.register_lint_rule('slow_two', 'public.slow_rule()');
         SELECT confiture.register_lint_rule('slow_three', 'public.slow_rule()');
         CREATE FUNCTION public.slow_hook(context jsonb) RETURNS jsonb
             LANGUAGE sql AS $$ SELECT jsonb_build_object('slept', pg_sleep(8)::text) $$;
         SELECT confiture.register_hook('before_ddl', 'public.slow_hook(jsonb)');
         SELECT confiture.register_migration('1', 'm', 'CREATE TABLE public.m (id int);');",
    );
    let cases = [
        "SELECT count(*) FROM confiture.lint_schema()",
        "SELECT count(*) FROM confiture.validate_seeds(4, ARRAY['SELECT pg_sleep(8);'], ARRAY['s.sql'])",
        "SELECT count(*) FROM confiture.validate_seeds(5, ARRAY['INSERT INTO public.t SELECT 1 FROM pg_sleep(8);'], ARRAY['s.sql'])",
        "SELECT count(*) FROM confiture.migrate_up()",
        "SELECT count(*) FROM confiture.build_from(ARRAY['CREATE TABLE b (id int);', 'SELECT pg_sleep(8);'])",
    ];
    for sql in cases {
        let mut client = connect(&url);
        client.batch_execute("SET statement_timeout = '500ms'").unwrap();
        let started = Instant::now();
        let error = client.query(sql, &[]).expect_err(sql);
        assert_eq!(sqlstate(&error), "57014", "{sql}: {error}");
        assert!(started.elapsed() < Duration::from_millis(1500), "{sql} took {:?}", started.elapsed());
    }
    // pg_cancel_backend from another session, once.
    for sql in [cases[0], cases[1]] {
        let mut client = connect(&url);
        let pid: i32 = client.query_one("SELECT pg_backend_pid()", &[]).unwrap().get(0);
        let canceller = {
            let url = url.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(500));
                connect(&url).query_one("SELECT pg_cancel_backend($1)", &[&pid]).unwrap().get::<_, bool>(0)
            })
        };
        let started = Instant::now();
        let error = client.query(sql, &[]).expect_err(sql);
        assert!(canceller.join().unwrap());
        assert_eq!(sqlstate(&error), "57014", "{sql}: {error}");
        assert!(started.elapsed() < Duration::from_millis(1500), "{sql} took {:?}", started.elapsed());
    }
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM confiture.migration_history"), 0);
}

// 5. Exactly once at every isolation level: READ COMMITTED applies once; the snapshot isolation
//    levels are refused before anything runs, with the way out.
#[test]
fn concurrent_migrate_up_is_exactly_once_at_every_isolation_level() {
    for isolation in ["read committed", "repeatable read", "serializable"] {
        let url = database_with(
            &format!("e2e_hard_iso_{}", isolation.replace(' ', "_")),
            "CREATE SEQUENCE public.runs;
             SELECT confiture.register_migration('1', 'count', 'SELECT nextval(''public.runs''); CREATE TABLE public.once (id int);');",
        );
        let sessions: Vec<_> = (0..8)
            .map(|_| {
                let url = url.clone();
                let isolation = isolation.to_string();
                std::thread::spawn(move || {
                    let mut client = connect(&url);
                    client
                        .batch_execute(&format!("SET default_transaction_isolation = '{isolation}'"))
                        .unwrap();
                    client.query("SELECT * FROM confiture.migrate_up()", &[]).map(|rows| rows.len())
                })
            })
            .collect();
        let results: Vec<_> = sessions.into_iter().map(|s| s.join().unwrap()).collect();
        let runs =
            query_one_i64(&url, "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM public.runs");
        let applied = query_one_i64(&url, "SELECT count(*) FROM confiture.migration_history");
        if isolation == "read committed" {
            let applied_rows: usize = results.iter().map(|r| *r.as_ref().unwrap()).sum();
            assert_eq!((applied_rows, runs, applied), (1, 1, 1), "{isolation}");
        } else {
            for result in results {
                let error = result.expect_err(isolation);
                assert_eq!(sqlstate(&error), "25000", "{error}");
                let message = error.as_db_error().unwrap().message().to_string();
                assert!(message.contains("READ COMMITTED"), "{message}");
            }
            assert_eq!((runs, applied), (0, 0), "{isolation}: the migration's body ran");
        }
    }
}

// 5. The CLI runs its migrations READ COMMITTED whatever the database's default.
#[test]
fn the_cli_migrates_a_database_whose_default_is_repeatable_read() {
    let project = crate::migrate::with_migrations(&[("1_a.up.sql", "CREATE TABLE a (id int);")]);
    let url = empty_database("e2e_hard_cli_rr");
    admin()
        .batch_execute("ALTER DATABASE e2e_hard_cli_rr SET default_transaction_isolation = 'repeatable read'")
        .unwrap();
    assert_exit(&project.run(&url, &["build", "--apply"]), 0);
    assert_exit(&project.run(&url, &["migrate", "up"]), 0);
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM confiture.migration_history"), 1);
}

// 6. A deleted migration file is missing (exit 1); down undoes the last applied; two spellings
//    of one version number are refused.
#[test]
fn deleted_files_are_missing_down_follows_application_order_and_versions_are_numbers() {
    let project = crate::migrate::with_migrations(&[
        ("1_one.up.sql", "CREATE TABLE one (id int);"),
        ("1_one.down.sql", "DROP TABLE one;"),
        ("3_three.up.sql", "CREATE TABLE three (id int);"),
        ("3_three.down.sql", "DROP TABLE three;"),
    ]);
    let url = empty_database("e2e_hard_migrations");
    assert_exit(&project.run(&url, &["build", "--apply"]), 0);
    assert_exit(&project.run(&url, &["migrate", "up"]), 0);
    project.write("db/migrations/2_two.up.sql", "CREATE TABLE two (id int);");
    project.write("db/migrations/2_two.down.sql", "DROP TABLE two;");
    assert_exit(&project.run(&url, &["migrate", "up"]), 0);
    // Applied 1, 3, then 2: down undoes 2.
    assert_exit(&project.run(&url, &["migrate", "down"]), 0);
    let tables = |url: &str| {
        connect(url)
            .query("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", &[])
            .unwrap()
            .iter()
            .map(|r| r.get::<_, String>(0))
            .collect::<Vec<_>>()
    };
    assert_eq!(tables(&url), ["one", "t", "three"]);
    assert_eq!(
        query_one_i64(
            &url,
            "SELECT count(*) FROM confiture.migration_plan('down', NULL, 1) WHERE version = '3'"
        ),
        1
    );

    std::fs::remove_file(project.path().join("db/migrations/3_three.up.sql")).unwrap();
    std::fs::remove_file(project.path().join("db/migrations/3_three.down.sql")).unwrap();
    let status = project.run(&url, &["migrate", "status"]);
    assert_exit(&status, 1);
    assert!(
        stdout(&status).contains("missing") || stderr(&status).contains("missing"),
        "{}",
        stdout(&status)
    );
    let up = project.run(&url, &["migrate", "up"]);
    assert_exit(&up, 1);
    assert!(stderr(&up).contains("3_three (missing)"), "{}", stderr(&up));

    project.write("db/migrations/02_two_again.up.sql", "SELECT 1;");
    let twice = project.run(&url, &["migrate", "status"]);
    assert_exit(&twice, 3);
    assert!(stderr(&twice).contains("version 2 is also used by"), "{}", stderr(&twice));
    // The server refuses it too, for a client that registers directly.
    let error = connect(&url)
        .query("SELECT confiture.register_migration('001', 'again', 'SELECT 1;')", &[])
        .expect_err("001 beside 1");
    let message = error.as_db_error().unwrap().message().to_string();
    assert!(message.contains("is the number of migration 1"), "{message}");
}

// 2. build --fresh drops only databases provably its own.
#[test]
fn fresh_never_drops_a_database_it_does_not_own() {
    let project = Project::new(&[("db/schema/00.sql", "CREATE TABLE a (id int);")]);
    // Templates a previous run left.
    let mut server = admin();
    for row in server
        .query("SELECT datname::text FROM pg_database WHERE datname LIKE 'e2e\\_hard\\_fresh\\_%'", &[])
        .unwrap()
    {
        let name: String = row.get(0);
        server.batch_execute(&format!("ALTER DATABASE \"{name}\" IS_TEMPLATE false")).unwrap();
        server.batch_execute(&format!("DROP DATABASE \"{name}\"")).unwrap();
    }
    let url = empty_database("e2e_hard_fresh");
    for name in ["e2e_hard_fresh_cft_new", "e2e_hard_fresh_cft_old"] {
        empty_database(name);
        connect(&url_of(name)).batch_execute("CREATE TABLE mine (id int)").unwrap();
    }
    assert_exit(&project.run(&url, &["build", "--fresh"]), 0);
    assert!(database_exists("e2e_hard_fresh_cft_new") && database_exists("e2e_hard_fresh_cft_old"));

    // A database under the exact name confiture derives, without confiture's mark: refused.
    let taken = admin()
        .query_one(
            "SELECT datname::text FROM pg_database WHERE datname LIKE 'e2e\\_hard\\_fresh\\_tpl\\_%'",
            &[],
        )
        .unwrap()
        .get::<_, String>(0);
    admin().batch_execute(&format!("COMMENT ON DATABASE \"{taken}\" IS 'the finance team''s copy'")).unwrap();
    let refused = project.run(&url, &["build", "--fresh"]);
    assert_exit(&refused, 5);
    assert!(stderr(&refused).contains("is not confiture's"), "{}", stderr(&refused));
    assert!(database_exists(&taken));

    // A 63-byte target and a failing schema: the target survives.
    let long = format!("e2e_hard_{}", "x".repeat(54));
    assert_eq!(long.len(), 63);
    let long_url = empty_database(&long);
    connect(&long_url)
        .batch_execute("CREATE TABLE precious (id int); INSERT INTO precious VALUES (1);")
        .unwrap();
    let failing = Project::new(&[("db/schema/00.sql", "CREATE TABLE a (id int REFERENCES nowhere);")]);
    assert_exit(&failing.run(&long_url, &["build", "--fresh"]), 4);
    assert_eq!(query_one_i64(&long_url, "SELECT count(*) FROM precious"), 1);
}

// 12. The schema hash covers exactly what is built: a CRLF copy whose literals hold CRs does not
//     reuse the LF copy's template.
#[test]
fn a_crlf_copy_does_not_reuse_the_lf_copys_template() {
    let text = "CREATE TABLE t (id int);\nCOMMENT ON TABLE t IS 'line one\nline two';\n";
    let lf = Project::new(&[("db/schema/00.sql", text)]);
    let crlf = Project::new(&[("db/schema/00.sql", &text.replace('\n', "\r\n"))]);
    let url = empty_database("e2e_hard_crlf");
    let method = |project: &Project| {
        let output = project.run(&url, &["build", "--fresh", "--format", "json"]);
        assert_exit(&output, 0);
        let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
        report["applied"]["method"].as_str().unwrap().to_string()
    };
    method(&lf);
    assert_eq!(method(&lf), "template");
    assert_eq!(method(&crlf), "build", "the CRLF copy reused the LF copy's template");
    let comment: String =
        connect(&url).query_one("SELECT obj_description('t'::regclass, 'pg_class')", &[]).unwrap().get(0);
    assert_eq!(comment, "line one\r\nline two");
}
