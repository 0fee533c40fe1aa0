-- Faultline's starting dataset: three AI security incidents of 2025-2026, the organisations and people in
-- them, and the dispute between the US Department of Defense and Anthropic as it happened.
--
-- Source: /work/shared/domain/seed-facts.md, which summarises one news analysis published in February 2026
-- and the reporting it draws on. Everything here is in Faultline's own words, and nothing is added to it:
--   - no quotes (a summary says what was said);
--   - no URL and no headline: the analysis names outlets, not articles, so each report is recorded by its
--     outlet and month; where no outlet is named (the analysis itself, "recent reports"), the report is
--     described instead of attributed;
--   - no date finer than the sources give it, and none where they give none (the deadline is "by Friday");
--   - no speaker the sources do not name (an unnamed spokesperson is described, never named);
--   - no link between records the sources do not draw: no position cites an incident, and the pattern of
--     incidents and the breach beside the dispute are recorded as the analysis's own framing, citing it;
--   - severity and sectors are Faultline's judgements, and the API shows them as such; an incident the
--     facts give no severity for stays unassessed.
-- Rows refer to each other by slug or by what identifies them, never by id. Loaded by src/data/seed.ts into
-- a database without incidents, inside its transaction; test/seed.test.ts checks these rules.

-- Organisations first: people and AI systems point at them.
insert into actors (slug, name, kind, country, aliases, description)
values
  ('anthropic', 'Anthropic', 'ai_developer', 'US', '{}', 'AI developer; maker of Claude.'),
  ('openai', 'OpenAI', 'ai_developer', 'US', '{}', 'AI developer; maker of ChatGPT.'),
  ('gambit-security', 'Gambit Security', 'security_firm', 'IL', '{}',
   'Israeli cybersecurity firm that found and analysed the breach of Mexican government networks.'),
  ('government-of-mexico', 'Government of Mexico', 'government', 'MX', '{}',
   'Victim of the 2025-2026 breach: taxpayer, voter and employee data were taken.'),
  ('us-department-of-defense', 'US Department of Defense', 'military', 'US', '{Pentagon}',
   'The US defence department, headed by Defense Secretary Pete Hegseth.'),
  ('foundation-for-american-innovation', 'Foundation for American Innovation', 'think_tank', 'US', '{}',
   'US think tank; Dean Ball is a senior fellow.'),
  ('unknown-cybercriminal', 'Unknown cybercriminal', 'criminal', null, '{}',
   'Attacker behind the breach of Mexican government networks, attributed to no named actor; wrote its prompts in Spanish.'),
  ('chinese-state-sponsored-group', 'Chinese state-sponsored group', 'state_actor', 'CN', '{}',
   'Group behind a state-sponsored cyberespionage campaign that used Claude.'),
  ('north-korean-cybercriminals', 'North Korean cybercriminals', 'criminal', 'KP', '{}',
   'Cybercriminals from North Korea, reported to deploy backdoors generated with AI.')
on conflict (slug) do nothing;

insert into actors (slug, name, kind, country, description, affiliation_id, role_title)
values
  ('pete-hegseth', 'Pete Hegseth', 'person', 'US', 'US Secretary of Defense.',
   (select id from actors where slug = 'us-department-of-defense'), 'Secretary of Defense'),
  ('dario-amodei', 'Dario Amodei', 'person', 'US', 'Chief executive of Anthropic.',
   (select id from actors where slug = 'anthropic'), 'Chief Executive Officer'),
  ('dean-ball', 'Dean Ball', 'person', 'US',
   'Senior fellow at the Foundation for American Innovation; formerly an AI policy advisor at the White House.',
   (select id from actors where slug = 'foundation-for-american-innovation'), 'Senior Fellow')
on conflict (slug) do nothing;

-- AI systems: the product before its model version, which points at it.
insert into ai_systems (slug, name, kind, developer_id, description)
values
  ('claude', 'Claude', 'product', (select id from actors where slug = 'anthropic'), 'Anthropic''s chatbot.'),
  ('chatgpt', 'ChatGPT', 'product', (select id from actors where slug = 'openai'), 'OpenAI''s chatbot.')
on conflict (slug) do nothing;

insert into ai_systems (slug, name, kind, developer_id, parent_id, description)
values
  ('claude-opus-4-6', 'Claude Opus 4.6', 'model_version', (select id from actors where slug = 'anthropic'),
   (select id from ai_systems where slug = 'claude'),
   'Claude model version shipped with probes meant to detect and prevent misuse.')
