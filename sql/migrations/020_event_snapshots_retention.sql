-- Events that say what they announced, what changed, and how far the log has been pruned.
--
-- snapshot: the record as the event announced it (the API's row for it, as JSON), so a replay shows what was
-- true when the event was written rather than the record as it is now. Null for events written before this
-- migration: the API then shows the record as it is now, and says so.
-- previous: the record's filter attributes before the change, for changes that can move a record into a
-- subscriber's filter (a report attached to an incident) or out of it (an incident whose severity drops).
alter table events
  add column snapshot jsonb,
  add column previous jsonb;

-- report_attached: a report linked to an incident after it was submitted, announced to the reportAdded
-- subscribers whose filter it now matches.
alter table events drop constraint events_kind_check;
alter table events add constraint events_kind_check check (kind in (
  'report_added', 'report_attached', 'incident_created', 'incident_updated', 'incident_merged',
  'position_recorded', 'position_retracted'));

-- Retention deletes the log from its start, in log order. The highest id it has deleted tells an expired
-- cursor from an unknown one even where ids and log positions disagree near the boundary. One row, always.
create table event_retention (
  only_row boolean primary key default true check (only_row),
  pruned_through bigint not null default 0 check (pruned_through >= 0)
);
insert into event_retention default values;
