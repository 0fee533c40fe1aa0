-- Corrections to a database loaded with the first seed dataset (sql/seed/002_dataset.sql before migration
-- 005). That seed stated things its sources do not: a report by an outlet they never name (El Universal),
-- addresses, headlines and languages of ours presented as the outlets', two paraphrases stored as quotes, a
-- named speaker for a refusal nobody was named for, three positions citing the Mexican breach, the North
-- Korean reports attributed to Bloomberg, severities and a date nobody gave, and an official's remark
-- recorded as a change of the Defense Department's stance.
--
-- Only rows still exactly as that seed wrote them are touched: each is matched on its keys (a report on the
-- URL the seed stored, which migration 012 leaves as it is, whether it runs before or after this one) and
-- on an md5 of its text (and, for incidents, on version 1, never updated). A row an editor has changed since, and
-- every row the seed did not write, is left as it is; on a database that never held the first seed this
-- migration changes nothing. Each corrected incident and position gets a history entry with no key (a
-- change made outside the API). No event is sent: subscribers learn of seed corrections from the
-- records, not from the live feed.
--
-- What is false is removed or corrected; what the corrected seed adds (the actions, the analysis as a
-- source, the links between incidents, two more positions, more sources per position) is not, because it
-- is not needed to make the record true: a database seeded afresh has it.

-- ---- Reports -------------------------------------------------------------------------------------------

create temporary table first_seed_report (
  url text primary key,
  title_md5 text not null,
  summary_md5 text not null,
  -- The corrected seed's summary; null for the report the sources never name.
  summary text,
  date_known boolean not null default true
) on commit drop;

insert into first_seed_report (url, title_md5, summary_md5, summary, date_known)
values
  ('https://www.bloomberg.com/news/articles/hacker-used-claude-to-breach-mexican-government',
   '960df6c0c6a63a07892a376b43629bb5', 'a67a4f03facdd8db279028f9d9cc5355',
   'Reports the breach of Mexican government networks, based on Gambit Security''s research. In Bloomberg''s own '
   'assessment, cybercriminals and spies turning AI into a weapon is an alarming trend.', true),
  ('https://gambitsecurity.com/research/ai-assisted-breach-of-mexican-government',
   '1138a239f8bbb669dcbc8cfd9936142d', 'dd1eb1777950c4233f30408d72c51277',
   'The research into the breach of Mexican government networks on which Bloomberg''s report is based.', false),
  ('https://www.bbc.com/news/technology-pentagon-ultimatum-to-anthropic',
   '7420c85bf967830f542a0b2f181ead0d', '7469547b9de5497c095e66325625e3fc',
   'Reports the Pentagon''s ultimatum to Anthropic, and an Anthropic spokesperson''s statement that good-faith talks '
   'about its usage policy are continuing.', true),
  ('https://www.ft.com/content/pentagon-anthropic-ai-access-deadline',
   '5db6cc3d000d56811886c79fb60e07c7', '2c347c6c06f67b0c51f113aa3c032214',
   'Reports the Pentagon''s ultimatum to Anthropic.', true),
  ('https://techcrunch.com/2026/02/pentagon-anthropic-ultimatum-investors',
   '4e06f9e4e72ce743cf7636f75b194986', 'eeb375f522ffe75409d9495a9e3b526c',
   'Reports the Pentagon''s ultimatum to Anthropic, and Dean Ball''s warning about how investors will see it.', true),
  ('https://www.heise.de/en/news/pentagon-official-on-continuing-talks-with-anthropic.html',
   '80de406ba6ecb9ffb4356ef38754fce8', 'bec20f2f746f038d75a19e00ae426fd2',
   'Reports an anonymous Pentagon official''s account of why the talks with Anthropic are continuing.', true),
  ('https://www.anthropic.com/news/disrupting-ai-espionage',
   'ef18d380ee3778d83c3f4c8402b0f7e9', '4546eb97e5697a333bc8375cf1020333',
   'Anthropic''s own disclosure that it disrupted a Chinese state-sponsored cyberespionage campaign that used Claude.', true),
  ('https://www.eluniversal.com.mx/tecnologia/hackeo-al-gobierno-de-mexico-con-inteligencia-artificial',
   '5a955f6f390dd62c662f9737a3a34bde', 'ab27af22ba8d9754c4c53e8db4db5e9c', null, true);

create temporary table first_seed_report_id on commit drop as
select r.id, f.url, f.summary, f.date_known
from reports r
join first_seed_report f on f.url = r.url and md5(r.title) = f.title_md5 and md5(r.summary) = f.summary_md5;

