CREATE TABLE t (id int PRIMARY KEY, name text, created timestamptz DEFAULT now(), flag boolean NOT NULL DEFAULT false);
