//! confiture.log_events: each event also reaches the server log as one JSON line. The test asks
//! for LOG messages on its own connection (client_min_messages = log), which carries the same
//! lines the server log gets.

use crate::support::*;
use std::sync::{Arc, Mutex};

#[test]
fn log_events_writes_one_json_line_per_event_even_for_a_rolled_back_failure() {
    let url = empty_database("e2e_log_events");
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = lines.clone();
    let mut config: postgres::Config = url.parse().unwrap();
    config.notice_callback(move |notice| {
        if notice.severity() == "LOG" {
            seen.lock().unwrap().push(notice.message().to_string());
        }
    });
    let mut client = config.connect(postgres::NoTls).unwrap();
    client
        .batch_execute(
            "CREATE EXTENSION confiture; SET confiture.log_events = on; SET client_min_messages = log;
             SELECT confiture.register_migration('1', 'create_t', 'CREATE TABLE t (id int);');
             SELECT confiture.register_migration('2', 'broken', 'ALTER TABLE nope ADD COLUMN x int;');",
        )
        .unwrap();
    let failed = client.batch_execute("SELECT * FROM confiture.migrate_up()");
    assert!(failed.unwrap_err().as_db_error().unwrap().message().starts_with("2_broken.up.sql:1:"));
    let events: Vec<serde_json::Value> = lines
        .lock()
        .unwrap()
        .iter()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|event| event.get("confiture_event").is_some())
        .collect();
    let names: Vec<(&str, &str)> = events
        .iter()
        .map(|e| (e["confiture_event"].as_str().unwrap(), e["version"].as_str().unwrap()))
        .collect();
    assert_eq!(
        names,
        [
            ("migration_started", "1"),
            ("migration_completed", "1"),
            ("migration_started", "2"),
            ("migration_failed", "2")
        ]
    );
    assert_eq!(events[3]["detail"]["error"]["sqlstate"], "42P01");
    assert!(events.iter().all(|e| e["at"].as_str().is_some_and(|at| at.ends_with('Z'))), "{events:?}");
    // The table kept none of them: the failure rolled the call back; the log is the trail.
    assert_eq!(query_one_i64(&url, "SELECT count(*) FROM confiture.migration_events"), 0);
}
