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
       -- When the index's catalog row was written (its creation, or a later REINDEX or ALTER
       -- INDEX: never before the index existed), if the server keeps commit timestamps; and
       -- that age in days.
       pg_catalog.to_json(written.at) #>> '{}',
       extract(epoch FROM pg_catalog.now() - written.at)::float8 / 86400,
       pg_stat_get_tuples_fetched(i.indexrelid)
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_am am ON am.oid = ic.relam
-- Not on a standby: there commit timestamps follow the primary's setting, not this one, and
-- reading them while the primary keeps none is an error.
CROSS JOIN (SELECT pg_catalog.current_setting('track_commit_timestamp')::bool AND NOT pg_catalog.pg_is_in_recovery() AS kept) commit_ts
CROSS JOIN LATERAL (SELECT CASE WHEN commit_ts.kept THEN pg_catalog.pg_xact_commit_timestamp(ic.xmin) END AS at) written
WHERE i.indrelid = ANY ($1)
