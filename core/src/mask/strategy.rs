//! The strategies, read from a name and its options (a rules file entry, or the jsonb of
//! `confiture.mask_text`). Everything is checked here, before any row moves: an unknown name or
//! option is an error, never a silent default.

use super::MaskError;
use serde_json::{Map, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NamePart {
    First,
    Last,
    Full,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Strategy {
    /// `<16 hex>@example.com` (or the value's own domain with `keep_domain`).
    Email {
        domain_name: String,
        keep_domain: bool,
    },
    /// Digits permuted by FF1 (the first `keep_first` kept: a country code), the rest unchanged.
    Phone {
        keep_first: usize,
    },
    /// A name from the word lists; `unique` appends 8 hex digits so that it stays unique.
    Name {
        part: NamePart,
        unique: bool,
    },
    Redact {
        text: String,
    },
    Null,
    Fixed {
        value: String,
    },
    /// `length` hex digits of the HMAC.
    Hash {
        length: usize,
    },
    Partial {
        first: usize,
        last: usize,
        fill: char,
    },
    /// The date moved by 1 to `max_days` days, forwards or backwards, keyed by the value.
    DateShift {
        max_days: i64,
    },
    /// Digits stay digits and ASCII letters letters (case kept), both permuted by FF1.
    PreserveFormat,
    /// The number multiplied by 1 ± up to `ratio`, keyed by the value, its decimals kept.
    Noise {
        ratio: f64,
    },
    /// Copied as is: the rules file says the column is not personal.
    Keep,
    /// An SQL expression computed by the source database (sync only).
    Sql {
        expr: String,
    },
}

pub const NAMES: &[&str] = &[
    "email",
    "phone",
    "name",
    "redact",
    "null",
    "fixed",
    "hash",
    "partial",
    "date_shift",
    "preserve_format",
    "noise",
    "keep",
    "sql",
];

impl Strategy {
    /// `name` with `options`; `unique` when the column's values must stay distinct (a unique
    /// index or primary key on it): strategies that could merge values are refused then.
    pub fn parse(name: &str, options: &Map<String, Value>, unique: bool) -> Result<Self, MaskError> {
        let reader = Options { strategy: name, options };
        let strategy = match name {
            "email" => {
                reader.only(&["domain_name", "keep_domain"])?;
                Strategy::Email {
                    domain_name: reader.text("domain_name")?.unwrap_or_else(|| "example.com".into()),
                    keep_domain: reader.flag("keep_domain")?.unwrap_or(false),
                }
            }
            "phone" => {
                reader.only(&["keep_first"])?;
                Strategy::Phone { keep_first: reader.count("keep_first")?.unwrap_or(0) }
            }
            "name" => {
                reader.only(&["part"])?;
                let part = match reader.text("part")?.as_deref() {
                    None | Some("full") => NamePart::Full,
                    Some("first") => NamePart::First,
                    Some("last") => NamePart::Last,
                    Some(other) => {
                        return Err(reader.invalid(format!("part must be first, last or full, not {other:?}")))
                    }
                };
                Strategy::Name { part, unique }
            }
            "redact" => {
                reader.only(&["text"])?;
                Strategy::Redact { text: reader.text("text")?.unwrap_or_else(|| "[REDACTED]".into()) }
            }
            "null" => {
                reader.only(&[])?;
                Strategy::Null
            }
            "fixed" => {
                reader.only(&["value"])?;
                let value = reader.text("value")?.ok_or_else(|| reader.invalid("needs a value".into()))?;
                Strategy::Fixed { value }
            }
            "hash" => {
                reader.only(&["length"])?;
                let length = reader.count("length")?.unwrap_or(32);
                if !(8..=64).contains(&length) {
                    return Err(reader.invalid(format!("length must be 8 to 64 hex digits, not {length}")));
                }
                if unique && length < 16 {
                    return Err(reader.invalid(
                        "a unique column needs length 16 or more (64 bits, no collision expected)".into(),
                    ));
                }
                Strategy::Hash { length }
            }
            "partial" => {
                reader.only(&["first", "last", "fill"])?;
                let fill = match reader.text("fill")? {
                    None => '*',
                    Some(text) if text.chars().count() == 1 => text.chars().next().unwrap_or('*'),
                    Some(text) => {
                        return Err(reader.invalid(format!("fill must be one character, not {text:?}")))
                    }
                };
                Strategy::Partial {
                    first: reader.count("first")?.unwrap_or(0),
                    last: reader.count("last")?.unwrap_or(4),
                    fill,
                }
            }
            "date_shift" => {
                reader.only(&["max_days"])?;
                let max_days = reader.count("max_days")?.unwrap_or(365);
                if !(1..=36_500).contains(&max_days) {
                    return Err(reader.invalid(format!("max_days must be 1 to 36500, not {max_days}")));
                }
                Strategy::DateShift { max_days: max_days as i64 }
            }
            "preserve_format" => {
                reader.only(&[])?;
                Strategy::PreserveFormat
            }
            "noise" => {
                reader.only(&["ratio"])?;
                let ratio = match options.get("ratio") {
                    None => 0.1,
                    Some(value) => {
                        value.as_f64().ok_or_else(|| reader.invalid("ratio must be a number".into()))?
                    }
                };
                if !(ratio > 0.0 && ratio <= 1.0) {
                    return Err(reader.invalid(format!("ratio must be above 0 and at most 1, not {ratio}")));
                }
                Strategy::Noise { ratio }
            }
            "keep" => {
                reader.only(&[])?;
                Strategy::Keep
            }
            "sql" => {
                reader.only(&["expr"])?;
                let expr = reader.text("expr")?.ok_or_else(|| reader.invalid("needs an expr".into()))?;
                Strategy::Sql { expr }
            }
            other => {
                return Err(MaskError::Rule(format!(
                    "unknown masking strategy {other:?} (known: {})",
                    NAMES.join(", ")
                )))
            }
        };
        if unique && !strategy.keeps_values_distinct() {
            return Err(MaskError::Rule(format!(
                "strategy {name} can give equal outputs for different values, and the column is unique \
                 (use phone or preserve_format, which cannot collide, or email, hash or name)"
            )));
        }
        Ok(strategy)
    }

    /// Whether distinct inputs keep distinct outputs: by construction (FF1 is a permutation), or
    /// with 64 bits of HMAC or more (odds of any collision among a million values: about 3 in 100
    /// million; the target's unique index still checks).
    pub fn keeps_values_distinct(&self) -> bool {
        match self {
            Strategy::Phone { .. } | Strategy::PreserveFormat | Strategy::Keep | Strategy::Sql { .. } => true,
            Strategy::Email { .. } | Strategy::Null => true,
            Strategy::Hash { length } => *length >= 16,
            Strategy::Name { unique, .. } => *unique,
            Strategy::Redact { .. }
            | Strategy::Fixed { .. }
            | Strategy::Partial { .. }
            | Strategy::DateShift { .. }
            | Strategy::Noise { .. } => false,
        }
    }

    /// Whether the output is NULL (refused on a NOT NULL column).
    pub fn gives_null(&self) -> bool {
        matches!(self, Strategy::Null)
    }

    /// Whether the value passes unchanged through the mask (no masking happens in Rust).
    pub fn passes_through(&self) -> bool {
        matches!(self, Strategy::Keep | Strategy::Sql { .. })
    }
}

struct Options<'a> {
    strategy: &'a str,
    options: &'a Map<String, Value>,
}

impl Options<'_> {
    fn invalid(&self, message: String) -> MaskError {
        MaskError::Rule(format!("strategy {}: {message}", self.strategy))
    }

    fn only(&self, known: &[&str]) -> Result<(), MaskError> {
        match self.options.keys().find(|key| !known.contains(&key.as_str())) {
            None => Ok(()),
            Some(key) if known.is_empty() => Err(self.invalid(format!("takes no option, {key:?} given"))),
            Some(key) => Err(self.invalid(format!("unknown option {key:?} (known: {})", known.join(", ")))),
        }
    }

    fn text(&self, name: &str) -> Result<Option<String>, MaskError> {
        match self.options.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(Value::Number(number)) => Ok(Some(number.to_string())),
            Some(_) => Err(self.invalid(format!("{name} must be text"))),
        }
    }

    fn flag(&self, name: &str) -> Result<Option<bool>, MaskError> {
        match self.options.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(flag)) => Ok(Some(*flag)),
            Some(_) => Err(self.invalid(format!("{name} must be true or false"))),
        }
    }

    fn count(&self, name: &str) -> Result<Option<usize>, MaskError> {
        match self.options.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => value
                .as_u64()
                .map(|n| Some(n as usize))
                .ok_or_else(|| self.invalid(format!("{name} must be a whole number of 0 or more"))),
        }
    }
}
