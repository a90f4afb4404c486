//! A jsonb argument read as text, parsed by us. pgrx's `JsonB` parses it with serde_json and
//! panics when that fails, which it does on a valid document nested deeper than serde_json's
//! 128 levels: an internal error with a backtrace instead of a clear one.

use pgrx::callconv::{Arg, ArgAbi};
use pgrx::fcinfo::direct_function_call;
use pgrx::pg_sys;
use pgrx::FromDatum;

/// The text of a jsonb value, as `jsonb_out` writes it.
pub struct JsonText(pub String);

pgrx::impl_sql_translatable!(JsonText, arg_only = "jsonb");

impl FromDatum for JsonText {
    unsafe fn from_polymorphic_datum(datum: pg_sys::Datum, is_null: bool, _: pg_sys::Oid) -> Option<Self> {
        if is_null {
            return None;
        }
        // SAFETY: PostgreSQL passes a jsonb datum for an argument declared jsonb; jsonb_out
        // detoasts it and returns a palloc'd C string (never NULL for a non-null input), copied
        // here and then freed.
        unsafe {
            let text = direct_function_call::<&std::ffi::CStr>(pg_sys::jsonb_out, &[Some(datum)])?;
            let owned = text.to_string_lossy().into_owned();
            pg_sys::pfree(text.as_ptr().cast_mut().cast());
            Some(JsonText(owned))
        }
    }
}

// SAFETY: as pgrx does for its own FromDatum types (argue_from_datum!): the argument is a jsonb
// datum, unboxed through FromDatum above; a NULL only reaches the nullable path, since every
// function here takes Option<JsonText>.
unsafe impl<'fcx> ArgAbi<'fcx> for JsonText {
    unsafe fn unbox_arg_unchecked(arg: Arg<'_, 'fcx>) -> Self {
        // SAFETY: see the impl.
        unsafe { arg.unbox_arg_using_from_datum() }
            .unwrap_or_else(|| pgrx::error!("a jsonb argument is NULL"))
    }

    unsafe fn unbox_nullable_arg(arg: Arg<'_, 'fcx>) -> pgrx::nullable::Nullable<Self> {
        // SAFETY: see the impl.
        unsafe { arg.unbox_arg_using_from_datum() }.into()
    }
}

impl JsonText {
    /// The value, or why it cannot be used (serde_json refuses nesting over 128 levels).
    pub fn parse(&self) -> Result<serde_json::Value, String> {
        serde_json::from_str(&self.0).map_err(|e| {
            if e.to_string().contains("recursion limit") {
                "is nested more than 128 levels deep".to_string()
            } else {
                format!("cannot be read: {e}")
            }
        })
    }
}
