-- Indexes of the relations in $1. With the columns, operator classes and collations, `shape`
-- (method, options, expressions and predicate as stored parse trees) says what the index computes.
SELECT i.indrelid, ic.relname::text, i.indkey::int2[], i.indnkeyatts, i.indisunique, i.indisprimary,
       i.indisvalid, i.indnullsnotdistinct, am.amname::text, i.indexprs IS NOT NULL, i.indpred IS NOT NULL,
       concat_ws(' ', i.indoption::text, i.indexprs::text, i.indpred::text),
       i.indclass::oid[]::int8[], i.indcollation::oid[]::int8[],
       pg_stat_get_numscans(i.indexrelid),
       i.indexrelid IN (SELECT conindid FROM pg_constraint WHERE conindid <> 0),
       i.indexrelid IN (SELECT inhrelid FROM pg_inherits),
       ic.relpages::int8, ic.reltuples::float8,
       CASE WHEN ic.reloptions IS NOT NULL THEN
           (SELECT o.option_value::int FROM pg_catalog.pg_options_to_table(ic.reloptions) o WHERE o.option_name = 'fillfactor') END,
       pg_stat_get_tuples_fetched(i.indexrelid),
       i.indexrelid
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_am am ON am.oid = ic.relam
WHERE i.indrelid = ANY ($1)
