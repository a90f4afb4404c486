//! Migrations, pure part: versions, the state of each migration, what to run up or down. The
//! extension plans with it (confiture.migration_plan); the CLI only reads versions of files.

pub mod version;

use std::cmp::Ordering;
pub use version::{numeric, same_number, version_order, LOCK_KEY};

pub fn check_version(version: &str) -> Result<(), String> {
    if version::is_version(version) {
        Ok(())
    } else {
        Err(format!("migration version \"{version}\" must be 1 to 20 digits (confiture migrate new uses a 14-digit timestamp)"))
    }
}

/// A registered migration, as the planner needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct Registered {
    pub version: String,
    pub name: String,
    pub checksum: String,
    pub has_down: bool,
    /// The first statement of the up (down) script that cannot run in a transaction block,
    /// e.g. "CREATE INDEX CONCURRENTLY (line 3)".
    pub up_outside_transaction: Option<String>,
    pub down_outside_transaction: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

impl Direction {
    pub fn parse(text: &str) -> Option<Direction> {
        match text {
            "up" => Some(Direction::Up),
            "down" => Some(Direction::Down),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Down => "down",
        }
    }

    /// The column of confiture.migrations holding this direction's script.
    pub fn column(self) -> &'static str {
        match self {
            Direction::Up => "up_sql",
            Direction::Down => "down_sql",
        }
    }

    /// The status of a migration run in this direction.
    pub fn done(self) -> StepStatus {
        match self {
            Direction::Up => StepStatus::Applied,
            Direction::Down => StepStatus::RolledBack,
        }
    }

    /// How errors name the script: `{version}_{name}.up.sql`.
    pub fn label(self, migration: &Registered) -> String {
        format!("{}_{}.{}.sql", migration.version, migration.name, self.as_str())
    }

    pub fn outside_transaction(self, migration: &Registered) -> Option<&str> {
        match self {
            Direction::Up => migration.up_outside_transaction.as_deref(),
            Direction::Down => migration.down_outside_transaction.as_deref(),
        }
    }
}

/// migrate_up and migrate_down run in the caller's transaction: a plan holding a script that
/// cannot is refused before anything runs, with the way out (message, hint).
pub fn refuse_outside_transaction(
    plan: &[&Registered],
    direction: Direction,
) -> Result<(), (String, String)> {
    let Some((index, migration, what)) =
        plan.iter().enumerate().find_map(|(i, m)| direction.outside_transaction(m).map(|what| (i, *m, what)))
    else {
        return Ok(());
    };
    let nothing = match direction {
        Direction::Up => "nothing was applied",
        Direction::Down => "nothing was rolled back",
    };
    let message = format!(
        "{} contains {what}, which cannot run inside a transaction block: {nothing}",
        direction.label(migration)
    );
    let mut hint = format!(
        "confiture migrate {} runs such a script outside a transaction, one statement at a time, and records it.",
        direction.as_str()
    );
    if index > 0 {
        let (argument, value) = match direction {
            Direction::Up => ("target", format!("'{}'", plan[index - 1].version)),
            Direction::Down => ("steps", index.to_string()),
        };
        hint.push_str(&format!(
            " To run what comes before it here: confiture.migrate_{}({argument} => {value}).",
            direction.as_str()
        ));
    }
    Err((message, hint))
}

/// A version that is another spelling of the number of one already known ("02" beside "2").
pub fn same_number_as<'v>(version: &str, known: impl IntoIterator<Item = &'v str>) -> Option<&'v str> {
    known.into_iter().find(|other| *other != version && version::same_number(version, other))
}

/// An applied migration (a row of migration_history), in the order they were applied.
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    pub version: String,
    pub name: String,
    pub checksum: String,
}

/// A migration's state, as migration_status() reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Applied, and the text registered (or offered) now is the one that was applied.
    Applied,
    /// Registered, not applied.
    Pending,
    /// Applied with another text than the one registered or offered now.
    Drifted,
    /// Applied, but no longer registered or offered.
    Missing,
}

impl State {
    pub const ALL: [State; 4] = [State::Applied, State::Pending, State::Drifted, State::Missing];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Applied => "applied",
            State::Pending => "pending",
            State::Drifted => "drifted",
            State::Missing => "missing",
        }
    }

    pub fn parse(text: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Applied with another text, or gone: nothing may run until it is resolved.
    pub fn blocks(self) -> bool {
        matches!(self, State::Drifted | State::Missing)
    }
}

/// What happened to one migration in a run (migrate_up, migrate_down, a dry run).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepStatus {
    Applied,
    RolledBack,
    Failed,
    /// A dry run ran it (and rolled it back).
    DryRun,
    /// A dry run found it would fail.
    WouldFail,
    /// A dry run could not run it (it must run outside a transaction).
    Skipped,
}

