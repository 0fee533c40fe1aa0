-- A record you can trust: every claim cites the reports that support it, a report may be known without
-- its address or headline, our own judgements are told apart from what the sources state, positions are
-- current by the date they were stated, and what stakeholders *do* (demands, ultimatums, refusals,
-- statements) is a record of its own.

-- ---- Reports known by what the sources give ------------------------------------------------------------

-- A report may be known only by its outlet and month, or, when no outlet is named (a news analysis that
-- does not say who published it, "recent reports"), only by a plain description. Nothing is filled in.
alter table reports
  alter column url drop not null,
  alter column url_key drop not null,
  alter column publisher drop not null,
  alter column title drop not null,
  alter column language drop not null,
  alter column language drop default,
  add column described_as text check (length(btrim(described_as)) between 1 and 500),
  add constraint reports_url_key_with_url check ((url is null) = (url_key is null)),
  add constraint reports_named_or_described check (publisher is not null or described_as is not null);

-- The identity of a report without an address: what is known of it, lower-cased. Submitting the same
-- report twice therefore finds the first (src/data/report-changes.ts looks it up with this function), as
-- the normalised URL does for a report with an address. Null for those: they are identified by url_key.
create function report_source_key(publisher text, described_as text, published_precision text, published_on date, title text)
returns text
language sql immutable parallel safe
return lower(coalesce(publisher, '')) || '|' || lower(coalesce(described_as, '')) || '|' || published_precision || '|' ||
  coalesce((published_on - date '2000-01-01')::text, '') || '|' || lower(coalesce(title, ''));

alter table reports add column source_key text generated always as (
  case when url_key is null then report_source_key(publisher, described_as, published_precision, published_on, title) end
) stored;
alter table reports add constraint reports_source_key_key unique (source_key);

-- The search document again, now that title and publisher may be absent (a null would blank the whole
-- vector) and a description may stand in for the publisher.
alter table reports drop column search_vector;
alter table reports add column search_vector tsvector generated always as (
  setweight(to_tsvector(case language when 'es' then 'faultline_spanish'::regconfig else 'faultline_english'::regconfig end, coalesce(title, '')), 'A') ||
  setweight(to_tsvector(case language when 'es' then 'faultline_english'::regconfig else 'faultline_spanish'::regconfig end, coalesce(title, '')), 'A') ||
  setweight(to_tsvector(case language when 'es' then 'faultline_spanish'::regconfig else 'faultline_english'::regconfig end, summary), 'B') ||
  setweight(to_tsvector(case language when 'es' then 'faultline_english'::regconfig else 'faultline_spanish'::regconfig end, summary), 'B') ||
  setweight(to_tsvector('simple'::regconfig, coalesce(publisher, '') || ' ' || coalesce(described_as, '')), 'C')
) stored;
create index reports_search_idx on reports using gin (search_vector);

-- ---- Incidents: our judgements may be absent; figures may be approximate ------------------------------

-- Severity is Faultline's own assessment; an incident nobody has assessed has none (it was MEDIUM by
-- default, a judgement nobody made). Unassessed ranks 0, below LOW, so "at least LOW" leaves it out.
alter table incidents alter column severity drop not null, alter column severity drop default;
alter table incidents drop column severity_rank;
alter table incidents add column severity_rank smallint generated always as (
  case severity when 'low' then 1 when 'medium' then 2 when 'high' then 3 when 'critical' then 4 else 0 end
) stored;
create index incidents_severity_idx on incidents (severity_rank, id) where merged_into_id is null;

-- "About 195 million records": the sources' figure is kept with its hedge.
alter table incidents
  add column records_affected_approximate boolean not null default false,
  add column bytes_affected_approximate boolean not null default false;

-- A system the sources say was used, without saying whether as the main tool or an aid.
alter table incident_ai_systems drop constraint incident_ai_systems_role_check;
alter table incident_ai_systems add constraint incident_ai_systems_role_check
  check (role in ('primary_tool', 'supplementary_tool', 'tool', 'safeguard'));

-- ---- Positions: current by stated date ----------------------------------------------------------------

drop view current_policy_positions;

-- An unnamed speaker is described ("a spokesperson"), never named. A remark that does not change the
-- actor's stance (an official explaining why talks go on) is kept as a position that never becomes
-- current and replaces nothing.
alter table policy_positions
  add column speaker_description text check (length(btrim(speaker_description)) between 1 and 200),
  add column changes_stance boolean not null default true,
  add constraint policy_positions_one_speaker check (speaker_id is null or speaker_description is null);

-- Supersession is no longer stored: an actor's current position on a topic is its latest *stated*
-- unretracted one (ties by recording order), so recording an older stance later cannot displace a newer
-- one. A stored link could only disagree with that rule.
alter table policy_positions drop column supersedes_id;

-- Serves "is there a later stance of this actor on this topic" (current positions, supersedes and
-- superseded-by) as one index probe.
create index policy_positions_stance_order_idx on policy_positions (actor_id, topic_id, stated_sort, id)
  where retracted_at is null and changes_stance;

-- current_policy_positions is recreated below, once source_report_id is gone.

