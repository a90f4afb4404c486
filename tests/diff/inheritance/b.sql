CREATE TABLE base (id int, note text);
CREATE TABLE child (extra text) INHERITS (base);
CREATE TABLE other (id int, note text) INHERITS (base);
