DO $$ BEGIN CREATE ROLE diff_reader; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE diff_owner; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE TABLE t (id int);
CREATE SEQUENCE s;
