CREATE TABLE shop.customer_order (
    order_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES shop.customer (customer_id),
    status      shop.order_status NOT NULL DEFAULT 'cart',
    placed_at   timestamptz
);
CREATE INDEX ON shop.customer_order (customer_id);
COMMENT ON TABLE shop.customer_order IS 'One basket or order of a customer';

CREATE TABLE shop.order_line (
    order_id    bigint NOT NULL REFERENCES shop.customer_order (order_id) ON DELETE CASCADE,
    product_id  bigint NOT NULL REFERENCES shop.product (product_id),
    quantity    integer NOT NULL CHECK (quantity > 0),
    unit_price  numeric(10, 2) NOT NULL,
    PRIMARY KEY (order_id, product_id)
);
CREATE INDEX ON shop.order_line (product_id);
COMMENT ON TABLE shop.order_line IS 'A product in an order, at the price of the day';
