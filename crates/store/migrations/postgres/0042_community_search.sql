-- The community's search index (issue 16, item 7), built as the archive's (0005): one row per
-- term of each post (its topic's title and its text, folded and stemmed by
-- jardinier_community::search). A search reads a term's posts newest first.
CREATE TABLE community_post_terms (
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    term         TEXT   NOT NULL,
    post_id      BIGINT NOT NULL REFERENCES community_posts(id) ON DELETE CASCADE,
    PRIMARY KEY (workspace_id, term, post_id)
);
-- What deleting a post (its author's account, its workspace) deletes here is found by post.
CREATE INDEX community_post_terms_by_post ON community_post_terms(post_id);
-- Posts written before this index are indexed by the server when it starts (the terms are
-- computed in Rust): 0 until then.
ALTER TABLE community_posts ADD COLUMN indexed BIGINT NOT NULL DEFAULT 0;
CREATE INDEX community_posts_to_index ON community_posts(id) WHERE indexed = 0;
