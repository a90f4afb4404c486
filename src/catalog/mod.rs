//! A snapshot of the live catalog as plain Rust data, loaded by `server::catalog_loader` (the
//! queries in `sql/`). Everything downstream (lint rules) is pure code over these structs; unit
//! tests write catalogs as JSON (serde).

use serde::Deserialize;
use std::collections::HashMap;

#[derive(Debug, Default, Deserialize)]
pub struct Catalog {
    #[serde(default)]
    pub relations: Vec<Relation>,
    #[serde(default)]
    pub sequences: Vec<Sequence>,
    #[serde(default)]
    pub functions: Vec<Function>,
    #[serde(default)]
    pub extensions: Vec<Extension>,
    #[serde(default)]
    pub schemas: Vec<Schema>,
    #[serde(default)]
    pub reserved_words: Vec<String>,
    /// When this database's statistics were last reset (ISO 8601): how far back scan counts go.
    #[serde(default)]
    pub stats_since: Option<String>,
    /// Days since that reset (None: never reset).
    #[serde(default)]
    pub stats_age_days: Option<f64>,
    /// What the server as a whole says, beyond this database's schemas.
    #[serde(default)]
    pub server: Server,
    /// Domains, enums, range types and triggers, by name (the naming rules).
    #[serde(default)]
    pub named_objects: Vec<NamedObject>,
    /// What ALTER DEFAULT PRIVILEGES grants on the tables and views roles will create.
    #[serde(default)]
    pub default_privileges: Vec<DefaultPrivilege>,
    /// The linted database: its name and encoding (pg_database.encoding's name: UTF8, LATIN1,
    /// SQL_ASCII...).
    #[serde(default)]
    pub database: (String, String),
    #[serde(skip)]
    relation_index: HashMap<(String, String), usize>,
    #[serde(skip)]
    sequence_index: HashMap<(u32, i16), usize>,
}

impl Catalog {
    pub fn new(
        relations: Vec<Relation>,
        sequences: Vec<Sequence>,
        functions: Vec<Function>,
        extensions: Vec<Extension>,
        schemas: Vec<Schema>,
        reserved_words: Vec<String>,
    ) -> Self {
        Self { relations, sequences, functions, extensions, schemas, reserved_words, ..Self::default() }
            .indexed()
    }

    pub fn tables(&self) -> impl Iterator<Item = &Relation> {
        self.relations.iter().filter(|r| r.is_table())
    }

    pub fn relation(&self, schema: &str, name: &str) -> Option<&Relation> {
        self.relation_index.get(&(schema.to_string(), name.to_string())).map(|&i| &self.relations[i])
    }

    /// The sequence a column takes its values from, if any.
    pub fn sequence_of(&self, table: &Relation, column: &Column) -> Option<&Sequence> {
        self.sequence_index.get(&(table.oid, column.num)).map(|&i| &self.sequences[i])
    }

    /// `name` as an SQL identifier: quoted unless it is a plain lower-case name that is not a
    /// reserved word (what quote_ident does, for the names a remediation writes).
    pub fn ident(&self, name: &str) -> String {
        confiture_core::sql_text::quote_ident(name, |word| self.reserved_words.iter().any(|w| w == word))
    }

    /// `schema.name`, each part quoted as needed.
    pub fn sql_name(&self, schema: &str, name: &str) -> String {
        format!("{}.{}", self.ident(schema), self.ident(name))
    }

