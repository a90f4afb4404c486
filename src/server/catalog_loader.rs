//! Loading the catalog snapshot, as rows straight into the structs of `crate::catalog`: through
//! SPI, and for columns, indexes, constraints and dependencies from the catalogs' heaps
//! (`catalog_direct`), under the statement's snapshot. (Building the same data as one JSON
//! document in SQL cost three times as much on 1000 tables: json_build_object pays per value.)
//! The queries run read-only unless the transaction has written, so they see the statement's
//! snapshot too; after writes in the same transaction each query takes a newer one (SPI's
//! rule), which differs only by what other sessions commit meanwhile.

use super::catalog_direct;
use super::heap_sample::{self, Sample};
use super::scope::{Scope, Setting};
use super::spi_rows::{select_rows, Row};
use crate::catalog::{
    Catalog, Column, ColumnStats, DefaultPrivilege, Extension, Function, HbaLine, Index, NamedObject, Policy,
    Relation, ReplicationSlot, Schema, Sequence, Server, Storage, TableScans,
};
use pgrx::datum::DatumWithOid;
use pgrx::pg_sys;
use pgrx::spi::{self, SpiClient};
use pgrx::Spi;
use std::collections::{BTreeMap, BTreeSet, HashMap};

fn text(row: &Row, n: usize) -> spi::Result<String> {
    Ok(row.text(n)?.unwrap_or_default())
}

fn flag(row: &Row, n: usize) -> spi::Result<bool> {
    Ok(row.get::<bool>(n)?.unwrap_or(false))
}

fn oid(row: &Row, n: usize) -> spi::Result<u32> {
    Ok(row.get::<pg_sys::Oid>(n)?.map(|o| o.to_u32()).unwrap_or_default())
}

/// Run `query` (with the relation OIDs as $1 when `relations` is given) and map every row.
fn rows<T>(
    client: &SpiClient<'_>,
    query: &str,
    relations: Option<&[pg_sys::Oid]>,
    map: impl FnMut(&Row) -> spi::Result<T>,
) -> spi::Result<Vec<T>> {
    let args: Vec<DatumWithOid> =
        relations.map(|oids| vec![DatumWithOid::from(oids.to_vec())]).unwrap_or_default();
    select_rows(client, query, &args, map)
}

/// format_type() and typname for each distinct (type OID, typmod).
fn type_names(
    client: &SpiClient<'_>,
    keys: impl Iterator<Item = (u32, i32)>,
) -> spi::Result<HashMap<(u32, i32), (String, String)>> {
    let distinct: std::collections::BTreeSet<(u32, i32)> = keys.collect();
    let oids: Vec<pg_sys::Oid> = distinct.iter().map(|(t, _)| pg_sys::Oid::from(*t)).collect();
    let typmods: Vec<i32> = distinct.iter().map(|(_, m)| *m).collect();
    let args = [DatumWithOid::from(oids), DatumWithOid::from(typmods)];
    let names = select_rows(client, include_str!("../catalog/sql/types.sql"), &args, |row| {
        Ok(((oid(row, 1)?, row.get::<i32>(2)?.unwrap_or(-1)), (text(row, 3)?, text(row, 4)?)))
    })?;
    Ok(names.into_iter().collect())
}

/// What the rules about to run need beyond the catalog itself.
pub struct Wanted<'w> {
    /// The columns' statistics (the bloat estimates).
    pub column_stats: bool,
    /// The tables and indexes whose age (commit time of their catalog row) a rule needs: asked
    /// for those only, since reading a commit timestamp costs a few microseconds each.
    pub table_age: &'w dyn Fn(&Catalog, &Relation) -> bool,
    pub index_age: &'w dyn Fn(&Relation, &Index) -> bool,
}

/// What the caller may read of what only superusers may by default: the catalog tables and
/// functions some rules use when they can. Asked once, in one query.
struct Privileges {
    /// pg_statistic (else the column statistics come from the pg_stats view).
    statistic: bool,
    /// pg_authid (the roles' password hashes).
    authid: bool,
    /// pg_hba_file_rules() (the pg_hba.conf lines).
    hba_file_rules: bool,
}

