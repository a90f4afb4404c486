-- The catalog snapshot that `schema diff` compares: every user object of the database (schemas
-- $1, or all but the system's and confiture's own when $1 is NULL), as the server itself prints it
-- (pg_get_*def, format_type, pg_get_expr), with dependency edges from pg_depend. Members of an
-- extension are left out: the extension is one object. Run with search_path = pg_catalog, so that
-- every name the server prints is schema-qualified whatever the caller's search_path.
-- Shared by the extension (confiture.catalog_snapshot) and the CLI (databases without it).
WITH RECURSIVE
nsp AS (
    SELECT n.oid, n.nspname::text AS nspname
    FROM pg_namespace n
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'confiture')
      AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
      AND n.oid NOT IN (SELECT objid FROM pg_depend WHERE classid = 'pg_namespace'::regclass AND deptype = 'e')
      AND ($1::text[] IS NULL OR n.nspname = ANY ($1::text[]))
),
members AS (
    SELECT classid, objid FROM pg_depend WHERE deptype = 'e'
),
rel AS (
    SELECT c.*, n.nspname
    FROM pg_class c JOIN nsp n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S', 'c')
      AND (c.oid, 'pg_class'::regclass) NOT IN (SELECT objid, classid FROM members)
),
-- Sequences an identity column owns are part of the column.
identity_seq AS (
    SELECT d.objid FROM pg_depend d
    WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'i'
),
-- A partition's copy of its parent's constraint or index (and a foreign key's copies for each
-- partition it references) stands for the original: the root at the top of conparentid or
-- pg_inherits. What depends on a copy then depends on the object the snapshot names. Only the
-- copies recurse (a recursive CTE over all of pg_constraint is estimated so badly that joining it
-- took seconds on 1000 tables).
constraint_copy AS (
    SELECT c.oid, c.conparentid AS root FROM pg_constraint c WHERE c.conparentid <> 0
    UNION ALL
    SELECT cc.oid, p.conparentid FROM constraint_copy cc JOIN pg_constraint p ON p.oid = cc.root
    WHERE p.conparentid <> 0
),
constraint_root AS (
    SELECT cc.oid, cc.root FROM constraint_copy cc
    JOIN pg_constraint r ON r.oid = cc.root WHERE r.conparentid = 0
),
index_copy AS (
    SELECT h.inhrelid AS oid, h.inhparent AS root FROM pg_inherits h JOIN pg_index i ON i.indexrelid = h.inhrelid
    UNION ALL
    SELECT ic.oid, h.inhparent FROM index_copy ic JOIN pg_inherits h ON h.inhrelid = ic.root
),
index_root AS (
    SELECT ic.oid, ic.root FROM index_copy ic WHERE ic.root NOT IN (SELECT inhrelid FROM pg_inherits)
),
constraint_index AS (
    SELECT con.conindid AS indexrelid, con.oid AS conoid
    FROM pg_constraint con WHERE con.contype IN ('p', 'u', 'x') AND con.conindid <> 0 AND con.conrelid <> 0
),
typ AS (
    SELECT t.*, n.nspname
    FROM pg_type t JOIN nsp n ON n.oid = t.typnamespace
    WHERE t.typtype IN ('e', 'd', 'r')
      AND (t.oid, 'pg_type'::regclass) NOT IN (SELECT objid, classid FROM members)
),
func AS (
    SELECT p.*, n.nspname, pg_get_function_identity_arguments(p.oid) AS identity_args
    FROM pg_proc p JOIN nsp n ON n.oid = p.pronamespace
    WHERE (p.prokind IN ('f', 'p')
           OR p.prokind = 'a' AND p.oid IN (SELECT aggfnoid FROM pg_aggregate WHERE aggkind = 'n'))
      AND (p.oid, 'pg_proc'::regclass) NOT IN (SELECT objid, classid FROM members)
      -- A range type's constructors come with the type.
      AND p.oid NOT IN (SELECT objid FROM pg_depend WHERE classid = 'pg_proc'::regclass AND deptype = 'i')
),
-- The columns of each relation, in position order: aggregated from input sorted once (an ORDER BY
-- inside the aggregate costs a sort per relation, which was most of the snapshot's time).
columns AS MATERIALIZED (
    SELECT x.attrelid, json_agg(x.o) AS list
    FROM (
        SELECT a.attrelid, json_build_object(
            'name', a.attname,
            'type', format_type(a.atttypid, a.atttypmod),
            'collation', CASE WHEN a.attcollation <> 0 AND a.attcollation <> at.typcollation
                              THEN (SELECT format('%I.%I', cn.nspname, co.collname) FROM pg_collation co
                                    JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation) END,
            'not_null', a.attnotnull,
            'default', pg_get_expr(ad.adbin, ad.adrelid),
            'identity', nullif(a.attidentity, ''),
            -- An identity's sequence: its options are the column's.
            'identity_sequence', CASE WHEN a.attidentity <> '' THEN (
                SELECT json_build_object('name', sc.relname, 'start', sq.seqstart, 'increment', sq.seqincrement,
                                         'min', sq.seqmin, 'max', sq.seqmax, 'cache', sq.seqcache, 'cycle', sq.seqcycle)
                FROM pg_depend d JOIN pg_class sc ON sc.oid = d.objid JOIN pg_sequence sq ON sq.seqrelid = sc.oid
                WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
                  AND d.refobjid = a.attrelid AND d.refobjsubid = a.attnum AND d.deptype = 'i') END,
            'generated', nullif(a.attgenerated, ''),
            'local', a.attislocal,
            'storage', CASE WHEN a.attstorage <> at.typstorage THEN a.attstorage END,
            'statistics', CASE WHEN a.attstattarget >= 0 THEN a.attstattarget END,
            'comment', d.description,
            'acl', a.attacl::text[]) AS o
        FROM pg_attribute a
        JOIN rel c ON c.oid = a.attrelid AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
        JOIN pg_type at ON at.oid = a.atttypid
        LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
        LEFT JOIN pg_description d ON d.objoid = a.attrelid AND d.classoid = 'pg_class'::regclass AND d.objsubid = a.attnum
        WHERE a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attrelid, a.attnum) x
    GROUP BY x.attrelid
),
-- Every object of the snapshot by its catalog address, under the key the snapshot gives it:
-- ARRAY[kind, schema, name, part]. Dependencies are edges between these keys.
objkeys AS (
    SELECT 'pg_class'::regclass AS classid, c.oid AS objid, 0 AS objsubid,
           ARRAY[CASE c.relkind WHEN 'S' THEN 'sequence' WHEN 'c' THEN 'type' ELSE 'relation' END,
                             c.nspname, c.relname::text, ''] AS k
    FROM rel c
    UNION ALL
    SELECT 'pg_class'::regclass, a.attrelid, a.attnum,
           CASE WHEN c.relkind = 'c' THEN ARRAY['type', c.nspname, c.relname::text, '']
                ELSE ARRAY['column', c.nspname, c.relname::text, a.attname::text] END
    FROM pg_attribute a JOIN rel c ON c.oid = a.attrelid
    WHERE c.relkind <> 'S' AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT 'pg_class'::regclass, own.indexrelid, 0,
           CASE WHEN ci.conoid IS NOT NULL
                THEN ARRAY['constraint', c.nspname, c.relname::text, con.conname::text]
                ELSE ARRAY['index', c.nspname, ic.relname::text, ''] END
    FROM pg_index own LEFT JOIN index_root ir ON ir.oid = own.indexrelid
    JOIN pg_index i ON i.indexrelid = coalesce(ir.root, own.indexrelid)
    JOIN rel c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
    LEFT JOIN constraint_index ci ON ci.indexrelid = i.indexrelid
    LEFT JOIN pg_constraint con ON con.oid = ci.conoid
    UNION ALL
    SELECT 'pg_type'::regclass, t.oid, 0, ARRAY['type', t.nspname, t.typname::text, ''] FROM typ t
    UNION ALL
    -- A table's row type and array types stand for the table or the element type.
    SELECT 'pg_type'::regclass, t.oid, 0, k.k
    FROM pg_type t JOIN rel c ON c.oid = t.typrelid
    JOIN LATERAL (SELECT ARRAY[CASE c.relkind WHEN 'c' THEN 'type' ELSE 'relation' END,
                                           c.nspname, c.relname::text, ''] AS k) k ON true
    UNION ALL
    SELECT 'pg_type'::regclass, arr.oid, 0, ARRAY['type', t.nspname, t.typname::text, '']
    FROM pg_type arr JOIN typ t ON t.oid = arr.typelem AND arr.typarray = 0 AND t.typarray = arr.oid
    UNION ALL
    SELECT 'pg_type'::regclass, arr.oid, 0, ARRAY['type', c.nspname, c.relname::text, '']
    FROM pg_type arr JOIN pg_type t ON t.oid = arr.typelem AND t.typarray = arr.oid JOIN rel c ON c.oid = t.typrelid
    WHERE c.relkind = 'c'
    UNION ALL
    SELECT 'pg_type'::regclass, r.rngmultitypid, 0, ARRAY['type', t.nspname, t.typname::text, '']
    FROM pg_range r JOIN typ t ON t.oid = r.rngtypid
    UNION ALL
    SELECT 'pg_proc'::regclass, p.oid, 0, ARRAY['function', p.nspname, p.proname::text, p.identity_args]
    FROM func p
    UNION ALL
    SELECT 'pg_constraint'::regclass, own.oid, 0,
           CASE WHEN con.conrelid <> 0 THEN ARRAY['constraint', c.nspname, c.relname::text, con.conname::text]
                ELSE ARRAY['type', t.nspname, t.typname::text, ''] END
    FROM pg_constraint own LEFT JOIN constraint_root cr ON cr.oid = own.oid
    JOIN pg_constraint con ON con.oid = coalesce(cr.root, own.oid)
    LEFT JOIN rel c ON c.oid = con.conrelid
    LEFT JOIN typ t ON t.oid = con.contypid
    WHERE c.oid IS NOT NULL OR t.oid IS NOT NULL
    UNION ALL
    SELECT 'pg_rewrite'::regclass, rw.oid, 0, ARRAY['relation', c.nspname, c.relname::text, '']
    FROM pg_rewrite rw JOIN rel c ON c.oid = rw.ev_class
    UNION ALL
    -- A default is its own object; a generation expression is part of its column.
    SELECT 'pg_attrdef'::regclass, ad.oid, 0,
           ARRAY[CASE WHEN a.attgenerated = '' THEN 'default' ELSE 'column' END,
                             c.nspname, c.relname::text, a.attname::text]
    FROM pg_attrdef ad JOIN rel c ON c.oid = ad.adrelid
    JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
    UNION ALL
    SELECT 'pg_trigger'::regclass, tg.oid, 0, ARRAY['trigger', c.nspname, c.relname::text, tg.tgname::text]
    FROM pg_trigger tg JOIN rel c ON c.oid = tg.tgrelid WHERE NOT tg.tgisinternal
    UNION ALL
    SELECT 'pg_policy'::regclass, pol.oid, 0, ARRAY['policy', c.nspname, c.relname::text, pol.polname::text]
    FROM pg_policy pol JOIN rel c ON c.oid = pol.polrelid
    UNION ALL
    SELECT 'pg_collation'::regclass, co.oid, 0, ARRAY['collation', n.nspname, co.collname::text, '']
    FROM pg_collation co JOIN nsp n ON n.oid = co.collnamespace
    UNION ALL
    SELECT 'pg_namespace'::regclass, n.oid, 0, ARRAY['schema', n.nspname, '', ''] FROM nsp n
    UNION ALL
    SELECT 'pg_extension'::regclass, e.oid, 0, ARRAY['extension', '', e.extname::text, '']
    FROM pg_extension e WHERE e.extname <> 'confiture'
    UNION ALL
    -- What an extension brings (its types, functions...) stands for the extension, so that what
    -- uses them is created after it; an array of one of its types too.
    SELECT m.classid, m.objid, 0, ARRAY['extension', '', e.extname::text, '']
    FROM pg_depend m JOIN pg_extension e ON e.oid = m.refobjid
    WHERE m.deptype = 'e' AND m.refclassid = 'pg_extension'::regclass AND e.extname <> 'confiture'
    UNION ALL
    SELECT 'pg_type'::regclass, arr.oid, 0, ARRAY['extension', '', e.extname::text, '']
    FROM pg_depend m JOIN pg_extension e ON e.oid = m.refobjid
    JOIN pg_type arr ON arr.typelem = m.objid AND m.classid = 'pg_type'::regclass
    WHERE m.deptype = 'e' AND m.refclassid = 'pg_extension'::regclass AND e.extname <> 'confiture'
      AND arr.oid NOT IN (SELECT objid FROM members WHERE classid = 'pg_type'::regclass)
)
SELECT json_build_object(
    'server_version_num', current_setting('server_version_num')::int,
    'reserved_words', (SELECT json_agg(word ORDER BY word) FROM pg_get_keywords() WHERE catcode <> 'U'),
    'schemas', coalesce((
        SELECT json_agg(json_build_object(
            'name', n.nspname,
            'owner', pg_get_userbyid(ns.nspowner),
            'acl', ns.nspacl::text[],
            'comment', obj_description(n.oid, 'pg_namespace')) ORDER BY n.nspname)
        FROM nsp n JOIN pg_namespace ns ON ns.oid = n.oid), '[]'),
    'extensions', coalesce((
        SELECT json_agg(json_build_object(
            'name', e.extname, 'schema', en.nspname, 'version', e.extversion) ORDER BY e.extname)
        FROM pg_extension e JOIN pg_namespace en ON en.oid = e.extnamespace
        WHERE e.extname <> 'confiture'
          AND ($1::text[] IS NULL OR en.nspname = ANY ($1::text[]))), '[]'),
    'collations', coalesce((
        SELECT json_agg(json_build_object(
            'schema', n.nspname, 'name', co.collname,
            'provider', co.collprovider,
            -- The ICU locale's column is colliculocale in 15-16, colllocale from 17: read by name.
            'collate', co.collcollate, 'ctype', co.collctype,
            'icu_locale', coalesce(to_jsonb(co) ->> 'colliculocale', to_jsonb(co) ->> 'colllocale'),
            'deterministic', co.collisdeterministic,
            'comment', obj_description(co.oid, 'pg_collation'),
            'owner', pg_get_userbyid(co.collowner)) ORDER BY n.nspname, co.collname)
        FROM pg_collation co JOIN nsp n ON n.oid = co.collnamespace
        WHERE (co.oid, 'pg_collation'::regclass) NOT IN (SELECT objid, classid FROM members)), '[]'),
    'types', coalesce((
        SELECT json_agg(x.o ORDER BY x.o ->> 'schema', x.o ->> 'name') FROM (
            SELECT json_build_object(
                'schema', t.nspname, 'name', t.typname, 'kind', t.typtype,
                'enum_values', CASE WHEN t.typtype = 'e' THEN (
                    SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) END,
                'base_type', CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END,
                'default', t.typdefault,
                'not_null', t.typnotnull,
                'collation', CASE WHEN t.typtype = 'd' AND t.typcollation <> 0
                                   AND t.typcollation <> (SELECT bt.typcollation FROM pg_type bt WHERE bt.oid = t.typbasetype)
                                  THEN (SELECT format('%I.%I', cn.nspname, co.collname) FROM pg_collation co
                                        JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = t.typcollation) END,
                'checks', CASE WHEN t.typtype = 'd' THEN coalesce((
                    SELECT json_agg(json_build_object('name', con.conname, 'definition', pg_get_constraintdef(con.oid),
                                                        'validated', con.convalidated) ORDER BY con.conname)
                    FROM pg_constraint con WHERE con.contypid = t.oid), '[]') END,
                'range', CASE WHEN t.typtype = 'r' THEN (
                    SELECT json_build_object(
                        'subtype', format_type(r.rngsubtype, NULL),
                        'opclass', CASE WHEN NOT oc.opcdefault THEN format('%I.%I', ocn.nspname, oc.opcname) END,
                        'collation', CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> st.typcollation
                                          THEN (SELECT format('%I.%I', cn.nspname, co.collname) FROM pg_collation co
                                                JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = r.rngcollation) END,
                        'canonical', nullif(r.rngcanonical::regproc::text, '-'),
                        'subtype_diff', nullif(r.rngsubdiff::regproc::text, '-'),
                        'multirange', (SELECT format('%I.%I', mn.nspname, m.typname) FROM pg_type m
                                       JOIN pg_namespace mn ON mn.oid = m.typnamespace WHERE m.oid = r.rngmultitypid))
                    FROM pg_range r JOIN pg_opclass oc ON oc.oid = r.rngsubopc
                    JOIN pg_namespace ocn ON ocn.oid = oc.opcnamespace JOIN pg_type st ON st.oid = r.rngsubtype
                    WHERE r.rngtypid = t.oid) END,
                'attributes', NULL,
                'comment', obj_description(t.oid, 'pg_type'),
                'owner', pg_get_userbyid(t.typowner),
                'acl', t.typacl::text[]) AS o
            FROM typ t
            UNION ALL
            SELECT json_build_object(
                'schema', c.nspname, 'name', c.relname, 'kind', 'c',
                'attributes', (
                    SELECT json_agg(json_build_object(
                        'name', a.attname, 'type', format_type(a.atttypid, a.atttypmod),
                        'collation', CASE WHEN a.attcollation <> 0 AND a.attcollation <> at.typcollation
                                          THEN (SELECT format('%I.%I', cn.nspname, co.collname) FROM pg_collation co
                                                JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation) END
                    ) ORDER BY a.attnum)
                    FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid
                    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
                'comment', (SELECT obj_description(t.oid, 'pg_type') FROM pg_type t WHERE t.typrelid = c.oid),
                'owner', pg_get_userbyid(c.relowner),
                'acl', (SELECT t.typacl::text[] FROM pg_type t WHERE t.typrelid = c.oid))
            FROM rel c WHERE c.relkind = 'c') x), '[]'),
    'sequences', coalesce((
        SELECT json_agg(json_build_object(
            'schema', c.nspname, 'name', c.relname,
            'data_type', format_type(s.seqtypid, NULL),
            'start', s.seqstart, 'increment', s.seqincrement, 'min', s.seqmin, 'max', s.seqmax,
            'cache', s.seqcache, 'cycle', s.seqcycle,
            'unlogged', c.relpersistence = 'u',
            'owned_by', (SELECT json_build_array(oc.nspname, oc.relname, a.attname)
                         FROM pg_depend d JOIN rel oc ON oc.oid = d.refobjid
                         JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                         WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                           AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a' AND d.refobjsubid > 0),
            'comment', obj_description(c.oid, 'pg_class'),
            'owner', pg_get_userbyid(c.relowner),
            'acl', c.relacl::text[]) ORDER BY c.nspname, c.relname)
        FROM rel c JOIN pg_sequence s ON s.seqrelid = c.oid
        WHERE c.relkind = 'S' AND c.oid NOT IN (SELECT objid FROM identity_seq)), '[]'),
    'relations', coalesce((
        SELECT json_agg(json_build_object(
            'schema', c.nspname, 'name', c.relname, 'kind', c.relkind,
            'unlogged', c.relpersistence = 'u',
            'options', c.reloptions,
            'rls_enabled', c.relrowsecurity, 'rls_forced', c.relforcerowsecurity,
            'replica_identity', CASE WHEN c.relkind IN ('r', 'p', 'm') THEN c.relreplident END,
            'partition_key', CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
            'partition_bound', CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END,
            'parents', (SELECT json_agg(json_build_array(pc.nspname, pc.relname) ORDER BY i.inhseqno)
                        FROM pg_inherits i JOIN rel pc ON pc.oid = i.inhparent WHERE i.inhrelid = c.oid),
            'definition', CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END,
            'server', CASE WHEN c.relkind = 'f' THEN (
                SELECT json_build_object('name', fs.srvname, 'options', ft.ftoptions)
                FROM pg_foreign_table ft JOIN pg_foreign_server fs ON fs.oid = ft.ftserver WHERE ft.ftrelid = c.oid) END,
            'columns', coalesce(cols.list, '[]'),
            'comment', obj_description(c.oid, 'pg_class'),
            'owner', pg_get_userbyid(c.relowner),
            'acl', c.relacl::text[]) ORDER BY c.nspname, c.relname)
        FROM rel c LEFT JOIN columns cols ON cols.attrelid = c.oid
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')), '[]'),
    'constraints', coalesce((
        SELECT json_agg(json_build_object(
            'schema', c.nspname, 'table', c.relname, 'name', con.conname, 'kind', con.contype,
            'definition', pg_get_constraintdef(con.oid),
            'validated', con.convalidated,
            'local', con.conislocal,
            'comment', obj_description(con.oid, 'pg_constraint')) ORDER BY c.nspname, c.relname, con.conname)
        FROM pg_constraint con JOIN rel c ON c.oid = con.conrelid
        WHERE con.contype IN ('p', 'u', 'c', 'f', 'x') AND con.conparentid = 0), '[]'),
    'indexes', coalesce((
        SELECT json_agg(json_build_object(
            'schema', c.nspname, 'table', c.relname, 'name', ic.relname,
            'definition', pg_get_indexdef(i.indexrelid),
            'replica_identity', i.indisreplident,
            'comment', obj_description(i.indexrelid, 'pg_class')) ORDER BY c.nspname, ic.relname)
        FROM pg_index i JOIN rel c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
        WHERE i.indexrelid NOT IN (SELECT indexrelid FROM constraint_index)
          -- A partition's index attached to its parent's is created with it.
          AND i.indexrelid NOT IN (SELECT inhrelid FROM pg_inherits)), '[]'),
    'functions', coalesce((
        SELECT json_agg(json_build_object(
            'schema', p.nspname, 'name', p.proname, 'arguments', p.identity_args, 'kind', p.prokind,
            -- pg_get_functiondef does not print aggregates: their CREATE AGGREGATE is built from
            -- pg_aggregate (the plain kind: state and final functions, combine, initial value).
            'definition', CASE WHEN p.prokind = 'a' THEN (
                SELECT format('CREATE AGGREGATE %I.%I(%s) (SFUNC = %s, STYPE = %s%s%s%s%s%s)',
                              p.nspname, p.proname, p.identity_args,
                              a.aggtransfn::regproc, format_type(a.aggtranstype, NULL),
                              CASE WHEN a.aggfinalfn <> 0 THEN ', FINALFUNC = ' || a.aggfinalfn::regproc::text END,
                              CASE WHEN a.aggfinalextra THEN ', FINALFUNC_EXTRA' END,
                              CASE WHEN a.aggcombinefn <> 0 THEN ', COMBINEFUNC = ' || a.aggcombinefn::regproc::text END,
                              CASE WHEN a.agginitval IS NOT NULL THEN ', INITCOND = ' || quote_literal(a.agginitval) END,
                              CASE p.proparallel WHEN 's' THEN ', PARALLEL = SAFE' WHEN 'r' THEN ', PARALLEL = RESTRICTED' END)
                FROM pg_aggregate a WHERE a.aggfnoid = p.oid)
                ELSE pg_get_functiondef(p.oid) END,
            'result', pg_get_function_result(p.oid),
            'signature', pg_get_function_arguments(p.oid),
            'comment', obj_description(p.oid, 'pg_proc'),
            'owner', pg_get_userbyid(p.proowner),
            'acl', p.proacl::text[]) ORDER BY p.nspname, p.proname, p.identity_args)
        FROM func p), '[]'),
    'triggers', coalesce((
        SELECT json_agg(json_build_object(
            'schema', c.nspname, 'table', c.relname, 'name', tg.tgname,
            'definition', pg_get_triggerdef(tg.oid),
            'enabled', tg.tgenabled,
            'comment', obj_description(tg.oid, 'pg_trigger')) ORDER BY c.nspname, c.relname, tg.tgname)
        FROM pg_trigger tg JOIN rel c ON c.oid = tg.tgrelid
        -- Clones of a partitioned table's trigger come with the partition.
        WHERE NOT tg.tgisinternal AND tg.tgparentid = 0), '[]'),
    'policies', coalesce((
        SELECT json_agg(json_build_object(
            'schema', c.nspname, 'table', c.relname, 'name', pol.polname,
            'permissive', pol.polpermissive,
            'command', pol.polcmd,
            'roles', (SELECT json_agg(x.role ORDER BY x.role) FROM (
                         SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r)::text END AS role
                         FROM unnest(pol.polroles) r) x),
            'using', pg_get_expr(pol.polqual, pol.polrelid),
            'check', pg_get_expr(pol.polwithcheck, pol.polrelid),
            'comment', obj_description(pol.oid, 'pg_policy')) ORDER BY c.nspname, c.relname, pol.polname)
        FROM pg_policy pol JOIN rel c ON c.oid = pol.polrelid), '[]'),
    'dependencies', coalesce((
        -- Ordered, not deduplicated (the planner keeps edges in a set): a DISTINCT over key
        -- arrays cost more than the edges it removes.
        SELECT json_agg(json_build_array(a.k, b.k) ORDER BY a.k, b.k)
        FROM pg_depend d
        JOIN objkeys a ON a.classid = d.classid AND a.objid = d.objid AND a.objsubid = d.objsubid
        JOIN objkeys b ON b.classid = d.refclassid AND b.objid = d.refobjid AND b.objsubid = d.refobjsubid
        WHERE d.deptype IN ('n', 'a') AND d.objid >= 16384 AND a.k <> b.k), '[]')
)
