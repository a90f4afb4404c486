CREATE TABLE t (id int) WITH (fillfactor = 90, parallel_workers = 2);
