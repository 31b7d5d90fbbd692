-- Notices (due soon, overdue, hold ready, hold about to lapse) and the library's calendar.
--
-- A notice is written before it is sent, and each event it tells of (a loan due soon, a
-- loan's second overdue reminder, a hold become ready) is recorded with it under a key of
-- its own: the primary key of `notice_events` makes one event yield one notice, across
-- restarts and when two runs race. The opening weekdays are a setting
-- (`open_weekdays`); the closed periods are rows.

CREATE TABLE closed_periods (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    first_day TEXT NOT NULL,                  -- YYYY-MM-DD, both days closed
    last_day  TEXT NOT NULL CHECK (last_day >= first_day),
    reason    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX closed_periods_last_day ON closed_periods(last_day);

CREATE TABLE notices (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT    NOT NULL
                            CHECK (kind IN ('due_soon', 'overdue', 'hold_ready', 'hold_lapsing')),
    -- NULL once the reader's data is erased; the row stays in the send log.
    user_id         INTEGER REFERENCES users(id) ON DELETE SET NULL,
    -- mail: sent to `recipient`; slip: printed for a reader with no e-mail address.
    channel         TEXT    NOT NULL CHECK (channel IN ('mail', 'slip')),
    recipient       TEXT,
    group_name      TEXT,
    language        TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    -- pending: to send (mail, from next_attempt_at on) or to print (slip);
    -- sent: delivered to the mail server or the outbox; printed: a slip handed out;
    -- failed: every attempt failed (staff can send it again).
    status          TEXT    NOT NULL DEFAULT 'pending'
                            CHECK (status IN ('pending', 'sent', 'printed', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER
);
CREATE INDEX notices_to_send ON notices(next_attempt_at) WHERE status = 'pending' AND channel = 'mail';
CREATE INDEX notices_user ON notices(user_id, id);
CREATE INDEX notices_slips ON notices(group_name) WHERE status = 'pending' AND channel = 'slip';

-- `event`: '<kind>:<loan or hold id>:<what makes it new>', e.g. 'overdue:41:2' (the second
-- reminder of loan 41) or 'due_soon:41:1767225600' (loan 41 due then; a renewal is a new
-- event).
CREATE TABLE notice_events (
    event     TEXT    PRIMARY KEY,
    notice_id INTEGER NOT NULL REFERENCES notices(id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX notice_events_notice ON notice_events(notice_id);

-- A library's own wording of a kind in a language; without a row the shipped text is used.
CREATE TABLE notice_templates (
    kind        TEXT    NOT NULL
                        CHECK (kind IN ('due_soon', 'overdue', 'hold_ready', 'hold_lapsing')),
    language    TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    modified_at INTEGER NOT NULL,
    PRIMARY KEY (kind, language)
) WITHOUT ROWID;
