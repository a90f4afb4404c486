//! The loader's reads straight from the catalogs' heaps (`catalog_scan`): the per-relation rows
//! that are mostly fixed-width fields (columns, indexes, constraints) and the dependency links
//! (sequences to columns, views to what they read). Through SQL each of these rows was planned
//! for, projected, materialized by SPI and converted again: at 1,000 tables these reads were a
//! third of `lint_schema()`. An in-server test holds each equal to the SQL it replaced.

use super::catalog_scan::{
    self, attno, scan, AttributeDefaults, Attributes, Classes, Constraints, Depends, Indexes, Inherits,
    Rewrites, Sequences,
};
use crate::catalog::{Constraint, Index};
use pgrx::pg_sys;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// A column: (relation position, number, name, (type, typmod), not null, identity).
pub type ColumnRow = (usize, i16, String, (u32, i32), bool, bool);

/// The columns of the relations at `position`, read from pg_attribute directly (the type names
/// are formatted afterwards, once per distinct type).
pub fn columns(position: &HashMap<u32, usize>) -> Vec<ColumnRow> {
    let mut columns = Vec::new();
    scan::<Attributes>(|row| {
        let a = row.form();
        if a.attnum <= 0 || a.attisdropped {
            return;
        }
        if let Some(&i) = position.get(&a.attrelid.to_u32()) {
            let type_key = (a.atttypid.to_u32(), a.atttypmod);
            columns.push((
                i,
                a.attnum,
                catalog_scan::name(&a.attname),
                type_key,
                a.attnotnull,
                a.attidentity != 0,
            ));
        }
    });
    columns
}

/// The indexes of the relations at `position`, from pg_index, with their name, method and size
/// from pg_class, whether a constraint uses them (`constraint_indexes`, from `constraints`) or
/// they are attached to a partitioned index (`inherits`), and their statistics. `shape` is what
/// `concat_ws(' ', indoption::text, indexprs::text, indpred::text)` gives: the options and the
/// stored expression and predicate trees, which say what the index computes.
pub fn indexes(
    position: &HashMap<u32, usize>,
    constraint_indexes: &HashSet<u32>,
    inherits: &[(u32, u32)],
) -> Vec<(usize, Index)> {
    let mut found: Vec<(usize, Index)> = Vec::new();
    scan::<Indexes>(|row| {
        let i = row.form();
        let Some(&owner) = position.get(&i.indrelid.to_u32()) else { return };
        let options = row.int2vector(pg_sys::Anum_pg_index_indoption).unwrap_or_default();
        let expressions = row.text(pg_sys::Anum_pg_index_indexprs);
        let predicate = row.text(pg_sys::Anum_pg_index_indpred);
        let options = options.iter().map(|o| o.to_string()).collect::<Vec<_>>().join(" ");
        let shape =
            [Some(options), expressions.clone(), predicate.clone()].into_iter().flatten().collect::<Vec<_>>();
        found.push((
            owner,
            Index {
                oid: i.indexrelid.to_u32(),
                // SAFETY: indkey is the last field of pg_index's fixed part, whole in the row.
                columns: unsafe { catalog_scan::int2vector(&i.indkey) },
                key_columns: i.indnkeyatts,
                unique: i.indisunique,
                primary: i.indisprimary,
                valid: i.indisvalid,
                nulls_not_distinct: i.indnullsnotdistinct,
                expressions: expressions.is_some(),
                partial: predicate.is_some(),
                shape: shape.join(" "),
                opclasses: row.oidvector(pg_sys::Anum_pg_index_indclass).unwrap_or_default(),
                collations: row.oidvector(pg_sys::Anum_pg_index_indcollation).unwrap_or_default(),
                ..Index::default()
            },
        ));
    });
    if found.is_empty() {
        return found;
    }
    let at: HashMap<u32, usize> = found.iter().enumerate().map(|(k, (_, index))| (index.oid, k)).collect();
    let mut methods: HashMap<u32, String> = HashMap::new();
    scan::<Classes>(|row| {
        let c = row.form();
        let Some(&k) = at.get(&c.oid.to_u32()) else { return };
        let index = &mut found[k].1;
        index.name = catalog_scan::name(&c.relname);
        index.method = methods.entry(c.relam.to_u32()).or_insert_with(|| access_method(c.relam)).clone();
        index.pages = Some(c.relpages.into());
        index.tuples = Some(c.reltuples.into());
        index.fillfactor =
            row.text_array(pg_sys::Anum_pg_class_reloptions).and_then(|options| fillfactor(&options));
    });
    for (child, _) in inherits {
        if let Some(&k) = at.get(child) {
            found[k].1.attached = true;
        }
    }
    for (_, index) in &mut found {
        index.constraint = constraint_indexes.contains(&index.oid);
        // As pg_stat_get_numscans() and pg_stat_get_tuples_fetched(): 0 without statistics.
        let (scans, fetched) = table_stats(index.oid).map_or((0, 0), |s| (s.numscans, s.tuples_fetched));
        index.scans = Some(scans);
        index.rows_fetched = Some(fetched);
    }
    found
}

