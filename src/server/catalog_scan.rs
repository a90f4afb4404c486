//! Reading a system catalog's rows straight from its heap (a systable scan, as PostgreSQL reads
//! its own catalogs), under the statement's snapshot.
//! `catalog_direct` reads columns, indexes, constraints and dependencies this way. The fixed
//! part of a row is the catalog's C struct where pgrx has it, other fields are read by attribute
//! number.
//!
//! Every catalog read here is readable by PUBLIC: nothing is shown that SQL would not show.

use pgrx::pg_sys;
use std::marker::PhantomData;

/// A system catalog and the C struct of its rows' fixed part, as its header declares it.
///
/// # Safety
/// `Form` must be the `FormData_pg_*` struct of the catalog `RELATION` names.
pub unsafe trait SystemCatalog {
    const RELATION: pg_sys::Oid;
    type Form;
}

pub struct Attributes;
// SAFETY: pg_attribute's rows are FormData_pg_attribute.
unsafe impl SystemCatalog for Attributes {
    const RELATION: pg_sys::Oid = pg_sys::AttributeRelationId;
    type Form = pg_sys::FormData_pg_attribute;
}

pub struct Indexes;
// SAFETY: pg_index's rows are FormData_pg_index.
unsafe impl SystemCatalog for Indexes {
    const RELATION: pg_sys::Oid = pg_sys::IndexRelationId;
    type Form = pg_sys::FormData_pg_index;
}

pub struct Classes;
// SAFETY: pg_class's rows are FormData_pg_class.
unsafe impl SystemCatalog for Classes {
    const RELATION: pg_sys::Oid = pg_sys::RelationRelationId;
    type Form = pg_sys::FormData_pg_class;
}

/// Catalogs without a struct in pgrx's bindings: their fields are read by attribute number,
/// looked up by name (`attno`).
macro_rules! catalog_by_attno {
    ($($marker:ident = $oid:literal),* $(,)?) => {$(
        pub struct $marker;
        // SAFETY: `()` claims nothing about the row.
        unsafe impl SystemCatalog for $marker {
            const RELATION: pg_sys::Oid = pg_sys::Oid::from_u32($oid);
            type Form = ();
        }
    )*};
}

// The catalogs' OIDs, from their headers (catalog/pg_*.h).
catalog_by_attno!(
    Constraints = 2606,
    Inherits = 2611,
    Depends = 2608,
    Sequences = 2224,
    AttributeDefaults = 2604,
    Rewrites = 2618,
);

/// The attribute number of column `name` of catalog `C` (for `CatalogRow::attribute`).
pub fn attno<C: SystemCatalog>(name: &std::ffi::CStr) -> u32 {
    // SAFETY: a syscache lookup by relation and name; a missing column gives 0, which
    // heap_getattr would refuse: checked here instead.
    let attno = unsafe { pg_sys::get_attnum(C::RELATION, name.as_ptr()) };
    assert!(attno > 0, "system catalog column {name:?} not found");
    attno as u32
}

