-- Finding things: full-text search over incidents, reports, policy positions and actors in English and
-- Spanish, accent-insensitive, and approximate name matching for actors and AI systems.

-- Both are trusted extensions (PostgreSQL 13+): a database owner may create them without superuser.
create extension if not exists unaccent;
create extension if not exists pg_trgm;

-- unaccent() is only stable (its dictionary could be swapped at run time), so index expressions cannot use
-- it directly. Naming the dictionary and schema pins the lookup, which makes declaring it immutable safe.
create function f_unaccent(text) returns text
language sql immutable parallel safe strict
return public.unaccent('public.unaccent'::regdictionary, $1);

-- array_to_string() is stable because it goes through each element type's output function; for text[]
-- that is the identity, so this wrapper is immutable in fact and may feed generated columns.
create function f_join(text[]) returns text
language sql immutable parallel safe
return array_to_string($1, ' ');

-- English and Spanish configurations that strip accents before stemming: "Mexico" matches "México", and
-- ts_headline, which re-parses the stored text with the same configuration, highlights the accented word.
create text search configuration faultline_english (copy = english);
alter text search configuration faultline_english
  alter mapping for hword, hword_part, word with public.unaccent, english_stem;
create text search configuration faultline_spanish (copy = spanish);
alter text search configuration faultline_spanish
  alter mapping for hword, hword_part, word with public.unaccent, spanish_stem;

-- Every document is indexed under both configurations (queries are too, and match if either does): the
-- writer's language and the reader's need not agree, and an excluded word ("-chatgpt") is only reliably
-- excluded when the document carries its stems in both languages. Weights: A title/name, B summary,
-- C the rest. A report's own language is indexed first; for the others English leads.
alter table incidents add column search_vector tsvector generated always as (
  setweight(to_tsvector('faultline_english'::regconfig, title), 'A') ||
  setweight(to_tsvector('faultline_spanish'::regconfig, title), 'A') ||
  setweight(to_tsvector('faultline_english'::regconfig, summary), 'B') ||
  setweight(to_tsvector('faultline_spanish'::regconfig, summary), 'B') ||
  setweight(to_tsvector('faultline_english'::regconfig, f_join(sectors) || ' ' || f_join(data_categories)), 'C')
) stored;

alter table reports add column search_vector tsvector generated always as (
  setweight(to_tsvector(case language when 'es' then 'faultline_spanish'::regconfig else 'faultline_english'::regconfig end, title), 'A') ||
  setweight(to_tsvector(case language when 'es' then 'faultline_english'::regconfig else 'faultline_spanish'::regconfig end, title), 'A') ||
  setweight(to_tsvector(case language when 'es' then 'faultline_spanish'::regconfig else 'faultline_english'::regconfig end, summary), 'B') ||
  setweight(to_tsvector(case language when 'es' then 'faultline_english'::regconfig else 'faultline_spanish'::regconfig end, summary), 'B') ||
  setweight(to_tsvector('simple'::regconfig, publisher), 'C')
) stored;

alter table policy_positions add column search_vector tsvector generated always as (
  setweight(to_tsvector('faultline_english'::regconfig, summary), 'B') ||
  setweight(to_tsvector('faultline_spanish'::regconfig, summary), 'B') ||
  setweight(to_tsvector('faultline_english'::regconfig, coalesce(quote, '')), 'C') ||
  setweight(to_tsvector('faultline_spanish'::regconfig, coalesce(quote, '')), 'C')
) stored;

alter table actors add column search_vector tsvector generated always as (
  setweight(to_tsvector('faultline_english'::regconfig, name || ' ' || f_join(aliases)), 'A') ||
  setweight(to_tsvector('faultline_spanish'::regconfig, name || ' ' || f_join(aliases)), 'A') ||
  setweight(to_tsvector('faultline_english'::regconfig, description), 'C') ||
  setweight(to_tsvector('faultline_spanish'::regconfig, description), 'C')
) stored;

-- Full-text matches (@@) go through GIN.
create index incidents_search_idx on incidents using gin (search_vector);
create index reports_search_idx on reports using gin (search_vector);
create index policy_positions_search_idx on policy_positions using gin (search_vector);
create index actors_search_idx on actors using gin (search_vector);

-- Approximate names ("Antropic" finds Anthropic): trigram similarity on the unaccented name.
create index actors_name_trgm_idx on actors using gin (f_unaccent(name) gin_trgm_ops);
create index ai_systems_name_trgm_idx on ai_systems using gin (f_unaccent(name) gin_trgm_ops);

-- The timeline pages incidents, reports and positions in one order: date, then precision, then id. The
-- precisions sort as text (day < month < unknown < year); "unknown" only ever goes with the -infinity date,
-- so that order is day < month < year wherever two items share a date. An incident with no known occurrence
-- date is placed at its disclosure, to that date's precision (occurred_sort already falls back the same way).
create function incident_timeline_precision(occurred_start date, occurred_precision text, disclosed_precision text)
returns text
language sql immutable parallel safe
return case when occurred_start is null then disclosed_precision else occurred_precision end;

create index incidents_timeline_idx on incidents
  (occurred_sort, incident_timeline_precision(occurred_start, occurred_precision, disclosed_precision), id)
  where merged_into_id is null;
create index reports_timeline_idx on reports (published_sort, published_precision, id);
create index policy_positions_timeline_idx on policy_positions (stated_sort, stated_precision, id);
