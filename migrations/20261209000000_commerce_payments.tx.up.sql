-- commerce: carts, orders with their items' snapshots, billing addresses
-- (encrypted), payments and their state machine, idempotency keys of
-- POST /api/payments, and immutable receipts.

-- A product in a user's cart: a course or a curriculum, once per user.
CREATE TABLE commerce_cart_items (
    id          {{.PK}},
    user_id     {{.BigInt}} NOT NULL REFERENCES accounts_users (id),
    kind        TEXT NOT NULL CHECK (kind IN ('course', 'curriculum')),
    product_id  {{.BigInt}} NOT NULL,
    created_at  {{.Timestamp}} NOT NULL
);
CREATE UNIQUE INDEX commerce_cart_items_product_idx ON commerce_cart_items (user_id, kind, product_id);

-- An order. At most one is pending per user (the partial unique index):
-- a new order cancels the pending one under its row lock.
CREATE TABLE commerce_orders (
    id           {{.PK}},
    user_id      {{.BigInt}} NOT NULL REFERENCES accounts_users (id),
    status       TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'cancelled', 'refunded')),
    amount       {{.BigInt}} NOT NULL CHECK (amount >= 0),
    created_at   {{.Timestamp}} NOT NULL,
    updated_at   {{.Timestamp}} NOT NULL,
    paid_at      {{.Timestamp}},
    cancelled_at {{.Timestamp}},
    refunded_at  {{.Timestamp}}
);
CREATE UNIQUE INDEX commerce_orders_pending_idx ON commerce_orders (user_id) WHERE status = 'pending';
CREATE INDEX commerce_orders_user_idx ON commerce_orders (user_id, created_at);

-- An order's products, with their title, price and access period as they
-- were when ordered, and the courses they grant.
CREATE TABLE commerce_order_items (
    id          {{.PK}},
    order_id    {{.BigInt}} NOT NULL REFERENCES commerce_orders (id),
    kind        TEXT NOT NULL CHECK (kind IN ('course', 'curriculum')),
    product_id  {{.BigInt}} NOT NULL,
    title       TEXT NOT NULL,
    price       {{.BigInt}} NOT NULL CHECK (price >= 0),
    access_days INTEGER NOT NULL,
    course_ids  {{.JSON}} NOT NULL
);
CREATE INDEX commerce_order_items_order_idx ON commerce_order_items (order_id);

-- A billing address, sealed (AES-256-GCM, bound to its row): exactly one
-- default per user who has any.
CREATE TABLE commerce_billing_addresses (
    id          {{.PK}},
    user_id     {{.BigInt}} NOT NULL REFERENCES accounts_users (id),
    sealed      TEXT NOT NULL,
    is_default  {{.Bool}} NOT NULL DEFAULT FALSE,
    created_at  {{.Timestamp}} NOT NULL,
    updated_at  {{.Timestamp}} NOT NULL
);
CREATE UNIQUE INDEX commerce_billing_addresses_default_idx ON commerce_billing_addresses (user_id) WHERE is_default;
CREATE INDEX commerce_billing_addresses_user_idx ON commerce_billing_addresses (user_id, created_at);

-- A payment of an order through a provider: ready → approving → paid |
-- failed | cancelled, then refund_requested → refunded. provider_order_id
-- is our id of it at the provider; tid the provider's. An order has at most
-- one payment past ready (the partial unique index): it is charged once.
CREATE TABLE commerce_payments (
    id                {{.PK}},
    user_id           {{.BigInt}} NOT NULL REFERENCES accounts_users (id),
    order_id          {{.BigInt}} NOT NULL REFERENCES commerce_orders (id),
    provider          TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('ready', 'approving', 'paid', 'failed', 'cancelled',
                          'refund_requested', 'refunded')),
    amount            {{.BigInt}} NOT NULL CHECK (amount >= 0),
    provider_order_id TEXT NOT NULL,
    tid               TEXT,
    redirect_url      TEXT NOT NULL DEFAULT '',
    method            TEXT NOT NULL DEFAULT '',
    approved_amount   {{.BigInt}},
    failure_code      TEXT NOT NULL DEFAULT '',
    failure_message   TEXT NOT NULL DEFAULT '',
    billing_sealed    TEXT,
    raw_ready         {{.JSON}},
    raw_approve       {{.JSON}},
    raw_cancel        {{.JSON}},
    created_at        {{.Timestamp}} NOT NULL,
    updated_at        {{.Timestamp}} NOT NULL,
    claimed_at        {{.Timestamp}},
    paid_at           {{.Timestamp}},
    failed_at         {{.Timestamp}},
    cancelled_at      {{.Timestamp}},
    refunded_at       {{.Timestamp}},
    provider_cancelled_at {{.Timestamp}}
);
CREATE UNIQUE INDEX commerce_payments_provider_order_idx ON commerce_payments (provider_order_id);
CREATE UNIQUE INDEX commerce_payments_charged_idx ON commerce_payments (order_id)
    WHERE status IN ('approving', 'paid', 'refund_requested', 'refunded');
CREATE INDEX commerce_payments_user_idx ON commerce_payments (user_id, created_at);
CREATE INDEX commerce_payments_order_idx ON commerce_payments (order_id, status);
CREATE INDEX commerce_payments_status_idx ON commerce_payments (status, claimed_at);
CREATE INDEX commerce_payments_created_idx ON commerce_payments (created_at);

-- Idempotency keys of POST /api/payments: the first response, replayed
-- for the same key and body. Kept at least 24 hours.
CREATE TABLE commerce_idempotency_keys (
    user_id      {{.BigInt}} NOT NULL REFERENCES accounts_users (id),
    idem_key     TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('in_progress', 'done')),
    http_status  INTEGER NOT NULL DEFAULT 0,
    body         TEXT NOT NULL DEFAULT '',
    created_at   {{.Timestamp}} NOT NULL,
    PRIMARY KEY (user_id, idem_key)
);
CREATE INDEX commerce_idempotency_keys_created_idx ON commerce_idempotency_keys (created_at);

-- Receipts: one per payment and one per refund, never changed.
CREATE TABLE commerce_receipts (
    id          {{.PK}},
    user_id     {{.BigInt}} NOT NULL REFERENCES accounts_users (id),
    payment_id  {{.BigInt}} NOT NULL REFERENCES commerce_payments (id),
    kind        TEXT NOT NULL CHECK (kind IN ('payment', 'refund')),
    number      TEXT NOT NULL,
    amount      {{.BigInt}} NOT NULL,
    data        {{.JSON}} NOT NULL,
    created_at  {{.Timestamp}} NOT NULL
);
CREATE UNIQUE INDEX commerce_receipts_payment_idx ON commerce_receipts (payment_id, kind);
CREATE UNIQUE INDEX commerce_receipts_number_idx ON commerce_receipts (number);
CREATE INDEX commerce_receipts_user_idx ON commerce_receipts (user_id, created_at);