on conflict (slug) do nothing;

-- Reports: no URL, no headline, no language (the facts give none). Each is identified by what is known of
-- it (reports.source_key), so loading the seed next to reports already on record adds none twice.
create temporary table seed_report (
  key text primary key,
  publisher text,
  described_as text,
  summary text not null,
  published_on date,
  published_precision text not null
) on commit drop;

insert into seed_report (key, publisher, described_as, summary, published_on, published_precision)
values
  ('bloomberg', 'Bloomberg', null,
   'Reports the breach of Mexican government networks, based on Gambit Security''s research. In Bloomberg''s own '
   'assessment, cybercriminals and spies turning AI into a weapon is an alarming trend.',
   '2026-02-01', 'month'),
  ('gambit', 'Gambit Security', null,
   'The research into the breach of Mexican government networks on which Bloomberg''s report is based.',
   null, 'unknown'),
  ('bbc', 'BBC', null,
   'Reports the Pentagon''s ultimatum to Anthropic, and an Anthropic spokesperson''s statement that good-faith talks '
   'about its usage policy are continuing.',
   '2026-02-01', 'month'),
  ('ft', 'Financial Times', null, 'Reports the Pentagon''s ultimatum to Anthropic.', '2026-02-01', 'month'),
  ('techcrunch', 'TechCrunch', null,
   'Reports the Pentagon''s ultimatum to Anthropic, and Dean Ball''s warning about how investors will see it.',
   '2026-02-01', 'month'),
  ('heise', 'Heise', null,
   'Reports an anonymous Pentagon official''s account of why the talks with Anthropic are continuing.',
   '2026-02-01', 'month'),
  ('anthropic', 'Anthropic', null,
   'Anthropic''s own disclosure that it disrupted a Chinese state-sponsored cyberespionage campaign that used Claude.',
   '2025-11-01', 'month'),
  ('analysis', null,
   'News analysis summarising the outlets'' reporting (publisher not named)',
   'Summarises the reporting on the breach of Mexican government networks, the Pentagon''s ultimatum to Anthropic '
   'and the answers to it. Presents the Mexican breach, the Chinese campaign and the North Korean backdoors as one '
   'pattern, and sets the breach beside the dispute; mentions that Claude Opus 4.6 ships with probes against misuse.',
   '2026-02-01', 'month'),
  ('north-korea-reports', null,
   'Recent reports mentioned by the news analysis (no outlet named)',
   'Report North Korean cybercriminals deploying backdoors generated with AI.',
   null, 'unknown');

insert into reports (publisher, described_as, summary, published_on, published_precision)
select publisher, described_as, summary, published_on, published_precision from seed_report
on conflict (source_key) do nothing;

create temporary table seed_report_id on commit drop as
select s.key, r.id
from seed_report s
join reports r on r.source_key = report_source_key(s.publisher, s.described_as, s.published_precision, s.published_on, null);

-- Incidents. Severity and sectors are Faultline's judgements; the Chinese and North Korean incidents have
-- no severity in the facts, so they stay unassessed.
insert into incidents (
  slug, title, summary, status, severity,
  occurred_start, occurred_end, occurred_precision, disclosed_on, disclosed_precision,
  countries, sectors, records_affected, records_affected_approximate, bytes_affected, bytes_affected_approximate,
  data_categories)
values
  ('mexico-government-ai-assisted-breach',
   'AI-assisted breach of Mexican government networks',
   'An attacker attributed to no named actor used Anthropic''s Claude as the main tool, prompting it in Spanish, to '
   'find vulnerabilities in Mexican government networks, write exploit scripts and automate the theft of data. '
   'OpenAI''s ChatGPT served as a supplementary tool, for lateral movement, credentials and the odds of being '
   'detected. The attacker got past the model''s safety warnings by claiming to run a bug bounty programme. About '
   '150 GB was taken, among it about 195 million taxpayer records, voter information and government employee '
   'credentials.',
   'reported', 'critical',
   '2025-12-01', '2026-01-01', 'month', '2026-02-01', 'month',
   '{MX}', '{tax-administration,elections,public-administration}',
   195000000, true, 150000000000, true,
   '{taxpayer-records,voter-information,government-employee-credentials}'),
  ('chinese-state-sponsored-claude-espionage',
   'Chinese state-sponsored cyberespionage campaign using Claude',
   'Anthropic disclosed in November 2025 that it had disrupted a cyberespionage campaign, run by a Chinese '
   'state-sponsored group, that used Claude.',
   'disrupted', null,
   null, null, 'unknown', '2025-11-01', 'month',
   '{}', '{}', null, false, null, false, '{}'),
  ('north-korean-ai-generated-backdoors',
   'North Korean cybercriminals deploying AI-generated backdoors',
   'North Korean cybercriminals were reported to be deploying backdoors generated with AI. The reports are '
   'mentioned without naming any outlet, and give no date.',
   'reported', null,
   null, null, 'unknown', null, 'unknown',
   '{}', '{}', null, false, null, false, '{}');

