CREATE TABLE t (id int, status varchar(5) DEFAULT 'new');
