-- The sequences feeding columns of the relations in $1: owned by the column (serial, identity,
-- OWNED BY) or called by its default's nextval(). Driven from the relation list, so every step
-- is an index probe. last_value is read (which opens the sequence) only for int2/int4 columns,
-- the only ones a rule needs.
WITH rel AS (
    SELECT unnest($1::oid[]) AS relid
), link AS (
    SELECT d.objid AS seqid, d.refobjid AS relid, d.refobjsubid::int2 AS attnum
    FROM rel
    JOIN pg_depend d ON d.refclassid = 'pg_class'::regclass AND d.refobjid = rel.relid
    JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
    WHERE d.refobjsubid > 0 AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
    UNION
    SELECT d.refobjid, ad.adrelid, ad.adnum
    FROM rel
    JOIN pg_attrdef ad ON ad.adrelid = rel.relid
    JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid AND d.refclassid = 'pg_class'::regclass
    JOIN pg_class s ON s.oid = d.refobjid AND s.relkind = 'S'
)
SELECT n.nspname::text, c.relname::text,
       CASE WHEN a.atttypid IN ('int2'::regtype, 'int4'::regtype) AND has_sequence_privilege(c.oid, 'SELECT,USAGE')
            THEN pg_sequence_last_value(c.oid) END,
       link.relid, link.attnum
FROM link
JOIN pg_class c ON c.oid = link.seqid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = link.relid AND a.attnum = link.attnum