impl StepStatus {
    pub const ALL: [StepStatus; 6] = [
        StepStatus::Applied,
        StepStatus::RolledBack,
        StepStatus::Failed,
        StepStatus::DryRun,
        StepStatus::WouldFail,
        StepStatus::Skipped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Applied => "applied",
            StepStatus::RolledBack => "rolled back",
            StepStatus::Failed => "failed",
            StepStatus::DryRun => "dry run",
            StepStatus::WouldFail => "would fail",
            StepStatus::Skipped => "skipped",
        }
    }

    pub fn parse(text: &str) -> Option<StepStatus> {
        StepStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// Every known version with its state, in version order. `offered` (version, checksum) pairs
/// are the project's files as the CLI read them: when given, they are what exists now, so drift
/// shows before anything is registered and an applied migration whose file is gone is missing
/// even though its text is still registered. Without them the registered texts are.
pub fn statuses(
    registered: &[Registered],
    applied: &[Applied],
    offered: Option<&[(String, String)]>,
) -> Vec<(String, String, State)> {
    let mut versions: Vec<&str> = registered.iter().map(|r| r.version.as_str()).collect();
    versions.extend(applied.iter().map(|a| a.version.as_str()));
    versions.extend(offered.unwrap_or_default().iter().map(|(v, _)| v.as_str()));
    versions.sort_by(|a, b| version_order(a, b));
    versions.dedup();
    versions
        .into_iter()
        .map(|version| {
            let current = match offered {
                Some(offered) => offered.iter().find(|(v, _)| v == version).map(|(_, c)| c.as_str()),
                None => registered.iter().find(|r| r.version == version).map(|r| r.checksum.as_str()),
            };
            let name = registered
                .iter()
                .find(|r| r.version == version)
                .map(|r| r.name.clone())
                .or_else(|| applied.iter().find(|a| a.version == version).map(|a| a.name.clone()))
                .unwrap_or_default();
            let state = match (applied.iter().find(|a| a.version == version), current) {
                (Some(a), Some(c)) if a.checksum == c => State::Applied,
                (Some(_), Some(_)) => State::Drifted,
                (Some(_), None) => State::Missing,
                (None, _) => State::Pending,
            };
            (version.to_string(), name, state)
        })
        .collect()
}

/// The registered, unapplied migrations to run, in order, up to `target` (inclusive).
pub fn pending<'r>(
    registered: &'r [Registered],
    applied: &[Applied],
    target: Option<&str>,
) -> Result<Vec<&'r Registered>, String> {
    if let Some(target) = target {
        if !registered.iter().any(|r| r.version == target) && !applied.iter().any(|a| a.version == target) {
            return Err(format!("target version {target} is not a registered migration"));
        }
    }
    let mut todo: Vec<&Registered> = registered
        .iter()
        .filter(|r| !applied.iter().any(|a| a.version == r.version))
        .filter(|r| target.is_none_or(|t| version_order(&r.version, t) != Ordering::Greater))
        .collect();
    todo.sort_by(|a, b| version_order(&a.version, &b.version));
    Ok(todo)
}

