//! Adoption: connecting over TLS as libpq does, a URL alone being enough, and the Python
//! confiture's projects and histories taken over unchanged. The Python confiture
//! (fraiseql-confiture, pinned in scripts/lib.sh) runs beside ours: scripts/test.sh installs it
//! and sets CONFITURE_PYTHON_CONFITURE; without it these tests fail rather than skip.

use crate::support::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn tls_dir() -> PathBuf {
    std::env::var_os("CONFITURE_TEST_TLS_DIR")
        .map(PathBuf::from)
        .expect("CONFITURE_TEST_TLS_DIR is not set: run the CLI tests through scripts/test.sh")
}

/// The test cluster's port, from CONFITURE_TEST_URL.
fn port() -> String {
    server_url().rsplit(':').next().unwrap().to_string()
}

fn python_confiture(project: &Path, args: &[&str]) -> std::process::Output {
    let program = std::env::var("CONFITURE_PYTHON_CONFITURE")
        .expect("CONFITURE_PYTHON_CONFITURE is not set: run the CLI tests through scripts/test.sh");
    let output = Command::new(program).current_dir(project).args(args).env("NO_COLOR", "1").output().unwrap();
    assert!(
        output.status.success(),
        "Python confiture {args:?} failed:\n{}\n{}",
        stdout(&output),
        stderr(&output)
    );
    output
}

/// Run our CLI in `project` with only what is given (no CONFITURE_E2E_URL, no environment file).
fn ours(project: &Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    confiture(args, project, env)
}

#[test]
fn tls_from_require_to_verify_full_and_client_certificates() {
    let url = empty_database("e2e_tls");
    let project = Project::new(&[("db/migrations/001_a.up.sql", "CREATE TABLE a (id int);")]);
    let (tls, port) = (tls_dir(), port());
    let ca = tls.join("ca.crt").display().to_string();
    let status =
        |url: &str| ours(project.path(), &["--no-config", "migrate", "status", "--database-url", url], &[]);
    // The server has no confiture yet: status lists the pending file over each connection.
    for url in [
        format!("postgresql://postgres@127.0.0.1:{port}/e2e_tls?sslmode=require"),
        format!("postgresql://postgres@localhost:{port}/e2e_tls?sslmode=verify-full&sslrootcert={ca}"),
        format!("postgresql://postgres@127.0.0.1:{port}/e2e_tls?sslmode=verify-ca&sslrootcert={ca}"),
    ] {
        // Never migrated: exit 2, as the Python confiture's status.
        let output = status(&url);
        assert_exit(&output, 2);
        assert!(stdout(&output).contains("pending"), "{url}: {}", stdout(&output));
    }
    // The certificate names localhost, not 127.0.0.1: verify-full must refuse, and say why.
    let mismatch = status(&format!(
        "postgresql://postgres@127.0.0.1:{port}/e2e_tls?sslmode=verify-full&sslrootcert={ca}"
    ));
    assert_exit(&mismatch, 3);
    assert!(
        stderr(&mismatch).contains("certificate verify failed (IP address mismatch)"),
        "{}",
        stderr(&mismatch)
    );
    // The same settings as PG* variables, as libpq reads them.
    let from_variables = ours(
        project.path(),
        &["--no-config", "migrate", "status"],
        &[
            ("DATABASE_URL", &format!("postgresql://postgres@localhost:{port}/e2e_tls")),
            ("PGSSLMODE", "verify-full"),
            ("PGSSLROOTCERT", &ca),
        ],
    );
    assert_exit(&from_variables, 2);
    // sslrootcert=system: the system's store, which does not hold the test CA; unless the user
    // points OpenSSL's default CA file at it (SSL_CERT_FILE, which confiture leaves alone).
    let system =
        format!("postgresql://postgres@localhost:{port}/e2e_tls?sslmode=verify-full&sslrootcert=system");
    let untrusted = status(&system);
    assert_exit(&untrusted, 3);
    assert!(stderr(&untrusted).contains("certificate verify failed"), "{}", stderr(&untrusted));
    let trusted = ours(
        project.path(),
        &["--no-config", "migrate", "status", "--database-url", &system],
        &[("SSL_CERT_FILE", &ca)],
    );
    assert_exit(&trusted, 2);
    // A role that may only log in with a client certificate.
    let mut admin = connect(&url);
    admin.batch_execute("DROP ROLE IF EXISTS tls_cert_user; CREATE ROLE tls_cert_user LOGIN").unwrap();
    let cert_url = format!("postgresql://tls_cert_user@127.0.0.1:{port}/e2e_tls?sslmode=require");
    assert_exit(&status(&cert_url), 3);
    let with_cert = format!(
        "{cert_url}&sslcert={}&sslkey={}",
        tls.join("client.crt").display(),
        tls.join("client.key").display()
    );
    assert_exit(&status(&with_cert), 2);
}