/// The access method's name (btree, gin...).
fn access_method(oid: pg_sys::Oid) -> String {
    // SAFETY: get_am_name returns a palloc'd copy of the name, or NULL for an unknown OID.
    unsafe { lookup_text(pg_sys::get_am_name(oid)) }
}

/// The text a catalog lookup function returned (get_am_name, get_namespace_name...): empty for
/// NULL (not found).
///
/// # Safety
/// `text` must be NULL or a NUL-terminated string.
unsafe fn lookup_text(text: *const std::ffi::c_char) -> String {
    if text.is_null() {
        return String::new();
    }
    super::spi_rows::utf8(std::ffi::CStr::from_ptr(text).to_bytes())
}

/// The fillfactor of a relation's options (`fillfactor=70`), as pg_options_to_table() splits
/// them.
fn fillfactor(options: &[String]) -> Option<i32> {
    options.iter().find_map(|o| o.strip_prefix("fillfactor=")).and_then(|v| v.parse().ok())
}

/// The cumulative statistics of a relation or index, as the pg_stat_get_*() functions read them.
fn table_stats(oid: u32) -> Option<pg_sys::PgStat_StatTabEntry> {
    // SAFETY: returns NULL or an entry in the backend's statistics snapshot, copied out at once.
    let entry = unsafe { pg_sys::pgstat_fetch_stat_tabentry(pg_sys::Oid::from(oid)) };
    // SAFETY: non-NULL: a valid entry (above).
    (!entry.is_null()).then(|| unsafe { *entry })
}

/// pg_inherits: (child, parent) for partitions, attached partition indexes and tables made
/// with INHERITS.
pub fn inherits() -> Vec<(u32, u32)> {
    let [inhrelid, inhparent] = [c"inhrelid", c"inhparent"].map(attno::<Inherits>);
    let mut pairs = Vec::new();
    scan::<Inherits>(|row| {
        if let (Some(child), Some(parent)) = (row.oid(inhrelid), row.oid(inhparent)) {
            pairs.push((child, parent));
        }
    });
    pairs.sort();
    pairs
}

/// The primary keys, foreign keys and checks of the relations at `position` (relation position,
/// referenced relation OID, constraint), and the indexes any constraint uses (`conindid`).
pub fn constraints(position: &HashMap<u32, usize>) -> (Vec<(usize, u32, Constraint)>, HashSet<u32>) {
    let [conrelid, conname, contype, conkey, confrelid, confkey, convalidated, conindid] = [
        c"conrelid",
        c"conname",
        c"contype",
        c"conkey",
        c"confrelid",
        c"confkey",
        c"convalidated",
        c"conindid",
    ]
    .map(attno::<Constraints>);
    let mut found = Vec::new();
    let mut indexes = HashSet::new();
    scan::<Constraints>(|row| {
        if let Some(index) = row.oid(conindid).filter(|&o| o != 0) {
            indexes.insert(index);
        }
        let Some(&owner) = row.oid(conrelid).and_then(|o| position.get(&o)) else { return };
        let kind = row.char(contype).unwrap_or_default();
        if !matches!(kind, b'p' | b'f' | b'c') {
            return;
        }
        let constraint = Constraint {
            name: row.name(conname).unwrap_or_default(),
            kind: char::from(kind).to_string(),
            columns: row.int2_array(conkey),
            ref_columns: row.int2_array(confkey),
            validated: row.flag(convalidated).unwrap_or(false),
            ..Constraint::default()
        };
        found.push((owner, row.oid(confrelid).unwrap_or_default(), constraint));
    });
    (found, indexes)
}