-- Faultline's mapping of the methods the facts describe onto MITRE ATLAS (001_techniques.sql).
insert into incident_techniques (incident_id, technique_id)
select i.id, t.technique_id
from (values
  -- Commercial chatbots used as attack tools.
  ('mexico-government-ai-assisted-breach', 'AML.T0016.002'),
  -- The bug bounty cover story...
  ('mexico-government-ai-assisted-breach', 'AML.T0065'),
  -- ...to get past the model's safety warnings.
  ('mexico-government-ai-assisted-breach', 'AML.T0054'),
  -- Exploit scripts written by the model.
  ('mexico-government-ai-assisted-breach', 'AML.T0102'),
  -- About 150 GB taken out of the networks.
  ('mexico-government-ai-assisted-breach', 'AML.T0025'),
  ('chinese-state-sponsored-claude-espionage', 'AML.T0016.002'),
  ('north-korean-ai-generated-backdoors', 'AML.T0016.002')
) as t (incident_slug, technique_id)
join incidents i on i.slug = t.incident_slug;

insert into incident_actors (incident_id, actor_id, role, note)
select i.id, a.id, r.role, r.note
from (values
  ('mexico-government-ai-assisted-breach', 'unknown-cybercriminal', 'attacker', 'Attributed to no named actor.'),
  ('mexico-government-ai-assisted-breach', 'government-of-mexico', 'victim', 'Taxpayer, voter and employee data taken.'),
  ('mexico-government-ai-assisted-breach', 'gambit-security', 'researcher', 'Found and analysed the breach.'),
  ('mexico-government-ai-assisted-breach', 'anthropic', 'developer', 'Maker of Claude, the main tool used.'),
  ('mexico-government-ai-assisted-breach', 'openai', 'developer', 'Maker of ChatGPT, the supplementary tool used.'),
  ('chinese-state-sponsored-claude-espionage', 'chinese-state-sponsored-group', 'attacker', ''),
  ('chinese-state-sponsored-claude-espionage', 'anthropic', 'developer', 'Maker of Claude, the tool used.'),
  ('chinese-state-sponsored-claude-espionage', 'anthropic', 'responder', 'Disrupted the campaign.'),
  ('north-korean-ai-generated-backdoors', 'north-korean-cybercriminals', 'attacker', '')
) as r (incident_slug, actor_slug, role, note)
join incidents i on i.slug = r.incident_slug
join actors a on a.slug = r.actor_slug;

insert into incident_ai_systems (incident_id, ai_system_id, role, usage)
select i.id, s.id, u.role, u.usage
from (values
  ('mexico-government-ai-assisted-breach', 'claude', 'primary_tool',
   'Prompted in Spanish to find vulnerabilities, write exploit scripts and automate the theft of data; its safety '
   'warnings were evaded with a claimed bug bounty programme.'),
  ('mexico-government-ai-assisted-breach', 'chatgpt', 'supplementary_tool',
   'Used for lateral movement, credentials and the odds of being detected.'),
  -- The facts say the campaign used Claude, not how, nor whether as its main tool.
  ('chinese-state-sponsored-claude-espionage', 'claude', 'tool', '')
) as u (incident_slug, system_slug, role, usage)
join incidents i on i.slug = u.incident_slug
join ai_systems s on s.slug = u.system_slug;

