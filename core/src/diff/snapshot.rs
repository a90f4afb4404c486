//! The catalog snapshot `confiture.catalog_snapshot()` returns (core/sql/catalog_snapshot.sql):
//! plain data, as the server printed it. Lists are ordered by name; columns by position.

use serde::{Deserialize, Serialize};

/// An object's address: `[kind, schema, name, part]`. `part` is a column, constraint, trigger or
/// policy name, or a function's identity arguments; unused parts are empty.
pub type Key = (String, String, String, String);

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Snapshot {
    pub server_version_num: i32,
    pub reserved_words: Vec<String>,
    pub schemas: Vec<SchemaDef>,
    pub extensions: Vec<ExtensionDef>,
    pub collations: Vec<CollationDef>,
    pub types: Vec<TypeDef>,
    pub sequences: Vec<SequenceDef>,
    pub relations: Vec<RelationDef>,
    pub constraints: Vec<ConstraintDef>,
    pub indexes: Vec<IndexDef>,
    pub functions: Vec<FunctionDef>,
    pub triggers: Vec<TriggerDef>,
    pub policies: Vec<PolicyDef>,
    /// `[dependent, referenced]`: the first needs the second (pg_depend, normal and automatic).
    pub dependencies: Vec<(Key, Key)>,
}

/// Owner, privileges and comment: what every object may carry.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Common {
    pub comment: Option<String>,
    pub owner: Option<String>,
    pub acl: Option<Vec<String>>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SchemaDef {
    pub name: String,
    #[serde(flatten)]
    pub common: Common,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExtensionDef {
    pub name: String,
    pub schema: String,
    pub version: String,
}

/// A collation created in a user schema (`provider`: c libc, i icu, d default).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CollationDef {
    pub schema: String,
    pub name: String,
    pub provider: String,
    pub collate: Option<String>,
    pub ctype: Option<String>,
    pub icu_locale: Option<String>,
    pub deterministic: bool,
    #[serde(flatten)]
    pub common: Common,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DomainCheck {
    pub name: String,
    pub definition: String,
    pub validated: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RangeDef {
    pub subtype: String,
    pub opclass: Option<String>,
    pub collation: Option<String>,
    pub canonical: Option<String>,
    pub subtype_diff: Option<String>,
    pub multirange: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Attribute {
    pub name: String,
    #[serde(rename = "type")]
    pub data_type: String,
    pub collation: Option<String>,
}

/// An enum (`e`), composite (`c`), domain (`d`) or range (`r`) type.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TypeDef {
    pub schema: String,
    pub name: String,
    pub kind: String,
    pub enum_values: Option<Vec<String>>,
    pub base_type: Option<String>,
    pub default: Option<String>,
    pub not_null: bool,
    pub collation: Option<String>,
    pub checks: Option<Vec<DomainCheck>>,
    pub range: Option<RangeDef>,
    pub attributes: Option<Vec<Attribute>>,
    #[serde(flatten)]
    pub common: Common,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SequenceDef {
    pub schema: String,
    pub name: String,
    pub data_type: String,
    pub start: i64,
    pub increment: i64,
    pub min: i64,
    pub max: i64,
    pub cache: i64,
    pub cycle: bool,
    pub unlogged: bool,
    /// `[schema, table, column]` of an OWNED BY.
    pub owned_by: Option<(String, String, String)>,
    #[serde(flatten)]
    pub common: Common,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ColumnDef {
    pub name: String,
    #[serde(rename = "type")]
    pub data_type: String,
    pub collation: Option<String>,
    pub not_null: bool,
    pub default: Option<String>,
    /// `a` (ALWAYS) or `d` (BY DEFAULT).
    pub identity: Option<String>,
    pub identity_sequence: Option<IdentitySequence>,
    /// `s` (STORED).
    pub generated: Option<String>,
    /// Declared on this table, not only inherited.
    pub local: bool,
    pub storage: Option<String>,
    pub statistics: Option<i32>,
    #[serde(flatten)]
    pub common: Common,
}

/// The sequence behind an identity column (in the column's schema).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IdentitySequence {
    pub name: String,
    pub start: i64,
    pub increment: i64,
    pub min: i64,
    pub max: i64,
    pub cache: i64,
    pub cycle: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ForeignServerRef {
    pub name: String,
    pub options: Option<Vec<String>>,
}

/// A table (`r`), partitioned table (`p`), view (`v`), materialized view (`m`) or foreign table
/// (`f`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RelationDef {
    pub schema: String,
    pub name: String,
    pub kind: String,
    pub unlogged: bool,
    pub options: Option<Vec<String>>,
    pub rls_enabled: bool,
    pub rls_forced: bool,
    /// d default, n nothing, f full, i an index (the index says which).
    pub replica_identity: Option<String>,
    pub partition_key: Option<String>,
    pub partition_bound: Option<String>,
    /// `[schema, name]` of the parents: the partitioned table, or the INHERITS list.
    pub parents: Option<Vec<(String, String)>>,
    pub definition: Option<String>,
    pub server: Option<ForeignServerRef>,
    pub columns: Vec<ColumnDef>,
    #[serde(flatten)]
    pub common: Common,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConstraintDef {
    pub schema: String,
    pub table: String,
    pub name: String,
    /// p, u, c, f, x.
    pub kind: String,
    pub definition: String,
    pub validated: bool,
    pub local: bool,
    pub comment: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IndexDef {
    pub schema: String,
    pub table: String,
    pub name: String,
    pub definition: String,
    /// The table's REPLICA IDENTITY USING INDEX.
    pub replica_identity: bool,
    pub comment: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FunctionDef {
    pub schema: String,
    pub name: String,
    /// Identity arguments, as ALTER/DROP FUNCTION take them.
    pub arguments: String,
    /// f (function) or p (procedure).
    pub kind: String,
    /// pg_get_functiondef: a complete CREATE OR REPLACE statement.
    pub definition: String,
    pub result: Option<String>,
    /// Arguments with names and defaults.
    pub signature: String,
    #[serde(flatten)]
    pub common: Common,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TriggerDef {
    pub schema: String,
    pub table: String,
    pub name: String,
    pub definition: String,
    /// O (origin), D (disabled), R (replica), A (always).
    pub enabled: String,
    pub comment: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PolicyDef {
    pub schema: String,
    pub table: String,
    pub name: String,
    pub permissive: bool,
    /// r, a, w, d or * (all).
    pub command: String,
    pub roles: Option<Vec<String>>,
    pub using: Option<String>,
    pub check: Option<String>,
    pub comment: Option<String>,
}