fn privileges(client: &SpiClient<'_>) -> spi::Result<Privileges> {
    Ok(select_rows(
        client,
        "SELECT pg_catalog.has_table_privilege('pg_catalog.pg_statistic', 'SELECT'), \
                pg_catalog.has_table_privilege('pg_catalog.pg_authid', 'SELECT'), \
                pg_catalog.has_function_privilege('pg_catalog.pg_hba_file_rules()', 'EXECUTE')",
        &[],
        |row| {
            Ok(Privileges { statistic: flag(row, 1)?, authid: flag(row, 2)?, hba_file_rules: flag(row, 3)? })
        },
    )?
    .pop()
    .unwrap_or(Privileges { statistic: false, authid: false, hba_file_rules: false }))
}

/// pg_statistic itself when the caller may read it (superusers: a tenth of the time), else the
/// pg_stats view, which shows the columns the caller may read.
fn column_stats_query(privileges: &Privileges) -> &'static str {
    if privileges.statistic {
        include_str!("../catalog/sql/column_stats_direct.sql")
    } else {
        include_str!("../catalog/sql/column_stats.sql")
    }
}

/// The catalog queries are short: JIT compilation never pays for itself, and once a large
/// catalog's cost estimate passes jit_above_cost it costs tens of milliseconds per query (47 ms
/// for the relations at 5,000 tables).
const LOADER_SETTINGS: &[Setting] = &[(c"jit", c"off")];

/// The catalog snapshot, read under the loader's settings (put back afterwards, whatever
/// happens: a scope owns them).
pub fn load(wanted: &Wanted) -> spi::Result<Catalog> {
    match Scope::kept_on_success().with_settings(LOADER_SETTINGS).run(|_| read_catalog(wanted)) {
        Ok(catalog) => catalog,
        Err(failure) => failure.error.rethrow(),
    }
}

