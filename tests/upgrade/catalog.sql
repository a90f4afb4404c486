-- Everything the confiture extension owns, described from the catalog, one line per fact, in a
-- stable order: a fresh install and an upgraded one must print the same lines.
WITH member AS (
    SELECT d.classid, d.objid FROM pg_depend d
    JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'confiture'
    WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
), acl(oid, text) AS (
    SELECT c.oid, coalesce((SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(c.relacl) a), 'default')
    FROM pg_class c
)
SELECT line FROM (
    SELECT 'member ' || pg_describe_object(classid, objid, 0) AS line FROM member
    UNION ALL
    SELECT format('relation %s kind=%s acl=%s comment=%s', c.relname, c.relkind, acl.text,
                  obj_description(c.oid, 'pg_class'))
    FROM member m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
    JOIN acl ON acl.oid = c.oid
    UNION ALL
    SELECT format('column %s.%s #%s %s notnull=%s default=%s identity=%s generated=%s acl=%s', c.relname,
                  a.attname, row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum),
                  format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(ad.adbin, ad.adrelid),
                  a.attidentity, a.attgenerated, a.attacl)
    FROM member m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid AND c.relkind IN ('r', 'p', 'v')
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
    UNION ALL
    SELECT format('constraint %s.%s %s', c.relname, k.conname, pg_get_constraintdef(k.oid))
    FROM member m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
    JOIN pg_constraint k ON k.conrelid = c.oid
    UNION ALL
    SELECT format('index %s', pg_get_indexdef(i.indexrelid))
    FROM member m JOIN pg_index i ON m.classid = 'pg_class'::regclass AND i.indrelid = m.objid
    UNION ALL
    SELECT format('sequence %s %s %s %s %s %s', c.relname, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement,
                  s.seqmax, s.seqcycle)
    FROM member m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
    JOIN pg_sequence s ON s.seqrelid = c.oid
    UNION ALL
    SELECT format('function %s(%s) returns %s kind=%s volatile=%s strict=%s parallel=%s secdef=%s config=%s lang=%s acl=%s src=%s',
                  p.proname, pg_get_function_arguments(p.oid), pg_get_function_result(p.oid), p.prokind,
                  p.provolatile, p.proisstrict, p.proparallel, p.prosecdef, p.proconfig, l.lanname,
                  coalesce((SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(p.proacl) a), 'default'),
                  CASE WHEN l.lanname = 'c' THEN p.prosrc ELSE md5(regexp_replace(p.prosrc, '\s+', ' ', 'g')) END)
    FROM member m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
    JOIN pg_language l ON l.oid = p.prolang
    UNION ALL
    SELECT format('config %s %s', c.relname, e.extcondition[i])
    FROM pg_extension e, generate_subscripts(e.extconfig, 1) i, pg_class c
    WHERE e.extname = 'confiture' AND c.oid = e.extconfig[i]
    UNION ALL
    SELECT format('extension %s schema=%s relocatable=%s', e.extversion, e.extnamespace::regnamespace, e.extrelocatable)
    FROM pg_extension e WHERE e.extname = 'confiture'
) facts
ORDER BY line COLLATE "C";
