-- Faultline core: the sourced record of incidents, the actors and AI systems in them, the reports that
-- document them, and the policy positions stakeholders take. Postgres is the source of truth, so the rules
-- of the domain live here as constraints, not only in application code.

-- A date the sources give only to the month or year is stored as the first day of that period together
-- with its precision; it is never invented to the day.
create domain date_precision as text
  check (value in ('day', 'month', 'year', 'unknown'));

create domain slug as text
  check (value ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(value) <= 120);

-- ISO 3166-1 alpha-2 codes, upper case.
create domain country_codes as text[]
  check (array_to_string(value, ',') ~ '^([A-Z]{2}(,|$))*$');

-- True when a partial date is stored canonically: present exactly when the precision is known, and the
-- first day of its period.
create function partial_date_ok(d date, p text) returns boolean
language sql immutable parallel safe
return case p
  when 'unknown' then d is null
  when 'day' then d is not null
  when 'month' then d is not null and extract(day from d) = 1
  when 'year' then d is not null and extract(day from d) = 1 and extract(month from d) = 1
  else false
end;

create table actors (
  id bigint generated always as identity primary key,
  slug slug not null,
  name text not null check (length(btrim(name)) between 1 and 200),
  kind text not null check (kind in (
    'ai_developer', 'government', 'military', 'criminal', 'state_actor', 'security_firm',
    'think_tank', 'media', 'person', 'other')),
  country text check (country ~ '^[A-Z]{2}$'),
  aliases text[] not null default '{}',
  description text not null default '' check (length(description) <= 2000),
  -- A person may speak for an organisation; deleting the organisation keeps the person.
  affiliation_id bigint references actors (id) on delete set null,
  role_title text check (length(role_title) <= 200),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint actors_slug_key unique (slug),
  constraint actors_not_own_affiliation check (affiliation_id <> id)
);
create index actors_affiliation_idx on actors (affiliation_id);
create index actors_kind_idx on actors (kind);

