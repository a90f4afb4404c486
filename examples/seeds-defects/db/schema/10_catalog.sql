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

CREATE TABLE catalog.tb_customer (
    pk_customer bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id uuid NOT NULL UNIQUE,
    fk_city bigint NOT NULL REFERENCES catalog.tb_city (pk_city),
    email text NOT NULL UNIQUE,
    name text NOT NULL
);

CREATE TABLE catalog.tb_warehouse (
    pk_warehouse bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id uuid NOT NULL UNIQUE,
    fk_city bigint NOT NULL REFERENCES catalog.tb_city (pk_city),
    name text NOT NULL,
    capacity integer NOT NULL CHECK (capacity > 0)
);

-- A review is about a product; its author, when known, is a customer.
CREATE TABLE catalog.tb_review (
    pk_review bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id uuid NOT NULL UNIQUE,
    fk_product bigint NOT NULL REFERENCES catalog.tb_product (pk_product),
    fk_customer bigint REFERENCES catalog.tb_customer (pk_customer),
    fk_author bigint,
    rating integer NOT NULL CHECK (rating BETWEEN 1 AND 5),
    written_on date NOT NULL
);

CREATE TABLE catalog.tb_promotion (
    pk_promotion bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id uuid NOT NULL UNIQUE,
    fk_product bigint NOT NULL REFERENCES catalog.tb_product (pk_product),
    discount_pct integer NOT NULL CHECK (discount_pct BETWEEN 1 AND 90)
);

CREATE TABLE catalog.tb_shipping_rate (
    pk_shipping_rate bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id uuid NOT NULL UNIQUE,
    fk_country bigint NOT NULL REFERENCES catalog.tb_country (pk_country),
    rate numeric(6, 2) NOT NULL
);

CREATE TABLE catalog.tb_holiday (
    pk_holiday bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id uuid NOT NULL UNIQUE,
    fk_country bigint NOT NULL REFERENCES catalog.tb_country (pk_country),
    name text NOT NULL,
    day date NOT NULL
);

CREATE TABLE catalog.tb_tax_rate (
    pk_tax_rate bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id uuid NOT NULL UNIQUE,
    fk_country bigint NOT NULL REFERENCES catalog.tb_country (pk_country),
    percent numeric(4, 2) NOT NULL
);
