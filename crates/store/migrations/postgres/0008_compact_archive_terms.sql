-- As on SQLite: the archive's term index without the item_id index and the foreign keys, so a
-- term costs one index insert besides the heap. Invariant: whoever deletes items deletes their
-- terms (computed again with archive_terms from the item's title, text and language).
ALTER TABLE item_terms DROP CONSTRAINT IF EXISTS item_terms_workspace_id_fkey;
ALTER TABLE item_terms DROP CONSTRAINT IF EXISTS item_terms_item_id_fkey;
DROP INDEX IF EXISTS item_terms_by_item;
