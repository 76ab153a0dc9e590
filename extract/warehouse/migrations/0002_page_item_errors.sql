-- Per-item errors the API reported inside a successful page (a suspended follower, a
-- deleted referenced post): kept with the page, as the API's own words, for the operator.
alter table ops.sync_pages add column item_errors jsonb;