fn read_catalog(wanted: &Wanted) -> spi::Result<Catalog> {
    Spi::connect(|client| {
        let privileges = privileges(client)?;
        let schema_names: HashMap<u32, String> =
            rows(client, "SELECT oid, nspname::text FROM pg_catalog.pg_namespace", None, |row| {
                Ok((oid(row, 1)?, text(row, 2)?))
            })?
            .into_iter()
            .collect();
        let mut relations = rows(client, include_str!("../catalog/sql/relations.sql"), None, |row| {
            let kind = text(row, 4)?;
            let has_scans = matches!(kind.as_str(), "r" | "p" | "m");
            let holds_rows = matches!(kind.as_str(), "r" | "m");
            Ok(Relation {
                oid: oid(row, 1)?,
                schema: schema_names.get(&oid(row, 2)?).cloned().unwrap_or_default(),
                name: text(row, 3)?,
                kind,
                unlogged: flag(row, 5)?,
                rls_enabled: flag(row, 6)?,
                security_invoker: flag(row, 7)?,
                comment: row.text(8)?,
                // Index scans are summed from the table's indexes below.
                scans: if has_scans {
                    Some(TableScans {
                        seq: row.get(9)?,
                        idx: Some(0),
                        seq_rows: row.get(22)?,
                        idx_rows: row.get(23)?,
                        inserted: row.get(25)?,
                    })
                } else {
                    None
                },
                partition_of: row.get::<Vec<String>>(10)?.and_then(|parent| match parent.as_slice() {
                    [schema, name] => Some((schema.clone(), name.clone())),
                    _ => None,
                }),
                xid_age: row.get(11)?,
                live_rows: if has_scans { row.get(12)? } else { None },
                analyzed: flag(row, 13)?,
                public_select: flag(row, 14)?,
                readers: {
                    let mut readers = row.get::<Vec<String>>(15)?.unwrap_or_default();
                    readers.sort();
                    readers.dedup();
                    readers
                },
                storage: if holds_rows {
                    Some(Storage {
                        pages: row.get::<i64>(16)?.unwrap_or(0),
                        tuples: row.get::<f64>(17)?.unwrap_or(-1.0),
                        fillfactor: row.get::<i32>(18)?,
                        dead_rows: row.get::<i64>(19)?.unwrap_or(0),
                        vacuumed: flag(row, 20)?,
                        autovacuum_enabled: row.get::<bool>(21)?,
                    })
                } else {
                    None
                },
                owner: text(row, 24)?,
                ..Relation::default()
            })
        })?;
        relations.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
        let oids: Vec<pg_sys::Oid> = relations.iter().map(|r| pg_sys::Oid::from(r.oid)).collect();
        let position: HashMap<u32, usize> = relations.iter().enumerate().map(|(i, r)| (r.oid, i)).collect();
        let attach = |owner: u32| position.get(&owner).copied();

        let columns = catalog_direct::columns(&position);
        let types = type_names(client, columns.iter().map(|c| c.3))?;
        for (i, num, name, type_key, not_null, identity) in columns {
            let (data_type, type_name) = types.get(&type_key).cloned().unwrap_or_default();
            relations[i].columns.push(Column { num, name, data_type, type_name, not_null, identity });
        }
        let (constraints, constraint_indexes) = catalog_direct::constraints(&position);
        for (i, referenced, mut constraint) in constraints {
            // A referenced table outside the linted set (excluded, an extension's) stays unnamed:
            // rules that compare with it then skip the key.
            if let Some(target) = attach(referenced) {
                constraint.ref_schema = Some(relations[target].schema.clone());
                constraint.ref_table = Some(relations[target].name.clone());
            }
            relations[i].constraints.push(constraint);
        }
        let inherits = catalog_direct::inherits();
        for (i, index) in catalog_direct::indexes(&position, &constraint_indexes, &inherits) {
            if let Some(scans) = relations[i].scans.as_mut() {
                if let Some(index_scans) = index.scans {
                    scans.idx = Some(scans.idx.unwrap_or(0) + index_scans);
                }
                if let Some(fetched) = index.rows_fetched {
                    scans.idx_rows = Some(scans.idx_rows.unwrap_or(0) + fetched);
                }
            }
            relations[i].indexes.push(index);
        }
        for (owner, mut policy, trees) in
            rows(client, include_str!("../catalog/sql/policies.sql"), Some(&oids), |row| {
                Ok((
                    oid(row, 1)?,
                    Policy {
                        name: text(row, 2)?,
                        command: text(row, 3)?,
                        permissive: flag(row, 4)?,
                        using: row.text(5)?,
                        with_check: row.text(6)?,
                        roles: row.get::<Vec<String>>(7)?.unwrap_or_default(),
                        always_true: false,
                    },
                    [row.text(8)?, row.text(9)?],
                ))
            })?
        {
            // Folded once the rows are read: folding runs in a subtransaction of its own.
            policy.always_true = trees.iter().flatten().any(|tree| super::constant::folds_to_true(tree));
            if let Some(i) = attach(owner) {
                relations[i].policies.push(policy);
            }
        }
        let column_stats = match wanted.column_stats {
            false => vec![],
            true => rows(client, column_stats_query(&privileges), Some(&oids), |row| {
                Ok((
                    oid(row, 1)?,
                    row.get::<i16>(2)?.unwrap_or_default(),
                    row.get::<f64>(3)?.unwrap_or(0.0),
                    row.get::<f64>(4)?.unwrap_or(0.0),
                ))
            })?,
        };
        for (owner, num, avg_width, null_frac) in column_stats {
            if let Some(i) = attach(owner) {
                relations[i].column_stats.insert(num, ColumnStats { avg_width, null_frac });
            }
        }
        for relation in &mut relations {
            // Rows came unordered; rules and messages want columns in table order, and indexes
            // in one order whatever the catalog's physical order (a rule names the first match).
            relation.columns.sort_by_key(|c| c.num);
            relation.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        }
        let dependencies = catalog_direct::dependencies();
        view_reads(&mut relations, &position, &dependencies.reads);
        inheritance(&mut relations, &position, &inherits);
        for (relation, name, event) in dependencies.rules {
            if let Some(i) = attach(relation) {
                relations[i].rules.push((name, event));
            }
        }
        let sequences = sequences(client, &relations, &position, &dependencies.sequence_links)?;
        let functions = rows(client, include_str!("../catalog/sql/functions.sql"), None, |row| {
            Ok(Function {
                schema: text(row, 1)?,
                signature: text(row, 2)?,
                security_definer: flag(row, 3)?,
                config: row.get::<Vec<String>>(4)?,
                language: text(row, 5)?,
                sql_name: text(row, 6)?,
                public_execute: flag(row, 7)?,
                atomic_body: flag(row, 8)?,
                volatility: text(row, 9)?,
                trigger: flag(row, 10)?,
                body: row.text(11)?,
                definer_callers: row.get::<Vec<String>>(12)?.unwrap_or_default(),
                execute_grantees: row.get::<Vec<String>>(13)?.unwrap_or_default(),
            })
        })?;
        let extensions = rows(client, include_str!("../catalog/sql/extensions.sql"), None, |row| {
            Ok(Extension {
                name: text(row, 1)?,
                schema: text(row, 2)?,
                relocatable: flag(row, 3)?,
                version: text(row, 4)?,
                default_version: row.text(5)?,
            })
        })?;
        let schemas = rows(client, include_str!("../catalog/sql/schemas.sql"), None, |row| {
            Ok(Schema { name: text(row, 1)?, public_can_create: flag(row, 2)?, owner: text(row, 3)? })
        })?;
        let reserved_words =
            rows(client, include_str!("../catalog/sql/reserved_words.sql"), None, |row| text(row, 1))?;

        let (stats_since, stats_age_days) = select_rows(
            client,
            "SELECT pg_catalog.to_json(reset) #>> '{}', extract(epoch FROM pg_catalog.now() - reset)::float8 / 86400 \
               FROM (SELECT pg_catalog.pg_stat_get_db_stat_reset_time(oid) AS reset FROM pg_catalog.pg_database \
                      WHERE datname = pg_catalog.current_database()) AS d",
            &[],
            |row| Ok((row.text(1)?, row.get::<f64>(2)?)),
        )?
        .pop()
        .unwrap_or_default();
        let mut catalog = Catalog::new(relations, sequences, functions, extensions, schemas, reserved_words);
        catalog.stats_since = stats_since;
        catalog.stats_age_days = stats_age_days;
        catalog.server = server(client, &privileges)?;
        catalog.default_privileges =
            rows(client, include_str!("../catalog/sql/default_privileges.sql"), None, |row| {
                Ok(DefaultPrivilege {
                    creator: text(row, 1)?,
                    schema: row.text(2)?,
                    grantee: text(row, 3)?,
                    privilege: text(row, 4)?,
                })
            })?;
        catalog.database = select_rows(
            client,
            "SELECT pg_catalog.current_database()::text, pg_catalog.getdatabaseencoding()::text",
            &[],
            |row| Ok((text(row, 1)?, text(row, 2)?)),
        )?
        .pop()
        .unwrap_or_default();
        catalog.named_objects =
            rows(client, include_str!("../catalog/sql/named_objects.sql"), None, |row| {
                Ok(NamedObject {
                    kind: text(row, 1)?,
                    schema: text(row, 2)?,
                    name: text(row, 3)?,
                    table: row.text(4)?,
                })
            })?;
        read_ages(client, &mut catalog, wanted)?;
        Ok(catalog)
    })
}

