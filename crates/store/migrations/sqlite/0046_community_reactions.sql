-- Reactions on posts (issue 16, item 2): one of each kind per member or teammate and post.
CREATE TABLE community_reactions (
    post_id     INTEGER NOT NULL REFERENCES community_posts(id) ON DELETE CASCADE,
    account_id  INTEGER REFERENCES community_accounts(id) ON DELETE CASCADE,
    user_id     INTEGER REFERENCES users(id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX community_reactions_by_member ON community_reactions(post_id, account_id, kind)
    WHERE account_id IS NOT NULL;
CREATE UNIQUE INDEX community_reactions_by_teammate ON community_reactions(post_id, user_id, kind)
    WHERE user_id IS NOT NULL;
