use super::locks::{action_lock, static_lock, static_rewrite, static_scan};
use super::*;

fn shape(command: &str, actions: &[&str]) -> Shape {
    Shape {
        command: command.into(),
        actions: actions.iter().map(|a| a.to_string()).collect(),
        ..Shape::default()
    }
}

fn facts(
    command: &str,
    actions: &[&str],
    lock: Option<LockMode>,
    rewrites: bool,
    scans: bool,
    bytes: i64,
) -> Facts {
    Facts {
        shape: shape(command, actions),
        lock,
        rewrites: Some(rewrites),
        scans,
        observed: true,
        table_bytes: bytes,
        table_rows: bytes / 100,
        ..Facts::default()
    }
}

#[test]
fn conflict_table_is_symmetric_and_matches_the_documentation() {
    for a in LockMode::ALL {
        for b in LockMode::ALL {
            assert_eq!(a.conflicts_with(b), b.conflicts_with(a), "{a:?} {b:?}");
        }
    }
    assert!(!LockMode::RowExclusive.conflicts_with(LockMode::RowExclusive));
    assert!(LockMode::ShareUpdateExclusive.conflicts_with(LockMode::ShareUpdateExclusive));
    assert!(!LockMode::Share.conflicts_with(LockMode::Share));
    assert!(LockMode::Share.blocks_writes() && !LockMode::Share.blocks_reads());
    assert!(!LockMode::ShareUpdateExclusive.blocks_writes());
    assert!(LockMode::AccessExclusive.blocks_reads());
}

#[test]
fn lock_modes_parse_from_labels_and_pg_locks_names() {
    assert_eq!(LockMode::parse("AccessExclusiveLock"), Some(LockMode::AccessExclusive));
    assert_eq!(LockMode::parse("share row exclusive"), Some(LockMode::ShareRowExclusive));
    assert_eq!(LockMode::parse("ShareLock"), Some(LockMode::Share));
    assert_eq!(LockMode::parse("exclusive-ish"), None);
}

#[test]
fn the_model_knows_postgresql_lock_levels() {
    assert_eq!(action_lock("ADD COLUMN"), LockMode::AccessExclusive);
    assert_eq!(action_lock("ADD CONSTRAINT FOREIGN KEY NOT VALID"), LockMode::ShareRowExclusive);
    assert_eq!(action_lock("VALIDATE CONSTRAINT FOREIGN KEY"), LockMode::ShareUpdateExclusive);
    assert_eq!(action_lock("SET (fillfactor, autovacuum_enabled)"), LockMode::ShareUpdateExclusive);
    assert_eq!(action_lock("SET (fillfactor, security_barrier)"), LockMode::AccessExclusive);
    assert_eq!(action_lock("DISABLE TRIGGER"), LockMode::ShareRowExclusive);
    assert_eq!(static_lock("CREATE INDEX", &[], false), Some(LockMode::Share));
    assert_eq!(static_lock("CREATE INDEX", &[], true), Some(LockMode::ShareUpdateExclusive));
    assert_eq!(static_lock("COMMENT", &[], false), Some(LockMode::ShareUpdateExclusive));
    assert_eq!(static_lock("CREATE FUNCTION", &[], false), None);
    let actions = vec!["ADD COLUMN".to_string(), "VALIDATE CONSTRAINT".to_string()];
    assert_eq!(static_lock("ALTER TABLE", &actions, false), Some(LockMode::AccessExclusive));
    assert_eq!(static_rewrite("ALTER TABLE", &["ALTER COLUMN TYPE".into()]), None);
    assert_eq!(static_rewrite("ALTER TABLE", &["ADD COLUMN".into()]), Some(false));
    assert_eq!(static_rewrite("VACUUM", &["FULL".into()]), Some(true));
    assert!(static_scan("ALTER TABLE", &["SET NOT NULL".into()]));
    assert!(!static_scan("ALTER TABLE", &["ADD CONSTRAINT CHECK NOT VALID".into()]));
    assert!(static_scan("ALTER TABLE", &["ADD CONSTRAINT CHECK".into()]));
}

