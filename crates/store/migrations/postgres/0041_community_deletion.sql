-- What a member's account deletion does to their posts (issue 16, item 4): they stay, signed
-- by nobody (0), or are emptied and marked deleted (1), as the workspace chooses.
ALTER TABLE community_sites ADD COLUMN remove_posts_on_delete BIGINT NOT NULL DEFAULT 0;