-- Sources of the incidents, and of the breach's impact figures, as the facts give them.
insert into citations (incident_id, report_id, claim)
select i.id, r.id, c.claim
from (values
  ('mexico-government-ai-assisted-breach', 'bloomberg', 'record'),
  ('mexico-government-ai-assisted-breach', 'gambit', 'record'),
  ('mexico-government-ai-assisted-breach', 'bloomberg', 'records_affected'),
  ('mexico-government-ai-assisted-breach', 'gambit', 'records_affected'),
  ('mexico-government-ai-assisted-breach', 'bloomberg', 'bytes_affected'),
  ('mexico-government-ai-assisted-breach', 'gambit', 'bytes_affected'),
  ('mexico-government-ai-assisted-breach', 'bloomberg', 'data_categories'),
  ('mexico-government-ai-assisted-breach', 'gambit', 'data_categories'),
  ('chinese-state-sponsored-claude-espionage', 'anthropic', 'record'),
  ('north-korean-ai-generated-backdoors', 'north-korea-reports', 'record')
) as c (incident_slug, report_key, claim)
join incidents i on i.slug = c.incident_slug
join seed_report_id r on r.key = c.report_key;

-- A cited report documents its incident.
insert into incident_reports (incident_id, report_id)
select distinct incident_id, report_id from citations where incident_id is not null
on conflict do nothing;

insert into policy_topics (slug, name, description)
values
  ('unrestricted-military-access', 'Unrestricted military access to frontier AI',
   'Whether armed forces should be able to use frontier AI models without the limits their developers set.'),
  ('domestic-surveillance', 'AI for domestic surveillance',
   'Use of AI systems to monitor a country''s own population.'),
  ('autonomous-weapons', 'AI in autonomous weapons',
   'Use of AI in weapons that select or engage targets without a human decision.'),
  ('government-coercion-of-ai-developers', 'Government coercion of AI developers',
   'State pressure on AI developers, such as exclusion from supply chains or the Defense Production Act.'),
  ('misuse-safeguards', 'Misuse safeguards in AI models',
   'Measures developers build into their models to detect and prevent misuse.')
on conflict (slug) do nothing;

insert into legal_instruments (slug, name, jurisdiction, description)
values
  ('defense-production-act', 'Defense Production Act', 'US', 'A US law; its possible invocation was part of the Pentagon''s ultimatum to Anthropic.')
on conflict (slug) do nothing;

-- Positions, one per actor and topic. Stated in February 2026 where the dispute dates them; the safeguards
-- position has no date in the facts. No speaker is given where the facts name none; the spokesperson is
-- described, not named. Confidence is Faultline's judgement.
insert into policy_positions (
  actor_id, speaker_id, speaker_description, topic_id, stance, summary, stated_on, stated_precision, confidence)
select a.id, s.id, p.speaker_description, t.id, p.stance, p.summary, p.stated_on, p.stated_precision, p.confidence
from (values
  (1, 'us-department-of-defense', 'pete-hegseth', null, 'unrestricted-military-access', 'supports',
   'Demands unrestricted military access to Claude, in its ultimatum to Anthropic.',
   date '2026-02-01', 'month', 'high'),
  (2, 'us-department-of-defense', 'pete-hegseth', null, 'domestic-surveillance', 'supports',
   'Demands that the access it seeks cover domestic surveillance.', date '2026-02-01', 'month', 'high'),
  (3, 'us-department-of-defense', 'pete-hegseth', null, 'autonomous-weapons', 'supports',
   'Demands that the access it seeks cover autonomous weapons.', date '2026-02-01', 'month', 'high'),
  (4, 'us-department-of-defense', 'pete-hegseth', null, 'government-coercion-of-ai-developers', 'supports',
   'Threatens Anthropic with removal from Pentagon supply chains and a possible invocation of the Defense Production Act.',
   date '2026-02-01', 'month', 'high'),
  (5, 'anthropic', null, null, 'domestic-surveillance', 'opposes',
   'Refuses the use of its models for domestic surveillance, under its safety policies.', date '2026-02-01', 'month', 'high'),
  (6, 'anthropic', null, null, 'autonomous-weapons', 'opposes',
   'Refuses the use of its models in autonomous weapons, under its safety policies.', date '2026-02-01', 'month', 'high'),
  (7, 'anthropic', null, 'an Anthropic spokesperson', 'unrestricted-military-access', 'conditional',
   'Supports national-security work only within its usage policy and within what its models can do reliably and '
   'responsibly; says talks on that policy continue in good faith.',
   date '2026-02-01', 'month', 'high'),
  (8, 'dean-ball', null, null, 'government-coercion-of-ai-developers', 'opposes',
   'Warns that such pressure would lead responsible investors and managers to stop regarding the US as a dependable place for business.',
   date '2026-02-01', 'month', 'high'),
  (9, 'anthropic', null, null, 'misuse-safeguards', 'supports',
   'Ships Claude Opus 4.6 with probes designed to detect and prevent misuse.', null, 'unknown', 'medium')
) as p (ord, actor_slug, speaker_slug, speaker_description, topic_slug, stance, summary, stated_on, stated_precision, confidence)
join actors a on a.slug = p.actor_slug
left join actors s on s.slug = p.speaker_slug
join policy_topics t on t.slug = p.topic_slug
order by p.ord;

