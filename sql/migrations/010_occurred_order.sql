-- Ordering incidents by OCCURRED now means by when they happened, as the schema says: an incident whose
-- occurrence date is unknown sorts as the oldest (last when newest first, first when oldest first), like
-- every other unknown date in the API. Until now the sort key fell back to the disclosure date, so an
-- undated incident sat among dated ones under a date it does not have.
--
-- The timeline keeps placing such an incident at its disclosure, since that is a dated event about it; the
-- API says so (TimelineEntry.basis). That placement now has its own expression instead of borrowing
-- occurred_sort.
--
-- PostgreSQL 15 cannot change a generated column's expression, so the column is dropped and added again
-- (one table rewrite); the indexes on it go with it and are rebuilt below.

drop index incidents_timeline_idx;

alter table incidents drop column occurred_sort;
alter table incidents
  add column occurred_sort date generated always as (coalesce(occurred_start, '-infinity'::date)) stored;

-- OCCURRED in either direction, and the "most recent first" nested lists of actors and AI systems.
create index incidents_occurred_idx on incidents (occurred_sort, id) where merged_into_id is null;

-- Where an incident sits on the timeline: when it began, else when it was disclosed, else nowhere dated.
create function incident_timeline_date(occurred_start date, disclosed_on date) returns date
language sql immutable parallel safe
return coalesce(occurred_start, disclosed_on, '-infinity'::date);

-- The timeline pages incidents by (date, precision, id) along this index, as before.
create index incidents_timeline_idx on incidents (
  incident_timeline_date(occurred_start, disclosed_on),
  incident_timeline_precision(occurred_start, occurred_precision, disclosed_precision),
  id
) where merged_into_id is null;
