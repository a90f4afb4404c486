//! Raising PostgreSQL errors from Rust with a code, a message, a detail and a hint.

use pgrx::pg_sys::panic::ErrorReport;
use pgrx::{PgLogLevel, PgSqlErrorCode};

/// confiture's own conditions, each with its documented SQLSTATE (docs/errors.md), so that
/// clients branch on the code, never on the message. Standard codes: pgrx 0.18 can raise no
/// other (an extension's own class would come back as XX000).
pub mod codes {
    use pgrx::PgSqlErrorCode;

    /// The text of an applied migration changed (27000).
    pub const CHECKSUM_DRIFT: PgSqlErrorCode = PgSqlErrorCode::ERRCODE_TRIGGERED_DATA_CHANGE_VIOLATION;
    /// A migration function called at REPEATABLE READ or SERIALIZABLE (25000).
    pub const NOT_READ_COMMITTED: PgSqlErrorCode = PgSqlErrorCode::ERRCODE_INVALID_TRANSACTION_STATE;
    /// A required argument is NULL (22004).
    pub const NULL_ARGUMENT: PgSqlErrorCode = PgSqlErrorCode::ERRCODE_NULL_VALUE_NOT_ALLOWED;
    /// An argument's value cannot be used (22023).
    pub const INVALID_ARGUMENT: PgSqlErrorCode = PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE;
    /// A statement a build, migration or seed file cannot hold (0A000).
    pub const UNSUPPORTED_STATEMENT: PgSqlErrorCode = PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED;
    /// A script holds a statement that must run outside a transaction block (25001).
    pub const NEEDS_OUTSIDE_TRANSACTION: PgSqlErrorCode = PgSqlErrorCode::ERRCODE_ACTIVE_SQL_TRANSACTION;
    /// The registered state does not allow it: not applied, no longer registered (55000).
    pub const WRONG_STATE: PgSqlErrorCode = PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE;
}

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

/// Raise an argument or state the caller must correct (22023), with its hint.
pub fn invalid(message: String, hint: Option<String>) -> ! {
    raise(codes::INVALID_ARGUMENT, message, None, hint)
}

/// An SPI call of confiture's own failed: an internal error naming the capability and what it
/// was doing.
pub fn spi_failed(capability: &str, what: &str, error: pgrx::spi::Error) -> ! {
    raise(PgSqlErrorCode::ERRCODE_INTERNAL_ERROR, format!("{capability}: {what}: {error}"), None, None)
}

/// The value of an SPI call, or `spi_failed`.
pub fn spi_checked<T>(capability: &str, what: &str, result: Result<T, pgrx::spi::Error>) -> T {
    result.unwrap_or_else(|e| spi_failed(capability, what, e))
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
