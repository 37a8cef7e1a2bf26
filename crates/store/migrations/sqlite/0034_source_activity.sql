-- Sources that received mentions without being polled (webhooks, imports) said "waiting for
-- its first delivery · never" beside their mention count: their last activity is their newest
-- mention's reception, and they are working.
UPDATE sources SET
    status = CASE WHEN status = 'new' AND item_count > 0 THEN 'ok' ELSE status END,
    last_fetch_at = COALESCE(last_fetch_at,
        (SELECT MAX(i.received_at) FROM items i WHERE i.source_id = sources.id));
