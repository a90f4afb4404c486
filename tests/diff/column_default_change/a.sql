CREATE TABLE t (id int, n int DEFAULT 1, m int, k int DEFAULT 3);
