-- The tables confiture sync can copy, with what it needs to know of their columns. Read on both
-- sides, with search_path = pg_catalog so that every printed name is qualified; schemas of the system, of confiture and of extensions are left out.
SELECT json_agg(json_build_object(
         'schema', n.nspname,
         'name', c.relname,
         'estimated_rows', greatest(c.reltuples, 0)::bigint,
         -- A partition is named in rules, filters and masking domains by its partitioned table.
         'root_schema', (SELECT rn.nspname FROM pg_class r JOIN pg_namespace rn ON rn.oid = r.relnamespace
                         WHERE c.relispartition AND r.oid = pg_partition_root(c.oid)),
         'root_name', (SELECT r.relname FROM pg_class r WHERE c.relispartition AND r.oid = pg_partition_root(c.oid)),
         -- User triggers that would fire on COPY FROM (the load turns them off, in its transaction).
         'triggers', (SELECT coalesce(json_agg(json_build_object('name', t.tgname, 'enabled', t.tgenabled)
                                               ORDER BY t.tgname), '[]')
                      FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal AND t.tgenabled <> 'D'),
         -- Indexes the load may drop and rebuild after its COPY (faster than maintaining them
         -- row by row): not those a partitioned index, a replica identity, CLUSTER or a comment
         -- would miss.
         'indexes', (SELECT coalesce(json_agg(json_build_object(
                              'name', ic.relname,
                              'definition', pg_get_indexdef(i.indexrelid),
                              'constraint_name', k.conname,
                              'constraint_definition', pg_get_constraintdef(k.oid)
                            ) ORDER BY ic.relname), '[]')
                     FROM pg_index i
                     JOIN pg_class ic ON ic.oid = i.indexrelid
                     LEFT JOIN pg_constraint k ON k.conindid = i.indexrelid AND k.conrelid = c.oid
                                              AND k.contype IN ('p', 'u', 'x')
                     WHERE i.indrelid = c.oid AND i.indisvalid AND NOT i.indisreplident AND NOT i.indisclustered
                       AND (k.oid IS NULL OR k.conparentid = 0)
                       AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)
                       AND NOT EXISTS (SELECT 1 FROM pg_description d
                                       WHERE d.objoid = i.indexrelid OR d.objoid = k.oid)),
         'columns', (
           SELECT coalesce(json_agg(json_build_object(
                    'name', a.attname,
                    'type', format_type(a.atttypid, a.atttypmod),
                    'not_null', a.attnotnull,
                    'has_default', a.atthasdef OR a.attidentity <> '',
                    'generated', a.attgenerated <> '',
                    'unique', EXISTS (SELECT 1 FROM pg_index i
                                      WHERE i.indrelid = c.oid AND i.indisunique AND a.attnum = ANY (i.indkey)),
                    -- Binary COPY sends these as the text's own bytes.
                    'text_like', base.typsend::text IN ('textsend', 'varcharsend', 'bpcharsend', 'namesend', 'citextsend'),
                    -- Binary COPY of arrays and composites carries type OIDs, which differ between
                    -- databases for types that are not built in.
                    'portable_binary', NOT (base.typtype = 'c'
                                            OR (base.typcategory = 'A' AND (elem.oid >= 16384 OR elem.typtype = 'c')))
                  ) ORDER BY a.attnum), '[]')
           FROM pg_attribute a
           JOIN LATERAL (
             -- The type under any domains.
             WITH RECURSIVE chain AS (
               SELECT t.* FROM pg_type t WHERE t.oid = a.atttypid
               UNION ALL
               SELECT b.* FROM chain d JOIN pg_type b ON b.oid = d.typbasetype WHERE d.typtype = 'd'
             )
             SELECT * FROM chain WHERE typtype <> 'd' LIMIT 1
           ) base ON true
           LEFT JOIN pg_type elem ON elem.oid = base.typelem AND base.typcategory = 'A'
           WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)
       ) ORDER BY n.nspname, c.relname)::text
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'confiture', 'confiture_sync')
  AND n.nspname !~ '^pg_(toast|temp)'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e')
