-- A parent's reply of STOP (issue 17 §5): messages parents send to our sender, each taken
-- once per provider message id (SMPP's deliver_sm has no id: there the effect is idempotent
-- instead, nothing is left to switch off), and the consent record saying who stopped.
CREATE TABLE incoming_sms (
    id                   bigserial PRIMARY KEY,
    provider             text NOT NULL,
    provider_message_id  text,
    phone                text NOT NULL,
    body                 text NOT NULL,
    outcome              text NOT NULL,  -- stopped | nothing_to_stop | not_a_stop_word
    received_at          timestamptz NOT NULL
);
CREATE UNIQUE INDEX incoming_sms_provider_id_key ON incoming_sms (provider, provider_message_id)
    WHERE provider_message_id IS NOT NULL;

ALTER TABLE consent_records DROP CONSTRAINT consent_records_action_check;
ALTER TABLE consent_records ADD CONSTRAINT consent_records_action_check CHECK (action IN (
    'subscribe', 'update', 'unsubscribe', 'one-click-unsubscribe', 'sms-stop'
));

-- The statement finds the SMS behind a charge or refund by its hold (issue 17 §4).
CREATE INDEX notifications_hold_idx ON notifications (hold_id) WHERE hold_id IS NOT NULL;
