CREATE TABLE t (id int, n int DEFAULT 2, m int DEFAULT 5, k int);
