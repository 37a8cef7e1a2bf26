-- The archive's full-text index: each item's words, folded (case, accents) and stemmed
-- (French or English Snowball by the item's language), one row per distinct term.
CREATE TABLE item_terms (
    workspace_id BIGINT  NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    term         TEXT    NOT NULL,
    item_id      BIGINT  NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    PRIMARY KEY (workspace_id, term, item_id)
);
CREATE INDEX item_terms_by_item ON item_terms(item_id);
