-- Every campaign has a printed link (/c/CODE) and a QR code, not only those with a
-- landing page: without one they lead to the workspace's website. Campaigns made
-- before get a short code of 7 characters from the alphabet of store.newShortCode. Their
-- UTM key is left as it is: one is never made up, and a campaign without one shows no
-- printed link until it is given one.
UPDATE campaigns SET short_code = substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + abs(random() % 31), 1) || substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + abs(random() % 31), 1) || substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + abs(random() % 31), 1) || substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + abs(random() % 31), 1) || substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + abs(random() % 31), 1) || substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + abs(random() % 31), 1) || substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + abs(random() % 31), 1) WHERE short_code IS NULL OR short_code = '';
