-- Results: engagement counts fetched back from the networks that give them (Mastodon, Bluesky),
-- and built-in short links that count clicks (and keep nothing about who clicked).
ALTER TABLE post_deliveries ADD COLUMN likes INTEGER;
ALTER TABLE post_deliveries ADD COLUMN shares INTEGER;
ALTER TABLE post_deliveries ADD COLUMN replies INTEGER;
ALTER TABLE post_deliveries ADD COLUMN metrics_at INTEGER;

CREATE TABLE short_links (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    code         TEXT    NOT NULL UNIQUE,
    url          TEXT    NOT NULL,
    post_id      INTEGER REFERENCES posts(id) ON DELETE CASCADE,
    channel_id   INTEGER REFERENCES publish_channels(id) ON DELETE SET NULL,
    clicks       INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX short_links_by_post ON short_links(post_id);
