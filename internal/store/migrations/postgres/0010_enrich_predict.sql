-- Enrichment and the predictive score. Contacts waiting for enrichment are found by
-- a partial index; a change of the title, email or phone sends a contact back to the
-- queue (the trigger), so what enrichment derived follows what the contact gave.
CREATE INDEX contacts_unenriched ON contacts(id) WHERE enriched_at IS NULL;
CREATE FUNCTION contacts_reenrich() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.enriched_at := NULL;
    RETURN NEW;
END
$$;
CREATE TRIGGER contacts_reenrich BEFORE UPDATE OF job_title, email, phone ON contacts
FOR EACH ROW
WHEN (OLD.job_title IS DISTINCT FROM NEW.job_title OR OLD.email IS DISTINCT FROM NEW.email OR OLD.phone IS DISTINCT FROM NEW.phone)
EXECUTE FUNCTION contacts_reenrich();

-- Where a company's data came from: '' (only its domain), 'list' (an imported
-- company list) or 'provider' (the HTTP company data provider).
ALTER TABLE companies ADD COLUMN data_source TEXT NOT NULL DEFAULT '';
CREATE INDEX companies_unenriched ON companies(id) WHERE enriched_at IS NULL;

-- The best open leads by predictive score, on the predictive score page.
CREATE INDEX contacts_predictive ON contacts(predictive_score) WHERE predictive_score IS NOT NULL;

-- Trained predictive models, newest last. model holds the intercept, the weights
-- with their standardisation, and the training counts as JSON; auc is the holdout's
-- (null when the holdout lacked one of the two outcomes).
CREATE TABLE predictive_models (
    id         BIGSERIAL PRIMARY KEY,
    trained_at BIGINT NOT NULL,
    auc        DOUBLE PRECISION,
    trained    INTEGER NOT NULL,
    holdout    INTEGER NOT NULL,
    positives  INTEGER NOT NULL,
    negatives  INTEGER NOT NULL,
    model      TEXT NOT NULL,
    actor      TEXT NOT NULL DEFAULT ''
);
