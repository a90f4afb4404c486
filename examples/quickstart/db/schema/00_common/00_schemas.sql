-- Everything the shop owns lives in schema shop.
CREATE SCHEMA shop;
COMMENT ON SCHEMA shop IS 'A small web shop: customers, products and orders';
