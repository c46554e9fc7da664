-- The parts of long SMS sent over SMPP. Each part has its own SMSC message id and its own
-- delivery receipt; the message (provider_message_id = its first part's id) is delivered only
-- when every part is, and the first part that fails decides it. Kept in the database so a
-- restart between two parts' receipts loses nothing (gateways/sms/smpp_receipts.py).
CREATE TABLE sms_parts (
    provider    text NOT NULL,
    part_id     text NOT NULL,              -- canonical SMSC id of this part
    message_id  text NOT NULL,              -- canonical SMSC id of the message's first part
    part_no     integer NOT NULL CHECK (part_no >= 1),
    status      text CHECK (status IN ('delivered', 'undeliverable', 'expired', 'failed')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, part_id)
);
CREATE INDEX sms_parts_message_idx ON sms_parts (provider, message_id);

-- Providers whose reports are pulled (Nikita) are asked about sent SMS still without a final
-- report (notifier/sms_reports.py: poll_nikita).
CREATE INDEX notifications_awaiting_report_idx ON notifications (provider, sent_at)
    WHERE status = 'sent' AND delivery_status IS NULL;