-- The outlet the sources never name goes, with the citations migration 005 made of its links, unless
-- something else has come to cite it since.
delete from citations c
using first_seed_report_id f
where c.report_id = f.id and f.summary is null
  and c.incident_id is not null and c.claim = 'record' and c.excerpt is null and c.locator is null
  and not exists (select 1 from citations o where o.report_id = f.id and o.id <> c.id and o.incident_id is null);
delete from reports r
using first_seed_report_id f
where r.id = f.id and f.summary is null
  and not exists (select 1 from citations c where c.report_id = r.id);

-- The others lose the address, headline and language the first seed made up for them; Gambit Security's
-- research also loses its date.
update reports r
set url = null, url_key = null, title = null, language = null, summary = f.summary,
  published_on = case when f.date_known then r.published_on end,
  published_precision = case when f.date_known then r.published_precision else 'unknown' end
from first_seed_report_id f
where r.id = f.id and f.summary is not null;

-- ---- Incidents -----------------------------------------------------------------------------------------

create temporary table first_seed_incident on commit drop as
select i.id, i.slug
from incidents i
join (values
  ('mexico-government-ai-assisted-breach', '88df2c185b3a1cb824df56e76b11eedf', 'ea5b0f61cfdfbab30d535535b9b97b59'),
  ('chinese-state-sponsored-claude-espionage', '3e73a8af392afa18b58ffafb7d328040', '8c4dcfe50c747c7063fba5b25277f678'),
  ('north-korean-ai-generated-backdoors', 'b98ef90656aaa1b0281518f152d1538f', '70a0505c8b9e2eac1b4f435073b8dd88')
) as f (slug, title_md5, summary_md5)
  on f.slug = i.slug and md5(i.title) = f.title_md5 and md5(i.summary) = f.summary_md5
where i.version = 1 and i.merged_into_id is null;

-- The North Korean reports were never Bloomberg's: the first seed's link (and the citation 005 made of it)
-- goes, and the incident cites what the sources give, recent reports that name no outlet.
delete from citations c
using first_seed_incident i, first_seed_report_id r
where i.slug = 'north-korean-ai-generated-backdoors' and c.incident_id = i.id
  and r.url = 'https://www.bloomberg.com/news/articles/hacker-used-claude-to-breach-mexican-government' and c.report_id = r.id
  and c.claim = 'record' and c.excerpt is null and c.locator is null;
delete from incident_reports l
using first_seed_incident i, first_seed_report_id r
where i.slug = 'north-korean-ai-generated-backdoors' and l.incident_id = i.id
  and r.url = 'https://www.bloomberg.com/news/articles/hacker-used-claude-to-breach-mexican-government' and l.report_id = r.id;

insert into reports (described_as, summary, published_precision)
select 'Recent reports mentioned by the news analysis (no outlet named)',
  'Report North Korean cybercriminals deploying backdoors generated with AI.', 'unknown'
from first_seed_incident i
where i.slug = 'north-korean-ai-generated-backdoors'
on conflict (source_key) do nothing;

insert into citations (incident_id, report_id)
select i.id, r.id
from first_seed_incident i
join reports r on r.source_key = report_source_key(null, 'Recent reports mentioned by the news analysis (no outlet named)', 'unknown', null, null)
where i.slug = 'north-korean-ai-generated-backdoors'
  and not exists (select 1 from citations c where c.incident_id = i.id and c.report_id = r.id);
insert into incident_reports (incident_id, report_id)
select c.incident_id, c.report_id
from citations c join first_seed_incident i on i.id = c.incident_id
where i.slug = 'north-korean-ai-generated-backdoors'
on conflict do nothing;

-- The facts give no severity for the Chinese and North Korean incidents and no date for the North Korean
-- one; the breach's figures are the sources' estimates ("about"). Each change is one version, with history.
create temporary table first_seed_incident_before on commit drop as
select i.id, to_jsonb(i) - array['occurred_sort', 'disclosed_sort', 'severity_rank', 'search_vector'] as snapshot
from incidents i join first_seed_incident f on f.id = i.id;