/// Attributes by type: each accessor checks that the attribute has the type it reads (a wrong
/// attribute number is an error, never a misread). `None` is NULL.
impl<C: SystemCatalog> CatalogRow<'_, C> {
    pub fn oid(&self, attno: u32) -> Option<u32> {
        self.typed(attno, &[pg_sys::OIDOID]).map(|d| d.value() as u32)
    }

    pub fn int2(&self, attno: u32) -> Option<i16> {
        self.typed(attno, &[pg_sys::INT2OID]).map(|d| d.value() as i16)
    }

    pub fn int4(&self, attno: u32) -> Option<i32> {
        self.typed(attno, &[pg_sys::INT4OID]).map(|d| d.value() as i32)
    }

    pub fn char(&self, attno: u32) -> Option<u8> {
        self.typed(attno, &[pg_sys::CHAROID]).map(|d| d.value() as u8)
    }

    pub fn flag(&self, attno: u32) -> Option<bool> {
        self.typed(attno, &[pg_sys::BOOLOID]).map(|d| d.value() != 0)
    }

    pub fn name(&self, attno: u32) -> Option<String> {
        // SAFETY: a name attribute is passed by reference: the datum points at its NameData.
        self.typed(attno, &[pg_sys::NAMEOID]).map(|d| name(unsafe { &*d.cast_mut_ptr::<pg_sys::NameData>() }))
    }

    /// A text or pg_node_tree attribute, detoasted and copied.
    pub fn text(&self, attno: u32) -> Option<String> {
        let datum = self.typed(attno, &[pg_sys::TEXTOID, pg_sys::PG_NODE_TREEOID])?;
        // SAFETY: a non-NULL varlena attribute of the current row; pg_detoast_datum_packed
        // returns it as is when inline, or a palloc'd copy (freed with the memory context).
        let bytes = unsafe {
            pgrx::varlena::varlena_to_byte_slice(pg_sys::pg_detoast_datum_packed(datum.cast_mut_ptr()))
        };
        Some(super::spi_rows::utf8(bytes))
    }

    /// A text[] attribute (reloptions).
    pub fn text_array(&self, attno: u32) -> Option<Vec<String>> {
        let datum = self.typed(attno, &[pg_sys::TEXTARRAYOID])?;
        // SAFETY: a non-NULL text[] attribute of the current row; pgrx detoasts and copies it.
        unsafe {
            <Vec<String> as pgrx::datum::FromDatum>::from_polymorphic_datum(
                datum,
                false,
                pg_sys::TEXTARRAYOID,
            )
        }
    }

    /// An int2[] attribute (conkey, confkey).
    pub fn int2_array(&self, attno: u32) -> Option<Vec<i16>> {
        let datum = self.typed(attno, &[pg_sys::INT2ARRAYOID])?;
        // SAFETY: a non-NULL int2[] attribute of the current row; pgrx detoasts and copies it.
        unsafe {
            <Vec<i16> as pgrx::datum::FromDatum>::from_polymorphic_datum(datum, false, pg_sys::INT2ARRAYOID)
        }
    }

    /// An int2vector attribute (indoption).
    pub fn int2vector(&self, attno: u32) -> Option<Vec<i16>> {
        let datum = self.typed(attno, &[pg_sys::INT2VECTOROID])?;
        // SAFETY: a non-NULL int2vector attribute of the current row, detoasted (a no-op for
        // this plain-storage type, kept for robustness).
        Some(unsafe {
            int2vector(&*pg_sys::pg_detoast_datum(datum.cast_mut_ptr()).cast::<pg_sys::int2vector>())
        })
    }

    /// An oidvector attribute (indclass, indcollation).
    pub fn oidvector(&self, attno: u32) -> Option<Vec<u32>> {
        let datum = self.typed(attno, &[pg_sys::OIDVECTOROID])?;
        // SAFETY: as for `int2vector`: a detoasted oidvector holds dim1 OIDs after its header.
        let vector = unsafe { &*pg_sys::pg_detoast_datum(datum.cast_mut_ptr()).cast::<pg_sys::oidvector>() };
        Some(
            unsafe { vector.values.as_slice(vector.dim1.max(0) as usize) }
                .iter()
                .map(|o| o.to_u32())
                .collect(),
        )
    }

    /// Attribute `attno`, which must be of one of `types`.
    fn typed(&self, attno: u32, types: &[pg_sys::Oid]) -> Option<pg_sys::Datum> {
        // SAFETY: the descriptor of the open catalog, with natts attributes.
        let attributes = unsafe { (*self.desc).attrs.as_slice((*self.desc).natts as usize) };
        let type_oid = attno.checked_sub(1).and_then(|i| attributes.get(i as usize)).map(|a| a.atttypid);
        if !type_oid.is_some_and(|t| types.contains(&t)) {
            panic!("attribute {attno} of catalog {} is not of the type read", C::RELATION.to_u32());
        }
        let mut null = false;
        // SAFETY: the tuple and the descriptor come from the same open catalog, and attno is one
        // of its attributes (checked above).
        let datum = unsafe { pg_sys::heap_getattr(self.tuple, attno as i32, self.desc, &mut null) };
        (!null).then_some(datum)
    }
}

/// One row of a scan, valid while the callback runs.
pub struct CatalogRow<'s, C> {
    tuple: pg_sys::HeapTuple,
    desc: pg_sys::TupleDesc,
    _scan: PhantomData<&'s C>,
}

impl<C: SystemCatalog> CatalogRow<'_, C> {
    /// The row's fixed part.
    pub fn form(&self) -> &C::Form {
        // SAFETY: the tuple is the scan's current row of catalog C, whose fixed part is C::Form
        // (the trait's contract); it stays valid until the callback returns.
        unsafe { &*pg_sys::heap_tuple_get_struct::<C::Form>(self.tuple) }
    }
}

/// Every row of catalog `C` visible to the statement's snapshot (the one the loader's SQL
/// queries read with), in physical order.
pub fn scan<C: SystemCatalog>(mut each: impl FnMut(&CatalogRow<'_, C>)) {
    // SAFETY: opening a system catalog with ACCESS SHARE, as any catalog read does. The scan is
    // ended and the relation closed below; if an error unwinds from `each`, the transaction's
    // resource owner releases both. A NULL snapshot makes systable_beginscan use the catalog
    // snapshot (no statement is running).
    unsafe {
        let relation = pg_sys::table_open(C::RELATION, pg_sys::AccessShareLock as _);
        let snapshot =
            if pg_sys::ActiveSnapshotSet() { pg_sys::GetActiveSnapshot() } else { std::ptr::null_mut() };
        let scan = pg_sys::systable_beginscan(
            relation,
            pg_sys::InvalidOid,
            false,
            snapshot,
            0,
            std::ptr::null_mut(),
        );
        let desc = (*relation).rd_att;
        for read in 0_u64.. {
            // A catalog of millions of rows (columns of a huge schema) still answers a cancel.
            if read % 4096 == 0 {
                pgrx::check_for_interrupts!();
            }
            let tuple = pg_sys::systable_getnext(scan);
            if tuple.is_null() {
                break;
            }
            each(&CatalogRow { tuple, desc, _scan: PhantomData });
        }
        pg_sys::systable_endscan(scan);
        pg_sys::table_close(relation, pg_sys::AccessShareLock as _);
    }
}

/// A `name` field as text.
pub fn name(name: &pg_sys::NameData) -> String {
    // SAFETY: a NameData holds a NUL-terminated string within its NAMEDATALEN bytes.
    let bytes = unsafe { std::ffi::CStr::from_ptr(name.data.as_ptr()) }.to_bytes();
    super::spi_rows::utf8(bytes)
}

/// The values of an int2vector.
///
/// # Safety
/// `vector` must be a whole int2vector (its dim1 values follow the header): one in a catalog
/// row's fixed part (indkey), or a detoasted attribute.
pub unsafe fn int2vector(vector: &pg_sys::int2vector) -> Vec<i16> {
    vector.values.as_slice(vector.dim1.max(0) as usize).to_vec()
}
