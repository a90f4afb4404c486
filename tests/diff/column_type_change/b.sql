CREATE TABLE t (id int PRIMARY KEY, amount bigint, label varchar(40));