#[test]
fn a_url_alone_is_enough_without_an_environment_file() {
    let url = empty_database("e2e_url_alone");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("db/migrations")).unwrap();
    std::fs::write(dir.path().join("db/migrations/001_a.up.sql"), "CREATE TABLE a (id int);\n").unwrap();
    let up = ours(dir.path(), &["migrate", "up"], &[("DATABASE_URL", &url)]);
    assert_exit(&up, 0);
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM confiture.migration_history"), 1);
    let status = ours(dir.path(), &["migrate", "status"], &[("CONFITURE_DATABASE_URL", &url)]);
    assert_exit(&status, 0);
    let nothing = ours(dir.path(), &["migrate", "status"], &[]);
    assert_exit(&nothing, 5);
    assert!(stderr(&nothing).contains("no database URL"), "{}", stderr(&nothing));
}

#[test]
fn verify_checks_run_before_commit_and_baseline_marks_without_running() {
    let url = empty_database("e2e_verify");
    let project = Project::new(&[
        ("db/migrations/001_a.up.sql", "CREATE TABLE a (id int);"),
        ("db/migrations/002_b.up.sql", "CREATE TABLE b (id int);"),
        ("db/migrations/002_b.verify.sql", "SELECT count(*) = 1 FROM b;"),
    ]);
    let failed = project.run(&url, &["migrate", "up"]);
    assert_exit(&failed, 3);
    assert!(
        stderr(&failed).contains("db/migrations/002_b.verify.sql: the check returned \"f\", not true"),
        "{}",
        stderr(&failed)
    );
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM pg_tables WHERE tablename IN ('a', 'b')"), 0);
    project.write("db/migrations/002_b.verify.sql", "SELECT count(*) = 0 FROM b;");
    assert_exit(&project.run(&url, &["migrate", "up"]), 0);

    let adopted = empty_database("e2e_baseline");
    connect(&adopted).batch_execute("CREATE TABLE a (id int)").unwrap();
    let baseline = project.run(&adopted, &["migrate", "baseline", "--through", "1"]);
    assert_exit(&baseline, 0);
    assert!(stdout(&baseline).contains("1 migrations marked applied"), "{}", stdout(&baseline));
    assert_exit(&project.run(&adopted, &["migrate", "up"]), 0);
    assert_eq!(query_one_i64(&adopted, "SELECT count(*) FROM confiture.migration_history"), 2);
}

/// A project as the Python confiture's `init` writes it, filled as its documentation describes.
fn python_project(database_url: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    python_confiture(dir.path(), &["init", "."]);
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    let env_file = dir.path().join("db/environments/local.yaml");
    let env = std::fs::read_to_string(&env_file).unwrap();
    // Its documented key; the Python build refuses the init file without it.
    let env = env.replace(
        "  - db/schema/10_tables\n",
        "  - db/schema/10_tables\n  - db/schema/20_views\n  - db/schema/30_functions\n",
    );
    std::fs::write(&env_file, format!("{env}\ndatabase_url: {database_url}\n")).unwrap();
    write("db/schema/20_views/user_emails.sql", "CREATE VIEW user_emails AS SELECT id, email FROM users;\n");
    write(
        "db/schema/30_functions/user_count.sql",
        "CREATE FUNCTION user_count() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM users $$;\n",
    );
    write(
        "db/seeds/common/10_users.sql",
        "INSERT INTO users (username, email) VALUES ('ada', 'ada@example.com');\n",
    );
    write(
        "db/migrations/001_orders.up.sql",
        "CREATE TABLE orders (id bigint PRIMARY KEY, user_id int REFERENCES users(id));\n",
    );
    write("db/migrations/001_orders.down.sql", "DROP TABLE orders;\n");
    write("db/migrations/002_total.up.sql", "ALTER TABLE orders ADD COLUMN total numeric;\n");
    write("db/migrations/002_total.down.sql", "ALTER TABLE orders DROP COLUMN total;\n");
    write("db/migrations/003_index.up.sql", "CREATE INDEX orders_user ON orders (user_id);\n");
    write("db/migrations/003_index.down.sql", "DROP INDEX orders_user;\n");
    write(
        "db/migrations/003_index.verify.sql",
        "SELECT count(*) = 1 FROM pg_indexes WHERE indexname = 'orders_user';\n",
    );
    dir
}

