//! confiture diff: the round trip over the corpus of before/after pairs (tests/diff/<pair>/a.sql,
//! b.sql, and optional data.sql, check.sql, environment.yaml, flags, no-verify), pagila and the
//! generated 1000-table project from nothing, hazards refused, renames keeping rows, --verify,
//! migrate generate.

use crate::support::*;
use std::path::Path;

/// pg_dump of the schema with what no diff can or should change set aside: column order inside
/// CREATE TABLE/TYPE (a column added later goes last) and the order of an ACL's entries.
fn comparable_dump(url: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut block: Option<Vec<String>> = None;
    let mut grants: Vec<String> = Vec::new();
    for line in dump(url, &["--schema-only"]).lines() {
        if line.starts_with("--") || line.trim().is_empty() {
            continue;
        }
        if let Some(columns) = block.as_mut() {
            if line.starts_with(')') {
                columns.sort();
                out.append(columns);
                out.push(line.to_string());
                block = None;
            } else {
                columns.push(line.trim_end_matches(',').to_string());
            }
            continue;
        }
        if line.starts_with("GRANT ") || line.starts_with("REVOKE ") {
            grants.push(line.to_string());
            continue;
        }
        grants.sort();
        out.append(&mut grants);
        out.push(line.to_string());
        let opens_columns = line.ends_with('(')
            && (line.starts_with("CREATE TABLE ")
                || line.starts_with("CREATE UNLOGGED TABLE ")
                || line.starts_with("CREATE FOREIGN TABLE ")
                || (line.starts_with("CREATE TYPE ") && line.contains(" AS (")));
        if opens_columns {
            block = Some(Vec::new());
        }
    }
    grants.sort();
    out.append(&mut grants);
    out.join("\n")
}

fn plan_json(project: &Path, from: &str, to: &str, extra: &[&str]) -> (i32, Vec<serde_json::Value>, String) {
    let mut args = vec!["diff", "--from", from, "--to", to, "-f", "json", "--allow-hazards", "all"];
    args.extend_from_slice(extra);
    let output = confiture(&args, project, &[]);
    let code = output.status.code().unwrap_or(-1);
    let statements = serde_json::from_str::<serde_json::Value>(&stdout(&output))
        .ok()
        .and_then(|report| report["statements"].as_array().cloned())
        .unwrap_or_default();
    (code, statements, stderr(&output))
}

/// Apply the statements in one session, each on its own (some cannot run in a transaction).
fn apply(url: &str, statements: &[serde_json::Value]) -> Result<(), String> {
    let mut client = connect(url);
    for statement in statements {
        let ddl = statement["ddl"].as_str().unwrap_or_default();
        client.batch_execute(ddl).map_err(|e| format!("{ddl}: {e}"))?;
    }
    Ok(())
}

/// Load `before` and `after` into two databases, diff, apply the plan to the first: it must then
/// dump like the second, and a second diff be empty. Returns what went wrong.
fn round_trip(name: &str, before: &str, after: &str, pair: Option<&Path>) -> Result<usize, String> {
    let (a, b) =
        (empty_database(&format!("e2e_diff_{name}_a")), empty_database(&format!("e2e_diff_{name}_b")));
    connect(&a).batch_execute(before).map_err(|e| format!("loading a.sql: {e}"))?;
    connect(&b).batch_execute(after).map_err(|e| format!("loading b.sql: {e}"))?;
    let read = |file: &str| pair.and_then(|dir| std::fs::read_to_string(dir.join(file)).ok());
    if let Some(data) = read("data.sql") {
        connect(&a).batch_execute(&data).map_err(|e| format!("loading data.sql: {e}"))?;
    }
    let project = Project::new(&[]);
    let environment = format!("name: local\n{}", read("environment.yaml").unwrap_or_default());
    project.write("db/environments/local.yaml", &environment);
    let flags = read("flags").unwrap_or_default();
    let mut flags: Vec<&str> = flags.split_whitespace().collect();
    // The plan is also proven on a copy of a rebuilt from its snapshot (every pair's a.sql then
    // goes through the plan from an empty database too), unless the pair says why not.
    if read("no-verify").is_none() {
        flags.push("--verify");
    }
    let (code, statements, errors) = plan_json(project.path(), &a, &b, &flags);
    if code != 1 || statements.is_empty() {
        return Err(format!("diff exited {code} with {} statements: {errors}", statements.len()));
    }
    apply(&a, &statements).map_err(|e| format!("applying the plan: {e}"))?;
    if let Some(check) = read("check.sql") {
        let kept: bool = connect(&a).query_one(check.as_str(), &[]).map_err(|e| e.to_string())?.get(0);
        if !kept {
            return Err(format!("check.sql is false after the plan: {check}"));
        }
    }
    let flags: Vec<&str> = flags.into_iter().filter(|f| *f != "--verify").collect();
    let (again, rest, _) = plan_json(project.path(), &a, &b, &flags);
    if again != 0 {
        return Err(format!("second diff exited {again}: {rest:?}"));
    }
    if comparable_dump(&a) != comparable_dump(&b) {
        return Err(format!(
            "pg_dump differs after the plan.\n--- after the plan:\n{}\n--- wanted:\n{}",
            comparable_dump(&a),
            comparable_dump(&b)
        ));
    }
    Ok(statements.len())
}