create table ai_systems (
  id bigint generated always as identity primary key,
  slug slug not null,
  name text not null check (length(btrim(name)) between 1 and 200),
  kind text not null default 'product' check (kind in ('product', 'model', 'model_version')),
  -- A developer with systems on record cannot be deleted by accident.
  developer_id bigint not null references actors (id) on delete restrict,
  -- A model version points at the product family it belongs to (Claude Opus 4.6 -> Claude).
  parent_id bigint references ai_systems (id) on delete set null,
  description text not null default '' check (length(description) <= 2000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint ai_systems_slug_key unique (slug)
);
create index ai_systems_developer_idx on ai_systems (developer_id);
create index ai_systems_parent_idx on ai_systems (parent_id);

-- MITRE ATLAS tactics and techniques: reference data keyed by ATLAS's own ids.
create table techniques (
  id text primary key check (id ~ '^AML\.TA?[0-9]{4}(\.[0-9]{3})?$'),
  name text not null,
  kind text not null check (kind in ('tactic', 'technique', 'subtechnique')),
  parent_id text references techniques (id) on delete cascade,
  tactic_ids text[] not null default '{}',
  constraint techniques_parent_matches_kind check ((kind = 'subtechnique') = (parent_id is not null))
);
create index techniques_parent_idx on techniques (parent_id);

create table incidents (
  id bigint generated always as identity primary key,
  slug slug not null,
  title text not null check (length(btrim(title)) between 1 and 300),
  summary text not null default '' check (length(summary) <= 10000),
  status text not null default 'reported'
    check (status in ('reported', 'confirmed', 'disputed', 'disrupted', 'resolved')),
  severity text not null default 'medium' check (severity in ('low', 'medium', 'high', 'critical')),
  -- Numeric twin of severity so "at least high" and ordering by severity use one btree index.
  severity_rank smallint generated always as (
    case severity when 'low' then 1 when 'medium' then 2 when 'high' then 3 else 4 end
  ) stored,
  occurred_start date,
  occurred_end date,
  occurred_precision date_precision not null default 'unknown',
  disclosed_on date,
  disclosed_precision date_precision not null default 'unknown',
  countries country_codes not null default '{}',
  sectors text[] not null default '{}',
  records_affected bigint check (records_affected >= 0),
  bytes_affected bigint check (bytes_affected >= 0),
  data_categories text[] not null default '{}',
  -- Optimistic concurrency: every update must name the version it read.
  version integer not null default 1 check (version >= 1),
  -- A duplicate points at the incident it was merged into; its id and slug keep resolving there.
  merged_into_id bigint references incidents (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- Keyset sort keys: never null, so (key, id) row comparisons page without special cases. Unknown dates
  -- sort as the oldest.
  occurred_sort date generated always as (coalesce(occurred_start, disclosed_on, '-infinity'::date)) stored,
  disclosed_sort date generated always as (coalesce(disclosed_on, '-infinity'::date)) stored,
  constraint incidents_slug_key unique (slug),
  constraint incidents_not_merged_into_self check (merged_into_id <> id),
  constraint incidents_occurred_start_ok check (partial_date_ok(occurred_start, occurred_precision)),
  constraint incidents_occurred_end_ok check (
    occurred_end is null
    or (partial_date_ok(occurred_end, occurred_precision) and occurred_end >= occurred_start)),
  constraint incidents_disclosed_ok check (partial_date_ok(disclosed_on, disclosed_precision))
);
-- One index per sort order the API offers; btree scans serve both directions.
create index incidents_occurred_idx on incidents (occurred_sort, id) where merged_into_id is null;
create index incidents_disclosed_idx on incidents (disclosed_sort, id) where merged_into_id is null;
create index incidents_severity_idx on incidents (severity_rank, id) where merged_into_id is null;
create index incidents_updated_idx on incidents (updated_at, id) where merged_into_id is null;
create index incidents_status_idx on incidents (status) where merged_into_id is null;
-- Array containment filters (country, sector) go through GIN.
create index incidents_countries_idx on incidents using gin (countries);
create index incidents_sectors_idx on incidents using gin (sectors);
create index incidents_merged_into_idx on incidents (merged_into_id) where merged_into_id is not null;

create table incident_techniques (
  incident_id bigint not null references incidents (id) on delete cascade,
  technique_id text not null references techniques (id) on delete restrict,
  primary key (incident_id, technique_id)
);
create index incident_techniques_technique_idx on incident_techniques (technique_id, incident_id);

create table incident_actors (
  incident_id bigint not null references incidents (id) on delete cascade,
  actor_id bigint not null references actors (id) on delete restrict,
  role text not null check (role in ('attacker', 'victim', 'developer', 'deployer', 'researcher', 'responder')),
  note text not null default '' check (length(note) <= 1000),
  primary key (incident_id, actor_id, role)
);
-- Serves "incidents of this actor (in this role)" and the actor filter on incidents.
create index incident_actors_actor_idx on incident_actors (actor_id, role, incident_id);

create table incident_ai_systems (
  incident_id bigint not null references incidents (id) on delete cascade,
  ai_system_id bigint not null references ai_systems (id) on delete restrict,
  role text not null check (role in ('primary_tool', 'supplementary_tool', 'safeguard')),
  usage text not null default '' check (length(usage) <= 2000),
  primary key (incident_id, ai_system_id, role)
);
create index incident_ai_systems_system_idx on incident_ai_systems (ai_system_id, incident_id);

create table reports (
  id bigint generated always as identity primary key,
  url text not null check (url ~* '^https?://[^\s/]+' and length(url) <= 2000),
  -- The URL after normalisation (lower-case host, no fragment, no tracking parameters, sorted query):
  -- the identity of a report, so the same article submitted twice is one row.
  url_key text not null,
  publisher text not null check (length(btrim(publisher)) between 1 and 200),
  title text not null check (length(btrim(title)) between 1 and 500),
  summary text not null default '' check (length(summary) <= 10000),
  language text not null default 'en' check (language ~ '^[a-z]{2}$'),
  published_on date,
  published_precision date_precision not null default 'unknown',
  created_at timestamptz not null default now(),
  published_sort date generated always as (coalesce(published_on, '-infinity'::date)) stored,
  constraint reports_url_key_key unique (url_key),
  constraint reports_published_ok check (partial_date_ok(published_on, published_precision))
);
create index reports_published_idx on reports (published_sort, id);
create index reports_publisher_idx on reports (publisher);
create index reports_language_idx on reports (language);

-- Many-to-many: a report can cover several incidents and arrive before any incident exists.
create table incident_reports (
  incident_id bigint not null references incidents (id) on delete cascade,
  report_id bigint not null references reports (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (incident_id, report_id)
);
create index incident_reports_report_idx on incident_reports (report_id, incident_id);

create table policy_topics (
  id bigint generated always as identity primary key,
  slug slug not null,
  name text not null check (length(btrim(name)) between 1 and 200),
  description text not null default '' check (length(description) <= 2000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint policy_topics_slug_key unique (slug)
);

create table policy_positions (
  id bigint generated always as identity primary key,
  actor_id bigint not null references actors (id) on delete cascade,
  -- The person speaking for the actor, when the source names one.
  speaker_id bigint references actors (id) on delete set null,
  topic_id bigint not null references policy_topics (id) on delete cascade,
  stance text not null check (stance in ('supports', 'opposes', 'conditional', 'neutral', 'unclear')),
  summary text not null check (length(btrim(summary)) between 1 and 2000),
  -- A short attributed fragment, never a long passage of the source.
  quote text check (length(quote) <= 200),
  stated_on date,
  stated_precision date_precision not null default 'unknown',
  -- Every position cites where it came from.
  source_report_id bigint not null references reports (id) on delete restrict,
  confidence text not null default 'medium' check (confidence in ('low', 'medium', 'high')),
  -- Stance history: the position this one replaces. The newest unretracted position is current.
  supersedes_id bigint references policy_positions (id) on delete set null,
  retracted_at timestamptz,
  created_at timestamptz not null default now(),
  stated_sort date generated always as (coalesce(stated_on, '-infinity'::date)) stored,
  constraint policy_positions_supersedes_key unique (supersedes_id),
  constraint policy_positions_stated_ok check (partial_date_ok(stated_on, stated_precision))
);
create index policy_positions_actor_topic_idx on policy_positions (actor_id, topic_id, id);
create index policy_positions_topic_idx on policy_positions (topic_id, stance, id);
create index policy_positions_speaker_idx on policy_positions (speaker_id);
create index policy_positions_source_report_idx on policy_positions (source_report_id);
create index policy_positions_stated_idx on policy_positions (stated_sort, id);

create table policy_position_incidents (
  position_id bigint not null references policy_positions (id) on delete cascade,
  incident_id bigint not null references incidents (id) on delete cascade,
  primary key (position_id, incident_id)
);
create index policy_position_incidents_incident_idx on policy_position_incidents (incident_id, position_id);

-- Current positions: unretracted and not replaced by an unretracted newer one. Retracting the newest
-- position makes the one it superseded current again.
create view current_policy_positions as
select p.*
from policy_positions p
where p.retracted_at is null
  and not exists (
    select 1 from policy_positions n
    where n.supersedes_id = p.id and n.retracted_at is null
  );
