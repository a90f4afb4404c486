//! confiture seed validate / apply end to end, on the examples/seeds project and its copy with
//! one planted defect per finding code (examples/seeds-defects).

use crate::support::*;
use std::path::Path;
use std::process::Command;

/// Copy an example into a temporary project (builds write db/generated/ into it).
fn example(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let copied = Command::new("cp")
        .arg("-r")
        .arg(repo_root().join("examples").join(name).join("db"))
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(copied.success());
    dir
}

fn built(name: &str, database: &str) -> (tempfile::TempDir, String) {
    let project = example(name);
    let url = empty_database(database);
    assert_exit(&confiture(&["build", "--apply", "--database-url", &url], project.path(), &[]), 0);
    (project, url)
}

fn validate(project: &Path, url: &str, level: &str) -> (i32, Vec<serde_json::Value>) {
    let output = confiture(
        &["seed", "validate", "--level", level, "--database-url", url, "--format", "json"],
        project,
        &[],
    );
    (output.status.code().unwrap(), findings_of(&output))
}

/// confiture's findings in `seed validate --format json` (beside the Python confiture's keys).
fn findings_of(output: &std::process::Output) -> Vec<serde_json::Value> {
    let report: serde_json::Value =
        serde_json::from_str(&stdout(output)).unwrap_or_else(|e| panic!("{e}: {}", stdout(output)));
    assert_eq!(
        report["violation_count"].as_u64(),
        report["findings"].as_array().map(|f| f.len() as u64),
        "{report}"
    );
    report["findings"].as_array().unwrap_or_else(|| panic!("no findings: {report}")).clone()
}

#[test]
fn the_clean_example_validates_clean_at_level_5_and_leaves_the_database_byte_for_byte() {
    let (project, url) = built("seeds", "e2e_seeds_clean");
    // A sequence already drawn from, and a row already there: both must be exactly as before.
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client
        .batch_execute(
            "INSERT INTO catalog.tb_country (id, code, name) VALUES ('10000000-0000-4000-8000-0000000000ff', 'BE', 'Belgium')",
        )
        .unwrap();
    let before = dump(&url, &[]);
    let (code, findings) = validate(project.path(), &url, "5");
    assert_eq!(code, 0, "{findings:#?}");
    let problems: Vec<_> = findings.iter().filter(|f| f["code"] != "ROW_COUNT").collect();
    assert!(problems.is_empty(), "{problems:#?}");
    let count = |table: &str| {
        let finding =
            findings.iter().find(|f| f["object"] == table).unwrap_or_else(|| panic!("no count for {table}"));
        finding["message"].as_str().unwrap().to_string()
    };
    assert_eq!(count("prep_seed.tb_category"), "4 rows");
    assert_eq!(count("catalog.tb_country"), "4 rows"); // Belgium plus the three seeded
    assert_eq!(count("catalog.tb_review"), "3 rows");
    assert_eq!(findings.iter().filter(|f| f["code"] == "ROW_COUNT").count(), 26);
    assert_eq!(dump(&url, &[]), before, "level 5 changed the database");
}

/// (code, file, line) of each planted defect; a resolver's findings name it as their file and
/// count lines from the one holding the body's opening $$.
const PLANTED: &[(&str, Option<&str>, Option<i64>)] = &[
    ("SEED_UNPARSEABLE", Some("db/seeds/90_broken.sql"), Some(4)),
    ("PREP_SEED_TARGET_MISMATCH", Some("db/seeds/91_direct.sql"), Some(2)),
    ("INVALID_UUID_FORMAT", Some("db/seeds/07_customers.sql"), Some(8)),
    ("UNION_TYPE_MISMATCH", Some("db/seeds/10_promotions.sql"), Some(8)),
    ("UNION_UNCAST_NULL", Some("db/seeds/04_categories.sql"), Some(10)),
    ("INVALID_FK_NAMING", Some("db/seeds/11_shipping_rates.sql"), Some(1)),
    ("MISSING_TARGET_TABLE", Some("db/seeds/92_colours.sql"), Some(1)),
    ("MISSING_TARGET_COLUMN", Some("db/seeds/08_warehouses.sql"), Some(5)),
    ("MISSING_FINAL_TABLE", Some("db/seeds/93_brands.sql"), Some(1)),
    ("MISSING_FK_MAPPING", Some("db/seeds/07_customers.sql"), Some(1)),
    ("MISSING_PARENT_TABLE", Some("db/seeds/09_reviews.sql"), Some(2)),
    ("MISSING_FINAL_COLUMN", Some("db/seeds/05_suppliers.sql"), Some(1)),
    ("MISSING_RESOLVER_FUNCTION", None, None),
    ("MISSING_FK_TRANSFORMATION", Some("prep_seed.fn_resolve_tb_review()"), Some(2)),
    ("SCHEMA_DRIFT_IN_RESOLVER", Some("prep_seed.fn_resolve_tb_tax_rate()"), Some(3)),
    ("RESOLVER_NOT_READ", Some("prep_seed.fn_resolve_tb_city()"), Some(7)),
    ("SEED_STATEMENT_FAILED", Some("db/seeds/09_reviews.sql"), Some(8)),
    ("SEQUENCE_NOT_RESTORED", Some("db/seeds/94_tickets.sql"), Some(3)),
    ("RESOLVER_FAILED", None, None),
    ("NULL_FK_AFTER_RESOLUTION", Some("db/seeds/04_categories.sql"), Some(8)),
    ("UNIQUE_CONSTRAINT_VIOLATION", Some("db/seeds/07_customers.sql"), Some(5)),
    ("CHECK_CONSTRAINT_VIOLATION", Some("db/seeds/10_promotions.sql"), Some(3)),
    ("NOT_NULL_VIOLATION", Some("db/seeds/09_reviews.sql"), Some(4)),
    ("FK_CONSTRAINT_VIOLATION", Some("db/seeds/08_warehouses.sql"), Some(3)),
];

