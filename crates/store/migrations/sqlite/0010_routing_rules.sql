-- Routing rules: mentions that meet a rule's conditions go to the inbox, assigned and
-- prioritised as the rule says. Conditions and action are JSON (jardinier_inbox::RuleConditions
-- and RuleAction).
CREATE TABLE routing_rules (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    conditions   TEXT    NOT NULL,
    action       TEXT    NOT NULL,
    enabled      INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX routing_rules_by_workspace ON routing_rules(workspace_id);
