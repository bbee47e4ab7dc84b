-- Every campaign has a printed link (/c/CODE) and a QR code, not only those with a
-- landing page: without one they lead to the workspace's website. Campaigns made
-- before get a short code of 7 characters from the alphabet of store.newShortCode, and
-- those without a UTM key take their short code as one, so the link's utm_campaign
-- finds the campaign again; an admin can rename the key later.
UPDATE campaigns SET short_code = substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + abs(random() % 31), 1) || substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + abs(random() % 31), 1) || substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + abs(random() % 31), 1) || substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + abs(random() % 31), 1) || substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + abs(random() % 31), 1) || substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + abs(random() % 31), 1) || substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + abs(random() % 31), 1) WHERE short_code IS NULL OR short_code = '';
UPDATE campaigns SET utm_campaign = short_code WHERE utm_campaign IS NULL OR utm_campaign = '';
