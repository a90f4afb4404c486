-- The catalog snapshot linting reads: one query, one JSON document (src/catalog/mod.rs).
-- Left out: system schemas, confiture's own schema, and objects that belong to an extension.
WITH user_relation AS (
    SELECT c.oid, n.nspname, c.relname, c.relkind, c.relpersistence, c.relrowsecurity,
           c.reloptions, ds.description
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_description ds ON ds.objoid = c.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'confiture')
      AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
      AND NOT EXISTS (SELECT 1 FROM pg_depend d
                      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
),
-- Indexes that back a constraint (pg_constraint.conindid has no index: look it up once).
constraint_index AS MATERIALIZED (
    SELECT conindid FROM pg_constraint WHERE conindid <> 0
),
-- One grouped pass per catalog table, joined to the relations below, never one subquery per
-- relation: right after a large build, before autovacuum has analyzed the catalogs, the
-- planner's row estimates are far off and per-relation subqueries took seconds. Columns are compact arrays:
-- [num, name, format_type, typname, not_null, identity].
user_column AS MATERIALIZED (
    SELECT a.attrelid, a.attnum, a.attname, a.atttypid, a.atttypmod, a.attnotnull, a.attidentity
    FROM pg_attribute a
    WHERE a.attrelid IN (SELECT oid FROM user_relation) AND a.attnum > 0 AND NOT a.attisdropped
),
-- format_type() once per distinct type, not once per column.
column_type AS (
    SELECT d.atttypid, d.atttypmod, format_type(d.atttypid, d.atttypmod) AS formatted, t.typname
    FROM (SELECT DISTINCT atttypid, atttypmod FROM user_column) d JOIN pg_type t ON t.oid = d.atttypid
),
relation_columns AS (
    SELECT c.attrelid, json_agg(json_build_array(c.attnum, c.attname, ct.formatted, ct.typname,
                                                 c.attnotnull, c.attidentity <> '') ORDER BY c.attnum) AS list
    FROM user_column c JOIN column_type ct ON ct.atttypid = c.atttypid AND ct.atttypmod = c.atttypmod
    GROUP BY c.attrelid
),
relation_constraints AS (
    SELECT k.conrelid, json_agg(json_build_object(
               'name', k.conname, 'kind', k.contype, 'columns', k.conkey,
               'ref_schema', rn.nspname, 'ref_table', rc.relname, 'ref_columns', k.confkey) ORDER BY k.conname) AS list
    FROM pg_constraint k
    LEFT JOIN pg_class rc ON rc.oid = k.confrelid
    LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
    WHERE k.conrelid IN (SELECT oid FROM user_relation) AND k.contype IN ('p', 'u', 'f', 'c')
    GROUP BY k.conrelid
),
relation_indexes AS (
    SELECT i.indrelid, json_agg(json_build_object(
               'name', ic.relname, 'columns', i.indkey::int2[], 'key_columns', i.indnkeyatts,
               'unique', i.indisunique, 'primary', i.indisprimary, 'valid', i.indisvalid,
               'nulls_not_distinct', i.indnullsnotdistinct,
               'method', am.amname, 'expressions', i.indexprs IS NOT NULL, 'partial', i.indpred IS NOT NULL,
               -- What the index computes, compared as stored parse trees (cheap; no deparsing).
               'shape', concat_ws(' ', am.amname, i.indkey::text, i.indclass::text, i.indcollation::text,
                                  i.indoption::text, i.indexprs::text, i.indpred::text),
               'opclasses', i.indclass::oid[]::bigint[], 'collations', i.indcollation::oid[]::bigint[],
               'scans', pg_stat_get_numscans(i.indexrelid),
               'constraint', i.indexrelid IN (SELECT conindid FROM constraint_index),
               'attached', EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid))
               ORDER BY ic.relname) AS list
    FROM pg_index i
    JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_am am ON am.oid = ic.relam
    WHERE i.indrelid IN (SELECT oid FROM user_relation)
    GROUP BY i.indrelid
),
-- Index scans per table, for unused_index's "is this table read at all".
relation_index_scans AS (
    SELECT i.indrelid, sum(pg_stat_get_numscans(i.indexrelid))::bigint AS scans
    FROM pg_index i
    WHERE i.indrelid IN (SELECT oid FROM user_relation)
    GROUP BY i.indrelid
),
-- Views reading tables with row-level security, found from those (few) tables.
view_rls_reads AS (
    SELECT w.ev_class AS view_oid, json_agg(DISTINCT format('%I.%I', tn.nspname, t.relname)) AS tables
    FROM pg_class t
    JOIN pg_namespace tn ON tn.oid = t.relnamespace
    JOIN pg_depend d ON d.refclassid = 'pg_class'::regclass AND d.refobjid = t.oid AND d.classid = 'pg_rewrite'::regclass
    JOIN pg_rewrite w ON w.oid = d.objid AND w.ev_class <> t.oid
    WHERE t.relrowsecurity
    GROUP BY w.ev_class
),
-- Which columns take values from which sequence: owners (serial, identity, OWNED BY) and
-- columns whose default calls nextval() on it.
sequence_link AS (
    SELECT d.objid AS seqid, d.refobjid AS relid, d.refobjsubid AS attnum
    FROM pg_depend d
    WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
      AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
      AND d.objid IN (SELECT seqrelid FROM pg_sequence)
    UNION
    SELECT d.refobjid, ad.adrelid, ad.adnum
    FROM pg_depend d JOIN pg_attrdef ad ON ad.oid = d.objid
    WHERE d.classid = 'pg_attrdef'::regclass AND d.refclassid = 'pg_class'::regclass
      AND d.refobjid IN (SELECT seqrelid FROM pg_sequence)
),
relation_policies AS (
    SELECT p.polrelid, json_agg(json_build_object(
               'name', p.polname, 'command', p.polcmd, 'permissive', p.polpermissive,
               'using', pg_get_expr(p.polqual, p.polrelid), 'with_check', pg_get_expr(p.polwithcheck, p.polrelid))
               ORDER BY p.polname) AS list
    FROM pg_policy p
    WHERE p.polrelid IN (SELECT oid FROM user_relation)
    GROUP BY p.polrelid
)
SELECT json_build_object(
  'relations', (SELECT coalesce(json_agg(json_build_object(
      'oid', r.oid::bigint,
      'schema', r.nspname,
      'name', r.relname,
      'kind', r.relkind,
      'unlogged', r.relpersistence = 'u',
      'rls_enabled', r.relrowsecurity,
      'security_invoker', coalesce(r.reloptions @> ARRAY['security_invoker=true'], false)
                          OR coalesce(r.reloptions @> ARRAY['security_invoker=on'], false),
      'comment', r.description,
      'columns', coalesce(rcol.list, '[]'),
      'constraints', coalesce(rcon.list, '[]'),
      'indexes', coalesce(ridx.list, '[]'),
      'policies', coalesce(rpol.list, '[]'),
      'scans', CASE WHEN r.relkind IN ('r', 'p', 'm')
                    THEN json_build_object('seq', pg_stat_get_numscans(r.oid), 'idx', coalesce(rsc.scans, 0)) END,
      'reads_rls_tables', CASE WHEN r.relkind IN ('v', 'm') THEN coalesce(vrr.tables, '[]') END
    ) ORDER BY r.nspname, r.relname), '[]')
    FROM user_relation r
    LEFT JOIN relation_columns rcol ON rcol.attrelid = r.oid
    LEFT JOIN relation_constraints rcon ON rcon.conrelid = r.oid
    LEFT JOIN relation_indexes ridx ON ridx.indrelid = r.oid
    LEFT JOIN relation_policies rpol ON rpol.polrelid = r.oid
    LEFT JOIN relation_index_scans rsc ON rsc.indrelid = r.oid
    LEFT JOIN view_rls_reads vrr ON vrr.view_oid = r.oid),
  -- Each sequence with the columns that take values from it (sequence_link). last_value is read
  -- (which opens the sequence) only where a rule needs it: for sequences feeding int2/int4 columns.
  'sequences', (SELECT coalesce(json_agg(json_build_object(
      'schema', sq.nspname, 'name', sq.relname, 'columns', sq.columns,
      'last_value', CASE WHEN sq.feeds_small_integer AND has_sequence_privilege(sq.oid, 'SELECT,USAGE')
                         THEN pg_sequence_last_value(sq.oid) END)), '[]')
    FROM (
      SELECT sc.oid, sn.nspname, sc.relname,
             coalesce(json_agg(json_build_array(link.relid::bigint, link.attnum)) FILTER (WHERE link.relid IS NOT NULL), '[]') AS columns,
             coalesce(bool_or(uc.atttypid IN ('int2'::regtype, 'int4'::regtype)), false) AS feeds_small_integer
      FROM pg_sequence s
      JOIN pg_class sc ON sc.oid = s.seqrelid
      JOIN pg_namespace sn ON sn.oid = sc.relnamespace
      LEFT JOIN sequence_link link ON link.seqid = sc.oid
      LEFT JOIN user_column uc ON uc.attrelid = link.relid AND uc.attnum = link.attnum
      WHERE sn.nspname NOT IN ('pg_catalog', 'information_schema', 'confiture')
        AND NOT EXISTS (SELECT 1 FROM pg_depend e
                        WHERE e.classid = 'pg_class'::regclass AND e.objid = sc.oid AND e.deptype = 'e')
      GROUP BY sc.oid, sn.nspname, sc.relname
    ) sq),
  'functions', (SELECT coalesce(json_agg(json_build_object(
      -- name(argument types): stable whatever the search_path, unlike regprocedure's text.
      'schema', n.nspname, 'signature', format('%s(%s)', p.proname, oidvectortypes(p.proargtypes)),
      'security_definer', p.prosecdef, 'config', p.proconfig, 'language', l.lanname)
      ORDER BY n.nspname, p.proname), '[]')
    FROM pg_proc p
    JOIN pg_namespace n ON n.oid = p.pronamespace
    JOIN pg_language l ON l.oid = p.prolang
    -- Only SECURITY DEFINER functions: the only ones a rule looks at.
    WHERE p.prosecdef
      AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'confiture')
      AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
      AND NOT EXISTS (SELECT 1 FROM pg_depend d
                      WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')),
  'extensions', (SELECT coalesce(json_agg(json_build_object(
      'name', e.extname, 'schema', n.nspname, 'relocatable', e.extrelocatable) ORDER BY e.extname), '[]')
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace),
  'schemas', (SELECT coalesce(json_agg(json_build_object(
      'name', n.nspname, 'public_can_create', has_schema_privilege('public', n.oid, 'CREATE'))
      ORDER BY n.nspname), '[]')
    FROM pg_namespace n
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'confiture')
      AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
      AND NOT EXISTS (SELECT 1 FROM pg_depend d
                      WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e')),
  'reserved_words', (SELECT json_agg(word) FROM pg_get_keywords() WHERE catcode = 'R')
)::text
