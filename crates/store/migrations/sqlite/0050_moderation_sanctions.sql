-- Sanctions on community members (issue 17, item 5): a warning, or no posting (mute), or no
-- posting and no signing in (suspend, ban) from `starts_at` until `ends_at` (none: for good).
-- A sanction ends by itself: it is active while `ends_at` is in the future and nobody lifted
-- it; nothing has to run when it ends. `rule` is the charter's rule it applies.
CREATE TABLE moderation_sanctions (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    account_id    INTEGER NOT NULL REFERENCES community_accounts(id) ON DELETE CASCADE,
    kind          TEXT    NOT NULL,
    rule          INTEGER,
    reason        TEXT    NOT NULL,
    item_id       INTEGER REFERENCES moderation_items(id) ON DELETE SET NULL,
    starts_at     INTEGER NOT NULL,
    ends_at       INTEGER,
    created_by    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    lifted_at     INTEGER,
    lifted_by     INTEGER REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX moderation_sanctions_account ON moderation_sanctions (account_id, starts_at);