#[test]
fn levels_follow_the_score() {
    assert_eq!(Level::of(0), Level::Low);
    assert_eq!(Level::of(30), Level::Medium);
    assert_eq!(Level::of(55), Level::High);
    assert_eq!(Level::of(80), Level::Critical);
    assert!(Level::Critical > Level::High);
    assert_eq!(Level::parse("MEDIUM"), Some(Level::Medium));
}

#[test]
fn an_instant_add_column_with_a_lock_timeout_is_low() {
    let mut f =
        facts("ALTER TABLE", &["ADD COLUMN"], Some(LockMode::AccessExclusive), false, false, 100_000_000);
    f.lock_timeout = true;
    let a = assess(&f, &Rates::UNCALIBRATED);
    assert_eq!(a.level, Level::Low, "{a:?}");
    assert!(a.hazards.is_empty(), "{a:?}");
    f.lock_timeout = false;
    let a = assess(&f, &Rates::UNCALIBRATED);
    assert_eq!(a.level, Level::Medium);
    assert_eq!(a.hazards, vec!["no_lock_timeout"]);
    assert!(a.advice.contains("lock_timeout"));
}

#[test]
fn a_rewrite_of_a_large_table_is_critical_and_says_how_to_avoid_it() {
    let f = facts(
        "ALTER TABLE",
        &["ALTER COLUMN TYPE"],
        Some(LockMode::AccessExclusive),
        true,
        false,
        1_000_000_000,
    );
    let a = assess(&f, &Rates::UNCALIBRATED);
    assert_eq!(a.est_seconds, 50.0);
    assert_eq!(a.level, Level::Critical);
    assert!(a.hazards.contains(&"type_change_rewrites"));
    assert!(a.advice.contains("Add a column of the new type"));
}

#[test]
fn estimates_use_the_right_rate() {
    let rates = Rates { rewrite: 10.0, scan: 100.0, index: 20.0, foreign_key: 50.0 };
    let mut f =
        facts("ALTER TABLE", &["ALTER COLUMN TYPE"], Some(LockMode::AccessExclusive), true, true, 1000);
    f.index_bytes = 1000;
    assert_eq!(estimate_seconds(&f, &rates), 200.0);
    let f = facts("ALTER TABLE", &["SET NOT NULL"], Some(LockMode::AccessExclusive), false, true, 1000);
    assert_eq!(estimate_seconds(&f, &rates), 10.0);
    let f = facts("CREATE INDEX", &[], Some(LockMode::Share), false, true, 1000);
    assert_eq!(estimate_seconds(&f, &rates), 50.0);
    let f = facts(
        "ALTER TABLE",
        &["ADD CONSTRAINT FOREIGN KEY"],
        Some(LockMode::ShareRowExclusive),
        false,
        true,
        1000,
    );
    assert_eq!(estimate_seconds(&f, &rates), 20.0);
    let f = facts("ALTER TABLE", &["ADD COLUMN"], Some(LockMode::AccessExclusive), false, false, 1000);
    assert_eq!(estimate_seconds(&f, &rates), 0.0);
}

#[test]
fn validation_without_a_write_lock_is_not_a_scan_hazard() {
    let mut f = facts(
        "ALTER TABLE",
        &["VALIDATE CONSTRAINT"],
        Some(LockMode::ShareUpdateExclusive),
        false,
        true,
        10_000_000,
    );
    f.lock_timeout = false;
    let a = assess(&f, &Rates::UNCALIBRATED);
    assert!(a.hazards.is_empty(), "{a:?}");
    assert_eq!(a.level, Level::Low);
}

#[test]
fn inline_validation_and_plain_index_builds_are_flagged_with_their_online_form() {
    let f = facts(
        "ALTER TABLE",
        &["ADD CONSTRAINT FOREIGN KEY"],
        Some(LockMode::ShareRowExclusive),
        false,
        true,
        10_000_000,
    );
    let a = assess(&f, &Rates::UNCALIBRATED);
    assert!(a.hazards.contains(&"constraint_validated_under_lock"), "{a:?}");
    assert!(a.advice.contains("NOT VALID"));
    let f = facts("CREATE INDEX", &[], Some(LockMode::Share), false, true, 10_000_000);
    let a = assess(&f, &Rates::UNCALIBRATED);
    assert!(a.hazards.contains(&"index_without_concurrently"), "{a:?}");
    let f = facts("ALTER TABLE", &["SET NOT NULL"], Some(LockMode::AccessExclusive), false, true, 10_000_000);
    assert!(assess(&f, &Rates::UNCALIBRATED).hazards.contains(&"set_not_null_scans"));
    // On an empty table none of it matters.
    let f = facts("CREATE INDEX", &[], Some(LockMode::Share), false, true, 0);
    assert!(!assess(&f, &Rates::UNCALIBRATED).hazards.contains(&"index_without_concurrently"));
}

