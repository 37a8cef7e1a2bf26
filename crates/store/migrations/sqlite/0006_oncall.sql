-- On-call rotation per workspace, and quiet hours per person.
CREATE TABLE oncall_rotations (
    workspace_id INTEGER PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    user_ids     TEXT    NOT NULL,
    period_days  INTEGER NOT NULL,
    starts_at    INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
-- Minutes after local midnight (in each workspace's time zone); both NULL: no quiet hours.
ALTER TABLE users ADD COLUMN quiet_start INTEGER;
ALTER TABLE users ADD COLUMN quiet_end INTEGER;