    /// The partitioned tables `relation` is a partition of, nearest first.
    pub fn ancestors<'c>(&'c self, relation: &'c Relation) -> impl Iterator<Item = &'c Relation> + 'c {
        std::iter::successors(Some(relation), |r| {
            r.partition_of.as_ref().and_then(|(schema, name)| self.relation(schema, name))
        })
        .skip(1)
    }

    /// Build the lookup maps (the loader does, and tests that build a Catalog by hand).
    pub fn indexed(mut self) -> Self {
        self.relation_index =
            self.relations.iter().enumerate().map(|(i, r)| ((r.schema.clone(), r.name.clone()), i)).collect();
        self.sequence_index = self
            .sequences
            .iter()
            .enumerate()
            .flat_map(|(i, s)| s.columns.iter().map(move |&column| (column, i)))
            .collect();
        self
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Relation {
    pub oid: u32,
    pub schema: String,
    pub name: String,
    /// pg_class.relkind: r table, p partitioned table, v view, m materialized view, f foreign table.
    pub kind: String,
    #[serde(default)]
    pub unlogged: bool,
    #[serde(default)]
    pub rls_enabled: bool,
    #[serde(default)]
    pub security_invoker: bool,
    pub comment: Option<String>,
    #[serde(default)]
    pub columns: Vec<Column>,
    #[serde(default)]
    pub constraints: Vec<Constraint>,
    #[serde(default)]
    pub indexes: Vec<Index>,
    #[serde(default)]
    pub policies: Vec<Policy>,
    pub scans: Option<TableScans>,
    /// For views: the RLS-enabled tables they read.
    pub reads_rls_tables: Option<Vec<String>>,
    /// For a view: the relations (schema, name) it reads that PUBLIC may not read directly or
    /// that have row-level security (what it shows beyond them when it has its owner's rights).
    #[serde(default)]
    pub owner_rights_reads: Vec<(String, String)>,
    /// Its rewrite rules other than a view's own `_RETURN`: (name, event: SELECT, UPDATE,
    /// INSERT or DELETE).
    #[serde(default)]
    pub rules: Vec<(String, String)>,
    /// For a partition: its partitioned table (schema, name).
    pub partition_of: Option<(String, String)>,
    /// For a table that is not a partition: the tables it inherits from (schema, name) with
    /// INHERITS.
    #[serde(default)]
    pub inherits_from: Vec<(String, String)>,
    /// age(relfrozenxid), for relations that hold rows.
    pub xid_age: Option<i64>,
    /// Live rows by the statistics collector.
    pub live_rows: Option<i64>,
    /// Analyzed at least once, by hand or by autovacuum.
    #[serde(default)]
    pub analyzed: bool,
    /// PUBLIC may SELECT from it.
    #[serde(default)]
    pub public_select: bool,
    /// Roles granted SELECT on it directly (`public` for PUBLIC), its owner aside.
    #[serde(default)]
    pub readers: Vec<String>,
    /// A few non-NULL values of the columns whose names suggest a secret, by column: what they
    /// hold tells a hash from a plain-text secret. Values are only looked at, never reported.
    #[serde(default)]
    pub samples: HashMap<String, Vec<String>>,
    /// Size and vacuum facts of what holds rows (tables, materialized views).
    pub storage: Option<Storage>,
    /// pg_stats of the columns, by column number: what a row of it weighs.
    #[serde(default)]
    pub column_stats: HashMap<i16, ColumnStats>,
    /// The role that owns it.
    #[serde(default)]
    pub owner: String,
    /// When its catalog row was last written (ISO 8601) and how many days ago: its creation or
    /// a later ALTER or GRANT. Known only when the server keeps commit timestamps, and asked
    /// only for the tables a rule may report (table_never_read's candidates).
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub age_days: Option<f64>,
}

/// pg_class and the statistics collector on a relation that holds rows.
#[derive(Debug, Default, Deserialize)]
pub struct Storage {
    pub pages: i64,
    /// reltuples: -1 until first vacuumed or analyzed.
    pub tuples: f64,
    pub fillfactor: Option<i32>,
    pub dead_rows: i64,
    /// Vacuumed at least once, by hand or by autovacuum.
    pub vacuumed: bool,
    /// The autovacuum_enabled storage parameter, when set on the relation.
    #[serde(default)]
    pub autovacuum_enabled: Option<bool>,
}

/// A column's pg_stats: average stored width and the fraction of NULLs.
#[derive(Debug, Default, Clone, Copy, Deserialize)]
pub struct ColumnStats {
    pub avg_width: f64,
    pub null_frac: f64,
}

impl Relation {
    pub fn is_table(&self) -> bool {
        self.kind == "r" || self.kind == "p"
    }

    pub fn is_view(&self) -> bool {
        self.kind == "v" || self.kind == "m"
    }

    pub fn column(&self, num: i16) -> Option<&Column> {
        self.columns.iter().find(|c| c.num == num)
    }

    pub fn column_names(&self, nums: &[i16]) -> Vec<String> {
        nums.iter().map(|n| self.column(*n).map_or_else(|| format!("#{n}"), |c| c.name.clone())).collect()
    }

    /// How SQL names its kind: `TABLE`, `MATERIALIZED VIEW`, `VIEW`, `FOREIGN TABLE`.
    pub fn sql_kind(&self) -> &'static str {
        match self.kind.as_str() {
            "m" => "MATERIALIZED VIEW",
            "v" => "VIEW",
            "f" => "FOREIGN TABLE",
            _ => "TABLE",
        }
    }

    /// How a message names it: `table`, `materialized view`...
    pub fn noun(&self) -> &'static str {
        match self.kind.as_str() {
            "m" => "materialized view",
            "v" => "view",
            "f" => "foreign table",
            _ => "table",
        }
    }

    pub fn qualified(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }

    pub fn primary_key(&self) -> Option<&Constraint> {
        self.constraints.iter().find(|c| c.kind == "p")
    }
}

