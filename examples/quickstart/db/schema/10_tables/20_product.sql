CREATE TABLE shop.product (
    product_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sku         text NOT NULL UNIQUE,
    title       text NOT NULL,
    price       numeric(10, 2) NOT NULL CHECK (price >= 0)
);
COMMENT ON TABLE shop.product IS 'What is for sale';
