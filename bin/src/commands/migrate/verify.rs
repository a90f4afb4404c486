//! `.verify.sql` checks: the Python confiture's sidecar, a query whose first column of its
//! first row must be true (t, true, yes, 1, a non-zero number). No row, NULL or false fail. It
//! runs in a savepoint that is always rolled back, so a check changes nothing.

use super::{db_error, MigrationFile};
use crate::db::Target;
use crate::failure::{Failure, Kind, Result};
use postgres::{SimpleQueryMessage, Transaction};

/// Run `version`'s check, if it has one, in `tx`.
pub fn check(tx: &mut Transaction, files: &[MigrationFile], version: &str, target: &Target) -> Result<()> {
    let Some(file) = files.iter().find(|f| f.version == version) else { return Ok(()) };
    let Some(query) = &file.verify else { return Ok(()) };
    let path = file.up_path.replace(".up.sql", ".verify.sql");
    let mut savepoint = tx.savepoint("confiture_verify").map_err(db_error(target))?;
    let outcome = savepoint.simple_query(query);
    savepoint.rollback().map_err(db_error(target))?;
    let messages = outcome.map_err(|error| {
        let mut failure = db_error(target)(error);
        failure.message = format!("{path}: the check failed: {}", failure.message);
        failure
    })?;
    let first = messages.iter().find_map(|m| match m {
        SimpleQueryMessage::Row(row) => Some(row.get(0).map(str::to_string)),
        _ => None,
    });
    match first {
        Some(Some(value)) if truthy(&value) => Ok(()),
        found => {
            let what = match found {
                None => "no row".to_string(),
                Some(None) => "NULL".to_string(),
                Some(Some(value)) => format!("\"{value}\""),
            };
            Err(Failure::new(Kind::Database, format!("{path}: the check returned {what}, not true"))
                .with_hint("The migration was rolled back, with the others of its transaction. Fix the migration or its check."))
        }
    }
}

fn truthy(value: &str) -> bool {
    match value.to_ascii_lowercase().as_str() {
        "t" | "true" | "yes" | "1" => true,
        other => other.parse::<f64>().is_ok_and(|number| number != 0.0),
    }
}

#[cfg(test)]
mod tests {
    use super::truthy;

    #[test]
    fn true_values_are_those_the_python_confiture_accepts() {
        for yes in ["t", "true", "TRUE", "yes", "1", "42", "0.5"] {
            assert!(truthy(yes), "{yes}");
        }
        for no in ["f", "false", "0", "0.0", "", "no", "maybe"] {
            assert!(!truthy(no), "{no}");
        }
    }
}
