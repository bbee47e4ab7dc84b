-- Segments: a dynamic segment is a filter (its JSON form), a static one a list of
-- contacts that people add and remove.
CREATE TABLE segments (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    kind        TEXT NOT NULL,
    filter      TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE segment_members (
    segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL REFERENCES contacts(id),
    added_at   INTEGER NOT NULL,
    PRIMARY KEY (segment_id, contact_id)
);
CREATE INDEX segment_members_contact ON segment_members(contact_id);

-- A filter never matches merged contacts, so the attributes segments and fit rules
-- count most often are indexed over the contacts that are not merged: a count on
-- them reads the index alone.
CREATE INDEX contacts_live_country ON contacts(country) WHERE merged_into_id IS NULL;
CREATE INDEX contacts_live_stage ON contacts(stage) WHERE merged_into_id IS NULL;
CREATE INDEX contacts_live_seniority ON contacts(seniority) WHERE merged_into_id IS NULL;
CREATE INDEX contacts_live_department ON contacts(department) WHERE merged_into_id IS NULL;
CREATE INDEX contacts_live_fit ON contacts(fit_score) WHERE merged_into_id IS NULL;
CREATE INDEX contacts_live_engagement ON contacts(engagement_score) WHERE merged_into_id IS NULL;
CREATE INDEX companies_size ON companies(size);
CREATE INDEX companies_industry ON companies(industry);
