-- Connections through OAuth (X, LinkedIn, Meta): the pending authorizations (the state sent to
-- the network, kept as a hash, with PKCE's verifier; ten minutes to come back), and when the
-- team was warned that a channel's connection ends.
CREATE TABLE oauth_states (
    state_hash   TEXT    NOT NULL PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    network      TEXT    NOT NULL,
    verifier     TEXT    NOT NULL,
    created_at   BIGINT NOT NULL
);

ALTER TABLE publish_channels ADD COLUMN expiry_warned_at BIGINT;