/// The commit times of the wanted tables' and indexes' catalog rows (nothing when the server
/// keeps no commit timestamps: commit_times.sql then returns no row).
fn read_ages(client: &SpiClient<'_>, catalog: &mut Catalog, wanted: &Wanted) -> spi::Result<()> {
    let mut asked: Vec<pg_sys::Oid> = Vec::new();
    for relation in &catalog.relations {
        if (wanted.table_age)(catalog, relation) {
            asked.push(pg_sys::Oid::from(relation.oid));
        }
        for index in relation.indexes.iter().filter(|index| (wanted.index_age)(relation, index)) {
            asked.push(pg_sys::Oid::from(index.oid));
        }
    }
    if asked.is_empty() {
        return Ok(());
    }
    let times: HashMap<u32, (Option<String>, Option<f64>)> =
        rows(client, include_str!("../catalog/sql/commit_times.sql"), Some(&asked), |row| {
            Ok((oid(row, 1)?, (row.text(2)?, row.get::<f64>(3)?)))
        })?
        .into_iter()
        .collect();
    for relation in &mut catalog.relations {
        if let Some((at, days)) = times.get(&relation.oid) {
            (relation.created_at, relation.age_days) = (at.clone(), *days);
        }
        for index in &mut relation.indexes {
            if let Some((at, days)) = times.get(&index.oid) {
                (index.created_at, index.age_days) = (at.clone(), *days);
            }
        }
    }
    Ok(())
}

