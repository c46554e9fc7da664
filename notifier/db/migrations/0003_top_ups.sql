-- Top-ups: a parent paying money in advance through a payment gateway. The money itself
-- moves only in the ledger (kind 'top_up', reference '<gateway>:<gateway payment id>');
-- these rows say what was asked for, where it stands, and how it got there.

CREATE TABLE top_ups (
    id                  uuid PRIMARY KEY,
    parent_id           text NOT NULL,
    gateway             text NOT NULL,
    amount              bigint NOT NULL CHECK (amount > 0),
    currency            text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    status              text NOT NULL CHECK (status IN (
        'created', 'pending', 'succeeded', 'failed', 'expired', 'refunded',
        'partially_refunded', 'disputed'
    )),
    gateway_payment_id  text,
    payment_url         text,
    -- Running totals of what went back to the payer; never more than the amount paid.
    refunded_amount     bigint NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0),
    disputed_amount     bigint NOT NULL DEFAULT 0 CHECK (disputed_amount >= 0),
    -- What a refund or lost dispute took beyond the wallet's balance, booked as receivable.
    receivable_amount   bigint NOT NULL DEFAULT 0 CHECK (receivable_amount >= 0),
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    UNIQUE (gateway, gateway_payment_id),
    CHECK (refunded_amount + disputed_amount <= amount)
);
-- A parent's list, and the daily limit (sum of today's top-ups).
CREATE INDEX top_ups_parent_idx ON top_ups (parent_id, created_at DESC, id DESC);
-- The expiry job looks only at unfinished payments.
CREATE INDEX top_ups_unfinished_idx ON top_ups (created_at)
    WHERE status IN ('created', 'pending');

-- Every status change of a top-up, with its cause. Append-only: it is the audit trail.
CREATE TABLE top_up_transitions (
    id          bigserial PRIMARY KEY,
    top_up_id   uuid NOT NULL REFERENCES top_ups (id),
    from_status text,  -- NULL when the top-up was created
    to_status   text NOT NULL,
    reason      text NOT NULL,
    at          timestamptz NOT NULL
);
CREATE INDEX top_up_transitions_top_up_idx ON top_up_transitions (top_up_id, id);

-- Webhook and callback deliveries seen, for idempotency: gateways deliver at least once.
-- The same id with a different body is refused (and logged), never applied.
CREATE TABLE payment_events (
    gateway      text NOT NULL,
    event_id     text NOT NULL,
    body_sha256  text NOT NULL CHECK (body_sha256 ~ '^[0-9a-f]{64}$'),
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (gateway, event_id)
);

CREATE TRIGGER top_up_transitions_append_only BEFORE UPDATE OR DELETE ON top_up_transitions
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER top_up_transitions_no_truncate BEFORE TRUNCATE ON top_up_transitions
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
