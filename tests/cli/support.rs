//! Shared helpers: databases, projects, running the binary, dumping schemas.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn server_url() -> String {
    std::env::var("CONFITURE_TEST_URL")
        .expect("CONFITURE_TEST_URL is not set: run the CLI tests through scripts/test.sh")
        .trim_end_matches('/')
        .to_string()
}

pub fn url_of(database: &str) -> String {
    format!("{}/{database}", server_url())
}

pub fn admin() -> postgres::Client {
    connect(&url_of("postgres"))
}

pub fn connect(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).expect("connect to the test cluster")
}

/// The SQLSTATE of a server error ("" for a client-side one).
pub fn sqlstate(error: &postgres::Error) -> String {
    error.code().map(|c| c.code().to_string()).unwrap_or_default()
}

/// A new, empty database named after the test (dropped first if a previous run left it).
pub fn empty_database(name: &str) -> String {
    new_database(name, "")
}

/// The same, owned by `owner`.
pub fn empty_database_owned_by(name: &str, owner: &str) -> String {
    new_database(name, &format!(" OWNER \"{owner}\""))
}

fn new_database(name: &str, owner_clause: &str) -> String {
    let mut client = admin();
    client.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).unwrap();
    client.batch_execute(&format!("CREATE DATABASE \"{name}\"{owner_clause}")).unwrap();
    url_of(name)
}

pub fn database_exists(name: &str) -> bool {
    admin().query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name]).unwrap().is_some()
}

pub fn query_one_i64(url: &str, sql: &str) -> i64 {
    connect(url).query_one(sql, &[]).unwrap().get(0)
}

/// A project in a temporary folder: `files` under it, plus an environment `local` whose
/// database_url is `${CONFITURE_E2E_URL}`.
pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    pub fn new(files: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let project = Self { dir };
        project.write(
            "db/environments/local.yaml",
            "name: local\ndatabase_url: ${CONFITURE_E2E_URL}\ninclude_dirs: [db/schema]\nallow_reset: true\n",
        );
        for (name, text) in files {
            project.write(name, text);
        }
        project
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, name: &str, text: &str) {
        self.write_bytes(name, text.as_bytes());
    }

    pub fn write_bytes(&self, name: &str, bytes: &[u8]) {
        let path = self.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    /// Run `confiture --project <dir> args...` with the environment's URL set to `url`.
    pub fn run(&self, url: &str, args: &[&str]) -> Output {
        confiture(args, self.path(), &[("CONFITURE_E2E_URL", url)])
    }
}

pub fn confiture(args: &[&str], project: &Path, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_confiture"));
    command.arg("--project").arg(project).args(args).env_remove("CONFITURE_DATABASE_URL");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("run confiture")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The `steps` of `migrate up|down --format json` (confiture's detail beside the Python
/// confiture's keys).
pub fn steps_of(output: &Output) -> Vec<serde_json::Value> {
    let report: serde_json::Value =
        serde_json::from_str(&stdout(output)).unwrap_or_else(|e| panic!("{e}: {}", stdout(output)));
    report["steps"].as_array().unwrap_or_else(|| panic!("no steps: {report}")).clone()
}

/// Assert the exit code, showing the output when it differs.
pub fn assert_exit(output: &Output, code: i32) {
    assert_eq!(output.status.code(), Some(code), "stdout:\n{}\nstderr:\n{}", stdout(output), stderr(output));
}

/// `pg_dump --schema-only` of a database, for before/after and equivalence comparisons.
pub fn schema_dump(url: &str) -> String {
    dump(url, &["--schema-only", "--no-comments"])
}

/// `pg_dump` with `options` (none: everything, data and sequence positions included).
pub fn dump(url: &str, options: &[&str]) -> String {
    let output = Command::new("pg_dump").args(options).arg(url).output().unwrap();
    assert!(output.status.success(), "pg_dump failed: {}", String::from_utf8_lossy(&output.stderr));
    // pg_dump writes a random key in \restrict and \unrestrict lines: not part of the database.
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter(|line| !line.starts_with("\\restrict ") && !line.starts_with("\\unrestrict "))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The shared corpus: CONFITURE_CORPUS (scripts/test.sh sets it), else ../shared/corpus.
pub fn corpus(path: &str) -> PathBuf {
    std::env::var_os("CONFITURE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/corpus"))
        .join(path)
}
