CREATE TABLE base (created_at timestamp DEFAULT now(), e integer);
CREATE TABLE child (c1 integer) INHERITS (base);