/// Password hashing and replication slots. Of pg_authid (superusers only) nothing but the names
/// of login roles whose password is an MD5 hash leaves the query.
fn server(client: &SpiClient<'_>, privileges: &Privileges) -> spi::Result<Server> {
    let password_encryption =
        select_rows(client, "SELECT pg_catalog.current_setting('password_encryption')", &[], |row| {
            text(row, 1)
        })?
        .pop()
        .unwrap_or_default();
    let md5_password_roles = if privileges.authid {
        Some(select_rows(
            client,
            "SELECT rolname::text FROM pg_catalog.pg_authid WHERE rolcanlogin AND rolpassword LIKE 'md5%' ORDER BY 1",
            &[],
            |row| text(row, 1),
        )?)
    } else {
        None
    };
    let replication_slots =
        rows(client, include_str!("../catalog/sql/replication_slots.sql"), None, |row| {
            Ok(ReplicationSlot {
                name: text(row, 1)?,
                kind: text(row, 2)?,
                database: row.text(3)?,
                active: flag(row, 4)?,
                wal_status: row.text(5)?,
                retained_bytes: row.get::<i64>(6)?,
                xmin_age: row.get::<i64>(7)?,
                catalog_xmin_age: row.get::<i64>(8)?,
            })
        })?;
    let hba_lines = if privileges.hba_file_rules {
        Some(rows(client, include_str!("../catalog/sql/hba_rules.sql"), None, |row| {
            Ok(HbaLine {
                line_number: row.get::<i32>(1)?.unwrap_or(0),
                kind: text(row, 2)?,
                databases: row.get::<Vec<String>>(3)?.unwrap_or_default(),
                users: row.get::<Vec<String>>(4)?.unwrap_or_default(),
                address: row.text(5)?,
                netmask: row.text(6)?,
                method: text(row, 7)?,
            })
        })?)
    } else {
        None
    };
    Ok(Server { password_encryption, md5_password_roles, replication_slots, hba_lines })
}

/// The sequences feeding linted columns, where a rule needs them: a column that is not an
/// identity (serial_instead_of_identity), an int2/int4 column (int4_sequence_near_exhaustion,
/// with the sequence's last value). A bigint identity's sequence is not looked at further.
/// What each linted view reads that its readers might not (`owner_rights_reads`: relations
/// with row-level security or that PUBLIC may not read directly; plain views only), and the
/// relations with row-level security each view or materialized view reads (`reads_rls_tables`,
/// quoted).
fn view_reads(
    relations: &mut [Relation],
    position: &HashMap<u32, usize>,
    reads: &BTreeMap<u32, BTreeSet<u32>>,
) {
    for relation in relations.iter_mut().filter(|r| r.is_view()) {
        relation.reads_rls_tables = Some(Vec::new());
    }
    let linted: Vec<(usize, &BTreeSet<u32>)> =
        reads.iter().filter_map(|(relation, read)| Some((*position.get(relation)?, read))).collect();
    let read = catalog_direct::read_relations(linted.iter().flat_map(|(_, read)| read.iter().copied()));
    for (i, oids) in linted {
        let read: Vec<&catalog_direct::ReadRelation> = oids.iter().filter_map(|oid| read.get(oid)).collect();
        let mut rls: Vec<String> = read
            .iter()
            .filter(|t| t.rls)
            .map(|t| spi::quote_qualified_identifier(&t.schema, &t.name))
            .collect();
        if !rls.is_empty() {
            rls.sort();
            relations[i].reads_rls_tables = Some(rls);
        }
        if relations[i].kind == "v" {
            let mut hidden: Vec<(String, String)> = read
                .iter()
                .filter(|t| t.rls || !t.public_select)
                .map(|t| (t.schema.clone(), t.name.clone()))
                .collect();
            hidden.sort();
            relations[i].owner_rights_reads = hidden;
        }
    }
}

