//! Raising PostgreSQL errors from Rust with a code, a message, a detail and a hint.

use pgrx::pg_sys::panic::ErrorReport;
use pgrx::{PgLogLevel, PgSqlErrorCode};

/// Raise an ERROR. pgrx turns it into a Rust panic that unwinds to the SQL function's boundary,
/// running destructors on the way, and reports it to PostgreSQL there.
pub fn raise(code: PgSqlErrorCode, message: String, detail: Option<String>, hint: Option<String>) -> ! {
    let mut report = ErrorReport::new(code, message, "confiture");
    if let Some(detail) = detail {
        report = report.set_detail(detail);
    }
    if let Some(hint) = hint {
        report = report.set_hint(hint);
    }
    report.report(PgLogLevel::ERROR);
    unreachable!("an ERROR report does not return")
}

/// The five-character SQLSTATE ("P0001") of a pgrx error code, as psql and drivers show it.
pub fn sqlstate(code: PgSqlErrorCode) -> String {
    sqlstate_of(code as i32)
}

/// The five characters of a packed SQLSTATE (PostgreSQL packs them six bits each:
/// MAKE_SQLSTATE / unpack_sql_state).
pub fn sqlstate_of(packed: i32) -> String {
    (0..5).map(|i| char::from(((packed >> (6 * i)) & 0x3F) as u8 + b'0')).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlstates_unpack_to_their_five_characters() {
        assert_eq!(sqlstate(PgSqlErrorCode::ERRCODE_RAISE_EXCEPTION), "P0001");
        assert_eq!(sqlstate(PgSqlErrorCode::ERRCODE_SYNTAX_ERROR), "42601");
        assert_eq!(sqlstate(PgSqlErrorCode::ERRCODE_UNDEFINED_TABLE), "42P01");
    }
}