/// The `steps` last applied migrations, the last applied first, to run down (apply 1 and 3, then
/// 2: down undoes 2). `applied` is in the order they were applied. Refuses when one of them has
/// no down script (or is no longer registered), before anything runs.
pub fn down_plan<'r>(
    registered: &'r [Registered],
    applied: &[Applied],
    steps: i32,
) -> Result<Vec<&'r Registered>, String> {
    if steps < 1 {
        return Err(format!("steps must be at least 1, not {steps}"));
    }
    applied
        .iter()
        .rev()
        .take(steps as usize)
        .map(|a| match registered.iter().find(|r| r.version == a.version) {
            Some(r) if r.has_down => Ok(r),
            Some(r) => {
                Err(format!("migration {}_{} has no down script: nothing was rolled back", r.version, r.name))
            }
            None => Err(format!(
                "migration {}_{} is applied but no longer registered: nothing was rolled back",
                a.version, a.name
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg(version: &str, down: bool) -> Registered {
        Registered {
            version: version.into(),
            name: format!("m{version}"),
            checksum: format!("c{version}"),
            has_down: down,
            up_outside_transaction: None,
            down_outside_transaction: None,
        }
    }

    fn app(version: &str, checksum: &str) -> Applied {
        Applied { version: version.into(), name: format!("m{version}"), checksum: checksum.into() }
    }

    #[test]
    fn versions_are_checked_with_a_reason() {
        assert!(check_version("20260101120000").is_ok());
        assert!(check_version("1a").unwrap_err().contains("1 to 20 digits"));
    }

    #[test]
    fn pending_runs_in_order_up_to_the_target() {
        let registered = [reg("10", true), reg("2", true), reg("3", true), reg("1", true)];
        let applied = [app("1", "c1")];
        let all: Vec<&str> =
            pending(&registered, &applied, None).unwrap().iter().map(|r| r.version.as_str()).collect();
        assert_eq!(all, ["2", "3", "10"]);
        let some: Vec<&str> =
            pending(&registered, &applied, Some("3")).unwrap().iter().map(|r| r.version.as_str()).collect();
        assert_eq!(some, ["2", "3"]);
        assert!(pending(&registered, &applied, Some("99"))
            .unwrap_err()
            .contains("not a registered migration"));
    }

    #[test]
    fn statuses_show_drift_and_missing() {
        let registered = [reg("1", true), reg("2", true), reg("3", true)];
        let applied = [app("1", "c1"), app("2", "old"), app("4", "c4")];
        let states: Vec<(String, State)> =
            statuses(&registered, &applied, None).into_iter().map(|(v, _, s)| (v, s)).collect();
        assert_eq!(
            states,
            [
                ("1".into(), State::Applied),
                ("2".into(), State::Drifted),
                ("3".into(), State::Pending),
                ("4".into(), State::Missing)
            ]
        );
        // A file offered by the CLI with another text shows drift before it is registered.
        let offered = [("1".to_string(), "edited".to_string())];
        assert_eq!(statuses(&registered, &applied, Some(&offered))[0].2, State::Drifted);
        // Offered files are what exists: an applied migration without a file is missing, even
        // though its text is still registered.
        let files = [("1".to_string(), "c1".to_string()), ("3".to_string(), "c3".to_string())];
        let states: Vec<State> =
            statuses(&registered, &applied, Some(&files)).into_iter().map(|(_, _, s)| s).collect();
        assert_eq!(states, [State::Applied, State::Missing, State::Pending, State::Missing]);
    }

    #[test]
    fn numerically_equal_versions_are_found() {
        assert_eq!(same_number_as("02", ["1", "2"]), Some("2"));
        assert_eq!(same_number_as("2", ["2", "3"]), None);
        assert_eq!(same_number_as("001", ["1"]), Some("1"));
    }

    #[test]
    fn down_undoes_the_last_applied_first_and_refuses_missing_down_scripts() {
        let registered = [reg("1", true), reg("2", false), reg("3", true)];
        // Applied in this order: 1, 3, then 2.
        let applied = [app("1", "c1"), app("3", "c3"), app("2", "c2")];
        assert!(down_plan(&registered, &applied, 1).unwrap_err().contains("m2 has no down script"));
        let registered = [reg("1", true), reg("2", true), reg("3", true)];
        let two: Vec<&str> =
            down_plan(&registered, &applied, 2).unwrap().iter().map(|r| r.version.as_str()).collect();
        assert_eq!(two, ["2", "3"]);
        assert!(down_plan(&registered, &applied, 0).is_err());
    }

    #[test]
    fn scripts_outside_a_transaction_are_refused_with_the_way_out() {
        let mut concurrent = reg("3", true);
        concurrent.up_outside_transaction = Some("CREATE INDEX CONCURRENTLY (line 2)".into());
        let (first, second) = (reg("1", true), reg("2", true));
        assert!(refuse_outside_transaction(&[&first, &second], Direction::Up).is_ok());
        let (message, hint) =
            refuse_outside_transaction(&[&first, &second, &concurrent], Direction::Up).unwrap_err();
        assert_eq!(
            message,
            "3_m3.up.sql contains CREATE INDEX CONCURRENTLY (line 2), which cannot run inside a transaction block: nothing was applied"
        );
        assert!(hint.contains("confiture migrate up runs such a script outside a transaction"), "{hint}");
        assert!(hint.contains("confiture.migrate_up(target => '2')"), "{hint}");
        let (_, alone) = refuse_outside_transaction(&[&concurrent], Direction::Up).unwrap_err();
        assert!(!alone.contains("target =>"), "nothing comes before it: {alone}");
        // Down scripts are checked on their own; the hint counts steps.
        assert!(refuse_outside_transaction(&[&concurrent], Direction::Down).is_ok());
        concurrent.down_outside_transaction = Some("DROP INDEX CONCURRENTLY (line 1)".into());
        let (message, hint) =
            refuse_outside_transaction(&[&first, &concurrent], Direction::Down).unwrap_err();
        assert!(message.ends_with("nothing was rolled back"), "{message}");
        assert!(hint.contains("confiture.migrate_down(steps => 1)"), "{hint}");
    }
}