/// The parents of the tables made with INHERITS (partitions have `partition_of` instead).
fn inheritance(relations: &mut [Relation], position: &HashMap<u32, usize>, inherits: &[(u32, u32)]) {
    let children: Vec<(usize, u32)> = inherits
        .iter()
        .filter_map(|(child, parent)| Some((*position.get(child)?, *parent)))
        .filter(|(i, _)| relations[*i].is_table() && relations[*i].partition_of.is_none())
        .collect();
    let parents = catalog_direct::read_relations(children.iter().map(|(_, parent)| *parent));
    for (i, parent) in children {
        if let Some(parent) = parents.get(&parent) {
            relations[i].inherits_from.push((parent.schema.clone(), parent.name.clone()));
        }
    }
}

fn sequences(
    client: &SpiClient<'_>,
    relations: &[Relation],
    position: &HashMap<u32, usize>,
    links: &[(u32, u32, i16)],
) -> spi::Result<Vec<Sequence>> {
    let small_integer = |c: &Column| matches!(c.type_name.as_str(), "int2" | "int4");
    let mut feeds: std::collections::BTreeMap<u32, Vec<(u32, i16)>> = Default::default();
    let mut wants_last: HashMap<u32, bool> = HashMap::new();
    for &(sequence, table, num) in links {
        let Some(column) = position.get(&table).and_then(|&i| relations[i].column(num)) else { continue };
        if column.identity && !small_integer(column) {
            continue;
        }
        feeds.entry(sequence).or_default().push((table, num));
        *wants_last.entry(sequence).or_default() |= small_integer(column);
    }
    let oids: Vec<pg_sys::Oid> = feeds.keys().map(|&o| pg_sys::Oid::from(o)).collect();
    let last: Vec<bool> = feeds.keys().map(|o| wants_last[o]).collect();
    let args = [DatumWithOid::from(oids), DatumWithOid::from(last)];
    select_rows(client, include_str!("../catalog/sql/sequence_details.sql"), &args, |row| {
        Ok(Sequence {
            schema: text(row, 2)?,
            name: text(row, 3)?,
            last_value: row.get::<i64>(4)?,
            columns: feeds.remove(&oid(row, 1)?).unwrap_or_default(),
        })
    })
}

/// A lock wait while sampling gives up rather than holding the lint behind a migration; no JIT
/// for these short reads (see LOADER_SETTINGS).
const SAMPLE_SETTINGS: &[Setting] = &[(c"lock_timeout", c"100ms"), (c"jit", c"off")];

/// How many values of each suspect column are sampled.
const SAMPLE_ROWS: usize = 100;

/// Up to 100 rows of each table column of a text type for which `suspect` holds (a name that
/// suggests a secret), kept in `Relation::samples`. Only columns the caller may read. Tables are
/// read directly where that gives what SQL would (`heap_sample`); the others by one query, in a
/// scope that is rolled back; if it fails (a table locked by another session past the lock
/// timeout), each column is read on its own and a locked one is skipped.
pub fn sample_columns(catalog: &mut Catalog, text_types: &[&str], suspect: impl Fn(&str) -> bool) {
    let wanted: Vec<(usize, String)> = catalog
        .relations
        .iter()
        .enumerate()
        .filter(|(_, r)| matches!(r.kind.as_str(), "r" | "p" | "m"))
        .flat_map(|(i, r)| {
            r.columns
                .iter()
                .filter(|c| text_types.contains(&c.type_name.as_str()) && suspect(&c.name))
                .map(move |c| (i, c.name.clone()))
        })
        .collect();
    if wanted.is_empty() {
        return;
    }
    let readable = readable_columns(catalog, &wanted);
    let mut by_relation: Vec<(usize, Vec<String>)> = Vec::new();
    for ((i, column), _) in wanted.into_iter().zip(readable).filter(|(_, readable)| *readable) {
        match by_relation.last_mut() {
            Some((last, columns)) if *last == i => columns.push(column),
            _ => by_relation.push((i, vec![column])),
        }
    }
    let sql_reads = sample_directly(catalog, by_relation);
    sample_by_sql(catalog, sql_reads);
}

