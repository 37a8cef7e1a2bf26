-- Publishing: the brand's accounts posts go out to (channels), posts, and one delivery per
-- channel variant of a post. Deliveries are the publishing outbox: written when the post is
-- scheduled, claimed (`sending`, attempt counted, committed) before the network call, finished
-- with the channel's receipt (remote id and address) or a terminal error.
CREATE TABLE publish_channels (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    -- mastodon, bluesky, discord, slack, webhook
    kind         TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    config       TEXT    NOT NULL,
    secret       TEXT,
    created_at   INTEGER NOT NULL
);
CREATE INDEX publish_channels_by_workspace ON publish_channels(workspace_id);

CREATE TABLE posts (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    author_id    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    title        TEXT    NOT NULL,
    -- draft, scheduled, published (every delivery sent), failed (one gave up)
    state        TEXT    NOT NULL,
    scheduled_at INTEGER,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX posts_by_workspace ON posts(workspace_id, scheduled_at);

CREATE TABLE post_deliveries (
    id              INTEGER PRIMARY KEY,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    post_id         INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    channel_id      INTEGER NOT NULL REFERENCES publish_channels(id) ON DELETE CASCADE,
    body            TEXT    NOT NULL,
    -- draft, scheduled, sending, sent, failed
    status          TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL UNIQUE,
    attempts        INTEGER NOT NULL,
    due_at          INTEGER,
    next_attempt_at INTEGER,
    claimed_at      INTEGER,
    remote_id       TEXT,
    remote_url      TEXT,
    last_error      TEXT,
    sent_at         INTEGER,
    created_at      INTEGER NOT NULL
);
CREATE INDEX post_deliveries_due ON post_deliveries(status, next_attempt_at);
CREATE INDEX post_deliveries_by_post ON post_deliveries(post_id);
