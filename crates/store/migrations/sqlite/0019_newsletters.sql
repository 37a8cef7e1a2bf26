-- Newsletters: lists people subscribe to (double opt-in), campaigns written in Markdown, and one
-- send per subscriber, the newsletter outbox: claimed (`sending`, attempt counted, committed)
-- before the SMTP call, finished as sent, failed, or bounced when the bounce comes back.
CREATE TABLE newsletter_lists (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    -- The sign-up form's address (/n/{public_id}): random, so lists can't be enumerated.
    public_id    TEXT    NOT NULL UNIQUE,
    from_name    TEXT    NOT NULL,
    from_address TEXT    NOT NULL,
    -- The postal or legal line every newsletter ends with.
    footer       TEXT    NOT NULL,
    -- fr, en: the language of its pages and of the words around each newsletter
    language     TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX newsletter_lists_by_workspace ON newsletter_lists(workspace_id);

CREATE TABLE newsletter_subscribers (
    id                 INTEGER PRIMARY KEY,
    workspace_id       INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    list_id            INTEGER NOT NULL REFERENCES newsletter_lists(id) ON DELETE CASCADE,
    email              TEXT    NOT NULL,
    -- pending (confirmation mail sent), subscribed, unsubscribed, bounced
    status             TEXT    NOT NULL,
    -- The confirmation link's token, hashed; cleared once confirmed.
    confirm_token_hash TEXT UNIQUE,
    -- Put in every newsletter's unsubscribe link: only lets one unsubscribe this address.
    unsubscribe_token  TEXT    NOT NULL UNIQUE,
    -- form, import, team
    source             TEXT    NOT NULL,
    created_at         INTEGER NOT NULL,
    confirmed_at       INTEGER,
    unsubscribed_at    INTEGER,
    UNIQUE (list_id, email)
);
CREATE INDEX newsletter_subscribers_by_list ON newsletter_subscribers(list_id, status);

CREATE TABLE newsletter_campaigns (
    id              INTEGER PRIMARY KEY,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    list_id         INTEGER NOT NULL REFERENCES newsletter_lists(id) ON DELETE CASCADE,
    subject         TEXT    NOT NULL,
    body_markdown   TEXT    NOT NULL,
    -- draft, sending (sends written), sent (none left to send)
    state           TEXT    NOT NULL,
    rate_per_minute INTEGER NOT NULL,
    author          TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    started_at      INTEGER,
    finished_at     INTEGER
);
CREATE INDEX newsletter_campaigns_by_workspace ON newsletter_campaigns(workspace_id, id);

CREATE TABLE newsletter_sends (
    id              INTEGER PRIMARY KEY,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    campaign_id     INTEGER NOT NULL REFERENCES newsletter_campaigns(id) ON DELETE CASCADE,
    subscriber_id   INTEGER NOT NULL REFERENCES newsletter_subscribers(id) ON DELETE CASCADE,
    email           TEXT    NOT NULL,
    -- queued, sending, sent, failed, bounced
    status          TEXT    NOT NULL,
    -- Message-ID and the return path's tag: bounces name the send they are about.
    idempotency_key TEXT    NOT NULL UNIQUE,
    attempts        INTEGER NOT NULL,
    next_attempt_at INTEGER,
    claimed_at      INTEGER,
    last_error      TEXT,
    sent_at         INTEGER,
    bounced_at      INTEGER,
    UNIQUE (campaign_id, subscriber_id)
);
CREATE INDEX newsletter_sends_due ON newsletter_sends(status, next_attempt_at);
CREATE INDEX newsletter_sends_by_campaign ON newsletter_sends(campaign_id, status);

-- Links of a campaign, rewritten to /n/l/{token}: clicks are counted per link, with nothing
-- about who clicked.
CREATE TABLE newsletter_links (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES newsletter_campaigns(id) ON DELETE CASCADE,
    url         TEXT    NOT NULL,
    token       TEXT    NOT NULL UNIQUE,
    clicks      INTEGER NOT NULL,
    UNIQUE (campaign_id, url)
);
