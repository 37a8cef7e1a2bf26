-- Replies from the inbox back to the channel, through a durable outbox: a reply is written here
-- in the transaction that accepts it, and the reply worker delivers it. A reply moves
-- pending_approval → queued → sending → sent (or failed / rejected). `sending` is written before
-- the network call; a reply left in `sending` by a crash is retried with the same idempotency
-- key, which the channel uses to refuse a second copy (see jardinier-outbound).
CREATE TABLE replies (
    id              INTEGER PRIMARY KEY,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    item_id         INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    author_id       INTEGER REFERENCES users(id) ON DELETE SET NULL,
    body            TEXT    NOT NULL,
    close_after     INTEGER NOT NULL,
    status          TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL UNIQUE,
    attempts        INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    claimed_at      INTEGER,
    decided_by      INTEGER REFERENCES users(id) ON DELETE SET NULL,
    decided_at      INTEGER,
    remote_id       TEXT,
    remote_url      TEXT,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER
);
CREATE INDEX replies_due ON replies(status, next_attempt_at);
CREATE INDEX replies_by_conversation ON replies(conversation_id, id);
CREATE INDEX replies_by_remote_id ON replies(remote_id);

-- Saved replies: the brand's words for the usual answers, with variables ({{first_name}}…).
CREATE TABLE saved_replies (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    lang         TEXT    NOT NULL,
    body         TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    UNIQUE (workspace_id, name, lang)
);

-- Response times: when the brand first answered, when the conversation was last closed.
ALTER TABLE conversations ADD COLUMN first_response_at INTEGER;
ALTER TABLE conversations ADD COLUMN resolved_at INTEGER;