update incidents i
set severity = case when f.slug = 'mexico-government-ai-assisted-breach' then i.severity end,
  summary = case f.slug
    when 'chinese-state-sponsored-claude-espionage' then
      'Anthropic disclosed in November 2025 that it had disrupted a cyberespionage campaign, run by a Chinese '
      'state-sponsored group, that used Claude.'
    when 'north-korean-ai-generated-backdoors' then
      'North Korean cybercriminals were reported to be deploying backdoors generated with AI. The reports are '
      'mentioned without naming any outlet, and give no date.'
    else i.summary end,
  disclosed_on = case when f.slug = 'north-korean-ai-generated-backdoors' then null else i.disclosed_on end,
  disclosed_precision = case when f.slug = 'north-korean-ai-generated-backdoors' then 'unknown' else i.disclosed_precision end,
  records_affected_approximate = case when f.slug = 'mexico-government-ai-assisted-breach' and i.records_affected = 195000000
    then true else i.records_affected_approximate end,
  bytes_affected_approximate = case when f.slug = 'mexico-government-ai-assisted-breach' and i.bytes_affected = 150000000000
    then true else i.bytes_affected_approximate end,
  version = i.version + 1,
  updated_at = now()
from first_seed_incident f
where i.id = f.id;

-- The Chinese campaign used Claude; the facts do not say it was the main tool, nor how.
update incident_ai_systems x
set role = 'tool', usage = ''
from first_seed_incident f, ai_systems s
where f.slug = 'chinese-state-sponsored-claude-espionage' and x.incident_id = f.id
  and s.id = x.ai_system_id and s.slug = 'claude' and x.role = 'primary_tool' and md5(x.usage) = 'a680ef95598a06343e52e398a682fb71';

insert into incident_history (incident_id, version, change, before, after)
select i.id, i.version, 'updated', b.snapshot, to_jsonb(i) - array['occurred_sort', 'disclosed_sort', 'severity_rank', 'search_vector']
from incidents i join first_seed_incident_before b on b.id = i.id;

-- ---- Positions -----------------------------------------------------------------------------------------

create temporary table first_seed_position on commit drop as
select p.id, f.ord
from policy_positions p
join actors a on a.id = p.actor_id
join policy_topics t on t.id = p.topic_id
join (values
  (1, 'us-department-of-defense', 'unrestricted-military-access', 'ee73962260d4a774dbd3d3d475acd9d8'),
  (4, 'anthropic', 'domestic-surveillance', 'bdb7f06dd515286765f4df854c6c038c'),
  (6, 'anthropic', 'unrestricted-military-access', '918827bb38b13824b3fe470a3136660e'),
  (7, 'us-department-of-defense', 'unrestricted-military-access', '0623f4bb05dae0927799886fee80f0a0'),
  (8, 'dean-ball', 'government-coercion-of-ai-developers', 'c83415e1ee4b6d0ae6c8591dad6235c4')
) as f (ord, actor_slug, topic_slug, summary_md5)
  on f.actor_slug = a.slug and f.topic_slug = t.slug and md5(p.summary) = f.summary_md5
where p.retracted_at is null;

create temporary table first_seed_position_before on commit drop as
select p.id, to_jsonb(p) - array['search_vector', 'stated_sort'] || jsonb_build_object(
  'cites', array(select incident_id from policy_position_incidents where position_id = p.id order by 1)) as snapshot
from policy_positions p join first_seed_position f on f.id = p.id;

-- No stakeholder cites the breach: the three positions on unrestricted access do not.
delete from policy_position_incidents l
using first_seed_position f, incidents i
where l.position_id = f.id and f.ord in (1, 6, 7)
  and l.incident_id = i.id and i.slug = 'mexico-government-ai-assisted-breach';

update policy_positions p
set speaker_id = case when f.ord = 4 then null else p.speaker_id end,
  -- Two paraphrases were stored as quotes; no source excerpt holds them.
  quote = case when f.ord in (6, 8) then null else p.quote end,
  -- The spokesperson is not named: described instead.
  speaker_description = case when f.ord = 6 then 'an Anthropic spokesperson' else p.speaker_description end,
  -- The official's remark to Heise is about the talks, not a new stance: it must not replace the ultimatum.
  changes_stance = case when f.ord = 7 then false else p.changes_stance end
from first_seed_position f
where p.id = f.id
  and (f.ord <> 4 or p.speaker_id = (select id from actors where slug = 'dario-amodei'))
  and (f.ord not in (6, 8) or p.quote in ('in good faith', 'an unstable place to do business'));

insert into record_history (position_id, change, before, after)
select p.id, 'updated', b.snapshot, to_jsonb(p) - array['search_vector', 'stated_sort'] || jsonb_build_object(
  'cites', array(select incident_id from policy_position_incidents where position_id = p.id order by 1))
from policy_positions p join first_seed_position_before b on b.id = p.id
where (to_jsonb(p) - array['search_vector', 'stated_sort'] || jsonb_build_object(
  'cites', array(select incident_id from policy_position_incidents where position_id = p.id order by 1))) <> b.snapshot;
