-- Every built-in rule: a case that fires, then the fix, after which it does not.
CREATE EXTENSION confiture;
CREATE SCHEMA lint_t;
SET search_path = lint_t, public;
-- The findings of one rule.
CREATE FUNCTION pg_temp.findings(r text) RETURNS TABLE (level text, object_name text, cache_key text)
LANGUAGE sql AS $$ SELECT level, object_name, cache_key FROM confiture.lint_schema() WHERE rule = r ORDER BY cache_key $$;

-- A baseline table that no rule reports.
CREATE TABLE good (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
COMMENT ON TABLE good IS 'Fine';
SELECT count(*) AS findings_on_good FROM confiture.lint_schema() WHERE object_name = 'good';

-- table_name_not_snake_case
CREATE TABLE "OrderLine" (id bigint PRIMARY KEY);
COMMENT ON TABLE "OrderLine" IS 'x';
SELECT * FROM pg_temp.findings('table_name_not_snake_case');
ALTER TABLE "OrderLine" RENAME TO order_line;
SELECT * FROM pg_temp.findings('table_name_not_snake_case');

-- column_name_not_snake_case
ALTER TABLE order_line ADD COLUMN "CreatedBy" text;
SELECT * FROM pg_temp.findings('column_name_not_snake_case');
ALTER TABLE order_line RENAME COLUMN "CreatedBy" TO created_by;
SELECT * FROM pg_temp.findings('column_name_not_snake_case');

-- reserved_word_name
ALTER TABLE order_line ADD COLUMN "order" int;
SELECT * FROM pg_temp.findings('reserved_word_name');
ALTER TABLE order_line RENAME COLUMN "order" TO order_no;
SELECT * FROM pg_temp.findings('reserved_word_name');

-- table_without_primary_key
CREATE TABLE loose (id bigint NOT NULL);
COMMENT ON TABLE loose IS 'x';
SELECT * FROM pg_temp.findings('table_without_primary_key');
ALTER TABLE loose ADD PRIMARY KEY (id);
SELECT * FROM pg_temp.findings('table_without_primary_key');

-- table_without_comment
CREATE TABLE undocumented (id bigint PRIMARY KEY);
SELECT * FROM pg_temp.findings('table_without_comment');
COMMENT ON TABLE undocumented IS 'Now documented';
SELECT * FROM pg_temp.findings('table_without_comment');

-- foreign_key_type_mismatch and foreign_key_without_index
CREATE TABLE child (id bigint PRIMARY KEY, good_id integer REFERENCES good (id));
COMMENT ON TABLE child IS 'x';
SELECT * FROM pg_temp.findings('foreign_key_type_mismatch');
SELECT * FROM pg_temp.findings('foreign_key_without_index');
ALTER TABLE child ALTER COLUMN good_id TYPE bigint;
CREATE INDEX child_good_id ON child (good_id);
SELECT * FROM pg_temp.findings('foreign_key_type_mismatch');
SELECT * FROM pg_temp.findings('foreign_key_without_index');

-- unique_nullable_columns
ALTER TABLE good ADD COLUMN email text UNIQUE;
SELECT * FROM pg_temp.findings('unique_nullable_columns');
ALTER TABLE good DROP CONSTRAINT good_email_key, ADD CONSTRAINT good_email_key UNIQUE NULLS NOT DISTINCT (email);
SELECT * FROM pg_temp.findings('unique_nullable_columns');

-- column types: timestamp_without_time_zone, char_n_column, reg_type_column, money_column, json_column
CREATE TABLE typed (id bigint PRIMARY KEY, at timestamp, code char(3), fn regproc, price money, doc json);
COMMENT ON TABLE typed IS 'x';
SELECT rule, object_name, cache_key FROM confiture.lint_schema()
WHERE rule IN ('timestamp_without_time_zone', 'char_n_column', 'reg_type_column', 'money_column', 'json_column') ORDER BY rule;
ALTER TABLE typed ALTER COLUMN at TYPE timestamptz, ALTER COLUMN code TYPE text, ALTER COLUMN fn TYPE text,
    ALTER COLUMN price TYPE numeric(10, 2), ALTER COLUMN doc TYPE jsonb;
SELECT rule, object_name, cache_key FROM confiture.lint_schema()
WHERE rule IN ('timestamp_without_time_zone', 'char_n_column', 'reg_type_column', 'money_column', 'json_column') ORDER BY rule;

-- serial_instead_of_identity, int4_primary_key, int4_sequence_near_exhaustion
CREATE TABLE counter (id serial PRIMARY KEY);
COMMENT ON TABLE counter IS 'x';
SELECT setval('counter_id_seq', 1500000000);
SELECT * FROM pg_temp.findings('serial_instead_of_identity');
SELECT * FROM pg_temp.findings('int4_primary_key');
SELECT level, object_name, cache_key FROM confiture.lint_schema() WHERE rule = 'int4_sequence_near_exhaustion';
SELECT metadata->>'percent_used' AS percent_used FROM confiture.lint_schema() WHERE rule = 'int4_sequence_near_exhaustion';
ALTER TABLE counter ALTER COLUMN id TYPE bigint;
ALTER SEQUENCE counter_id_seq AS bigint;
ALTER TABLE counter ALTER COLUMN id DROP DEFAULT;
DROP SEQUENCE counter_id_seq;
ALTER TABLE counter ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY;
SELECT * FROM pg_temp.findings('serial_instead_of_identity');
SELECT * FROM pg_temp.findings('int4_primary_key');
SELECT * FROM pg_temp.findings('int4_sequence_near_exhaustion');

-- invalid_index: an index whose build failed (CREATE INDEX CONCURRENTLY cannot run here, so
-- mark one invalid the way a failed concurrent build leaves it)
CREATE INDEX good_name ON good (name);
UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'good_name'::regclass;
SELECT * FROM pg_temp.findings('invalid_index');
REINDEX INDEX good_name;
SELECT * FROM pg_temp.findings('invalid_index');

-- unlogged_table
CREATE UNLOGGED TABLE scratch (id bigint PRIMARY KEY);
COMMENT ON TABLE scratch IS 'x';
SELECT * FROM pg_temp.findings('unlogged_table');
ALTER TABLE scratch SET LOGGED;
SELECT * FROM pg_temp.findings('unlogged_table');

-- tenant_table_without_tenant_column (tenants itself is the tenant: not reported)
CREATE TABLE tenants (id bigint PRIMARY KEY);
CREATE TABLE workspace_member (id bigint PRIMARY KEY);
COMMENT ON TABLE tenants IS 'x';
COMMENT ON TABLE workspace_member IS 'x';
SELECT * FROM pg_temp.findings('tenant_table_without_tenant_column');
ALTER TABLE workspace_member ADD COLUMN tenant_id bigint NOT NULL REFERENCES tenants (id);
CREATE INDEX ON workspace_member (tenant_id);
SELECT * FROM pg_temp.findings('tenant_table_without_tenant_column');

-- secret_column_plain_text
ALTER TABLE good ADD COLUMN api_key text;
SELECT * FROM pg_temp.findings('secret_column_plain_text');
ALTER TABLE good ALTER COLUMN api_key TYPE bytea USING convert_to(api_key, 'UTF8');
SELECT * FROM pg_temp.findings('secret_column_plain_text');

-- policy_without_rls, rls_without_policy, policy_always_true, view_bypasses_rls
CREATE TABLE document (id bigint PRIMARY KEY, owner name NOT NULL DEFAULT current_user);
COMMENT ON TABLE document IS 'x';
CREATE POLICY own_rows ON document USING (owner = current_user);
SELECT * FROM pg_temp.findings('policy_without_rls');
ALTER TABLE document ENABLE ROW LEVEL SECURITY;
SELECT * FROM pg_temp.findings('policy_without_rls');
CREATE TABLE vault (id bigint PRIMARY KEY);
COMMENT ON TABLE vault IS 'x';
ALTER TABLE vault ENABLE ROW LEVEL SECURITY;
SELECT * FROM pg_temp.findings('rls_without_policy');
CREATE POLICY readers ON vault FOR SELECT USING (true);
SELECT * FROM pg_temp.findings('rls_without_policy');
SELECT * FROM pg_temp.findings('policy_always_true');
ALTER POLICY readers ON vault USING (id > 0);
SELECT * FROM pg_temp.findings('policy_always_true');
-- Every spelling of true is folded as the planner would; a constant that raises is not true.
CREATE POLICY ones ON vault FOR SELECT USING (1 = 1);
CREATE POLICY letters ON vault FOR SELECT USING ('a' = 'a' AND NOT false);
CREATE POLICY either ON vault FOR SELECT USING (true OR id > 0);
CREATE POLICY broken ON vault FOR SELECT USING (1 / 0 = 1);
CREATE POLICY real_check ON vault FOR SELECT USING (id = id);
SELECT * FROM pg_temp.findings('policy_always_true');
DROP POLICY ones ON vault;
DROP POLICY letters ON vault;
DROP POLICY either ON vault;
DROP POLICY broken ON vault;
DROP POLICY real_check ON vault;
CREATE VIEW my_documents AS SELECT id FROM document;
SELECT * FROM pg_temp.findings('view_bypasses_rls');
ALTER VIEW my_documents SET (security_invoker = true);
SELECT * FROM pg_temp.findings('view_bypasses_rls');

-- multiple_permissive_policies, policy_function_per_row
CREATE FUNCTION current_owner() RETURNS name LANGUAGE sql STABLE AS 'SELECT current_user';
CREATE POLICY own_rows_again ON document FOR SELECT USING (owner = current_owner());
SELECT * FROM pg_temp.findings('multiple_permissive_policies');
SELECT * FROM pg_temp.findings('policy_function_per_row');
ALTER POLICY own_rows_again ON document USING (owner = (SELECT current_owner()));
SELECT * FROM pg_temp.findings('policy_function_per_row');
DROP POLICY own_rows_again ON document;
SELECT * FROM pg_temp.findings('multiple_permissive_policies');

-- security_definer_mutable_search_path
CREATE FUNCTION elevated() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
SELECT * FROM pg_temp.findings('security_definer_mutable_search_path');
ALTER FUNCTION elevated() SET search_path = pg_catalog, pg_temp;
SELECT * FROM pg_temp.findings('security_definer_mutable_search_path');

-- security_definer_executable_by_public (EXECUTE for PUBLIC is the default)
SELECT * FROM pg_temp.findings('security_definer_executable_by_public');
REVOKE EXECUTE ON FUNCTION elevated() FROM PUBLIC;
SELECT * FROM pg_temp.findings('security_definer_executable_by_public');

-- function_mutable_search_path (elevated() is SECURITY DEFINER: the error rule's)
SELECT * FROM pg_temp.findings('function_mutable_search_path');
ALTER FUNCTION current_owner() SET search_path = lint_t, pg_catalog;
SELECT * FROM pg_temp.findings('function_mutable_search_path');

-- extension_in_public (confiture's own schema and objects are never linted)
CREATE EXTENSION pgcrypto SCHEMA public;
SELECT * FROM pg_temp.findings('extension_in_public');
ALTER EXTENSION pgcrypto SET SCHEMA lint_t;
SELECT * FROM pg_temp.findings('extension_in_public');
SELECT count(*) AS findings_on_extension_objects FROM confiture.lint_schema() WHERE object_name LIKE 'pgp_%' OR schema_name = 'confiture';
DROP EXTENSION pgcrypto;

-- extension_update_available (hstore's files here install 1.4 and update it to the default)
CREATE EXTENSION hstore SCHEMA lint_t VERSION '1.4';
SELECT * FROM pg_temp.findings('extension_update_available');
ALTER EXTENSION hstore UPDATE;
SELECT * FROM pg_temp.findings('extension_update_available');
DROP EXTENSION hstore;

-- schema_create_by_public
GRANT CREATE ON SCHEMA lint_t TO PUBLIC;
SELECT * FROM pg_temp.findings('schema_create_by_public');
REVOKE CREATE ON SCHEMA lint_t FROM PUBLIC;
SELECT * FROM pg_temp.findings('schema_create_by_public');

-- duplicate_index and redundant_index
CREATE INDEX good_name_again ON good (name);
CREATE INDEX good_name_email ON good (name, email);
SELECT * FROM pg_temp.findings('duplicate_index');
SELECT * FROM pg_temp.findings('redundant_index');
DROP INDEX good_name_again, good_name;
SELECT * FROM pg_temp.findings('duplicate_index');
SELECT * FROM pg_temp.findings('redundant_index');

-- unused_index reads statistics: quiet until the table has been scanned enough (the threshold
-- is lowered here), then reports an index no scan used, until one does.
CREATE TABLE busy (id bigint PRIMARY KEY, tag text);
COMMENT ON TABLE busy IS 'x';
CREATE INDEX busy_tag ON busy (tag);
SELECT * FROM pg_temp.findings('unused_index');
SELECT count(*) FROM busy;
SELECT count(*) FROM busy;
SELECT pg_stat_force_next_flush();
SELECT object_name, cache_key FROM confiture.lint_schema('{"indexes": {"unused_min_table_scans": 2}}')
WHERE rule = 'unused_index' AND object_name = 'busy';
SET enable_seqscan = off;
SELECT count(*) FROM busy WHERE tag = 'x';
RESET enable_seqscan;
SELECT pg_stat_force_next_flush();
SELECT object_name, cache_key FROM confiture.lint_schema('{"indexes": {"unused_min_table_scans": 2}}')
WHERE rule = 'unused_index' AND object_name = 'busy';
-- personal_data_readable_by_public
CREATE TABLE contact (id bigint PRIMARY KEY, email text, emailed_at timestamptz);
COMMENT ON TABLE contact IS 'x';
GRANT SELECT ON contact TO PUBLIC;
SELECT * FROM pg_temp.findings('personal_data_readable_by_public');
ALTER TABLE contact ENABLE ROW LEVEL SECURITY;
SELECT * FROM pg_temp.findings('personal_data_readable_by_public');
DROP TABLE contact;

-- constraint_not_validated
CREATE TABLE ledger (id bigint PRIMARY KEY, amount numeric NOT NULL);
COMMENT ON TABLE ledger IS 'x';
ALTER TABLE ledger ADD CONSTRAINT ledger_positive CHECK (amount > 0) NOT VALID;
SELECT * FROM pg_temp.findings('constraint_not_validated');
ALTER TABLE ledger VALIDATE CONSTRAINT ledger_positive;
SELECT * FROM pg_temp.findings('constraint_not_validated');
DROP TABLE ledger;

-- public_function_writes_data (a function in public that every role may run, writing)
CREATE TABLE public.guestbook (note text);
CREATE FUNCTION public.sign_guestbook(t text) RETURNS void LANGUAGE sql AS 'INSERT INTO public.guestbook VALUES (t)';
SELECT * FROM pg_temp.findings('public_function_writes_data');
REVOKE EXECUTE ON FUNCTION public.sign_guestbook(text) FROM PUBLIC;
SELECT * FROM pg_temp.findings('public_function_writes_data');
DROP FUNCTION public.sign_guestbook(text);
DROP TABLE public.guestbook;

-- What an API reaches (by default: schema public, PUBLIC): tables without RLS, materialized
-- views, foreign tables, views with their owner's rights.
CREATE TABLE public.catalog_entry (id bigint PRIMARY KEY);
GRANT SELECT ON public.catalog_entry TO PUBLIC;
CREATE MATERIALIZED VIEW public.entry_count AS SELECT count(*) AS n FROM public.catalog_entry;
GRANT SELECT ON public.entry_count TO PUBLIC;
CREATE VIEW public.entries AS SELECT id FROM public.catalog_entry;
GRANT SELECT ON public.entries TO PUBLIC;
CREATE EXTENSION file_fdw SCHEMA lint_t;
CREATE SERVER lint_files FOREIGN DATA WRAPPER file_fdw;
CREATE FOREIGN TABLE public.imported (line text) SERVER lint_files OPTIONS (filename '/dev/null');
GRANT SELECT ON public.imported TO PUBLIC;
SELECT * FROM pg_temp.findings('table_exposed_without_rls');
SELECT * FROM pg_temp.findings('materialized_view_exposed');
SELECT * FROM pg_temp.findings('foreign_table_exposed');
SELECT * FROM pg_temp.findings('security_definer_view_exposed');
ALTER TABLE public.catalog_entry ENABLE ROW LEVEL SECURITY;
REVOKE SELECT ON public.entry_count FROM PUBLIC;
REVOKE SELECT ON public.imported FROM PUBLIC;
ALTER VIEW public.entries SET (security_invoker = true);
SELECT * FROM pg_temp.findings('table_exposed_without_rls');
SELECT * FROM pg_temp.findings('materialized_view_exposed');
SELECT * FROM pg_temp.findings('foreign_table_exposed');
SELECT * FROM pg_temp.findings('security_definer_view_exposed');
DROP FOREIGN TABLE public.imported;
DROP SERVER lint_files;
DROP EXTENSION file_fdw;
DROP VIEW public.entries;
DROP MATERIALIZED VIEW public.entry_count;
DROP TABLE public.catalog_entry;

-- Materialized views are named, commented and indexed as tables are.
CREATE MATERIALIZED VIEW "Summary" AS SELECT 1 AS id;
CREATE INDEX summary_a ON "Summary" (id);
CREATE INDEX summary_b ON "Summary" (id);
SELECT rule, object_type, remediation FROM confiture.lint_schema() WHERE object_name = 'Summary' ORDER BY rule;
DROP MATERIALIZED VIEW "Summary";

-- table_never_analyzed (the statistics count the rows; nothing analyzed the table yet)
CREATE TABLE loaded (id bigint PRIMARY KEY) WITH (autovacuum_enabled = off);
COMMENT ON TABLE loaded IS 'x';
INSERT INTO loaded SELECT generate_series(1, 2000);
SELECT pg_stat_force_next_flush();
SELECT * FROM pg_temp.findings('table_never_analyzed') WHERE object_name = 'loaded';
ANALYZE loaded;
SELECT pg_stat_force_next_flush();
SELECT * FROM pg_temp.findings('table_never_analyzed') WHERE object_name = 'loaded';
-- table_bloat, index_bloat, table_never_vacuumed: nine rows in ten deleted, never vacuumed. The
-- estimate reads pg_class and pg_stats (after ANALYZE); the thresholds are lowered for a small table.
CREATE TABLE churned (id bigint PRIMARY KEY, note text NOT NULL) WITH (autovacuum_enabled = off);
COMMENT ON TABLE churned IS 'x';
INSERT INTO churned SELECT i, repeat('x', 40) FROM generate_series(1, 100000) AS i;
DELETE FROM churned WHERE id % 10 <> 0;
ANALYZE churned;
SELECT pg_stat_force_next_flush();
SELECT rule, object_name, metadata->>'index' AS index, (metadata->>'wasted_ratio')::numeric > 0.8 AS mostly_wasted,
       title, categories, facing, metadata->>'docs_url' AS docs_url
  FROM confiture.lint_schema('{"bloat": {"min_bytes": 1000000}}')
 WHERE rule IN ('table_bloat', 'index_bloat', 'table_never_vacuumed') ORDER BY rule;
VACUUM FULL churned;
ANALYZE churned;
SELECT pg_stat_force_next_flush();
SELECT rule, object_name FROM confiture.lint_schema('{"bloat": {"min_bytes": 1000000}}')
 WHERE rule IN ('table_bloat', 'index_bloat', 'table_never_vacuumed');
-- Every rule says what it is, as other catalog linters' rows do.
SELECT name, title, categories, facing, docs_url FROM confiture.lint_rules() WHERE name IN ('rls_without_policy', 'index_bloat', 'personal_data_readable_by_public') ORDER BY name;
DROP TABLE churned;
-- xid_wraparound_risk: every table here is young
SELECT * FROM pg_temp.findings('xid_wraparound_risk');
SELECT count(*) AS rules FROM confiture.lint_rules();

RESET search_path;
DROP SCHEMA lint_t CASCADE;
DROP EXTENSION confiture;
