-- The event log learns the kinds of the actions topic (actionChanged): an action recorded, updated or
-- retracted. Migration 020 lists every kind allowed in one check constraint, so this runs after it, with
-- its list and these three.
alter table events drop constraint events_kind_check;
alter table events add constraint events_kind_check check (kind in (
  'report_added', 'report_attached', 'incident_created', 'incident_updated', 'incident_merged',
  'position_recorded', 'position_retracted',
  'action_recorded', 'action_updated', 'action_retracted'));
