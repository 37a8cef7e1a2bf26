-- The community's search index (issue 16, item 7), built as the archive's (0028): one row per
-- post, its rowid the post's id, holding the post's terms (its topic's title and its text,
-- folded and stemmed by jardinier_community::search), each after its workspace ("12~livraison":
-- store::archive_fts::scoped_row), so a search reads its workspace's postings only.
CREATE VIRTUAL TABLE community_post_fts USING fts5(
    terms, tokenize = "ascii tokenchars '#_~'", detail = none, columnsize = 0
);
-- A deleted row's terms leave the index at once: an erased member leaves no trace in it.
INSERT INTO community_post_fts (community_post_fts, rank) VALUES ('secure-delete', 1);
-- A virtual table does not cascade: whatever deletes a post (its author's account, its
-- workspace) deletes its row here.
CREATE TRIGGER community_posts_leave_search AFTER DELETE ON community_posts
BEGIN
    DELETE FROM community_post_fts WHERE rowid = old.id;
END;
-- Posts written before this index are indexed by the server when it starts (the terms are
-- computed in Rust): 0 until then.
ALTER TABLE community_posts ADD COLUMN indexed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX community_posts_to_index ON community_posts(id) WHERE indexed = 0;
