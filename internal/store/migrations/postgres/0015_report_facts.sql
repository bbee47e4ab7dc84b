-- report_credits, report_speed and report_dirty: see the SQLite migration of the same
-- name. Triggers add a contact to report_dirty in the transaction of every change its
-- facts depend on; the store works those contacts out again before it reads. Writers
-- only ever insert into report_dirty (no unique key, no update), so concurrent writers
-- never wait on each other or deadlock there.
CREATE TABLE report_credits (
    contact_id  BIGINT NOT NULL,
    model       TEXT NOT NULL,
    channel     TEXT NOT NULL,
    campaign_id BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    num         BIGINT NOT NULL,
    den         BIGINT NOT NULL,
    exact       TEXT NOT NULL,
    revenue     BIGINT NOT NULL,
    PRIMARY KEY (contact_id, model, channel, campaign_id)
);
CREATE INDEX report_credits_read ON report_credits(model, created_at) INCLUDE (channel, campaign_id, den, num, revenue, exact);

CREATE TABLE report_speed (
    contact_id  BIGINT PRIMARY KEY,
    created_at  BIGINT NOT NULL,
    channel     TEXT NOT NULL,
    campaign_id BIGINT NOT NULL,
    micros      BIGINT NOT NULL
);
CREATE INDEX report_speed_read ON report_speed(created_at) INCLUDE (channel, campaign_id, micros);

CREATE TABLE report_dirty (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contact_id BIGINT NOT NULL
);

INSERT INTO report_dirty (contact_id) SELECT DISTINCT contact_id FROM contact_stages WHERE stage IN ('sql', 'customer');

-- Unlike SQLite, a touch marks its contact whatever its stages: a stage entered by a
-- concurrent transaction would not be seen here. The store drops marks of contacts
-- without facts when it reads them, which is safe since their transaction has committed.
CREATE FUNCTION report_dirty_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.contact_id IS NOT NULL THEN
        INSERT INTO report_dirty (contact_id) VALUES (OLD.contact_id);
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.contact_id IS NOT NULL AND NEW.contact_id IS DISTINCT FROM OLD.contact_id
        OR TG_OP = 'INSERT' AND NEW.contact_id IS NOT NULL AND (NEW.channel IS NOT NULL OR NEW.type IN ('call', 'meeting_booked', 'email_sent')) THEN
        INSERT INTO report_dirty (contact_id) VALUES (NEW.contact_id);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER report_dirty_events AFTER INSERT OR DELETE OR UPDATE OF contact_id, type, occurred_at, channel, campaign_id, actor
    ON events FOR EACH ROW EXECUTE FUNCTION report_dirty_events();

CREATE FUNCTION report_dirty_deals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO report_dirty (contact_id) VALUES (OLD.contact_id);
    END IF;
    IF TG_OP = 'INSERT' OR TG_OP = 'UPDATE' AND NEW.contact_id <> OLD.contact_id THEN
        INSERT INTO report_dirty (contact_id) VALUES (NEW.contact_id);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER report_dirty_deals AFTER INSERT OR DELETE OR UPDATE ON deals FOR EACH ROW EXECUTE FUNCTION report_dirty_deals();

CREATE FUNCTION report_dirty_stages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' OR TG_OP = 'DELETE' AND OLD.stage IN ('sql', 'opportunity', 'customer') THEN
        INSERT INTO report_dirty (contact_id) VALUES (OLD.contact_id);
    END IF;
    IF TG_OP = 'INSERT' AND NEW.stage IN ('sql', 'opportunity', 'customer') OR TG_OP = 'UPDATE' AND NEW.contact_id <> OLD.contact_id THEN
        INSERT INTO report_dirty (contact_id) VALUES (NEW.contact_id);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER report_dirty_stages AFTER INSERT OR DELETE OR UPDATE ON contact_stages FOR EACH ROW EXECUTE FUNCTION report_dirty_stages();

CREATE FUNCTION report_dirty_contacts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.merged_into_id IS NOT NULL THEN
            INSERT INTO report_dirty (contact_id) VALUES (NEW.merged_into_id);
        END IF;
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND NOT (OLD.created_at IS DISTINCT FROM NEW.created_at OR OLD.first_touch_channel IS DISTINCT FROM NEW.first_touch_channel
        OR OLD.first_touch_campaign_id IS DISTINCT FROM NEW.first_touch_campaign_id OR OLD.merged_into_id IS DISTINCT FROM NEW.merged_into_id) THEN
        RETURN NULL;
    END IF;
    INSERT INTO report_dirty (contact_id) VALUES (OLD.id);
    IF OLD.merged_into_id IS NOT NULL THEN
        INSERT INTO report_dirty (contact_id) VALUES (OLD.merged_into_id);
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.merged_into_id IS NOT NULL THEN
        INSERT INTO report_dirty (contact_id) VALUES (NEW.merged_into_id);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER report_dirty_contacts AFTER INSERT OR DELETE OR UPDATE OF created_at, first_touch_channel, first_touch_campaign_id, merged_into_id
    ON contacts FOR EACH ROW EXECUTE FUNCTION report_dirty_contacts();
