-- The predictive score follows contacts' features between trainings: the newest
-- model scores a contact again when its events, its scores (score_history) or its
-- enrichment (of the contact or of its company) change. Each source has a
-- watermark, as the scorer's own; they start at what exists, which the training
-- that stored the model scored already.
INSERT INTO scoring_watermark (name, event_id, gaps) SELECT 'predict_events', COALESCE(MAX(id), 0), '' FROM events;
INSERT INTO scoring_watermark (name, event_id, gaps) SELECT 'predict_history', COALESCE(MAX(id), 0), '' FROM score_history;
INSERT INTO scoring_watermark (name, event_id, gaps) SELECT 'predict_contacts_enriched', COALESCE(MAX(enriched_at), 0), '0' FROM contacts;
INSERT INTO scoring_watermark (name, event_id, gaps) SELECT 'predict_companies_enriched', COALESCE(MAX(enriched_at), 0), '0' FROM companies;
