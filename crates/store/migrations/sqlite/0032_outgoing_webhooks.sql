-- Outgoing webhooks (issue 14, item 8): a workspace subscribes an address to events; each event
-- becomes one delivery per subscription, written in the transaction of the change it reports,
-- and delivered by the outbound worker with retries.
CREATE TABLE webhook_subscriptions (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    url          TEXT    NOT NULL,
    secret       TEXT    NOT NULL,
    -- The subscribed event names between commas: ",conversation.opened,reply.sent,".
    events       TEXT    NOT NULL,
    description  TEXT    NOT NULL,
    enabled      INTEGER NOT NULL,
    created_by   INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX webhook_subscriptions_by_workspace ON webhook_subscriptions(workspace_id);

CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES webhook_subscriptions(id) ON DELETE CASCADE,
    workspace_id    INTEGER NOT NULL,
    event           TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    -- ready, sending, delivered, failed
    status          TEXT    NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    claimed_at      INTEGER,
    last_status     INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    delivered_at    INTEGER
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
CREATE INDEX webhook_deliveries_by_subscription ON webhook_deliveries(subscription_id, id);
