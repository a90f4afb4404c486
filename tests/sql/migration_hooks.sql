-- Hooks around each migration, and the structured events every run records.
CREATE EXTENSION confiture;
CREATE TABLE customer (id bigint PRIMARY KEY, name text);
INSERT INTO customer VALUES (1, 'a'), (2, NULL);
CREATE TABLE hook_calls (n serial, phase text, version text, earlier_hooks int, error text);

-- A hook records that it ran and what it was told, and returns a result later hooks see.
CREATE FUNCTION record_call(context jsonb) RETURNS jsonb LANGUAGE sql AS $$
    INSERT INTO hook_calls (phase, version, earlier_hooks, error)
    VALUES (context->>'phase', context->'migration'->>'version',
            jsonb_array_length(context->'results'), context->'error'->>'message');
    SELECT jsonb_build_object('customers', (SELECT count(*) FROM customer));
$$;
-- A validation hook that refuses to go on while a name is missing.
CREATE FUNCTION names_present(context jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT FROM customer WHERE name IS NULL) THEN
        RAISE EXCEPTION 'customer names are missing' USING HINT = 'Fill them in first.';
    END IF;
    RETURN '{"checked": true}';
END $$;

SELECT confiture.register_hook(phase, 'record_call(jsonb)')
FROM unnest(ARRAY['before_validation', 'before_ddl', 'after_ddl', 'after_validation', 'cleanup', 'on_error']) AS phase;
SELECT phase, function, version FROM confiture.migration_hooks ORDER BY phase;

-- Each phase runs once per migration, in order, and sees the results of the hooks before it.
SELECT confiture.register_migration('1', 'add_email', 'ALTER TABLE customer ADD COLUMN email text;');
SELECT version, status FROM confiture.migrate_up();
SELECT n, phase, version, earlier_hooks, error FROM hook_calls ORDER BY n;
SELECT event, version, detail->>'phase' AS phase, detail->>'hook' AS hook
FROM confiture.migration_events ORDER BY id;
TRUNCATE hook_calls;
DELETE FROM confiture.migration_events;

-- A failing hook fails the migration, named; everything of the call is rolled back, then the
-- on_error hooks run. raise_on_failure => false returns the failure as a row, so that the
-- caller's transaction keeps the failure event and what the on_error hooks did.
SELECT confiture.register_hook('before_ddl', 'names_present(jsonb)', version => '2', "position" => -1);
SELECT confiture.register_migration('2', 'name_not_null', 'ALTER TABLE customer ALTER COLUMN name SET NOT NULL;');
SELECT * FROM confiture.migrate_up();
SELECT version, status, error->>'message' AS message, error->>'hint' AS hint
FROM confiture.migrate_up(raise_on_failure => false);
SELECT n, phase, version, error FROM hook_calls ORDER BY n;
SELECT event, version, detail->>'hook' AS hook, detail->'error'->>'message' AS error
FROM confiture.migration_events ORDER BY id;
SELECT count(*) AS history_rows_for_2 FROM confiture.migration_history WHERE version = '2';

-- A failing on_error hook is a warning and an event; it hides neither the error nor the other
-- on_error hooks (record_call still runs after it).
CREATE FUNCTION noisy_on_error(context jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the pager is down'; END $$;
SELECT confiture.register_hook('on_error', 'noisy_on_error(jsonb)', "position" => -1);
TRUNCATE hook_calls;
DELETE FROM confiture.migration_events;
SELECT version, status, error->>'message' AS message FROM confiture.migrate_up(raise_on_failure => false);
SELECT phase, version FROM hook_calls;
SELECT event, detail->>'hook' AS hook, detail->'error'->>'message' AS error
FROM confiture.migration_events ORDER BY id;
SELECT confiture.unregister_hook('on_error', 'noisy_on_error(jsonb)');

-- Fixed data: the same migration passes its validation hook.
UPDATE customer SET name = 'b' WHERE id = 2;
SELECT version, status FROM confiture.migrate_up();
SELECT attnotnull FROM pg_attribute WHERE attrelid = 'customer'::regclass AND attname = 'name';

-- Events of a dry run stay, although the dry run is rolled back.
DELETE FROM confiture.migration_events;
SELECT confiture.register_migration('3', 'add_phone', 'ALTER TABLE customer ADD COLUMN phone text;');
SELECT version, status FROM confiture.migrate_up(dry_run => true);
SELECT event, version, detail->>'status' AS status FROM confiture.migration_events ORDER BY id;

-- A hook function dropped after registration fails the migration with its name.
CREATE FUNCTION short_lived(context jsonb) RETURNS jsonb LANGUAGE sql AS 'SELECT NULL::jsonb';
SELECT confiture.register_hook('after_ddl', 'short_lived(jsonb)');
DROP FUNCTION short_lived(jsonb);
SELECT * FROM confiture.migrate_up();

-- Bad input: unknown phase, wrong signatures, a bad version; nothing is stored.
CREATE FUNCTION wrong_argument(context json) RETURNS jsonb LANGUAGE sql AS 'SELECT NULL::jsonb';
CREATE FUNCTION wrong_result(context jsonb) RETURNS text LANGUAGE sql AS 'SELECT NULL';
CREATE PROCEDURE a_procedure(context jsonb) LANGUAGE sql AS 'SELECT 1';
SELECT confiture.register_hook('after_commit', 'record_call(jsonb)');
SELECT confiture.register_hook('after_ddl', 'wrong_argument(json)');
SELECT confiture.register_hook('after_ddl', 'wrong_result(jsonb)');
SELECT confiture.register_hook('after_ddl', 'a_procedure(jsonb)');
SELECT confiture.register_hook('after_ddl', 'record_call(jsonb)', version => 'v2');
SELECT count(*) AS hooks FROM confiture.migration_hooks;
DELETE FROM confiture.migration_hooks WHERE function = 'public.short_lived(jsonb)';
SELECT confiture.unregister_hook('after_ddl', 'record_call(jsonb)');
SELECT confiture.unregister_hook('after_ddl', 'record_call(jsonb)');

DROP TABLE customer, hook_calls;
DROP FUNCTION record_call(jsonb), names_present(jsonb), noisy_on_error(jsonb), wrong_argument(json), wrong_result(jsonb);
DROP PROCEDURE a_procedure(jsonb);
DROP EXTENSION confiture;
