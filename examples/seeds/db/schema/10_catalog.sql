-- Final tables: BIGINT keys, the UUID kept as a unique business identifier.
CREATE TABLE catalog.tb_country (
    pk_country bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id uuid NOT NULL UNIQUE,
    code text NOT NULL UNIQUE CHECK (code ~ '^[A-Z]{2}$'),
    name text NOT NULL
);

CREATE TABLE catalog.tb_region (
    pk_region bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id uuid NOT NULL UNIQUE,
    fk_country bigint NOT NULL REFERENCES catalog.tb_country (pk_country),
    name text NOT NULL
);

CREATE TABLE catalog.tb_city (
    pk_city bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id uuid NOT NULL UNIQUE,
    fk_region bigint NOT NULL REFERENCES catalog.tb_region (pk_region),
    name text NOT NULL,
    population integer NOT NULL CHECK (population >= 0)
);

-- Categories form a tree: a category's parent is another category.
CREATE TABLE catalog.tb_category (
    pk_category bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id uuid NOT NULL UNIQUE,
    fk_parent_category bigint REFERENCES catalog.tb_category (pk_category),
    name text NOT NULL
);

CREATE TABLE catalog.tb_supplier (
    pk_supplier bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id uuid NOT NULL UNIQUE,
    fk_city bigint NOT NULL REFERENCES catalog.tb_city (pk_city),
    name text NOT NULL UNIQUE,
    contact_email text
);

CREATE TABLE catalog.tb_product (
    pk_product bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id uuid NOT NULL UNIQUE,
    fk_category bigint NOT NULL REFERENCES catalog.tb_category (pk_category),
    fk_supplier bigint NOT NULL REFERENCES catalog.tb_supplier (pk_supplier),
    sku text NOT NULL UNIQUE,
    name text NOT NULL,
    price numeric(10, 2) NOT NULL CHECK (price > 0),
    launched_on date
);