/// A column. The snapshot sends columns as compact arrays (there are many):
/// `[num, name, format_type, typname, not_null, identity]`.
#[derive(Debug, Default, Deserialize)]
#[serde(from = "ColumnRow")]
pub struct Column {
    pub num: i16,
    pub name: String,
    /// format_type(): `integer`, `character varying(20)`, `timestamp without time zone`, ...
    pub data_type: String,
    /// pg_type.typname: `int4`, `varchar`, `timestamp`, ...
    pub type_name: String,
    pub not_null: bool,
    pub identity: bool,
}

type ColumnRow = (i16, String, String, String, bool, bool);

impl From<ColumnRow> for Column {
    fn from((num, name, data_type, type_name, not_null, identity): ColumnRow) -> Self {
        Self { num, name, data_type, type_name, not_null, identity }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Constraint {
    pub name: String,
    /// p primary key, u unique, f foreign key, c check.
    pub kind: String,
    pub columns: Option<Vec<i16>>,
    pub ref_schema: Option<String>,
    pub ref_table: Option<String>,
    pub ref_columns: Option<Vec<i16>>,
    /// False for a constraint added NOT VALID and not validated since.
    #[serde(default = "yes")]
    pub validated: bool,
}

impl Constraint {
    pub fn column_nums(&self) -> &[i16] {
        self.columns.as_deref().unwrap_or(&[])
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Index {
    #[serde(default)]
    pub oid: u32,
    pub name: String,
    /// pg_index.indkey: table column numbers, 0 for an expression.
    pub columns: Vec<i16>,
    pub key_columns: i16,
    #[serde(default)]
    pub unique: bool,
    #[serde(default)]
    pub primary: bool,
    #[serde(default = "yes")]
    pub valid: bool,
    #[serde(default)]
    pub nulls_not_distinct: bool,
    pub method: String,
    #[serde(default)]
    pub expressions: bool,
    #[serde(default)]
    pub partial: bool,
    /// Options, expressions and predicate (as stored parse trees): with the method, columns,
    /// operator classes and collations, what the index computes.
    pub shape: String,
    #[serde(default)]
    pub opclasses: Vec<u32>,
    #[serde(default)]
    pub collations: Vec<u32>,
    pub scans: Option<i64>,
    /// Table rows fetched through it (pg_stat_get_tuples_fetched).
    #[serde(default)]
    pub rows_fetched: Option<i64>,
    /// When its catalog row was written (ISO 8601) and how many days ago: its creation or a
    /// later REINDEX/ALTER INDEX. Known only when the server keeps commit timestamps, and
    /// asked only for the indexes a rule may report (unused_index's candidates).
    pub created_at: Option<String>,
    pub age_days: Option<f64>,
    /// Backs a primary key, unique or exclusion constraint.
    #[serde(default)]
    pub constraint: bool,
    /// A partition's index attached to its parent's partitioned index (cannot be dropped alone).
    #[serde(default)]
    pub attached: bool,
    /// pg_class.relpages, reltuples and the fillfactor option of the index.
    pub pages: Option<i64>,
    pub tuples: Option<f64>,
    pub fillfactor: Option<i32>,
}

fn yes() -> bool {
    true
}

impl Index {
    /// The key columns (without INCLUDE columns).
    pub fn keys(&self) -> &[i16] {
        let n = (self.key_columns.max(0) as usize).min(self.columns.len());
        &self.columns[..n]
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Policy {
    pub name: String,
    pub command: String,
    #[serde(default)]
    pub permissive: bool,
    pub using: Option<String>,
    pub with_check: Option<String>,
    /// The roles it applies to; `public` is every role.
    #[serde(default)]
    pub roles: Vec<String>,
    /// USING or WITH CHECK folds to the constant true (`1 = 1`, `'a' = 'a'`, `true OR x`...).
    #[serde(default)]
    pub always_true: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct TableScans {
    pub seq: Option<i64>,
    pub idx: Option<i64>,
    /// Rows read by its sequential scans (seq_tup_read).
    #[serde(default)]
    pub seq_rows: Option<i64>,
    /// Rows fetched through its indexes and bitmap scans (idx_tup_fetch).
    #[serde(default)]
    pub idx_rows: Option<i64>,
    /// Rows inserted (n_tup_ins).
    #[serde(default)]
    pub inserted: Option<i64>,
}

impl TableScans {
    /// Every scan of the table: sequential, and through its indexes.
    pub fn total(&self) -> i64 {
        self.seq.unwrap_or(0) + self.idx.unwrap_or(0)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Sequence {
    pub schema: String,
    pub name: String,
    pub last_value: Option<i64>,
    /// (table OID, column number) of the columns taking values from it: its owner (serial,
    /// identity, OWNED BY) and columns whose default calls nextval() on it.
    #[serde(default)]
    pub columns: Vec<(u32, i16)>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Function {
    pub schema: String,
    pub signature: String,
    #[serde(default)]
    pub security_definer: bool,
    pub config: Option<Vec<String>>,
    pub language: String,
    /// `schema.name(arguments)`, quoted, as ALTER FUNCTION takes it.
    #[serde(default)]
    pub sql_name: String,
    /// PUBLIC may execute it (the default for a new function).
    #[serde(default)]
    pub public_execute: bool,
    /// A SQL-standard body (BEGIN ATOMIC), its names resolved at creation.
    #[serde(default)]
    pub atomic_body: bool,
    /// pg_proc.provolatile: i immutable, s stable, v volatile.
    #[serde(default)]
    pub volatility: String,
    /// Returns trigger: called by triggers only, never directly.
    #[serde(default)]
    pub trigger: bool,
    /// The source of a SQL or PL/pgSQL function in schema public (the only ones a rule reads).
    pub body: Option<String>,
    /// SECURITY DEFINER, not executable by PUBLIC: the login roles that may execute it without
    /// having its owner's rights otherwise.
    #[serde(default)]
    pub definer_callers: Vec<String>,
    /// SECURITY DEFINER: the roles EXECUTE is granted to directly, PUBLIC and the owner aside.
    #[serde(default)]
    pub execute_grantees: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Extension {
    pub name: String,
    pub schema: String,
    #[serde(default)]
    pub relocatable: bool,
    #[serde(default)]
    pub version: String,
    /// The version CREATE EXTENSION would install now (pg_available_extensions).
    pub default_version: Option<String>,
}

/// An object only the naming rules look at.
#[derive(Debug, Default, Deserialize)]
pub struct NamedObject {
    /// domain, type (enum or range) or trigger.
    pub kind: String,
    pub schema: String,
    pub name: String,
    /// A trigger's table.
    pub table: Option<String>,
}

/// One grant of a pg_default_acl entry on tables: objects `creator` creates in `schema` (None:
/// in any schema) get `privilege` (SELECT, INSERT...) for `grantee` (`public` for PUBLIC).
#[derive(Debug, Default, Deserialize)]
pub struct DefaultPrivilege {
    pub creator: String,
    pub schema: Option<String>,
    pub grantee: String,
    pub privilege: String,
}

/// Server-wide facts: password hashing, replication slots, pg_hba.conf.
#[derive(Debug, Default, Deserialize)]
pub struct Server {
    /// The password_encryption setting.
    #[serde(default)]
    pub password_encryption: String,
    /// Login roles whose stored password is an MD5 hash; None when the caller may not read
    /// pg_authid (only superusers may).
    #[serde(default)]
    pub md5_password_roles: Option<Vec<String>>,
    #[serde(default)]
    pub replication_slots: Vec<ReplicationSlot>,
    /// The pg_hba.conf lines for TCP connections; None when the caller may not read them (only
    /// superusers may, by default).
    #[serde(default)]
    pub hba_lines: Option<Vec<HbaLine>>,
}

/// A pg_hba.conf line (pg_hba_file_rules) for TCP connections.
#[derive(Debug, Default, Deserialize)]
pub struct HbaLine {
    pub line_number: i32,
    /// host, hostssl, hostnossl, hostgssenc, hostnogssenc.
    pub kind: String,
    pub databases: Vec<String>,
    pub users: Vec<String>,
    /// An IP address, all, samehost, samenet, or a host name.
    pub address: Option<String>,
    pub netmask: Option<String>,
    pub method: String,
}

/// A replication slot (pg_replication_slots).
#[derive(Debug, Default, Deserialize)]
pub struct ReplicationSlot {
    pub name: String,
    /// physical or logical.
    pub kind: String,
    /// The database of a logical slot.
    pub database: Option<String>,
    pub active: bool,
    /// reserved, extended, unreserved or lost.
    pub wal_status: Option<String>,
    /// Bytes of WAL from the slot's restart point to the server's current position.
    pub retained_bytes: Option<i64>,
    /// age() of the oldest transaction (xmin) and catalog transaction (catalog_xmin) it holds.
    pub xmin_age: Option<i64>,
    pub catalog_xmin_age: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Schema {
    pub name: String,
    #[serde(default)]
    pub public_can_create: bool,
    #[serde(default)]
    pub owner: String,
}
