-- Roster mirrored from the diary's events, parents' subscriptions, processed events, and the
-- notification outbox. Money lives in 0002_ledger.sql.

CREATE TABLE schools (
    id          text PRIMARY KEY,
    name        text,
    country     text NOT NULL CHECK (country IN ('KZ', 'KG')),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE classes (
    id          text PRIMARY KEY,
    school_id   text NOT NULL REFERENCES schools (id),
    name        text NOT NULL
);

CREATE TABLE pupils (
    id          text PRIMARY KEY,
    school_id   text NOT NULL REFERENCES schools (id),
    class_id    text NOT NULL REFERENCES classes (id),
    first_name  text NOT NULL,
    locale      text NOT NULL CHECK (locale IN ('ru', 'kk', 'ky')),
    time_zone   text NOT NULL,
    active      boolean NOT NULL DEFAULT true,
    -- Roster events for one pupil arrive in order (same key), but a replay must not move
    -- a pupil back in time.
    as_of       timestamptz NOT NULL
);
CREATE INDEX pupils_class_idx ON pupils (class_id) WHERE active;

CREATE TABLE parent_links (
    parent_id   text NOT NULL,
    pupil_id    text NOT NULL REFERENCES pupils (id),
    linked_at   timestamptz NOT NULL,
    PRIMARY KEY (parent_id, pupil_id)
);
CREATE INDEX parent_links_pupil_idx ON parent_links (pupil_id);

CREATE TABLE subscriptions (
    id                  bigserial PRIMARY KEY,
    parent_id           text NOT NULL,
    pupil_id            text NOT NULL REFERENCES pupils (id),
    phone               text NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    types               text[] NOT NULL
        CHECK (types <@ ARRAY['weekly_grades', 'homework', 'announcements', 'grade_instant']),
    language            text NOT NULL CHECK (language IN ('ru', 'kk', 'ky')),
    active              boolean NOT NULL DEFAULT true,
    phone_verified_at   timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (parent_id, pupil_id)
);
CREATE INDEX subscriptions_pupil_idx ON subscriptions (pupil_id) WHERE active;

-- Every applied event id: redelivered events are recognised and skipped.
CREATE TABLE processed_events (
    event_id      uuid PRIMARY KEY,
    topic         text NOT NULL,
    event_type    text NOT NULL,
    partition     integer NOT NULL,
    "offset"      bigint NOT NULL,
    processed_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE homework (
    id            text PRIMARY KEY,
    school_id     text NOT NULL,
    class_id      text NOT NULL,
    subject       text NOT NULL,
    text          text NOT NULL,
    due_date      date NOT NULL,
    cancelled     boolean NOT NULL DEFAULT false,
    as_of         timestamptz NOT NULL
);

-- Grades are kept for the weekly digest (per-subject averages, as the diary shows them).
CREATE TABLE grades (
    id            text PRIMARY KEY,
    school_id     text NOT NULL,
    pupil_id      text NOT NULL,
    subject       text NOT NULL,
    lesson_date   date NOT NULL,
    assessment    text NOT NULL,
    period        integer,
    mark          integer,
    points        integer,
    max_points    integer,
    deleted       boolean NOT NULL DEFAULT false,
    as_of         timestamptz NOT NULL
);
CREATE INDEX grades_pupil_date_idx ON grades (pupil_id, lesson_date) WHERE NOT deleted;

-- The outbox: one row per (cause, subscription, kind). The unique key is what makes a
-- redelivered event charge and send at most once.
CREATE TABLE notifications (
    id                   bigserial PRIMARY KEY,
    event_id             uuid NOT NULL,
    subscription_id      bigint NOT NULL REFERENCES subscriptions (id),
    parent_id            text NOT NULL,
    pupil_id             text NOT NULL,
    kind                 text NOT NULL,
    phone                text NOT NULL,
    body                 text NOT NULL,
    encoding             text NOT NULL CHECK (encoding IN ('GSM-7', 'UCS-2')),
    parts                integer NOT NULL CHECK (parts >= 1),
    price                bigint NOT NULL CHECK (price >= 0),
    currency             text,
    hold_id              bigint,
    status               text NOT NULL CHECK (status IN (
        'queued', 'sending', 'sent', 'failed', 'skipped_insufficient_funds'
    )),
    provider             text,
    provider_message_id  text,
    attempts             integer NOT NULL DEFAULT 0,
    next_attempt_at      timestamptz NOT NULL DEFAULT now(),
    last_error           text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    sent_at              timestamptz,
    UNIQUE (event_id, subscription_id, kind)
);
CREATE INDEX notifications_due_idx ON notifications (next_attempt_at) WHERE status = 'queued';
CREATE INDEX notifications_parent_idx ON notifications (parent_id, created_at DESC);
