DROP TABLE commerce_receipts;
DROP TABLE commerce_idempotency_keys;
DROP TABLE commerce_payments;
DROP TABLE commerce_billing_addresses;
DROP TABLE commerce_order_items;
DROP TABLE commerce_orders;
DROP TABLE commerce_cart_items;
