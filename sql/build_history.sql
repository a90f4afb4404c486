-- One row per successful confiture.build_from() call. Kept by pg_dump (extension config table).
CREATE TABLE build_history (
    build_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    schema_hash     text NOT NULL CHECK (schema_hash ~ '^[0-9a-f]{64}$'),
    file_count      integer NOT NULL CHECK (file_count > 0),
    statement_count integer NOT NULL CHECK (statement_count >= 0),
    duration_ms     double precision NOT NULL,
    source_names    text[] NOT NULL,
    built_by        name NOT NULL DEFAULT current_user,
    built_at        timestamptz NOT NULL DEFAULT clock_timestamp()
);
COMMENT ON TABLE build_history IS 'Builds applied with confiture.build_from(): schema hash, size, who and when';
SELECT pg_catalog.pg_extension_config_dump('build_history', '');
SELECT pg_catalog.pg_extension_config_dump('build_history_build_id_seq', '');
REVOKE ALL ON TABLE build_history FROM PUBLIC;
