-- The funnel report's roll-up: one row per live contact (not merged into another) that
-- has entered a stage of the funnel's ladder, with when it was created, when it first
-- entered each stage of the ladder (null for a stage it never entered) and its time in
-- each stage (null unless it entered a later stage after some time), as
-- report.FunnelTally measures them. Partial indexes hold, for each stage, the contacts
-- that entered it by creation time with whether they entered the next and their time
-- in it, so the funnel of a period counts and lists them from one range of an index per
-- stage, without a lookup per stage entry or a row per contact through the driver.
--
-- funnel_paths_direct computes the same rows from contacts and contact_stages; the
-- triggers below write a contact's row again from it whenever its stage entries, its
-- creation time or its merge change, in the same transaction, so the roll-up stays exact.

CREATE VIEW funnel_paths_direct AS
    SELECT created_at, contact_id, subscriber_at, lead_at, mql_at, sql_at, opportunity_at, customer_at,
        NULLIF(GREATEST(LEAST(lead_at, mql_at, sql_at, opportunity_at, customer_at) - subscriber_at, 0), 0) AS subscriber_time,
        NULLIF(GREATEST(LEAST(mql_at, sql_at, opportunity_at, customer_at) - lead_at, 0), 0) AS lead_time,
        NULLIF(GREATEST(LEAST(sql_at, opportunity_at, customer_at) - mql_at, 0), 0) AS mql_time,
        NULLIF(GREATEST(LEAST(opportunity_at, customer_at) - sql_at, 0), 0) AS sql_time,
        NULLIF(GREATEST(customer_at - opportunity_at, 0), 0) AS opportunity_time
    FROM (SELECT c.created_at AS created_at, c.id AS contact_id,
            MIN(CASE WHEN s.stage = 'subscriber' THEN s.entered_at END) AS subscriber_at,
            MIN(CASE WHEN s.stage = 'lead' THEN s.entered_at END) AS lead_at,
            MIN(CASE WHEN s.stage = 'mql' THEN s.entered_at END) AS mql_at,
            MIN(CASE WHEN s.stage = 'sql' THEN s.entered_at END) AS sql_at,
            MIN(CASE WHEN s.stage = 'opportunity' THEN s.entered_at END) AS opportunity_at,
            MIN(CASE WHEN s.stage = 'customer' THEN s.entered_at END) AS customer_at
        FROM contacts c JOIN contact_stages s ON s.contact_id = c.id
        WHERE c.merged_into_id IS NULL AND s.stage IN ('subscriber', 'lead', 'mql', 'sql', 'opportunity', 'customer')
        GROUP BY c.id, c.created_at) e;

CREATE TABLE funnel_paths (
    created_at       BIGINT NOT NULL,
    contact_id       BIGINT NOT NULL,
    subscriber_at    BIGINT,
    lead_at          BIGINT,
    mql_at           BIGINT,
    sql_at           BIGINT,
    opportunity_at   BIGINT,
    customer_at      BIGINT,
    subscriber_time  BIGINT,
    lead_time        BIGINT,
    mql_time         BIGINT,
    sql_time         BIGINT,
    opportunity_time BIGINT,
    PRIMARY KEY (contact_id)
);

INSERT INTO funnel_paths SELECT * FROM funnel_paths_direct;

-- The funnel of a period reads each stage from its index alone (each holds its stage's
-- own column too, so that it covers the condition on it).
CREATE INDEX funnel_paths_subscriber ON funnel_paths (created_at) INCLUDE (lead_at, subscriber_time, subscriber_at) WHERE subscriber_at IS NOT NULL;
CREATE INDEX funnel_paths_lead ON funnel_paths (created_at) INCLUDE (mql_at, lead_time, lead_at) WHERE lead_at IS NOT NULL;
CREATE INDEX funnel_paths_mql ON funnel_paths (created_at) INCLUDE (sql_at, mql_time, mql_at) WHERE mql_at IS NOT NULL;
CREATE INDEX funnel_paths_sql ON funnel_paths (created_at) INCLUDE (opportunity_at, sql_time, sql_at) WHERE sql_at IS NOT NULL;
CREATE INDEX funnel_paths_opportunity ON funnel_paths (created_at) INCLUDE (customer_at, opportunity_time, opportunity_at) WHERE opportunity_at IS NOT NULL;
CREATE INDEX funnel_paths_customer ON funnel_paths (created_at) INCLUDE (customer_at) WHERE customer_at IS NOT NULL;

-- funnel_paths_refresh writes the rows of contacts a and b again from the view. It first
-- locks the contacts' rows, so that two transactions refreshing one contact take turns:
-- the second reads the view (each statement of this volatile function with a snapshot of
-- its own) only once the first has committed, and sees its change. Then it takes off a
-- row the view no longer has and upserts the others.
CREATE FUNCTION funnel_paths_refresh(a BIGINT, b BIGINT) RETURNS void LANGUAGE sql AS $$
    SELECT 1 FROM contacts WHERE id IN (a, b) FOR NO KEY UPDATE;
    DELETE FROM funnel_paths p WHERE p.contact_id IN (a, b)
        AND NOT EXISTS (SELECT 1 FROM funnel_paths_direct d WHERE d.contact_id = p.contact_id);
    INSERT INTO funnel_paths SELECT * FROM funnel_paths_direct WHERE contact_id IN (a, b)
        ON CONFLICT (contact_id) DO UPDATE SET
        created_at = excluded.created_at,
        subscriber_at = excluded.subscriber_at,
        lead_at = excluded.lead_at,
        mql_at = excluded.mql_at,
        sql_at = excluded.sql_at,
        opportunity_at = excluded.opportunity_at,
        customer_at = excluded.customer_at,
        subscriber_time = excluded.subscriber_time,
        lead_time = excluded.lead_time,
        mql_time = excluded.mql_time,
        sql_time = excluded.sql_time,
        opportunity_time = excluded.opportunity_time;