insert into citations (position_id, report_id)
select p.id, r.id
from (values
  ('us-department-of-defense', 'unrestricted-military-access', 'bbc'),
  ('us-department-of-defense', 'unrestricted-military-access', 'ft'),
  ('us-department-of-defense', 'unrestricted-military-access', 'techcrunch'),
  ('us-department-of-defense', 'domestic-surveillance', 'bbc'),
  ('us-department-of-defense', 'domestic-surveillance', 'ft'),
  ('us-department-of-defense', 'domestic-surveillance', 'techcrunch'),
  ('us-department-of-defense', 'autonomous-weapons', 'bbc'),
  ('us-department-of-defense', 'autonomous-weapons', 'ft'),
  ('us-department-of-defense', 'autonomous-weapons', 'techcrunch'),
  ('us-department-of-defense', 'government-coercion-of-ai-developers', 'bbc'),
  ('us-department-of-defense', 'government-coercion-of-ai-developers', 'ft'),
  ('us-department-of-defense', 'government-coercion-of-ai-developers', 'techcrunch'),
  ('anthropic', 'domestic-surveillance', 'bbc'),
  ('anthropic', 'domestic-surveillance', 'ft'),
  ('anthropic', 'domestic-surveillance', 'techcrunch'),
  ('anthropic', 'autonomous-weapons', 'bbc'),
  ('anthropic', 'autonomous-weapons', 'ft'),
  ('anthropic', 'autonomous-weapons', 'techcrunch'),
  ('anthropic', 'unrestricted-military-access', 'bbc'),
  ('dean-ball', 'government-coercion-of-ai-developers', 'techcrunch'),
  ('anthropic', 'misuse-safeguards', 'analysis')
) as c (actor_slug, topic_slug, report_key)
join actors a on a.slug = c.actor_slug
join policy_topics t on t.slug = c.topic_slug
join policy_positions p on p.actor_id = a.id and p.topic_id = t.id
join seed_report_id r on r.key = c.report_key;

-- The dispute as it happened, in order; all in February 2026 (month precision). Later actions refer to
-- earlier ones through seed_action.
create temporary table seed_action (key text primary key, id bigint not null) on commit drop;

-- 1. The ultimatum. The deadline is kept as stated: the facts give no date for "Friday".
with inserted as (
  insert into actions (kind, actor_id, speaker_id, summary, occurred_on, occurred_precision, deadline_text,
    threatened_consequence, outcome)
  values ('ultimatum', (select id from actors where slug = 'us-department-of-defense'),
    (select id from actors where slug = 'pete-hegseth'),
    'Demanded unrestricted military access to Claude, including for domestic surveillance and autonomous weapons.',
    '2026-02-01', 'month', 'by Friday',
    'Removal from Pentagon supply chains, and a possible invocation of the Defense Production Act.',
    -- Unresolved when the analysis was published.
    'pending')
  returning id
)
insert into seed_action (key, id) select 'ultimatum', id from inserted;

-- 2. The refusal, answering the ultimatum. No speaker is named.
with inserted as (
  insert into actions (kind, actor_id, summary, occurred_on, occurred_precision, responds_to_id)
  values ('refusal', (select id from actors where slug = 'anthropic'),
    'Refused to allow domestic surveillance and autonomous weapons uses, under its safety policies.',
    '2026-02-01', 'month', (select id from seed_action where key = 'ultimatum'))
  returning id
)
insert into seed_action (key, id) select 'refusal', id from inserted;

-- 3. An unnamed Anthropic spokesperson to the BBC.
with inserted as (
  insert into actions (kind, actor_id, speaker_description, summary, occurred_on, occurred_precision)
  values ('statement', (select id from actors where slug = 'anthropic'), 'an Anthropic spokesperson',
    'Told the BBC that good-faith talks about its usage policy continue, so that it can keep supporting '
    'national-security work within what its models can do reliably and responsibly.',
    '2026-02-01', 'month')
  returning id
)
insert into seed_action (key, id) select 'spokesperson-statement', id from inserted;

