CREATE TABLE e (id int, k int) PARTITION BY RANGE (id);
