-- time_decay's shares that are not simple fractions are now whole parts of 2^-62 of a
-- customer (attribution.Credits), held in report_credits as num over den = 2^62. Facts
-- worked out before hold them as exact fractions in text (den 0): mark those contacts,
-- so that the background or the next report works them out again.
INSERT INTO report_dirty (contact_id) SELECT DISTINCT contact_id FROM report_credits WHERE model = 'time_decay' AND den = 0;
