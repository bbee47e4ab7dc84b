-- What enrichment and scoring add to a contact and a company. Enrichment derives
-- these from what the contact gave (title, email, phone, IP) and from company data;
-- scoring writes the three scores. The columns are shared by filters and reports.
ALTER TABLE contacts ADD COLUMN seniority TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN department TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN email_type TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN phone_type TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN phone_region TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN predictive_score REAL;
ALTER TABLE contacts ADD COLUMN enriched_at INTEGER;
ALTER TABLE contacts ADD COLUMN scored_at INTEGER;
ALTER TABLE companies ADD COLUMN employees INTEGER;
ALTER TABLE companies ADD COLUMN country TEXT NOT NULL DEFAULT '';
ALTER TABLE companies ADD COLUMN enriched_at INTEGER;
