-- Customers may leave a phone number.
ALTER TABLE shop.customer ADD COLUMN phone text;
COMMENT ON COLUMN shop.customer.phone IS 'Optional, as the customer typed it';