/// What the dependency catalog says the loader needs: which columns each sequence feeds, and
/// which relations each view's rules read.
pub struct Dependencies {
    /// (sequence, table, column number): the column that owns the sequence (serial, identity,
    /// OWNED BY), or one whose default calls its nextval(). Sorted, without duplicates.
    pub sequence_links: Vec<(u32, u32, i16)>,
    /// Per relation with rewrite rules (views, materialized views), the relations its rules
    /// read (itself left out), sorted.
    pub reads: BTreeMap<u32, BTreeSet<u32>>,
    /// The rules written with CREATE RULE (all but views' `_RETURN`): (relation, name, event),
    /// sorted.
    pub rules: Vec<(u32, String, String)>,
}

/// One pass over pg_depend (with pg_sequence, pg_attrdef and pg_rewrite to resolve it).
pub fn dependencies() -> Dependencies {
    let seqrelid = attno::<Sequences>(c"seqrelid");
    let mut sequences = HashSet::new();
    scan::<Sequences>(|row| {
        sequences.extend(row.oid(seqrelid));
    });
    let [ad_oid, adrelid, adnum] = [c"oid", c"adrelid", c"adnum"].map(attno::<AttributeDefaults>);
    let mut defaults: HashMap<u32, (u32, i16)> = HashMap::new();
    scan::<AttributeDefaults>(|row| {
        if let (Some(oid), Some(table), Some(num)) = (row.oid(ad_oid), row.oid(adrelid), row.int2(adnum)) {
            defaults.insert(oid, (table, num));
        }
    });
    let [rw_oid, ev_class, rulename, ev_type] =
        [c"oid", c"ev_class", c"rulename", c"ev_type"].map(attno::<Rewrites>);
    let mut rules: HashMap<u32, u32> = HashMap::new();
    let mut written_rules = Vec::new();
    scan::<Rewrites>(|row| {
        if let (Some(rule), Some(relation)) = (row.oid(rw_oid), row.oid(ev_class)) {
            rules.insert(rule, relation);
            let name = row.name(rulename).unwrap_or_default();
            if name != "_RETURN" {
                let event = match row.char(ev_type) {
                    Some(b'1') => "SELECT",
                    Some(b'2') => "UPDATE",
                    Some(b'3') => "INSERT",
                    Some(b'4') => "DELETE",
                    _ => "",
                };
                written_rules.push((relation, name, event.to_string()));
            }
        }
    });
    let [classid, objid, refclassid, refobjid, refobjsubid, deptype] =
        [c"classid", c"objid", c"refclassid", c"refobjid", c"refobjsubid", c"deptype"].map(attno::<Depends>);
    let (class, default, rewrite) = (pg_sys::RelationRelationId.to_u32(), ATTRDEF, REWRITE);
    let mut links = BTreeSet::new();
    let mut reads: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
    scan::<Depends>(|row| {
        if row.oid(refclassid) != Some(class) {
            return;
        }
        let (Some(object), Some(referenced)) = (row.oid(objid), row.oid(refobjid)) else { return };
        let referenced_column = row.int4(refobjsubid).unwrap_or_default();
        match row.oid(classid) {
            // A sequence owned by a column (serial, identity: 'i'; OWNED BY: 'a').
            Some(c) if c == class && referenced_column > 0 && sequences.contains(&object) => {
                if matches!(row.char(deptype), Some(b'a' | b'i')) {
                    links.insert((object, referenced, referenced_column as i16));
                }
            }
            // A column default calling nextval() on the sequence.
            Some(c) if c == default && referenced_column == 0 && sequences.contains(&referenced) => {
                if let Some(&(table, num)) = defaults.get(&object) {
                    links.insert((referenced, table, num));
                }
            }
            // A rule (a view's query) reading a relation.
            Some(c) if c == rewrite => {
                if let Some(&relation) = rules.get(&object).filter(|&&r| r != referenced) {
                    reads.entry(relation).or_default().insert(referenced);
                }
            }
            _ => {}
        }
    });
    written_rules.sort();
    Dependencies { sequence_links: links.into_iter().collect(), reads, rules: written_rules }
}

