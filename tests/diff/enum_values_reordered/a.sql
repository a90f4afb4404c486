CREATE TYPE size AS ENUM ('large', 'small');
CREATE TABLE shirts (id int, s size);