#[test]
fn every_corpus_pair_round_trips() {
    let root = repo_root().join("tests/diff");
    let mut pairs: Vec<_> = std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).collect();
    pairs.sort();
    assert!(pairs.len() >= 60, "the corpus has {} pairs", pairs.len());
    let mut failures = Vec::new();
    for pair in &pairs {
        let name = pair.file_name().unwrap().to_string_lossy().to_string();
        let before = std::fs::read_to_string(pair.join("a.sql")).unwrap();
        let after = std::fs::read_to_string(pair.join("b.sql")).unwrap();
        if let Err(why) = round_trip("pair", &before, &after, Some(pair)) {
            failures.push(format!("{name}: {why}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} pairs failed:\n{}",
        failures.len(),
        pairs.len(),
        failures.join("\n\n")
    );
}

#[test]
fn pagila_is_rebuilt_from_nothing_exactly_owners_and_grants_included() {
    let schema = std::fs::read_to_string(corpus("pagila/pagila-schema.sql")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("flags"), "--privileges").unwrap();
    let statements =
        round_trip("pagila", "", &schema, Some(dir.path())).unwrap_or_else(|why| panic!("{why}"));
    assert!(statements > 100, "{statements} statements");
}

#[test]
fn the_generated_thousand_table_project_is_rebuilt_from_nothing_exactly() {
    let out = tempfile::tempdir().unwrap();
    let generated = std::process::Command::new("python3")
        .arg(corpus("gen_schema.py"))
        .args(["--tables", "1000", "--migrations", "1", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(generated.status.success(), "{}", String::from_utf8_lossy(&generated.stderr));
    let built = confiture(&["build"], out.path(), &[]);
    assert_exit(&built, 0);
    let schema = std::fs::read_to_string(out.path().join("db/generated/schema_local.sql")).unwrap();
    round_trip("thousand", "", &schema, None).unwrap_or_else(|why| panic!("{}", &why[..why.len().min(4000)]));
}

#[test]
fn a_database_against_itself_is_empty_and_the_output_is_byte_identical_across_runs() {
    let schema = std::fs::read_to_string(corpus("pagila/pagila-schema.sql")).unwrap();
    let url = empty_database("e2e_diff_self");
    connect(&url).batch_execute(&schema).unwrap();
    let project = Project::new(&[]);
    let same = confiture(&["diff", "--from", &url, "--to", &url, "-f", "sql"], project.path(), &[]);
    assert_exit(&same, 0);
    assert_eq!(stdout(&same).trim(), "-- no differences");
    let empty = empty_database("e2e_diff_self_empty");
    let first = confiture(&["diff", "--from", &empty, "--to", &url, "-f", "sql"], project.path(), &[]);
    let second = confiture(&["diff", "--from", &empty, "--to", &url, "-f", "sql"], project.path(), &[]);
    assert_exit(&first, 1);
    assert!(stdout(&first).contains("CREATE TABLE public.actor ("), "{}", stdout(&first));
    assert_eq!(stdout(&first), stdout(&second));
}

#[test]
fn a_drop_column_is_refused_without_allow_hazards_and_names_the_statement() {
    let a = empty_database("e2e_diff_refused_a");
    let b = empty_database("e2e_diff_refused_b");
    connect(&a)
        .batch_execute("CREATE TABLE t (id int, notes text); INSERT INTO t VALUES (1, 'keep me');")
        .unwrap();
    connect(&b).batch_execute("CREATE TABLE t (id int);").unwrap();
    let project = Project::new(&[]);
    let refused = confiture(&["diff", "--from", &a, "--to", &b, "-f", "sql"], project.path(), &[]);
    assert_exit(&refused, 3);
    assert!(stderr(&refused).contains("ALTER TABLE public.t DROP COLUMN notes"), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("--allow-hazards deletes_data"), "{}", stderr(&refused));
    let allowed = confiture(
        &["diff", "--from", &a, "--to", &b, "-f", "sql", "--allow-hazards", "deletes_data"],
        project.path(),
        &[],
    );
    assert_exit(&allowed, 1);
    assert!(
        stdout(&allowed).contains("-- hazards: deletes_data, access_exclusive_lock"),
        "{}",
        stdout(&allowed)
    );
    let unknown =
        confiture(&["diff", "--from", &a, "--to", &b, "--allow-hazards", "delete"], project.path(), &[]);
    assert_exit(&unknown, 5);
    assert!(stderr(&unknown).contains("unknown hazard \"delete\""), "{}", stderr(&unknown));
}

/// The project's DDL files are the target: built into a scratch database (dropped afterwards),
/// a rename declared in the file keeps the rows, --verify proves the plan on a copy, and
/// migrate generate writes the migration that migrate up then applies.
#[test]
fn files_as_target_with_a_declared_rename_verify_and_generate() {
    let url = empty_database("e2e_diff_files");
    connect(&url)
        .batch_execute("CREATE TABLE customers (id int PRIMARY KEY, name text); INSERT INTO customers VALUES (1, 'ada');")
        .unwrap();
    let project = Project::new(&[(
        "db/schema/10_clients.sql",
        "-- confiture:renamed-from customers\nCREATE TABLE clients (\n    id int PRIMARY KEY,\n    \
         -- confiture:renamed-from name\n    full_name text,\n    email text\n);\n\
         CREATE INDEX clients_email ON clients (email);\n",
    )]);
    project.write("db/environments/local.yaml", "name: local\ndatabase_url: ${CONFITURE_E2E_URL}\n");
    // Run by hand to know its process id, which the scratch databases' names carry.
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_confiture"))
        .arg("--project")
        .arg(project.path())
        .args(["diff", "-f", "sql", "--verify"])
        .env_remove("CONFITURE_DATABASE_URL")
        .env("CONFITURE_E2E_URL", &url)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let shown = child.wait_with_output().unwrap();
    assert_exit(&shown, 1);
    let sql = stdout(&shown);
    assert!(sql.contains("ALTER TABLE public.customers RENAME TO clients"), "{sql}");
    assert!(sql.contains("ALTER TABLE public.clients RENAME COLUMN name TO full_name"), "{sql}");
    assert!(sql.contains("CREATE INDEX CONCURRENTLY clients_email"), "{sql}");
    assert!(!sql.contains("DROP TABLE"), "{sql}");
    assert!(stderr(&shown).contains("verified"), "{}", stderr(&shown));
    // Its scratch databases (the files built, the verify copy) are gone.
    let left = query_one_i64(
        &url,
        &format!("SELECT count(*) FROM pg_database WHERE datname ~ '^confiture_(diff|verify)_{pid}_'"),
    );
    assert_eq!(left, 0, "scratch databases of diff process {pid} are left");

    let generated = project.run(&url, &["migrate", "generate", "rename_customers"]);
    assert_exit(&generated, 0);
    let up = std::fs::read_dir(project.path().join("db/migrations"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with("_rename_customers.up.sql"))
        .expect("an up migration");
    assert!(std::fs::read_to_string(&up).unwrap().contains("RENAME TO clients"));
    assert_exit(&project.run(&url, &["migrate", "up"]), 0);
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM clients WHERE full_name = 'ada'"), 1);
    let after = project.run(&url, &["diff", "-f", "sql"]);
    assert_exit(&after, 0);
}
