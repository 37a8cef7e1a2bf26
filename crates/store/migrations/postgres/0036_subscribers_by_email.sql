-- A person's profile shows their newsletter subscriptions, found by their addresses.
CREATE INDEX newsletter_subscribers_by_email ON newsletter_subscribers(workspace_id, email);