#[test]
fn every_planted_defect_is_found_at_its_file_and_line_and_nothing_else() {
    let (project, url) = built("seeds-defects", "e2e_seeds_defects");
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let codes = client
        .query("SELECT code, level FROM confiture.seed_codes() WHERE code <> 'ROW_COUNT'", &[])
        .unwrap();
    assert_eq!(codes.len(), PLANTED.len(), "a finding code without a planted defect");
    let before = dump(&url, &[]);
    for level in 1..=5 {
        let (code, findings) = validate(project.path(), &url, &level.to_string());
        assert_eq!(code, 1, "errors must fail the validation");
        let mut found: Vec<(String, Option<String>, Option<i64>)> = findings
            .iter()
            .filter(|f| f["code"] != "ROW_COUNT")
            .map(|f| {
                (
                    f["code"].as_str().unwrap().to_string(),
                    f["file"].as_str().map(str::to_string),
                    f["line"].as_i64(),
                )
            })
            .collect();
        found.sort();
        let level_of = |code: &str| -> i32 {
            codes.iter().find(|row| row.get::<_, String>(0) == code).map(|row| row.get(1)).unwrap()
        };
        let mut expected: Vec<(String, Option<String>, Option<i64>)> = PLANTED
            .iter()
            .filter(|(code, _, _)| level_of(code) <= level)
            .map(|(code, file, line)| (code.to_string(), file.map(str::to_string), *line))
            .collect();
        expected.sort();
        assert_eq!(found, expected, "level {level}");
    }
    // Only the sequence no table owns moved (levels 4 and 5 each drew once): it is reported, not
    // put back, since another session could have drawn from it too.
    let without_free_sequence = |dump: String| {
        dump.lines().filter(|l| !l.contains("ticket_number_seq', ")).collect::<Vec<_>>().join("\n")
    };
    assert_eq!(
        without_free_sequence(dump(&url, &[])),
        without_free_sequence(before),
        "validation changed the database"
    );
    let drawn = query_one_i64(&url, "SELECT last_value FROM prep_seed.ticket_number_seq");
    assert_eq!(drawn, 2, "levels 4 and 5 drew once each, and that was not undone");
}

#[test]
fn seed_apply_loads_every_file_or_nothing() {
    let (project, url) = built("seeds", "e2e_seeds_apply");
    let applied = confiture(&["seed", "apply", "--database-url", &url], project.path(), &[]);
    assert_exit(&applied, 0);
    assert!(stdout(&applied).contains("applied 13 of 13 files, 39 rows"), "{}", stdout(&applied));
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM prep_seed.tb_review"), 3);
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM confiture.seeds WHERE applied_at IS NOT NULL"), 13);

    let (broken, url) = built("seeds-defects", "e2e_seeds_apply_defects");
    let refused = confiture(&["seed", "apply", "--database-url", &url], broken.path(), &[]);
    assert_exit(&refused, 1);
    assert!(
        stderr(&refused).contains("db/seeds/07_customers.sql:8: invalid input syntax for type uuid"),
        "{}",
        stderr(&refused)
    );
    let loaded =
        "SELECT (SELECT count(*) FROM prep_seed.tb_country) + (SELECT count(*) FROM confiture.seeds)";
    assert_eq!(query_one_i64(&url, loaded), 0, "a failed apply left rows behind");

    let partial = confiture(
        &["seed", "apply", "--continue-on-error", "--database-url", &url, "--format", "json"],
        broken.path(),
        &[],
    );
    assert_exit(&partial, 1);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&stdout(&partial)).unwrap();
    let failed: Vec<&str> =
        rows.iter().filter(|r| r["applied"] == false).map(|r| r["file"].as_str().unwrap()).collect();
    assert_eq!(
        failed,
        [
            "db/seeds/07_customers.sql",
            "db/seeds/08_warehouses.sql",
            "db/seeds/09_reviews.sql",
            "db/seeds/10_promotions.sql",
            "db/seeds/90_broken.sql",
            "db/seeds/92_colours.sql"
        ]
    );
    // A failed file is rolled back whole: its first statement, which was fine, is gone too.
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM prep_seed.tb_customer"), 0);
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM prep_seed.tb_country"), 3);
}

