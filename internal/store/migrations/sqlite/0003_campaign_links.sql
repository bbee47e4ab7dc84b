-- Offline media made trackable: a campaign's landing page and the short code of its
-- printed link and QR code.
ALTER TABLE campaigns ADD COLUMN landing_url TEXT NOT NULL DEFAULT '';
ALTER TABLE campaigns ADD COLUMN short_code TEXT;
CREATE UNIQUE INDEX campaigns_short_code ON campaigns(short_code);
