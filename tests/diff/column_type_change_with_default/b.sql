CREATE TABLE t (id int, status text DEFAULT 'new'::text);
