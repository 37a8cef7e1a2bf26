-- Listening: saved queries, sources, items and which query matched which item.

CREATE TABLE listening_queries (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    query_text   TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    created_by   INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    archived_at  INTEGER
);
CREATE INDEX listening_queries_by_workspace ON listening_queries(workspace_id);

CREATE TABLE sources (
    id              INTEGER PRIMARY KEY,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    kind            TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    config          TEXT    NOT NULL,
    secret          TEXT,
    interval_secs   INTEGER NOT NULL,
    enabled         INTEGER NOT NULL,
    status          TEXT    NOT NULL,
    last_fetch_at   INTEGER,
    last_success_at INTEGER,
    last_error      TEXT,
    failures        INTEGER NOT NULL,
    next_fetch_at   INTEGER NOT NULL,
    etag            TEXT,
    last_modified   TEXT,
    item_count      INTEGER NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX sources_by_workspace ON sources(workspace_id);
CREATE INDEX sources_due ON sources(enabled, next_fetch_at);

CREATE TABLE items (
    id                 INTEGER PRIMARY KEY,
    workspace_id       INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    source_id          INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    source_kind        TEXT    NOT NULL,
    external_id        TEXT    NOT NULL,
    url                TEXT,
    site               TEXT,
    author_name        TEXT,
    author_handle      TEXT,
    author_reach       INTEGER,
    title              TEXT,
    body               TEXT    NOT NULL,
    lang               TEXT,
    sentiment          TEXT,
    sentiment_score    REAL,
    sentiment_corrected TEXT,
    published_at       INTEGER NOT NULL,
    received_at        INTEGER NOT NULL,
    parent_external_id TEXT,
    content_hash       TEXT    NOT NULL,
    simhash            INTEGER NOT NULL,
    band0              INTEGER NOT NULL,
    band1              INTEGER NOT NULL,
    band2              INTEGER NOT NULL,
    band3              INTEGER NOT NULL,
    duplicate_of       INTEGER REFERENCES items(id) ON DELETE SET NULL,
    seen_count         INTEGER NOT NULL,
    enrichment_error   TEXT,
    UNIQUE (source_id, external_id)
);
CREATE INDEX items_by_workspace ON items(workspace_id, id);
CREATE INDEX items_by_published ON items(workspace_id, published_at);
CREATE INDEX items_by_url ON items(workspace_id, url);
CREATE INDEX items_by_hash ON items(workspace_id, content_hash);
CREATE INDEX items_band0 ON items(workspace_id, band0);
CREATE INDEX items_band1 ON items(workspace_id, band1);
CREATE INDEX items_band2 ON items(workspace_id, band2);
CREATE INDEX items_band3 ON items(workspace_id, band3);

CREATE TABLE item_matches (
    query_id     INTEGER NOT NULL REFERENCES listening_queries(id) ON DELETE CASCADE,
    item_id      INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    published_at INTEGER NOT NULL,
    PRIMARY KEY (query_id, item_id)
);
CREATE INDEX item_matches_by_item ON item_matches(item_id);
CREATE INDEX item_matches_by_time ON item_matches(query_id, published_at);
