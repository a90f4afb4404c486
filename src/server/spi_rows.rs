//! Reading large SPI results: each tuple is deformed once (one call into PostgreSQL per row) and
//! its values converted in Rust. pgrx's `get` makes two guarded calls per value and copies every
//! varlena value into another memory context before converting it; on a 5,000-table catalog
//! (some 60,000 rows of up to 20 columns) that cost a fifth of the lint.

use pgrx::datum::{DatumWithOid, FromDatum, IntoDatum, TryFromDatumError};
use pgrx::pg_sys;
use pgrx::spi::{self, SpiClient, SpiError};

/// One row of a result, deformed.
pub struct Row<'r> {
    values: &'r [pg_sys::Datum],
    nulls: &'r [bool],
    types: &'r [pg_sys::Oid],
}

impl Row<'_> {
    /// Column `n` (1-based) as `T`; `None` for NULL. A column of a type `T` cannot be read
    /// from is an error, as with pgrx's `get`.
    pub fn get<T: FromDatum + IntoDatum>(&self, n: usize) -> spi::Result<Option<T>> {
        let (datum, type_oid) = match self.value(n)? {
            Some(value) => value,
            None => return Ok(None),
        };
        // SAFETY: IsBinaryCoercible only reads the catalog caches; reached for a type pgrx does
        // not know as compatible (the loader's queries cast to the types they read).
        let compatible =
            T::is_compatible_with(type_oid) || unsafe { pg_sys::IsBinaryCoercible(type_oid, T::type_oid()) };
        if !compatible {
            return Err(SpiError::DatumError(TryFromDatumError::IncompatibleTypes {
                rust_type: std::any::type_name::<T>(),
                rust_oid: T::type_oid(),
                datum_type: format!("type {}", type_oid.to_u32()),
                datum_oid: type_oid,
            }));
        }
        // SAFETY: the datum was deformed from a tuple of the result being read, which SPI keeps
        // until `select_rows` returns, and its type was just checked against T; the conversion
        // copies what it needs into Rust-owned memory.
        Ok(unsafe { T::from_polymorphic_datum(datum, false, type_oid) })
    }

    /// A text column, read without calling into PostgreSQL when the value is stored inline and
    /// uncompressed (every name and expression the catalog queries produce).
    pub fn text(&self, n: usize) -> spi::Result<Option<String>> {
        let (datum, type_oid) = match self.value(n)? {
            Some(value) => value,
            None => return Ok(None),
        };
        if type_oid != pg_sys::TEXTOID {
            return self.get::<String>(n);
        }
        let varlena = datum.cast_mut_ptr::<pg_sys::varlena>();
        // SAFETY: a non-NULL text datum points at a varlena of the tuple (see `get`). Its header
        // says whether it is inline: 4-byte uncompressed, or 1-byte and not a TOAST pointer.
        // Anything else (compressed, external) goes through pgrx, which detoasts.
        unsafe {
            if !is_inline_plain(varlena) {
                return Ok(String::from_polymorphic_datum(datum, false, type_oid));
            }
            Ok(Some(utf8(pgrx::varlena::varlena_to_byte_slice(varlena))))
        }
    }

    fn value(&self, n: usize) -> spi::Result<Option<(pg_sys::Datum, pg_sys::Oid)>> {
        let i = n
            .checked_sub(1)
            .filter(|&i| i < self.values.len())
            .ok_or(SpiError::SpiError(pgrx::spi::SpiErrorCodes::NoAttribute))?;
        Ok((!self.nulls[i]).then(|| (self.values[i], self.types[i])))
    }
}

/// Whether a varlena is stored in place, uncompressed (4-byte header, or 1-byte and not a TOAST
/// pointer): its bytes can be read where they are, with no detoasting.
///
/// # Safety
/// `varlena` must point at a valid varlena header.
pub unsafe fn is_inline_plain(varlena: *const pg_sys::varlena) -> bool {
    pgrx::varlena::varatt_is_4b_u(varlena)
        || (pgrx::varlena::varatt_is_1b(varlena) && !pgrx::varlena::varatt_is_1b_e(varlena))
}

/// Catalog text as a String; text that is not UTF-8 is refused (see `not_utf8`).
pub fn utf8(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => not_utf8(bytes),
    }
}

/// Text that is not UTF-8: a database in another encoding (LATIN1, SQL_ASCII...) holding a
/// non-ASCII name or comment. confiture's results are UTF-8 text, which such a database would
/// read as other characters, so this is refused (pgrx refuses it too), the text shown escaped.
fn not_utf8(bytes: &[u8]) -> ! {
    crate::errors::raise(
        pgrx::PgSqlErrorCode::ERRCODE_CHARACTER_NOT_IN_REPERTOIRE,
        format!("confiture reads the catalog as UTF-8, and this text is not: {}", bytes.escape_ascii()),
        None,
        Some(
            "Use confiture in a UTF-8 database, or keep names and comments ASCII in one of another encoding."
                .into(),
        ),
    )
}

/// Run a read-only `query` with `args` and map every row.
pub fn select_rows<T>(
    client: &SpiClient<'_>,
    query: &str,
    args: &[DatumWithOid],
    mut map: impl FnMut(&Row) -> spi::Result<T>,
) -> spi::Result<Vec<T>> {
    // pgrx runs the query (and checks its status); its result stays in SPI_tuptable (pgrx's
    // wrapper only points at it and frees nothing).
    client.select(query, None, args)?;
    // SAFETY: SPI_tuptable is the result `select` just produced, and nothing else runs SPI
    // until this function returns.
    let table = unsafe { pg_sys::SPI_tuptable };
    if table.is_null() {
        return Ok(Vec::new());
    }
    // SAFETY: a non-null SPI_tuptable has a tuple descriptor and `numvals` tuples in `vals`.
    let (tupdesc, tuples) =
        unsafe { ((*table).tupdesc, std::slice::from_raw_parts((*table).vals, (*table).numvals as usize)) };
    // SAFETY: the descriptor is valid (above); SPI_gettypeid reads a column's type from it.
    let width = unsafe { (*tupdesc).natts } as usize;
    let types: Vec<pg_sys::Oid> =
        (1..=width).map(|i| unsafe { pg_sys::SPI_gettypeid(tupdesc, i as i32) }).collect();
    let mut values = vec![pg_sys::Datum::from(0); width];
    let mut nulls = vec![false; width];
    let mut out = Vec::with_capacity(tuples.len());
    for &tuple in tuples {
        // SAFETY: the tuple belongs to this result and matches its descriptor; the arrays hold
        // `natts` entries, as heap_deform_tuple requires.
        unsafe { pg_sys::heap_deform_tuple(tuple, tupdesc, values.as_mut_ptr(), nulls.as_mut_ptr()) };
        out.push(map(&Row { values: &values, nulls: &nulls, types: &types })?);
    }
    // SAFETY: nothing refers to the tuples any more (the values were converted into Rust): give
    // the memory back now rather than at the end of the call.
    unsafe { pg_sys::SPI_freetuptable(table) };
    Ok(out)
}
