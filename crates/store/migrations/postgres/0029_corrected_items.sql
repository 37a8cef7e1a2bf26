-- The items whose sentiment people corrected, found without reading every item: the model's
-- adjustment per workspace learns from them at start and after each correction.
CREATE INDEX items_sentiment_corrected ON items (workspace_id, id)
    WHERE sentiment_corrected IS NOT NULL;
