-- Which saved searches an item matched, as one B-tree ordered by search and time (what the
-- alert counts and the stream filters read), instead of a rowid table with three indexes: a
-- match cost four B-tree inserts, two of them at random places; now two.
-- (query_id, published_at, item_id) is unique exactly when (query_id, item_id) is: an item has
-- one publication time.
CREATE TABLE item_matches_compact (
    query_id     INTEGER NOT NULL REFERENCES listening_queries(id) ON DELETE CASCADE,
    item_id      INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    published_at INTEGER NOT NULL,
    PRIMARY KEY (query_id, published_at, item_id)
) WITHOUT ROWID;
INSERT INTO item_matches_compact (query_id, item_id, workspace_id, published_at)
    SELECT query_id, item_id, workspace_id, published_at FROM item_matches;
DROP TABLE item_matches;
ALTER TABLE item_matches_compact RENAME TO item_matches;
CREATE INDEX item_matches_by_item ON item_matches(item_id, query_id);
