-- The community space (issue 16): the brand's own forum, one per workspace. Members have
-- accounts of their own (not team accounts); posts keep their number in their topic for ever,
-- so a page of a topic is a range of numbers read from an index, however long the topic.
CREATE TABLE community_sites (
    workspace_id  INTEGER  PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    tagline       TEXT    NOT NULL,
    -- The brand's colour, "#rrggbb".
    accent        TEXT    NOT NULL,
    -- Its own host name ("communaute.example.org"), or NULL: served under /c/{workspace}/.
    host          TEXT    UNIQUE,
    -- Open to the public (0: only the team sees it).
    open          INTEGER  NOT NULL,
    welcome_fr    TEXT    NOT NULL,
    welcome_en    TEXT    NOT NULL,
    updated_at    INTEGER  NOT NULL
);

CREATE TABLE community_categories (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER  NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    slug          TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    description   TEXT    NOT NULL,
    colour        TEXT    NOT NULL,
    position      INTEGER  NOT NULL,
    -- discussion, questions, ideas, introductions
    kind          TEXT    NOT NULL,
    -- everyone, members, staff
    read_access   TEXT    NOT NULL,
    post_access   TEXT    NOT NULL,
    UNIQUE (workspace_id, slug)
);

CREATE TABLE community_accounts (
    id              INTEGER PRIMARY KEY,
    workspace_id    INTEGER  NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    email           TEXT    NOT NULL,
    -- What @mentions and profile addresses use, lower-case.
    handle          TEXT    NOT NULL,
    display_name    TEXT    NOT NULL,
    password_hash   TEXT,
    lang            TEXT,
    bio             TEXT    NOT NULL,
    verified_at     INTEGER,
    created_at      INTEGER  NOT NULL,
    first_posted_at INTEGER,
    UNIQUE (workspace_id, email),
    UNIQUE (workspace_id, handle)
);
CREATE INDEX community_accounts_newest ON community_accounts(workspace_id, created_at);

-- E-mail verification and sign-in links: only a hash of the token is kept.
CREATE TABLE community_tokens (
    token_hash    TEXT    PRIMARY KEY,
    account_id    INTEGER  NOT NULL REFERENCES community_accounts(id) ON DELETE CASCADE,
    -- verify, signin
    purpose       TEXT    NOT NULL,
    expires_at    INTEGER  NOT NULL,
    used_at       INTEGER
);

CREATE TABLE community_sessions (
    token_hash    TEXT    PRIMARY KEY,
    account_id    INTEGER  NOT NULL REFERENCES community_accounts(id) ON DELETE CASCADE,
    csrf_token    TEXT    NOT NULL,
    created_at    INTEGER  NOT NULL,
    expires_at    INTEGER  NOT NULL
);

-- The netiquette and terms of use, versioned: a member accepts each new version.
CREATE TABLE community_charters (
    workspace_id  INTEGER  NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    version       INTEGER  NOT NULL,
    body_fr       TEXT    NOT NULL,
    body_en       TEXT    NOT NULL,
    published_by  TEXT    NOT NULL,
    published_at  INTEGER  NOT NULL,
    PRIMARY KEY (workspace_id, version)
);

CREATE TABLE community_acceptances (
    account_id    INTEGER  NOT NULL REFERENCES community_accounts(id) ON DELETE CASCADE,
    version       INTEGER  NOT NULL,
    accepted_at   INTEGER  NOT NULL,
    PRIMARY KEY (account_id, version)
);

CREATE TABLE community_topics (
    id              INTEGER PRIMARY KEY,
    workspace_id    INTEGER  NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    category_id     INTEGER  NOT NULL REFERENCES community_categories(id) ON DELETE CASCADE,
    title           TEXT    NOT NULL,
    slug            TEXT    NOT NULL,
    author_account  INTEGER  REFERENCES community_accounts(id) ON DELETE SET NULL,
    author_user     INTEGER  REFERENCES users(id) ON DELETE SET NULL,
    created_at      INTEGER  NOT NULL,
    last_posted_at  INTEGER  NOT NULL,
    -- The highest post number given (the first post is 1).
    posts           INTEGER  NOT NULL,
    pinned          INTEGER  NOT NULL,
    closed          INTEGER  NOT NULL,
    archived        INTEGER  NOT NULL,
    -- visible, held, deleted (as its first post)
    status          TEXT    NOT NULL
);
CREATE INDEX community_topics_latest ON community_topics(workspace_id, last_posted_at);
CREATE INDEX community_topics_by_category ON community_topics(category_id, pinned, last_posted_at);

CREATE TABLE community_posts (
    id              INTEGER PRIMARY KEY,
    workspace_id    INTEGER  NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    topic_id        INTEGER  NOT NULL REFERENCES community_topics(id) ON DELETE CASCADE,
    number          INTEGER  NOT NULL,
    author_account  INTEGER  REFERENCES community_accounts(id) ON DELETE SET NULL,
    author_user     INTEGER  REFERENCES users(id) ON DELETE SET NULL,
    body_md         TEXT    NOT NULL,
    body_html       TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    created_at      INTEGER  NOT NULL,
    edited_at       INTEGER,
    -- The form's one-time key: a double click makes one post.
    idem_key        TEXT    NOT NULL,
    UNIQUE (topic_id, number),
    UNIQUE (workspace_id, idem_key)
);
CREATE INDEX community_posts_by_account ON community_posts(author_account, created_at);