/// The Python confiture's way: build to a file, apply it with psql, migrate up.
fn built_and_migrated_by_python(project: &Path, url: &str) {
    python_confiture(project, &["build", "--env", "local", "-o", "built.sql"]);
    let psql = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-f"])
        .arg(project.join("built.sql"))
        .output()
        .unwrap();
    assert!(psql.status.success(), "{}", String::from_utf8_lossy(&psql.stderr));
    python_confiture(project, &["migrate", "up", "-c", "db/environments/local.yaml"]);
}

/// The user schema of a database: neither tool's bookkeeping (confiture's schema and
/// extension; the Python confiture's tb_confiture, its lock table and helper functions).
fn user_schema(url: &str) -> String {
    dump(
        url,
        &[
            "--schema-only",
            "--no-comments",
            "--schema=public",
            "--exclude-table=public.tb_confiture*",
            "--exclude-table=public.confiture_lock_holder",
        ],
    )
}

#[test]
fn a_python_confiture_project_runs_unchanged_and_builds_the_same_database() {
    let (theirs, ours_url) = (empty_database("e2e_py_theirs"), empty_database("e2e_py_ours"));
    let project = python_project(&theirs);
    let path = project.path();
    built_and_migrated_by_python(path, &theirs);
    // Ours, on the same files: nothing edited.
    let with_url = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--database-url", &ours_url]);
        ours(path, &all, &[])
    };
    assert_exit(&with_url(&["build", "--apply"]), 0);
    assert_exit(&with_url(&["migrate", "up"]), 0);
    assert_eq!(user_schema(&theirs), user_schema(&ours_url));
    let status = with_url(&["migrate", "status"]);
    assert_exit(&status, 0);
    assert!(stdout(&status).contains("3 applied, 0 pending"), "{}", stdout(&status));
    assert_exit(&with_url(&["migrate", "down"]), 0);
    assert_eq!(
        query_one_i64(&ours_url, "SELECT count(*) FROM pg_indexes WHERE indexname = 'orders_user'"),
        0
    );
    assert_exit(&with_url(&["migrate", "up"]), 0);
    let lint = with_url(&["lint", "--fail-on", "never"]);
    assert_exit(&lint, 0);
    assert!(stdout(&lint).contains("orders"), "the lint read the migrated schema: {}", stdout(&lint));
    let seeds = with_url(&["seed", "validate", "--level", "3"]);
    assert_exit(&seeds, 0);
}

#[test]
fn a_history_applied_by_the_python_confiture_is_imported_and_continued() {
    let url = empty_database("e2e_py_history");
    let project = python_project(&url);
    let path = project.path();
    built_and_migrated_by_python(path, &url);
    // Before the import, status reads the Python confiture's history and up refuses to re-run it.
    let before = ours(path, &["migrate", "status"], &[]);
    assert_exit(&before, 0);
    assert!(stdout(&before).contains("3 applied"), "{}", stdout(&before));
    connect(&url).batch_execute("CREATE EXTENSION confiture").unwrap();
    let refused = ours(path, &["migrate", "up"], &[]);
    assert_exit(&refused, 5);
    assert!(stderr(&refused).contains("migrate import"), "{}", stderr(&refused));
    // An edited file is not imported, and nothing is.
    let edited = path.join("db/migrations/002_total.up.sql");
    let original = std::fs::read_to_string(&edited).unwrap();
    std::fs::write(&edited, format!("{original}-- edited\n")).unwrap();
    assert_exit(&ours(path, &["migrate", "import"], &[]), 1);
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM confiture.migration_history"), 0);
    std::fs::write(&edited, original).unwrap();
    let imported = ours(path, &["migrate", "import"], &[]);
    assert_exit(&imported, 0);
    assert!(stdout(&imported).contains("3 migrations marked applied"), "{}", stdout(&imported));
    std::fs::write(path.join("db/migrations/004_note.up.sql"), "ALTER TABLE orders ADD COLUMN note text;\n")
        .unwrap();
    let up = ours(path, &["--format", "json", "migrate", "up"], &[]);
    assert_exit(&up, 0);
    let steps = steps_of(&up);
    assert_eq!(steps.len(), 1, "only the new migration runs: {steps:?}");
    assert_eq!(steps[0]["version"], "004");
    // The checksums match: the Python confiture's is SHA-256 of the file, as ours for LF files.
    assert_eq!(
        query_one_i64(
            &url,
            "SELECT count(*) FROM confiture.migration_history h JOIN public.tb_confiture t USING (version) WHERE h.checksum = t.checksum"
        ),
        3
    );
}
