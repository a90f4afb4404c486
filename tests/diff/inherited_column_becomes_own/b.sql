CREATE TABLE base (created_at timestamp DEFAULT now());
CREATE TABLE child (c1 integer, e integer) INHERITS (base);
