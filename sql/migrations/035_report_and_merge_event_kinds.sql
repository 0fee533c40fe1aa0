-- The event log learns four kinds, so every change reaches the subscribers it concerns:
--   report_detached:      a report was unlinked from an incident;
--   report_rematched:     an incident a report documents changed what reportAdded filters match on (it gained
--                         or lost an actor, a country, an AI system or a technique, or absorbed a duplicate), so the report
--                         may now match filters it did not, or no longer match ones it did;
--   incident_merged_away: a duplicate was merged into another incident (announced once, so a client drops it);
--   position_updated:     a policy position's sources changed (a citation added or removed after the fact).
-- Migration 024 lists every kind in one check constraint; this one repeats its list with these four.
alter table events drop constraint events_kind_check;
alter table events add constraint events_kind_check check (kind in (
  'report_added', 'report_attached', 'report_detached', 'report_rematched',
  'incident_created', 'incident_updated', 'incident_merged', 'incident_merged_away',
  'position_recorded', 'position_retracted', 'position_updated',
  'action_recorded', 'action_updated', 'action_retracted'));
