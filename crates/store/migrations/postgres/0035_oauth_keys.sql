-- Keys of the applications registered with X, LinkedIn and Meta, entered by an owner in the
-- settings (the configuration file's [oauth.*] keys win when both exist).
CREATE TABLE oauth_keys (
    network       TEXT PRIMARY KEY,
    client_id     TEXT NOT NULL,
    client_secret TEXT NOT NULL,
    updated_by    TEXT NOT NULL,
    updated_at    BIGINT NOT NULL
);
