CREATE TABLE items (id serial PRIMARY KEY, code bigserial, label text);
