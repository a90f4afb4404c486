//! Reading the first rows of a table straight from its heap, for the secret-column rule's
//! samples. Going through SQL (`SELECT col FROM t LIMIT 100`) parses and plans a query per
//! table, which opens every index of the table: on a fresh session that cost ~200 µs a table,
//! most of the rule's time. A direct read does only what the sample needs.
//!
//! It is used only where it returns exactly what the SQL would: a plain or materialized heap
//! table without row-level security for the caller and without inheritance children, columns
//! the caller may read (checked by the caller of [`read`]), under the statement's snapshot.
//! Anything else is left to SQL.

use super::spi_rows::is_inline_plain;
use pgrx::pg_sys;
use std::ffi::CStr;

/// Values longer than this are read only this far: no hash or digest is that long, and a
/// sample of large documents should not detoast them whole.
const VALUE_PREFIX_BYTES: i32 = 4096;

/// What reading a table directly gave.
pub enum Sample {
    /// Per requested column, up to `limit` non-NULL values (None: the column is no longer a
    /// string column of the table).
    Read(Vec<Option<Vec<String>>>),
    /// Not read here: SQL must (row-level security, another table access method, a lock held
    /// by another session, no snapshot).
    UseSql,
    /// The table no longer exists.
    Gone,
}

/// Up to `limit` non-NULL values of each of `columns` of table `oid`. Call it inside a scope
/// that is rolled back: the table's lock is released with it.
pub fn read(oid: u32, columns: &[&str], limit: usize) -> Sample {
    let relid = pg_sys::Oid::from(oid);
    pgrx::check_for_interrupts!();
    // SAFETY: plain calls with a valid lock mode; a lock another session holds (a migration's
    // ACCESS EXCLUSIVE) is not waited for here: SQL waits for it with the lint's lock timeout.
    let locked = unsafe {
        pg_sys::ActiveSnapshotSet() && pg_sys::ConditionalLockRelationOid(relid, pg_sys::AccessShareLock as _)
    };
    if !locked {
        return Sample::UseSql;
    }
    // SAFETY: the lock is held; try_relation_open returns NULL for a table dropped since the
    // catalog was read, and otherwise a relation that stays valid until relation_close.
    let relation = unsafe { pg_sys::try_relation_open(relid, pg_sys::NoLock as _) };
    if relation.is_null() {
        return Sample::Gone;
    }
    // SAFETY: `relation` is open (above); it is closed on every path below.
    let sample = unsafe { read_open(relation, columns, limit) };
    // SAFETY: opened above; the lock stays until the enclosing scope ends.
    unsafe { pg_sys::relation_close(relation, pg_sys::NoLock as _) };
    sample
}

/// `read` on an open, locked relation.
///
/// # Safety
/// `relation` must be open and locked by this backend.
unsafe fn read_open(relation: pg_sys::Relation, columns: &[&str], limit: usize) -> Sample {
    let form = &*(*relation).rd_rel;
    let heap = matches!(form.relkind as u8, b'r' | b'm') && form.relam == pg_sys::HEAP_TABLE_AM_OID;
    // RLS_ENABLED: policies filter the caller's rows (or forbid reading): only SQL applies them.
    // A table with inheritance children: SQL reads their rows too, a heap scan would not.
    if !heap
        || form.relhassubclass
        || pg_sys::check_enable_rls(form.oid, pg_sys::InvalidOid, true)
            == pg_sys::CheckEnableRlsResult::RLS_ENABLED as i32
    {
        return Sample::UseSql;
    }
    let desc = (*relation).rd_att;
    let attributes = (*desc).attrs.as_slice((*desc).natts as usize);
    // The columns by name in the table as it is now (the lock made the relation cache current).
    let positions: Vec<Option<usize>> = columns
        .iter()
        .map(|name| {
            attributes.iter().position(|a| {
                !a.attisdropped
                    && a.attlen == -1
                    && is_string_type(a.atttypid)
                    && CStr::from_ptr(a.attname.data.as_ptr()).to_bytes() == name.as_bytes()
            })
        })
        .collect();
    let mut values: Vec<Vec<String>> = vec![Vec::new(); columns.len()];
    let flags = pg_sys::ScanOptions::SO_TYPE_SEQSCAN
        | pg_sys::ScanOptions::SO_ALLOW_STRAT
        | pg_sys::ScanOptions::SO_ALLOW_PAGEMODE;
    // SAFETY: a heap relation (checked above) scanned under the active snapshot (checked set by
    // `read`), which outlives this call; the scan is ended below on the normal path, and by
    // the scope's rollback (resource owner) if an error unwinds.
    let scan = pg_sys::heap_beginscan(
        relation,
        pg_sys::GetActiveSnapshot(),
        0,
        std::ptr::null_mut(),
        std::ptr::null_mut(),
        flags,
    );
    let width = (*desc).natts as usize;
    let mut datums = vec![pg_sys::Datum::from(0); width];
    let mut nulls = vec![true; width];
    let mut rows = 0;
    while rows < limit {
        let tuple = pg_sys::heap_getnext(scan, pg_sys::ScanDirection::ForwardScanDirection);
        if tuple.is_null() {
            break;
        }
        // SAFETY: the tuple is the scan's current one and matches the relation's descriptor;
        // the arrays hold natts entries.
        pg_sys::heap_deform_tuple(tuple, desc, datums.as_mut_ptr(), nulls.as_mut_ptr());
        for (column, position) in positions.iter().enumerate() {
            if let Some(i) = *position {
                if !nulls[i] {
                    values[column].push(string_prefix(datums[i]));
                }
            }
        }
        rows += 1;
    }
    pg_sys::heap_endscan(scan);
    Sample::Read(positions.iter().zip(values).map(|(position, values)| position.map(|_| values)).collect())
}

/// A string type (text, varchar, bpchar, citext, ...): a varlena holding the text itself.
fn is_string_type(type_oid: pg_sys::Oid) -> bool {
    let mut category: std::ffi::c_char = 0;
    let mut preferred = false;
    // SAFETY: reads the type cache; errors only for a type that does not exist, and the column's
    // type exists while the table is locked.
    unsafe { pg_sys::get_type_category_preferred(type_oid, &mut category, &mut preferred) };
    category as u8 == b'S'
}

/// The first VALUE_PREFIX_BYTES of a string value, invalid UTF-8 replaced (only its shape is
/// judged).
///
/// # Safety
/// `datum` must be a non-NULL varlena of the tuple being read.
unsafe fn string_prefix(datum: pg_sys::Datum) -> String {
    let varlena = datum.cast_mut_ptr::<pg_sys::varlena>();
    // Compressed or stored out of line: only the prefix is decompressed or fetched.
    let readable = if is_inline_plain(varlena) {
        varlena
    } else {
        pg_sys::pg_detoast_datum_slice(varlena, 0, VALUE_PREFIX_BYTES)
    };
    let bytes = pgrx::varlena::varlena_to_byte_slice(readable);
    let prefix = &bytes[..bytes.len().min(VALUE_PREFIX_BYTES as usize)];
    String::from_utf8_lossy(prefix).into_owned()
}
