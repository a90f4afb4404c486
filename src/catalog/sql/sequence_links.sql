-- The column each sequence feeds: the column that owns it (serial, identity, OWNED BY), or one
-- whose default calls its nextval(). Driven from pg_sequence, two index probes per sequence
-- (driving it from the columns probed every default). The loader keeps the linted columns.
SELECT s.seqrelid, d.refobjid, d.refobjsubid::int2
FROM pg_sequence s
JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid
WHERE d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')
UNION
SELECT s.seqrelid, ad.adrelid, ad.adnum
FROM pg_sequence s
JOIN pg_depend d ON d.refclassid = 'pg_class'::regclass AND d.refobjid = s.seqrelid AND d.refobjsubid = 0
JOIN pg_attrdef ad ON ad.oid = d.objid
WHERE d.classid = 'pg_attrdef'::regclass