/// pg_attrdef, pg_rewrite (their OIDs, from catalog/pg_*.h: not in pgrx's bindings).
const ATTRDEF: u32 = 2604;
const REWRITE: u32 = 2618;

/// What the view rules need to know of a relation a view reads: its name, whether it has
/// row-level security, and whether PUBLIC may read it directly.
pub struct ReadRelation {
    pub schema: String,
    pub name: String,
    pub rls: bool,
    pub public_select: bool,
}

/// `ReadRelation` of each of `oids` that still exists (from the relation cache's catalog).
pub fn read_relations(oids: impl IntoIterator<Item = u32>) -> HashMap<u32, ReadRelation> {
    oids.into_iter()
        .filter_map(|oid| {
            let relid = pg_sys::Oid::from(oid);
            // SAFETY: a syscache lookup by OID; NULL when the relation is gone. The tuple is
            // released below after its fields are copied.
            let tuple = unsafe {
                pg_sys::SearchSysCache1(pg_sys::SysCacheIdentifier::RELOID as _, pg_sys::Datum::from(relid))
            };
            if tuple.is_null() {
                return None;
            }
            // SAFETY: a pg_class row (RELOID cache) while the tuple is held.
            let form = unsafe { &*pg_sys::heap_tuple_get_struct::<pg_sys::FormData_pg_class>(tuple) };
            let (name, namespace, rls) =
                (catalog_scan::name(&form.relname), form.relnamespace, form.relrowsecurity);
            // SAFETY: obtained above.
            unsafe { pg_sys::ReleaseSysCache(tuple) };
            // SAFETY: get_namespace_name returns a palloc'd NUL-terminated copy, or NULL.
            let schema = unsafe { lookup_text(pg_sys::get_namespace_name(namespace)) };
            let mut gone = false;
            // SAFETY: reads the relation's ACL through the syscache; ACL_ID_PUBLIC is PUBLIC, as
            // has_table_privilege('public', ...) passes it. A relation dropped meanwhile sets
            // `gone` instead of raising an error.
            let granted = unsafe {
                pg_sys::pg_class_aclcheck_ext(
                    relid,
                    pg_sys::Oid::from(pg_sys::ACL_ID_PUBLIC),
                    pg_sys::ACL_SELECT as _,
                    &mut gone,
                )
            };
            if gone {
                return None;
            }
            let public_select = granted == pg_sys::AclResult::ACLCHECK_OK;
            Some((oid, ReadRelation { schema, name, rls, public_select }))
        })
        .collect()
}

#[cfg(test)]
mod unit {
    use super::fillfactor;

    #[test]
    fn fillfactor_is_read_from_the_options_as_pg_options_to_table_splits_them() {
        let options = |list: &[&str]| list.iter().map(|o| o.to_string()).collect::<Vec<_>>();
        assert_eq!(fillfactor(&options(&["deduplicate_items=off", "fillfactor=70"])), Some(70));
        assert_eq!(fillfactor(&options(&["autovacuum_enabled=false"])), None);
        assert_eq!(fillfactor(&options(&["fillfactor=x"])), None);
    }
}
