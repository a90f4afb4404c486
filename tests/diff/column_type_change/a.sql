CREATE TABLE t (id int PRIMARY KEY, amount int, label varchar(10));
