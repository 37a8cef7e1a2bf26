-- The archive's term index as one B-tree: a WITHOUT ROWID table whose primary key is the whole
-- row, without the item_id index and the foreign keys. Each term costs one B-tree insert instead
-- of three (rowid table, primary-key index, item index) plus two foreign-key lookups; it was the
-- largest part of writing a mention.
-- Invariant: whoever deletes items deletes their terms (computed again with archive_terms from
-- the item's title, text and language), as the database no longer cascades.
CREATE TABLE item_terms_compact (
    workspace_id INTEGER NOT NULL,
    term         TEXT    NOT NULL,
    item_id      INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, term, item_id)
) WITHOUT ROWID;
INSERT INTO item_terms_compact (workspace_id, term, item_id)
    SELECT workspace_id, term, item_id FROM item_terms;
DROP TABLE item_terms;
ALTER TABLE item_terms_compact RENAME TO item_terms;
