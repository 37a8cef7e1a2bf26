-- The archive's term index in FTS5 instead of a B-tree of (workspace, term, item) rows: a
-- transaction's terms are gathered in memory and written as one sorted segment, where each term
-- of each mention was an insert at a random place of one large B-tree (two thirds of the time
-- of storing a mention, most of it writing the pages it touched to the log).
--
-- Each row holds an item's terms as computed by the pipeline (folded, stemmed: see
-- listening::normalize::archive_terms), space-separated, after a token naming the workspace
-- ("~12"), which no term can be. The `ascii` tokenizer keeps any non-ASCII character in the
-- token, so each term is exactly one token; `detail = none`: a search asks whether an item has a
-- term, never where; `columnsize = 0`: nor how long it is (no ranking).
-- Invariant: whoever deletes items deletes their row here (the rowid is the item's id), as a
-- virtual table does not cascade.
CREATE VIRTUAL TABLE item_fts USING fts5(
    terms, tokenize = "ascii tokenchars '#_~'", detail = none, columnsize = 0
);
-- A deleted row's terms leave the index at once (FTS5 keeps them otherwise, marked deleted,
-- until segments merge): a person's erasure leaves no trace without rewriting the index.
INSERT INTO item_fts (item_fts, rank) VALUES ('secure-delete', 1);
INSERT INTO item_fts (rowid, terms)
    SELECT item_id, '~' || workspace_id || ' ' || group_concat(term, ' ')
    FROM item_terms GROUP BY item_id, workspace_id;
DROP TABLE item_terms;
-- Near-duplicate candidates come from the writer's memory on SQLite: the band indexes only cost.
DROP INDEX items_band0;
DROP INDEX items_band1;
DROP INDEX items_band2;
DROP INDEX items_band3;