-- 4. An anonymous Pentagon official to Heise: a remark on the talks, not a change of the department's stance.
with inserted as (
  insert into actions (kind, actor_id, speaker_description, summary, occurred_on, occurred_precision)
  values ('statement', (select id from actors where slug = 'us-department-of-defense'), 'an anonymous Pentagon official',
    'Told Heise that the talks continue only because the Pentagon needs Anthropic''s models, which it rates highly.',
    '2026-02-01', 'month')
  returning id
)
insert into seed_action (key, id) select 'official-statement', id from inserted;

insert into action_addressees (action_id, actor_id)
select s.id, a.id
from (values ('ultimatum', 'anthropic'), ('ultimatum', 'dario-amodei')) as x (action_key, actor_slug)
join seed_action s on s.key = x.action_key
join actors a on a.slug = x.actor_slug;

-- "About $200 million": approximate.
insert into action_stakes (action_id, amount, currency, approximate, description)
select id, 200000000, 'USD', true, 'a contract' from seed_action where key = 'ultimatum';

insert into action_legal_instruments (action_id, legal_instrument_id, note)
select s.id, l.id, 'possible invocation threatened'
from seed_action s join legal_instruments l on l.slug = 'defense-production-act'
where s.key = 'ultimatum';

-- Faultline's classification of the actions by topic.
insert into action_topics (action_id, topic_id)
select s.id, t.id
from (values
  ('ultimatum', 'unrestricted-military-access'),
  ('ultimatum', 'domestic-surveillance'),
  ('ultimatum', 'autonomous-weapons'),
  ('ultimatum', 'government-coercion-of-ai-developers'),
  ('refusal', 'domestic-surveillance'),
  ('refusal', 'autonomous-weapons'),
  ('spokesperson-statement', 'unrestricted-military-access'),
  ('official-statement', 'unrestricted-military-access')
) as x (action_key, topic_slug)
join seed_action s on s.key = x.action_key
join policy_topics t on t.slug = x.topic_slug;

-- The facts do not split the three outlets between the ultimatum and the refusal: both cite all three.
insert into citations (action_id, report_id)
select s.id, r.id
from (values
  ('ultimatum', 'bbc'), ('ultimatum', 'ft'), ('ultimatum', 'techcrunch'),
  ('refusal', 'bbc'), ('refusal', 'ft'), ('refusal', 'techcrunch'),
  ('spokesperson-statement', 'bbc'),
  ('official-statement', 'heise')
) as x (action_key, report_key)
join seed_action s on s.key = x.action_key
join seed_report_id r on r.key = x.report_key;

-- The analysis's own framing, citing it: the three incidents form one pattern, and the breach is set beside
-- the dispute. No stakeholder draws either link. Symmetric links are stored smaller incident id first.
insert into incident_links (incident_id, related_incident_id, related_action_id, relation, summary)
select least(a.id, b.id), greatest(a.id, b.id), null, 'same_pattern_as',
  'The analysis presents both as part of one pattern: AI turned into a weapon by criminals and spies.'
from (values
  (1, 'mexico-government-ai-assisted-breach', 'chinese-state-sponsored-claude-espionage'),
  (2, 'mexico-government-ai-assisted-breach', 'north-korean-ai-generated-backdoors'),
  (3, 'chinese-state-sponsored-claude-espionage', 'north-korean-ai-generated-backdoors')
) as x (ord, slug_a, slug_b)
join incidents a on a.slug = x.slug_a
join incidents b on b.slug = x.slug_b
order by x.ord;

insert into incident_links (incident_id, related_incident_id, related_action_id, relation, summary)
select i.id, null, s.id, 'discussed_alongside',
  'The analysis sets the breach beside the dispute between the Pentagon and Anthropic; no party to the dispute cites it.'
from incidents i cross join seed_action s
where i.slug = 'mexico-government-ai-assisted-breach' and s.key = 'ultimatum';

insert into citations (link_id, report_id)
select k.id, r.id
from incident_links k
join incidents i on i.id = k.incident_id
cross join seed_report_id r
where r.key = 'analysis'
  and i.slug in ('mexico-government-ai-assisted-breach', 'chinese-state-sponsored-claude-espionage', 'north-korean-ai-generated-backdoors');
