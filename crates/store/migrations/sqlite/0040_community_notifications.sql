-- Notifications of the community (issue 16, item 6): the bell, and e-mails sent at once or
-- gathered in a daily or weekly digest; topics and categories a member watches; one-click
-- unsubscribing from every e-mail.
CREATE TABLE community_notifications (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER  NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    account_id    INTEGER  NOT NULL REFERENCES community_accounts(id) ON DELETE CASCADE,
    -- reply, mention, topic, accepted
    kind          TEXT    NOT NULL,
    topic_id      INTEGER  NOT NULL REFERENCES community_topics(id) ON DELETE CASCADE,
    number        INTEGER  NOT NULL,
    actor         TEXT    NOT NULL,
    created_at    INTEGER  NOT NULL,
    read_at       INTEGER,
    emailed_at    INTEGER,
    UNIQUE (account_id, topic_id, number, kind)
);
CREATE INDEX community_notifications_by_account ON community_notifications(account_id, id);

CREATE TABLE community_watches (
    account_id    INTEGER  NOT NULL REFERENCES community_accounts(id) ON DELETE CASCADE,
    topic_id      INTEGER  NOT NULL REFERENCES community_topics(id) ON DELETE CASCADE,
    PRIMARY KEY (account_id, topic_id)
);
CREATE INDEX community_watches_by_topic ON community_watches(topic_id);

CREATE TABLE community_category_watches (
    account_id    INTEGER  NOT NULL REFERENCES community_accounts(id) ON DELETE CASCADE,
    category_id   INTEGER  NOT NULL REFERENCES community_categories(id) ON DELETE CASCADE,
    PRIMARY KEY (account_id, category_id)
);
CREATE INDEX community_category_watches_by_category ON community_category_watches(category_id);

-- immediate, daily, weekly, never
ALTER TABLE community_accounts ADD COLUMN email_frequency TEXT NOT NULL DEFAULT 'immediate';
-- The secret of the one-click unsubscribe link in every e-mail.
ALTER TABLE community_accounts ADD COLUMN unsubscribe_token TEXT;
ALTER TABLE community_accounts ADD COLUMN last_digest_at INTEGER;
CREATE UNIQUE INDEX community_accounts_unsubscribe ON community_accounts(unsubscribe_token);

-- Mail a person may stop receiving carries its one-click unsubscribe address.
ALTER TABLE mail_outbox ADD COLUMN list_unsubscribe TEXT;
