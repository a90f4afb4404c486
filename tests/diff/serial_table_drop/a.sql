CREATE TABLE items (id serial PRIMARY KEY, label text);
