CREATE TYPE shop.order_status AS ENUM ('cart', 'placed', 'shipped', 'cancelled');
CREATE DOMAIN shop.email AS text CHECK (VALUE ~ '^[^@\s]+@[^@\s]+$');
