-- The target's foreign keys and sequences around the tables being loaded ($1, $2: their schemas
-- and names). Names are printed always quoted, as the CLI writes them. A partition's foreign keys are its partitioned table's: those are the ones listed.
WITH loaded AS (
  SELECT c.oid
  FROM unnest($1::text[], $2::text[]) AS t(schema_name, table_name)
  JOIN pg_namespace n ON n.nspname = t.schema_name
  JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = t.table_name
), around AS (
  SELECT oid FROM loaded
  UNION
  SELECT a.relid FROM loaded l, pg_partition_ancestors(l.oid) a
)
SELECT json_build_object(
  'foreign_keys', (
    SELECT coalesce(json_agg(json_build_object(
             'name', k.conname,
             'table', format('"%s"."%s"', replace(tn.nspname, '"', '""'), replace(t.relname, '"', '""')),
             'referenced', format('"%s"."%s"', replace(rn.nspname, '"', '""'), replace(r.relname, '"', '""')),
             'definition', pg_get_constraintdef(k.oid),
             'validated', k.convalidated,
             'table_loaded', k.conrelid IN (SELECT oid FROM around),
             'referenced_loaded', k.confrelid IN (SELECT oid FROM around)
           ) ORDER BY tn.nspname, t.relname, k.conname), '[]')
    FROM pg_constraint k
    JOIN pg_class t ON t.oid = k.conrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
    JOIN pg_class r ON r.oid = k.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
    WHERE k.contype = 'f' AND k.conparentid = 0
      AND (k.conrelid IN (SELECT oid FROM around) OR k.confrelid IN (SELECT oid FROM around))),
  'sequences', (
    SELECT coalesce(json_agg(json_build_object('sequence', sequence, 'table', table_name, 'column', column_name)
                             ORDER BY sequence, table_name, column_name), '[]')
    FROM (
      -- Owned by a column (serial, identity)...
      SELECT format('"%s"."%s"', replace(sn.nspname, '"', '""'), replace(s.relname, '"', '""')) AS sequence,
             format('"%s"."%s"', replace(tn.nspname, '"', '""'), replace(t.relname, '"', '""')) AS table_name, a.attname AS column_name
      FROM pg_depend d
      JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
      JOIN pg_namespace sn ON sn.oid = s.relnamespace
      JOIN pg_sequence q ON q.seqrelid = s.oid AND q.seqincrement > 0
      JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
      JOIN pg_class t ON t.oid = a.attrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
      WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
        AND d.deptype IN ('a', 'i') AND d.refobjid IN (SELECT oid FROM loaded)
      UNION
      -- ...or named in a column's default.
      SELECT format('"%s"."%s"', replace(sn.nspname, '"', '""'), replace(s.relname, '"', '""')), format('"%s"."%s"', replace(tn.nspname, '"', '""'), replace(t.relname, '"', '""')), a.attname
      FROM pg_attrdef ad
      JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid
                      AND d.refclassid = 'pg_class'::regclass
      JOIN pg_class s ON s.oid = d.refobjid AND s.relkind = 'S'
      JOIN pg_namespace sn ON sn.oid = s.relnamespace
      JOIN pg_sequence q ON q.seqrelid = s.oid AND q.seqincrement > 0
      JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
      JOIN pg_class t ON t.oid = a.attrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
      WHERE ad.adrelid IN (SELECT oid FROM loaded)
    ) owned)
)::text
