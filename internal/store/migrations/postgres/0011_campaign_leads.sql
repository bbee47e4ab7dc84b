-- A campaign's page and list count the contacts whose first touch was the campaign.
CREATE INDEX contacts_first_campaign ON contacts(first_touch_campaign_id) WHERE first_touch_campaign_id IS NOT NULL;
