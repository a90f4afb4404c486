-- The server's replication slots: an inactive one keeps WAL from its restart point and may
-- hold back vacuum's horizon in every database. On a standby the position is the replayed one.
SELECT s.slot_name::text, s.slot_type, s.database::text, s.active, s.wal_status,
       pg_catalog.pg_wal_lsn_diff(
           CASE WHEN pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_last_wal_replay_lsn()
                ELSE pg_catalog.pg_current_wal_lsn() END,
           s.restart_lsn)::int8,
       pg_catalog.age(s.xmin)::int8, pg_catalog.age(s.catalog_xmin)::int8
FROM pg_catalog.pg_replication_slots s
ORDER BY 1
