-- Views reading tables with row-level security, found from those (few) tables.
SELECT w.ev_class, array_agg(DISTINCT format('%I.%I', tn.nspname, t.relname))
FROM pg_class t
JOIN pg_namespace tn ON tn.oid = t.relnamespace
JOIN pg_depend d ON d.refclassid = 'pg_class'::regclass AND d.refobjid = t.oid AND d.classid = 'pg_rewrite'::regclass
JOIN pg_rewrite w ON w.oid = d.objid AND w.ev_class <> t.oid
WHERE t.relrowsecurity
GROUP BY w.ev_class
