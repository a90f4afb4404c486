//! One-value queries through SPI, shared by the capabilities that read the catalog with
//! parameters: the first column of the first row (None when there is no row), or a JSON text
//! read into a Rust value. SPI errors become internal errors naming the capability and step.

use crate::errors::spi_checked;
use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use serde::de::DeserializeOwned;

/// The first column of the first row of `query`; None when it returns no row. Through
/// `connect_mut`, so that it sees the transaction's own writes and may write.
pub fn value<T: pgrx::datum::FromDatum + pgrx::datum::IntoDatum>(
    capability: &str,
    what: &str,
    query: &str,
    args: &[DatumWithOid],
) -> Option<T> {
    spi_checked(
        capability,
        what,
        Spi::connect_mut(|client| {
            let table = client.update(query, Some(1), args)?;
            if table.is_empty() {
                return Ok(None);
            }
            table.first().get::<T>(1)
        }),
    )
}

/// A query returning one text value holding JSON, read into `T` (no row reads as JSON null).
pub fn json<T: DeserializeOwned>(capability: &str, what: &str, query: &str, args: &[DatumWithOid]) -> T {
    let text: String = value(capability, what, query, args).unwrap_or_else(|| "null".into());
    serde_json::from_str(&text)
        .unwrap_or_else(|e| pgrx::error!("{capability}: {what}: unreadable result: {e}"))
}
