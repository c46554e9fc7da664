-- The parents' Notification Manager: verified phones, verification codes and consent records.

-- Verification codes (and other service SMS) are about a phone, not a subscription or a child:
-- such notifications carry neither. Their event_id is a fresh uuid, so the unique key still
-- holds for everything keyed by a subscription.
ALTER TABLE notifications ALTER COLUMN subscription_id DROP NOT NULL;
ALTER TABLE notifications ALTER COLUMN pupil_id DROP NOT NULL;

-- A phone a parent proved to own; verified once, it is verified for all their children.
CREATE TABLE parent_phones (
    parent_id    text NOT NULL,
    phone        text NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    verified_at  timestamptz NOT NULL,
    PRIMARY KEY (parent_id, phone)
);

-- One row per code sent. Only an HMAC of the code is kept (keyed with LINK_SIGNING_SECRET).
CREATE TABLE phone_verifications (
    id               bigserial PRIMARY KEY,
    parent_id        text NOT NULL,
    phone            text NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    code_hash        text NOT NULL,
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    confirmed_at     timestamptz,
    notification_id  bigint NOT NULL REFERENCES notifications (id)
);
-- Resend limits count recent codes per parent and per phone.
CREATE INDEX phone_verifications_parent_idx ON phone_verifications (parent_id, created_at);
CREATE INDEX phone_verifications_phone_idx ON phone_verifications (phone, created_at);

-- Written consent to notification SMS (required in Kazakhstan): who changed what, when and
-- from where. Append-only: a record is evidence, so it is never changed or removed.
CREATE TABLE consent_records (
    id           bigserial PRIMARY KEY,
    parent_id    text NOT NULL,
    pupil_id     text NOT NULL,
    school_id    text NOT NULL,  -- the pupil's school at the time: staff see their own only
    action       text NOT NULL CHECK (action IN (
        'subscribe', 'update', 'unsubscribe', 'one-click-unsubscribe'
    )),
    phone        text,
    types        text[] NOT NULL,
    language     text NOT NULL CHECK (language IN ('ru', 'kk', 'ky')),
    actor        text NOT NULL,  -- the token's subject, or 'unsubscribe-link'
    ip           text,
    user_agent   text,
    recorded_at  timestamptz NOT NULL
);
CREATE INDEX consent_records_phone_idx ON consent_records (phone, school_id, recorded_at);

CREATE TRIGGER consent_records_append_only BEFORE UPDATE OR DELETE ON consent_records
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER consent_records_no_truncate BEFORE TRUNCATE ON consent_records
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
