DO $$ BEGIN CREATE ROLE diff_reader; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE diff_owner; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE diff_reader; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE diff_owner; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE TABLE t (id int, secret text);
GRANT SELECT ON t TO diff_reader;
CREATE SCHEMA app;
