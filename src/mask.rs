//! Masking in SQL (confiture.mask_text and friends): the same `confiture_core::mask` as
//! `confiture sync`, so a DBA's view masks a value exactly as a sync of the same column does.
//!
//! The key comes per call (a bytea argument) or per session from the setting
//! `confiture.mask_key`, which SHOW ALL and pg_settings' listings leave out. Setting it with SET
//! writes it into statement logs: give it at connection time instead (PGOPTIONS or the
//! connection string's `options=-c confiture.mask_key=...`), which no statement log records.

use confiture_core::mask::{ColumnMask, Key, MaskError, Strategy};
use pgrx::{GucContext, GucFlags, GucRegistry, GucSetting};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::cell::RefCell;
use std::ffi::CString;

pub static SESSION_KEY: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);

/// Called from _PG_init.
pub fn define_settings() {
    GucRegistry::define_string_guc(
        c"confiture.mask_key",
        c"The secret the confiture.mask_* functions mask with, when a call gives none (32 bytes or more).",
        c"Give it at connection time (PGOPTIONS), not with SET: statement logs record SET.",
        &SESSION_KEY,
        GucContext::Userset,
        GucFlags::NO_SHOW_ALL,
    );
}

/// The key's bytes for a call: its argument, else the session's setting (not yet checked).
fn key_bytes(argument: Option<&[u8]>) -> Result<Cow<'_, [u8]>, MaskError> {
    match argument {
        Some(bytes) => Ok(Cow::Borrowed(bytes)),
        None => match SESSION_KEY.get() {
            Some(text) if !text.as_bytes().is_empty() => Ok(Cow::Owned(text.into_bytes())),
            _ => Err(MaskError::Key(
                "no masking key: pass one as the key argument, or set confiture.mask_key for the session \
                 (at connection time: PGOPTIONS='-c confiture.mask_key=...')"
                    .into(),
            )),
        },
    }
}

/// The mask a query built last, with what it was built from: a query masks a column with the same
/// arguments on every row, so the check per row compares them instead of rebuilding (or
/// fingerprinting the key, or serializing the options).
struct Cached {
    key: Vec<u8>,
    domain: String,
    strategy: String,
    options: Value,
    mask: ColumnMask,
}

thread_local! {
    static LAST: RefCell<Option<Cached>> = const { RefCell::new(None) };
}

/// `value` masked with `strategy` (and its options; `unique: true` among them asks for distinct
/// outputs) in `domain`.
pub fn mask_text(
    value: &str,
    strategy: &str,
    options: &Value,
    domain: &str,
    key_argument: Option<&[u8]>,
) -> Result<Option<String>, MaskError> {
    let key = key_bytes(key_argument)?;
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        let fresh = last.as_ref().is_some_and(|c| {
            *c.key == *key && c.domain == domain && c.strategy == strategy && c.options == *options
        });
        if !fresh {
            let mut parsed_options: Map<String, Value> = match options {
                Value::Object(map) => map.clone(),
                Value::Null => Map::new(),
                _ => return Err(MaskError::Rule("options must be a json object".into())),
            };
            let unique = match parsed_options.remove("unique") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(flag)) => flag,
                Some(_) => return Err(MaskError::Rule("options.unique must be true or false".into())),
            };
            let parsed = Strategy::parse(strategy, &parsed_options, unique)?;
            if matches!(parsed, Strategy::Sql { .. }) {
                return Err(MaskError::Rule(
                    "strategy sql is for confiture sync's rules; in SQL, write the expression itself".into(),
                ));
            }
            *last = Some(Cached {
                mask: ColumnMask::new(&Key::new(&key)?, domain, parsed),
                key: key.into_owned(),
                domain: domain.to_string(),
                strategy: strategy.to_string(),
                options: options.clone(),
            });
        }
        let cached = last.as_ref().expect("just filled");
        cached.mask.mask(value)
    })
}

pub fn key_fingerprint(key_argument: Option<&[u8]>) -> Result<String, MaskError> {
    Key::new(&key_bytes(key_argument)?).map(|key| key.fingerprint())
}
