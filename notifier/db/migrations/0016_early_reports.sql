-- Receipts pushed (SMPP) before the dispatcher recorded the SMSC's message id: the SMSC
-- has our acknowledgement, so the receipt is kept here and applied when the id is recorded
-- (notifier/outbox/early.py). Rows nothing ever claims are purged after 7 days.
CREATE TABLE early_reports (
    provider            text NOT NULL,
    provider_message_id text NOT NULL,
    status              text NOT NULL
                        CHECK (status IN ('delivered', 'undeliverable', 'expired', 'failed')),
    detail              text,
    reported_at         timestamptz NOT NULL,
    received_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, provider_message_id)
);
CREATE INDEX early_reports_received_idx ON early_reports (received_at);
