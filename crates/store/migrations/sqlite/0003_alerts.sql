-- Alerts: rules per saved search, the alerts they raise (grouped), and their deliveries
-- (an outbox: every message to the outside world is written here first, then sent).

CREATE TABLE alert_rules (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    query_id     INTEGER NOT NULL REFERENCES listening_queries(id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL,
    params       TEXT    NOT NULL,
    channels     TEXT    NOT NULL,
    enabled      INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX alert_rules_by_query ON alert_rules(query_id);

CREATE TABLE alert_events (
    id               INTEGER PRIMARY KEY,
    workspace_id     INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    rule_id          INTEGER NOT NULL REFERENCES alert_rules(id) ON DELETE CASCADE,
    query_id         INTEGER NOT NULL REFERENCES listening_queries(id) ON DELETE CASCADE,
    fired_at         INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    summary          TEXT    NOT NULL,
    item_count       INTEGER NOT NULL,
    first_item_id    INTEGER,
    ack_token_hash   TEXT    NOT NULL UNIQUE,
    acknowledged_by  TEXT,
    acknowledged_at  INTEGER
);
CREATE INDEX alert_events_by_workspace ON alert_events(workspace_id, id);
CREATE INDEX alert_events_open ON alert_events(rule_id, acknowledged_at, updated_at);

CREATE TABLE alert_deliveries (
    id              INTEGER PRIMARY KEY,
    event_id        INTEGER NOT NULL REFERENCES alert_events(id) ON DELETE CASCADE,
    idempotency_key TEXT    NOT NULL UNIQUE,
    channel         TEXT    NOT NULL,
    target          TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    delivered_at    INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL
);
CREATE INDEX alert_deliveries_due ON alert_deliveries(status, next_attempt_at);