-- ---- Legal instruments and actions --------------------------------------------------------------------

create table legal_instruments (
  id bigint generated always as identity primary key,
  slug slug not null,
  name text not null check (length(btrim(name)) between 1 and 200),
  -- ISO 3166-1 alpha-2 (or a subdivision, "US-CA"; "EU" is reserved for the Union).
  jurisdiction text not null check (jurisdiction ~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$'),
  description text not null default '' check (length(description) <= 2000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint legal_instruments_slug_key unique (slug)
);

-- What a stakeholder did: demanded, threatened, refused, said, negotiated, contracted, sanctioned.
create table actions (
  id bigint generated always as identity primary key,
  kind text not null check (kind in (
    'demand', 'ultimatum', 'refusal', 'statement', 'negotiation', 'contract', 'sanction', 'other')),
  -- The actor acting; an action outlives nothing it belongs to, so its actor cannot be deleted under it.
  actor_id bigint not null references actors (id) on delete restrict,
  -- Who spoke for the actor: a named person, or an unnamed one described in words ("a Pentagon
  -- official"); neither when the sources name no one.
  speaker_id bigint references actors (id) on delete set null,
  speaker_description text check (length(btrim(speaker_description)) between 1 and 200),
  summary text not null check (length(btrim(summary)) between 1 and 2000),
  occurred_on date,
  occurred_precision date_precision not null default 'unknown',
  -- A deadline is a partial date, the words the sources give ("by Friday"), or both; a date is never
  -- worked out from the words. Deadlines may lie in the future.
  deadline_on date,
  deadline_precision date_precision not null default 'unknown',
  deadline_text text check (length(btrim(deadline_text)) between 1 and 200),
  threatened_consequence text check (length(btrim(threatened_consequence)) between 1 and 2000),
  responds_to_id bigint references actions (id) on delete set null,
  -- Null when the action asks nothing of anyone (a statement) or the sources do not say.
  outcome text check (outcome in ('pending', 'met', 'refused', 'lapsed', 'withdrawn')),
  version integer not null default 1 check (version >= 1),
  retracted_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  occurred_sort date generated always as (coalesce(occurred_on, '-infinity'::date)) stored,
  -- Where the deadline sits on the timeline: its own date, or, when the sources give only words, the
  -- date of the action that set it (it cannot fall earlier); null without a deadline.
  deadline_sort date generated always as (
    case when deadline_on is not null then deadline_on
         when deadline_text is not null then coalesce(occurred_on, '-infinity'::date) end
  ) stored,
  deadline_sort_precision text generated always as (
    case when deadline_on is not null then deadline_precision::text
         when deadline_text is not null then occurred_precision::text end
  ) stored,
  search_vector tsvector generated always as (
    setweight(to_tsvector('faultline_english'::regconfig, summary), 'B') ||
    setweight(to_tsvector('faultline_spanish'::regconfig, summary), 'B') ||
    setweight(to_tsvector('faultline_english'::regconfig,
      coalesce(threatened_consequence, '') || ' ' || coalesce(deadline_text, '') || ' ' || coalesce(speaker_description, '')), 'C')
  ) stored,
  constraint actions_one_speaker check (speaker_id is null or speaker_description is null),
  constraint actions_not_own_response check (responds_to_id <> id),
  constraint actions_occurred_ok check (partial_date_ok(occurred_on, occurred_precision)),
  constraint actions_deadline_ok check (partial_date_ok(deadline_on, deadline_precision))
);
-- The default list order, newest first.
create index actions_occurred_idx on actions (occurred_sort, id);
-- Actions of one actor (Actor.actions, the actor filter).
create index actions_actor_idx on actions (actor_id, occurred_sort, id);
create index actions_speaker_idx on actions (speaker_id) where speaker_id is not null;
-- What answered an action (Action.responses) and the set-null on delete.
create index actions_responds_to_idx on actions (responds_to_id) where responds_to_id is not null;
-- The timeline's two branches: actions when they happened, deadlines where they sit.
create index actions_timeline_idx on actions (occurred_sort, occurred_precision, id) where retracted_at is null;
create index actions_deadline_timeline_idx on actions (deadline_sort, deadline_sort_precision, id)
  where deadline_sort is not null and retracted_at is null;
create index actions_search_idx on actions using gin (search_vector);

create table action_addressees (
  action_id bigint not null references actions (id) on delete cascade,
  actor_id bigint not null references actors (id) on delete restrict,
  primary key (action_id, actor_id)
);
-- Actions addressed to an actor (the addressee filter, Actor.actions as addressee).
create index action_addressees_actor_idx on action_addressees (actor_id, action_id);

-- Money at stake, as the sources give it: "about $200 million" is 200000000 USD, approximate.
create table action_stakes (
  id bigint generated always as identity primary key,
  action_id bigint not null references actions (id) on delete cascade,
  amount numeric(20, 2) not null check (amount >= 0),
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  approximate boolean not null default false,
  description text not null default '' check (length(description) <= 500)
);
create index action_stakes_action_idx on action_stakes (action_id, id);

create table action_legal_instruments (
  action_id bigint not null references actions (id) on delete cascade,
  legal_instrument_id bigint not null references legal_instruments (id) on delete restrict,
  -- How it was invoked: "possible invocation threatened".
  note text not null default '' check (length(note) <= 500),
  primary key (action_id, legal_instrument_id)
);
create index action_legal_instruments_instrument_idx on action_legal_instruments (legal_instrument_id, action_id);

create table action_topics (
  action_id bigint not null references actions (id) on delete cascade,
  topic_id bigint not null references policy_topics (id) on delete cascade,
  primary key (action_id, topic_id)
);
create index action_topics_topic_idx on action_topics (topic_id, action_id);

create table action_incidents (
  action_id bigint not null references actions (id) on delete cascade,
  incident_id bigint not null references incidents (id) on delete cascade,
  primary key (action_id, incident_id)
);
create index action_incidents_incident_idx on action_incidents (incident_id, action_id);

-- ---- Links between incidents, and from an incident to an action ---------------------------------------

-- A link is a claim like any other: someone (a source) says this incident is part of the same pattern
-- as that one, or sets it beside that action. Symmetric relations are stored once, smaller id first.
create table incident_links (
  id bigint generated always as identity primary key,
  incident_id bigint not null references incidents (id) on delete cascade,
  related_incident_id bigint references incidents (id) on delete cascade,
  related_action_id bigint references actions (id) on delete cascade,
  relation text not null check (relation in ('same_pattern_as', 'follows_pattern_of', 'same_campaign_as', 'discussed_alongside')),
  -- What the source says, in our words.
  summary text not null default '' check (length(summary) <= 2000),
  created_at timestamptz not null default now(),
  constraint incident_links_one_target check (num_nonnulls(related_incident_id, related_action_id) = 1),
  constraint incident_links_relation_target check (
    (relation = 'discussed_alongside') = (related_action_id is not null)),
  constraint incident_links_not_self check (related_incident_id <> incident_id),
  constraint incident_links_symmetric_order check (
    related_incident_id is null or relation = 'follows_pattern_of' or incident_id < related_incident_id),
  constraint incident_links_key unique nulls not distinct (incident_id, related_incident_id, related_action_id, relation)
);
create index incident_links_related_incident_idx on incident_links (related_incident_id) where related_incident_id is not null;
create index incident_links_related_action_idx on incident_links (related_action_id) where related_action_id is not null;

-- ---- Citations: which report supports which claim -----------------------------------------------------

create table citations (
  id bigint generated always as identity primary key,
  -- A cited report cannot be deleted from under the claims it supports.
  report_id bigint not null references reports (id) on delete restrict,
  incident_id bigint references incidents (id) on delete cascade,
  position_id bigint references policy_positions (id) on delete cascade,
  action_id bigint references actions (id) on delete cascade,
  link_id bigint references incident_links (id) on delete cascade,
  -- Which part of the record it supports: the record as a whole, or one of an incident's impact figures.
  claim text not null default 'record'
    check (claim in ('record', 'records_affected', 'bytes_affected', 'data_categories')),
  -- Short verbatim words of the report, and where in it they are (section, paragraph, timestamp).
  excerpt text check (length(btrim(excerpt)) between 1 and 500),
  locator text check (length(btrim(locator)) between 1 and 200),
  created_at timestamptz not null default now(),
  constraint citations_one_target check (num_nonnulls(incident_id, position_id, action_id, link_id) = 1),
  constraint citations_impact_claims check (claim = 'record' or incident_id is not null)
);
-- No unique key over the citation's content: the writes that add citations hold their record's row lock
-- and skip one already on record (src/data/citations.ts). A constraint would also stop migration 012, which
-- merges reports that turn out to be one article by updating every reference to them in place, on a
-- record that cited both.
-- One per target kind: the sources of a page of records are read in one statement each.
create index citations_incident_idx on citations (incident_id) where incident_id is not null;
create index citations_position_idx on citations (position_id) where position_id is not null;
create index citations_action_idx on citations (action_id) where action_id is not null;
create index citations_link_idx on citations (link_id) where link_id is not null;
-- The restrict check when a report is deleted, and "what cites this report".
create index citations_report_idx on citations (report_id);

-- Until now a position had exactly one source and an incident's sources were the reports linked to it:
-- both become citations of the record as a whole.
insert into citations (position_id, report_id, claim, created_at)
select id, source_report_id, 'record', created_at from policy_positions;
insert into citations (incident_id, report_id, claim, created_at)
select incident_id, report_id, 'record', created_at from incident_reports;
alter table policy_positions drop column source_report_id;

-- Current positions: per actor and topic, the latest stated unretracted one that changes the stance.
create view current_policy_positions as
select p.*
from policy_positions p
where p.retracted_at is null
  and p.changes_stance
  and not exists (
    select 1 from policy_positions n
    where n.actor_id = p.actor_id and n.topic_id = p.topic_id and n.retracted_at is null and n.changes_stance
      and (n.stated_sort, n.id) > (p.stated_sort, p.id)
  );

-- The event kinds of actions are allowed by migration 024, after 020 has redefined the list of kinds.