/// The direct reads, in one scope that is rolled back (it releases the tables' locks); returns
/// the tables (with their columns) left to SQL, all of them if the scope failed.
fn sample_directly(catalog: &mut Catalog, by_relation: Vec<(usize, Vec<String>)>) -> Vec<(usize, String)> {
    let outcome = Scope::rolled_back().run(|_| {
        by_relation
            .iter()
            .map(|(i, columns)| {
                let names: Vec<&str> = columns.iter().map(String::as_str).collect();
                heap_sample::read(catalog.relations[*i].oid, &names, SAMPLE_ROWS)
            })
            .collect::<Vec<_>>()
    });
    let Ok(samples) = outcome else {
        return by_relation
            .into_iter()
            .flat_map(|(i, columns)| columns.into_iter().map(move |c| (i, c)))
            .collect();
    };
    let mut left = Vec::new();
    for ((i, columns), sample) in by_relation.into_iter().zip(samples) {
        match sample {
            Sample::Read(values) => {
                for (column, values) in columns.into_iter().zip(values) {
                    if let Some(values) = values {
                        catalog.relations[i].samples.insert(column, values);
                    }
                }
            }
            Sample::UseSql => left.extend(columns.into_iter().map(|c| (i, c))),
            Sample::Gone => {}
        }
    }
    left
}

/// `reads` (relation, column) by SQL: one query for all, or one per column if that fails.
fn sample_by_sql(catalog: &mut Catalog, reads: Vec<(usize, String)>) {
    if reads.is_empty() {
        return;
    }
    let reads: Vec<(usize, String, String)> = reads
        .into_iter()
        .map(|(i, column)| {
            let relation = &catalog.relations[i];
            let query = format!(
                "SELECT {column}::text FROM {table} LIMIT {SAMPLE_ROWS}",
                column = spi::quote_identifier(&column),
                table = spi::quote_qualified_identifier(&relation.schema, &relation.name),
            );
            (i, column, query)
        })
        .collect();
    let all = reads
        .iter()
        .enumerate()
        .map(|(n, (_, _, query))| format!("SELECT {n} AS n, v FROM ({query}) AS q(v)"))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let values = match sampled(&all) {
        Some(rows) => {
            let mut by_read: Vec<Vec<String>> = vec![Vec::new(); reads.len()];
            for (n, value) in rows {
                if let (Some(values), Some(value)) = (by_read.get_mut(n as usize), value) {
                    values.push(value);
                }
            }
            by_read.into_iter().map(Some).collect()
        }
        None => reads
            .iter()
            .map(|(_, _, query)| sampled(&format!("SELECT 0, v FROM ({query}) AS q(v)")))
            .map(|rows| rows.map(|rows| rows.into_iter().filter_map(|(_, v)| v).collect()))
            .collect::<Vec<Option<Vec<String>>>>(),
    };
    for ((i, column, _), values) in reads.into_iter().zip(values) {
        if let Some(values) = values {
            catalog.relations[i].samples.insert(column, values);
        }
    }
}

/// Whether the caller may read each (relation, column), in one query.
fn readable_columns(catalog: &Catalog, wanted: &[(usize, String)]) -> Vec<bool> {
    let oids: Vec<pg_sys::Oid> =
        wanted.iter().map(|(i, _)| pg_sys::Oid::from(catalog.relations[*i].oid)).collect();
    let names: Vec<String> = wanted.iter().map(|(_, c)| c.clone()).collect();
    Spi::connect(|client| -> spi::Result<Vec<bool>> {
        client
            .select(
                "SELECT pg_catalog.has_column_privilege(r, c, 'SELECT') \
                 FROM unnest($1::oid[], $2::text[]) WITH ORDINALITY AS x(r, c, n) ORDER BY n",
                None,
                &[DatumWithOid::from(oids), DatumWithOid::from(names)],
            )?
            .map(|row| Ok(row.get::<bool>(1)?.unwrap_or(false)))
            .collect()
    })
    .unwrap_or_else(|_| vec![false; wanted.len()])
}

/// The (read number, value) rows of `query`, run in a scope that is rolled back with a short
/// lock timeout; None when it failed.
fn sampled(query: &str) -> Option<Vec<(i32, Option<String>)>> {
    Scope::rolled_back()
        .with_settings(SAMPLE_SETTINGS)
        .run(|_| {
            Spi::connect(|client| -> spi::Result<Vec<(i32, Option<String>)>> {
                client
                    .select(query, None, &[])?
                    .map(|row| Ok((row.get::<i32>(1)?.unwrap_or(0), row.get(2)?)))
                    .collect()
            })
        })
        .ok()
        .and_then(Result::ok)
}