#[test]
fn bad_levels_and_settings_are_refused_by_name() {
    let (project, url) = built("seeds", "e2e_seeds_bad_input");
    let level = confiture(&["seed", "validate", "--level", "6", "--database-url", &url], project.path(), &[]);
    assert_exit(&level, 2);
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let error =
        client.query("SELECT * FROM confiture.validate_seeds(0, ARRAY['SELECT 1'])", &[]).unwrap_err();
    assert_eq!(error.as_db_error().unwrap().message(), "level must be 1 to 5, not 0");
    let error = client.query("SELECT * FROM confiture.validate_seeds(1, ARRAY['SELECT 1'], NULL, '{\"stagin_schema\": \"x\"}')", &[]).unwrap_err();
    let message = error.as_db_error().unwrap().message().to_string();
    assert!(message.contains("unknown field `stagin_schema`"), "{message}");
    // A seed file of comments only (the Python confiture's `init` writes one) holds no seed.
    std::fs::write(project.path().join("db/seeds/00_empty.sql"), "-- INSERT INTO ... later\n  \n").unwrap();
    let empty = confiture(&["seed", "validate", "--database-url", &url], project.path(), &[]);
    assert_exit(&empty, 0);
}

#[test]
fn a_database_without_the_extension_is_told_how_to_install_it() {
    let project = example("seeds");
    let url = empty_database("e2e_seeds_no_extension");
    for command in [&["seed", "validate"][..], &["seed", "apply"], &["lint"]] {
        let output = confiture(&[command, &["--database-url", &url]].concat(), project.path(), &[]);
        assert_exit(&output, 2);
        assert!(
            stderr(&output)
                .contains("hint: Install the extension in this database: CREATE EXTENSION confiture;"),
            "{}",
            stderr(&output)
        );
    }
}

/// Levels 1-3 offline (PostgreSQL's parser as a library, over the schema files) report exactly
/// what the server reports over the built database: same codes, files, lines and messages.
#[test]
fn offline_levels_1_to_3_report_what_the_server_reports() {
    for (name, database, expected_code) in
        [("seeds", "e2e_seeds_offline_clean", 0), ("seeds-defects", "e2e_seeds_offline_defects", 1)]
    {
        let (project, url) = built(name, database);
        for level in ["1", "2", "3"] {
            let (code, server) = validate(project.path(), &url, level);
            let offline = confiture(
                &["seed", "validate", "--level", level, "--offline", "--format", "json"],
                project.path(),
                &[],
            );
            assert_eq!(findings_of(&offline), server, "{name} level {level}");
            assert_eq!(offline.status.code(), Some(code), "{name} level {level}");
        }
        assert_eq!(validate(project.path(), &url, "3").0, expected_code);
    }
    // Offline, the planted defects of every level are found.
    let project = example("seeds-defects");
    let output = confiture(&["seed", "validate", "--offline", "--format", "json"], project.path(), &[]);
    let findings = findings_of(&output);
    for code in [
        "SEED_UNPARSEABLE",
        "INVALID_UUID_FORMAT",
        "MISSING_TARGET_COLUMN",
        "MISSING_RESOLVER_FUNCTION",
        "SCHEMA_DRIFT_IN_RESOLVER",
    ] {
        assert!(findings.iter().any(|f| f["code"] == code), "{code} missing offline: {findings:#?}");
    }
}

#[test]
fn without_a_database_url_levels_1_to_3_run_offline_and_4_is_refused() {
    let project = example("seeds-defects");
    // The example's database_url is ${DATABASE_URL}: unset here, as in a pre-commit hook.
    let output = confiture(&["seed", "validate", "--level", "2"], project.path(), &[]);
    assert_exit(&output, 1);
    assert!(
        stderr(&output).contains("no database URL: seed levels 1-2 checked offline"),
        "{}",
        stderr(&output)
    );
    assert!(stdout(&output).contains("MISSING_TARGET_TABLE"), "{}", stdout(&output));
    let refused = confiture(&["seed", "validate", "--level", "4", "--offline"], project.path(), &[]);
    assert_exit(&refused, 5);
    assert!(stderr(&refused).contains("level 4 runs the seeds: it needs a database"), "{}", stderr(&refused));
    let no_url = confiture(&["seed", "validate", "--level", "4"], project.path(), &[]);
    assert_exit(&no_url, 5);
    assert!(stderr(&no_url).contains("${DATABASE_URL}, which is not set"), "{}", stderr(&no_url));
}
