CREATE TABLE c (p_id int);
