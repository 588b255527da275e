-- The feed's entity names, checked without a regular expression: the same
-- names as '^[a-z][a-z0-9_]{0,62}$' (1 to 63 characters, the first a-z,
-- the others a-z, 0-9 or _), for a quarter of the cost per row. A first
-- register of a million children writes a million entries: the regular
-- expression cost 1.4 s of them, this check 0.4 s (docs/performance.md,
-- session 6). TestFeedEntityCheckAsRegexp holds it against the old one.
ALTER TABLE change_feed DROP CONSTRAINT change_feed_entity_check;
ALTER TABLE change_feed ADD CONSTRAINT change_feed_entity_check CHECK (
    octet_length(entity) BETWEEN 1 AND 63
    AND ascii(entity) BETWEEN 97 AND 122
    AND ltrim(entity, 'abcdefghijklmnopqrstuvwxyz0123456789_') = ''
);