#[test]
fn data_loss_blockers_and_unknown_rewrites_raise_the_score() {
    let mut f = facts("ALTER TABLE", &["DROP COLUMN"], Some(LockMode::AccessExclusive), false, false, 0);
    f.lock_timeout = true;
    let a = assess(&f, &Rates::UNCALIBRATED);
    assert_eq!(a.risk, 55);
    assert!(a.hazards.contains(&"deletes_data"));
    f.blockers = vec![(42, 12.5)];
    let b = assess(&f, &Rates::UNCALIBRATED);
    assert_eq!(b.risk, 80);
    assert_eq!(b.level, Level::Critical);
    assert!(b.hazards.contains(&"blocked_now"));
    let mut f =
        facts("ALTER TABLE", &["ALTER COLUMN TYPE"], Some(LockMode::AccessExclusive), false, false, 0);
    f.rewrites = None;
    f.lock_timeout = true;
    let a = assess(&f, &Rates::UNCALIBRATED);
    assert!(a.hazards.contains(&"may_rewrite"));
    assert_eq!(a.risk, 35);
}

#[test]
fn unbatched_updates_and_writes_waiting_are_explained() {
    let mut f = facts("UPDATE", &[], Some(LockMode::RowExclusive), false, true, 100_000_000);
    f.table_rows = 1_000_000;
    let a = assess(&f, &Rates::UNCALIBRATED);
    assert!(a.hazards.contains(&"unbatched_backfill"));
    // Every row written and locked for about as long as a rewrite takes.
    assert_eq!(a.est_seconds, 5.0);
    assert_eq!(a.level, Level::Medium, "{a:?}");
    f.shape.has_where = true;
    let a = assess(&f, &Rates::UNCALIBRATED);
    assert!(!a.hazards.contains(&"unbatched_backfill"));
    assert_eq!(a.level, Level::Low);
    let mut f = facts(
        "ALTER TABLE",
        &["ALTER COLUMN TYPE"],
        Some(LockMode::AccessExclusive),
        true,
        false,
        100_000_000,
    );
    f.writes_per_second = 20.0;
    let a = assess(&f, &Rates::UNCALIBRATED);
    assert!(a.advice.contains("about 100 writes would wait"), "{}", a.advice);
}

#[test]
fn statements_reaching_outside_the_database_are_flagged() {
    for command in ["CREATE ROLE", "ALTER SYSTEM", "COPY", "DROP DATABASE", "GRANT ROLE"] {
        let f = Facts { shape: shape(command, &[]), rewrites: Some(false), ..Facts::default() };
        assert!(assess(&f, &Rates::UNCALIBRATED).hazards.contains(&"outside_the_database"), "{command}");
    }
    let f =
        Facts { shape: shape("COMMENT", &["ON A SHARED OBJECT"]), rewrites: Some(false), ..Facts::default() };
    assert!(assess(&f, &Rates::UNCALIBRATED).hazards.contains(&"outside_the_database"));
    let f = Facts { shape: shape("CREATE TABLE", &[]), rewrites: Some(false), ..Facts::default() };
    assert!(!assess(&f, &Rates::UNCALIBRATED).hazards.contains(&"outside_the_database"));
}

#[test]
fn answers_are_typed_whole_or_by_their_first_letter_and_recorded_by_name() {
    assert_eq!(Answer::parse(" Y "), Some(Answer::Yes));
    assert_eq!(Answer::parse("quit"), Some(Answer::Quit));
    assert_eq!(Answer::parse("maybe"), None);
    assert_eq!(Answer::parse(""), None);
    assert_eq!(Answer::from_name("all"), Some(Answer::All));
    assert_eq!(Answer::from_name("a"), None);
}
