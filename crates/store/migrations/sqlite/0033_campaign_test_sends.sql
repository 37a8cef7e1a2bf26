-- A campaign's test sends (issue 15): the campaign as subscribers will get it, to a few
-- addresses the team chooses, before it goes out. An outbox like the campaign's own sends,
-- apart from them: no subscriber, no statistics, no unsubscribe.
CREATE TABLE newsletter_test_sends (
    id              INTEGER PRIMARY KEY,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    campaign_id     INTEGER NOT NULL REFERENCES newsletter_campaigns(id) ON DELETE CASCADE,
    email           TEXT    NOT NULL,
    requested_by    TEXT    NOT NULL,
    -- queued, sending, sent, failed
    status          TEXT    NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at INTEGER,
    claimed_at      INTEGER,
    last_error      TEXT,
    sent_at         INTEGER,
    created_at      INTEGER NOT NULL
);
CREATE INDEX newsletter_test_sends_due ON newsletter_test_sends(status, next_attempt_at);
CREATE INDEX newsletter_test_sends_by_campaign ON newsletter_test_sends(campaign_id);
