-- Customers may leave a phone number. Give up rather than queue behind a long transaction.
SET lock_timeout = '5s';
ALTER TABLE shop.customer ADD COLUMN phone text;
COMMENT ON COLUMN shop.customer.phone IS 'Optional, as the customer typed it';
