CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (p_id int CONSTRAINT c_fk REFERENCES p (id), n int CONSTRAINT n_pos CHECK (n > 0));
