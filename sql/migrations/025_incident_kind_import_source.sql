-- Issue 11, ATLAS imported faithfully. Three things the record could not say before:
-- * an incident may be an exercise (a red-team exercise, a research demonstration) rather than an attack
--   that happened: MITRE ATLAS tells its case studies apart so, and a reader counting real incidents must
--   be able to leave exercises out;
-- * an actor, AI system or incident may have been created by an importer rather than by an editor: the
--   record says which outside dataset it came from, so nobody mistakes it for curated data;
-- * an AI system's developer may be unknown: ATLAS names a target ("Palo Alto Networks malware detection
--   system") without saying who makes it, and a developer is not invented to fill the column.

alter table incidents
  add column kind text not null default 'incident' check (kind in ('incident', 'exercise')),
  add column imported_from text check (imported_from in ('mitre_atlas'));
-- Serves the kind filter of incident lists; most incidents are real, so the index only holds exercises.
create index incidents_exercise_idx on incidents (id) where kind = 'exercise' and merged_into_id is null;

alter table actors add column imported_from text check (imported_from in ('mitre_atlas'));
alter table ai_systems add column imported_from text check (imported_from in ('mitre_atlas'));
alter table ai_systems alter column developer_id drop not null;

-- Imported names are matched case-insensitively against names (and actors' aliases): one index each.
create index actors_lower_name_idx on actors (lower(name));
create index ai_systems_lower_name_idx on ai_systems (lower(name));

-- The ATLAS importer used to invent a severity of MEDIUM for every case study (ATLAS gives none), and to
-- file every case study as a real incident. Imported incidents nobody has edited since (no history row of
-- an editor's update) lose the invented severity, and those ATLAS calls exercises are marked so by the
-- next import; here only the marker of where they came from is set.
update incidents i
set severity = null, version = i.version + 1, updated_at = now()
where i.slug ~ '^atlas-aml-cs[0-9]{4}$'
  and i.severity = 'medium'
  and not exists (select 1 from incident_history h where h.incident_id = i.id and h.change = 'updated');
update incidents set imported_from = 'mitre_atlas' where slug ~ '^atlas-aml-cs[0-9]{4}$';

-- The system an attack or exercise was aimed at ("target" in ATLAS): attacked, not used, so none of the
-- usage roles fits it.
alter table incident_ai_systems drop constraint incident_ai_systems_role_check;
alter table incident_ai_systems add constraint incident_ai_systems_role_check
  check (role in ('primary_tool', 'supplementary_tool', 'tool', 'safeguard', 'target'));