$$;

-- New stage entries set their stages' times on their contacts' rows (a row of one stage
-- has no time in stage) and work the times out again from the rows' times: once per
-- statement, over the entries it inserted grouped by contact, so that a multi-row insert
-- (an import, a group of form posts) pays one upsert a statement, as the roll-ups of
-- migration 0018 do. A contact enters a stage once (the primary key of contact_stages),
-- so an entry never replaces a time already on the row.
CREATE FUNCTION funnel_paths_entered() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO funnel_paths (created_at, contact_id, subscriber_at, lead_at, mql_at, sql_at, opportunity_at, customer_at)
        SELECT c.created_at, c.id,
                MIN(CASE WHEN n.stage = 'subscriber' THEN n.entered_at END),
                MIN(CASE WHEN n.stage = 'lead' THEN n.entered_at END),
                MIN(CASE WHEN n.stage = 'mql' THEN n.entered_at END),
                MIN(CASE WHEN n.stage = 'sql' THEN n.entered_at END),
                MIN(CASE WHEN n.stage = 'opportunity' THEN n.entered_at END),
                MIN(CASE WHEN n.stage = 'customer' THEN n.entered_at END)
            FROM entered_stages n JOIN contacts c ON c.id = n.contact_id
            WHERE c.merged_into_id IS NULL AND n.stage IN ('subscriber', 'lead', 'mql', 'sql', 'opportunity', 'customer')
            GROUP BY c.id, c.created_at
            ON CONFLICT (contact_id) DO UPDATE SET
                subscriber_at = COALESCE(excluded.subscriber_at, funnel_paths.subscriber_at),
                lead_at = COALESCE(excluded.lead_at, funnel_paths.lead_at),
                mql_at = COALESCE(excluded.mql_at, funnel_paths.mql_at),
                sql_at = COALESCE(excluded.sql_at, funnel_paths.sql_at),
                opportunity_at = COALESCE(excluded.opportunity_at, funnel_paths.opportunity_at),
                customer_at = COALESCE(excluded.customer_at, funnel_paths.customer_at),
                subscriber_time = NULLIF(GREATEST(LEAST(COALESCE(excluded.lead_at, funnel_paths.lead_at), COALESCE(excluded.mql_at, funnel_paths.mql_at), COALESCE(excluded.sql_at, funnel_paths.sql_at), COALESCE(excluded.opportunity_at, funnel_paths.opportunity_at), COALESCE(excluded.customer_at, funnel_paths.customer_at)) - COALESCE(excluded.subscriber_at, funnel_paths.subscriber_at), 0), 0),
                lead_time = NULLIF(GREATEST(LEAST(COALESCE(excluded.mql_at, funnel_paths.mql_at), COALESCE(excluded.sql_at, funnel_paths.sql_at), COALESCE(excluded.opportunity_at, funnel_paths.opportunity_at), COALESCE(excluded.customer_at, funnel_paths.customer_at)) - COALESCE(excluded.lead_at, funnel_paths.lead_at), 0), 0),
                mql_time = NULLIF(GREATEST(LEAST(COALESCE(excluded.sql_at, funnel_paths.sql_at), COALESCE(excluded.opportunity_at, funnel_paths.opportunity_at), COALESCE(excluded.customer_at, funnel_paths.customer_at)) - COALESCE(excluded.mql_at, funnel_paths.mql_at), 0), 0),
                sql_time = NULLIF(GREATEST(LEAST(COALESCE(excluded.opportunity_at, funnel_paths.opportunity_at), COALESCE(excluded.customer_at, funnel_paths.customer_at)) - COALESCE(excluded.sql_at, funnel_paths.sql_at), 0), 0),
                opportunity_time = NULLIF(GREATEST(COALESCE(excluded.customer_at, funnel_paths.customer_at) - COALESCE(excluded.opportunity_at, funnel_paths.opportunity_at), 0), 0);
    RETURN NULL;
END;
$$;

CREATE TRIGGER funnel_paths_entered AFTER INSERT ON contact_stages REFERENCING NEW TABLE AS entered_stages
    FOR EACH STATEMENT EXECUTE FUNCTION funnel_paths_entered();

-- Any other change to a contact's entries (a time changed, an entry taken off) writes its
-- row again from funnel_paths_direct.
CREATE FUNCTION funnel_paths_stages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM funnel_paths_refresh(OLD.contact_id, OLD.contact_id);
    ELSE
        PERFORM funnel_paths_refresh(OLD.contact_id, NEW.contact_id);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER funnel_paths_stages AFTER DELETE OR UPDATE OF contact_id, stage, entered_at
    ON contact_stages FOR EACH ROW EXECUTE FUNCTION funnel_paths_stages();

CREATE FUNCTION funnel_paths_contacts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM funnel_paths WHERE contact_id = OLD.id;
    ELSIF NEW.id IS DISTINCT FROM OLD.id OR NEW.created_at IS DISTINCT FROM OLD.created_at
            OR NEW.merged_into_id IS DISTINCT FROM OLD.merged_into_id THEN
        PERFORM funnel_paths_refresh(OLD.id, NEW.id);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER funnel_paths_contacts AFTER DELETE OR UPDATE OF id, created_at, merged_into_id
    ON contacts FOR EACH ROW EXECUTE FUNCTION funnel_paths_contacts();
