-- Faultline's starting dataset: three AI security incidents of 2025-2026, the organisations and people in
-- them, and the policy positions taken in the dispute between the US Department of Defense and Anthropic.
-- Source: /work/shared/domain/seed-facts.md, a summary of reporting by the outlets below, rewritten here in
-- Faultline's own words. Quotes are short attributed fragments (under 15 words).
-- Dates the reporting gives only to the month or year are stored as the first day of that period with
-- that precision, never invented to the day. Rows refer to each other by slug or URL, never by id.
-- The report URLs are canonical article addresses on each outlet's domain written for this dataset; the
-- seed facts name the outlets but give no links, so editors should replace them with the exact links.
-- Loaded by src/data/seed.ts into a database without incidents, inside its transaction.

-- Organisations first: people and AI systems point at them.
insert into actors (slug, name, kind, country, aliases, description)
values
  ('anthropic', 'Anthropic', 'ai_developer', 'US', '{}',
   'AI developer behind the Claude family of models.'),
  ('openai', 'OpenAI', 'ai_developer', 'US', '{}',
   'AI developer behind ChatGPT.'),
  ('gambit-security', 'Gambit Security', 'security_firm', 'IL', '{}',
   'Israeli cybersecurity company whose researchers uncovered and analysed the breach of Mexican government systems.'),
  ('government-of-mexico', 'Government of Mexico', 'government', 'MX', '{Mexican government}',
   'Federal government of Mexico, including its tax administration and electoral records.'),
  ('us-department-of-defense', 'US Department of Defense', 'military', 'US', '{Pentagon,DoD}',
   'The US defence ministry, led by Defense Secretary Pete Hegseth at the time of the seed events.'),
  ('foundation-for-american-innovation', 'Foundation for American Innovation', 'think_tank', 'US', '{FAI}',
   'US policy think tank.'),
  ('unknown-cybercriminal', 'Unknown cybercriminal', 'criminal', null, '{}',
   'Attacker behind the Mexican government breach, not attributed to any named group; wrote its prompts in Spanish.'),
  ('chinese-state-sponsored-group', 'Chinese state-sponsored group', 'state_actor', 'CN', '{}',
   'Cyberespionage group that Anthropic assessed as sponsored by the Chinese state.'),
  ('north-korean-cybercriminals', 'North Korean cybercriminals', 'criminal', 'KP', '{}',
   'Criminal operators linked to North Korea, reported to deploy backdoors written with AI.')
on conflict (slug) do nothing;

insert into actors (slug, name, kind, country, description, affiliation_id, role_title)
values
  ('pete-hegseth', 'Pete Hegseth', 'person', 'US',
   'US Secretary of Defense; issued the access ultimatum to Anthropic.',
   (select id from actors where slug = 'us-department-of-defense'), 'Secretary of Defense'),
  ('dario-amodei', 'Dario Amodei', 'person', 'US',
   'Chief executive of Anthropic.',
   (select id from actors where slug = 'anthropic'), 'Chief Executive Officer'),
  ('dean-ball', 'Dean Ball', 'person', 'US',
   'Senior fellow at the Foundation for American Innovation and a former AI policy advisor at the White House.',
   (select id from actors where slug = 'foundation-for-american-innovation'), 'Senior Fellow')
on conflict (slug) do nothing;

-- AI systems: the product before its model version, which points at it.
insert into ai_systems (slug, name, kind, developer_id, description)
values
  ('claude', 'Claude', 'product', (select id from actors where slug = 'anthropic'),
   'Anthropic''s AI assistant, offered as a chatbot and through an API.'),
  ('chatgpt', 'ChatGPT', 'product', (select id from actors where slug = 'openai'),
   'OpenAI''s chatbot.')
on conflict (slug) do nothing;

insert into ai_systems (slug, name, kind, developer_id, parent_id, description)
values
  ('claude-opus-4-6', 'Claude Opus 4.6', 'model_version', (select id from actors where slug = 'anthropic'),
   (select id from ai_systems where slug = 'claude'),
   'Claude model version released with internal probes meant to spot and stop misuse.')
on conflict (slug) do nothing;

-- Incidents. Technique ids come from 001_techniques.sql (MITRE ATLAS).
insert into incidents (
  slug, title, summary, status, severity,
  occurred_start, occurred_end, occurred_precision, disclosed_on, disclosed_precision,
  countries, sectors, records_affected, bytes_affected, data_categories)
values
  ('mexico-government-ai-assisted-breach',
   'AI-assisted breach of Mexican government networks',
   'An attacker who has not been tied to any named group used Anthropic''s Claude, prompting it in Spanish, '
   'to look for weaknesses in Mexican government systems, produce exploit scripts and automate the theft of '
   'data. OpenAI''s ChatGPT served as a second aid, for moving laterally through the networks, handling '
   'credentials and judging how likely the intrusion was to be noticed. The attacker talked past the '
   'model''s safety warnings by presenting the work as part of a bug bounty programme. According to the '
   'research by Gambit Security, roughly 150 GB left the networks, among it some 195 million taxpayer '
   'records, voter information and credentials of government staff.',
   'reported', 'critical',
   '2025-12-01', '2026-01-01', 'month', '2026-02-01', 'month',
   '{MX}', '{tax-administration,elections,public-administration}',
   195000000, 150000000000,
   '{taxpayer-records,voter-information,government-employee-credentials}'),
  ('chinese-state-sponsored-claude-espionage',
   'Chinese state-sponsored cyberespionage campaign using Claude',
   'Anthropic said it had detected a cyberespionage campaign that a group it assessed as backed by the '
   'Chinese state was running with the help of Claude, and that it had disrupted the operation.',
   'disrupted', 'high',
   null, null, 'unknown', '2025-11-01', 'month',
   '{}', '{}', null, null, '{}'),
  ('north-korean-ai-generated-backdoors',
   'North Korean cybercriminals deploying AI-generated backdoors',
   'Operators linked to North Korea were reported to be planting backdoors whose code was written with the '
   'help of AI tools. The reports date from early 2026; when the activity began is not known.',
   'reported', 'high',
   null, null, 'unknown', '2026-01-01', 'year',
   '{}', '{}', null, null, '{}');

insert into incident_techniques (incident_id, technique_id)
select i.id, t.technique_id
from (values
  -- Obtained commercial chatbots as attack tooling.
  ('mexico-government-ai-assisted-breach', 'AML.T0016.002'),
  -- Framed the requests as bug bounty work...
  ('mexico-government-ai-assisted-breach', 'AML.T0065'),
  -- ...so that the model set its safety warnings aside.
  ('mexico-government-ai-assisted-breach', 'AML.T0054'),
  -- Exploit scripts and automation written by the model.
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
  ('mexico-government-ai-assisted-breach', 'unknown-cybercriminal', 'attacker',
   'Not attributed to a named actor.'),
  ('mexico-government-ai-assisted-breach', 'government-of-mexico', 'victim',
   'Taxpayer, voter and employee data taken.'),
  ('mexico-government-ai-assisted-breach', 'gambit-security', 'researcher',
   'Found the breach and analysed how AI was used in it.'),
  ('mexico-government-ai-assisted-breach', 'anthropic', 'developer', 'Makes Claude, the main tool used.'),
  ('mexico-government-ai-assisted-breach', 'openai', 'developer', 'Makes ChatGPT, the supplementary tool used.'),
  ('chinese-state-sponsored-claude-espionage', 'chinese-state-sponsored-group', 'attacker', ''),
  ('chinese-state-sponsored-claude-espionage', 'anthropic', 'developer', 'Makes Claude, the tool misused.'),
  ('chinese-state-sponsored-claude-espionage', 'anthropic', 'responder', 'Detected and disrupted the campaign.'),
  ('north-korean-ai-generated-backdoors', 'north-korean-cybercriminals', 'attacker', '')
) as r (incident_slug, actor_slug, role, note)
join incidents i on i.slug = r.incident_slug
join actors a on a.slug = r.actor_slug;

insert into incident_ai_systems (incident_id, ai_system_id, role, usage)
select i.id, s.id, u.role, u.usage
from (values
  ('mexico-government-ai-assisted-breach', 'claude', 'primary_tool',
   'Prompted in Spanish to find vulnerabilities, write exploit scripts and automate the theft of data; '
   'its safety warnings were sidestepped with a bug bounty cover story.'),
  ('mexico-government-ai-assisted-breach', 'chatgpt', 'supplementary_tool',
   'Consulted on lateral movement, credentials and the chances of being detected.'),
  ('chinese-state-sponsored-claude-espionage', 'claude', 'primary_tool',
   'Used to carry out parts of the espionage campaign until Anthropic cut it off.')
) as u (incident_slug, system_slug, role, usage)
join incidents i on i.slug = u.incident_slug
join ai_systems s on s.slug = u.system_slug;

-- Reports: one per source. url_key is the URL in its normalised form (see src/data/urls.ts): the same
-- URL here, less a leading "www." of the host.
insert into reports (url, url_key, publisher, title, summary, language, published_on, published_precision)
values
  ('https://www.bloomberg.com/news/articles/hacker-used-claude-to-breach-mexican-government',
   'https://bloomberg.com/news/articles/hacker-used-claude-to-breach-mexican-government',
   'Bloomberg', 'Attacker turned Anthropic''s Claude against Mexican government systems',
   'Reports, on the strength of Gambit Security''s research, how an unidentified attacker used Claude and '
   'ChatGPT to break into Mexican government networks and take taxpayer, voter and staff data; places it '
   'among other AI-assisted attacks, including North Korean backdoors, and describes the weaponisation of '
   'AI as a worrying trend.',
   'en', '2026-02-01', 'month'),
  ('https://gambitsecurity.com/research/ai-assisted-breach-of-mexican-government',
   'https://gambitsecurity.com/research/ai-assisted-breach-of-mexican-government',
   'Gambit Security', 'How an AI-assisted intrusion into the Mexican government unfolded',
   'The research behind the reporting: how the attacker used Claude and ChatGPT at each stage, the bug bounty '
   'pretext, and an estimate of what was taken.',
   'en', '2026-01-01', 'year'),
  ('https://www.bbc.com/news/technology-pentagon-ultimatum-to-anthropic',
   'https://bbc.com/news/technology-pentagon-ultimatum-to-anthropic',
   'BBC', 'Pentagon gives Anthropic ultimatum over military use of its AI',
   'Covers the Defense Secretary''s demand for unrestricted access to Anthropic''s models and the company''s '
   'refusal of surveillance and autonomous-weapons uses; an Anthropic spokesperson says talks go on in good faith.',
   'en', '2026-02-01', 'month'),
  ('https://www.ft.com/content/pentagon-anthropic-ai-access-deadline',
   'https://ft.com/content/pentagon-anthropic-ai-access-deadline',
   'Financial Times', 'Pentagon sets deadline for Anthropic to open up its models',
   'Reports the deadline given to Anthropic, the threat of exclusion from defence supply chains and the '
   'contract of about $200 million at stake.',
   'en', '2026-02-01', 'month'),
  ('https://techcrunch.com/2026/02/pentagon-anthropic-ultimatum-investors',
   'https://techcrunch.com/2026/02/pentagon-anthropic-ultimatum-investors',
   'TechCrunch', 'Pentagon''s ultimatum to Anthropic worries AI policy watchers',
   'Covers the ultimatum and the possible use of the Defense Production Act, with Dean Ball''s warning about '
   'how investors will read the pressure on an AI company.',
   'en', '2026-02-01', 'month'),
  ('https://www.heise.de/en/news/pentagon-official-on-continuing-talks-with-anthropic.html',
   'https://heise.de/en/news/pentagon-official-on-continuing-talks-with-anthropic.html',
   'Heise', 'Why the Pentagon keeps negotiating with Anthropic',
   'An unnamed Defense Department official explains that the talks continue because the department wants '
   'Anthropic''s models, which it rates highly.',
   'en', '2026-02-01', 'month'),
  ('https://www.anthropic.com/news/disrupting-ai-espionage',
   'https://anthropic.com/news/disrupting-ai-espionage',
   'Anthropic', 'Anthropic disrupts a state-sponsored espionage campaign run through Claude',
   'Anthropic''s own account of detecting and shutting down a Chinese state-sponsored campaign that used Claude.',
   'en', '2025-11-01', 'month'),
  ('https://www.eluniversal.com.mx/tecnologia/hackeo-al-gobierno-de-mexico-con-inteligencia-artificial',
   'https://eluniversal.com.mx/tecnologia/hackeo-al-gobierno-de-mexico-con-inteligencia-artificial',
   'El Universal', 'Atacante usó Claude y ChatGPT para vulnerar sistemas del gobierno de México',
   'Un atacante sin identificar se valió del chatbot Claude, al que escribía en español, para detectar '
   'fallas en sistemas del gobierno federal, preparar programas de ataque y automatizar el robo de '
   'información; recurrió además a ChatGPT para desplazarse dentro de las redes. Según la firma israelí '
   'Gambit Security, se llevó cerca de 150 GB, incluidos unos 195 millones de registros de contribuyentes, '
   'datos de electores y credenciales de funcionarios. Para saltarse las advertencias del modelo, dijo '
   'participar en un programa de recompensas por fallos.',
   'es', '2026-02-01', 'month')
on conflict (url_key) do nothing;

insert into incident_reports (incident_id, report_id)
select i.id, r.id
from (values
  ('mexico-government-ai-assisted-breach',
   'https://www.bloomberg.com/news/articles/hacker-used-claude-to-breach-mexican-government'),
  ('mexico-government-ai-assisted-breach',
   'https://gambitsecurity.com/research/ai-assisted-breach-of-mexican-government'),
  ('mexico-government-ai-assisted-breach',
   'https://www.eluniversal.com.mx/tecnologia/hackeo-al-gobierno-de-mexico-con-inteligencia-artificial'),
  ('chinese-state-sponsored-claude-espionage', 'https://www.anthropic.com/news/disrupting-ai-espionage'),
  -- The North Korean reports reached the seed facts through Bloomberg's article, which mentions them.
  ('north-korean-ai-generated-backdoors',
   'https://www.bloomberg.com/news/articles/hacker-used-claude-to-breach-mexican-government')
) as l (incident_slug, url)
join incidents i on i.slug = l.incident_slug
join reports r on r.url = l.url;

insert into policy_topics (slug, name, description)
values
  ('unrestricted-military-access', 'Unrestricted military access to frontier AI',
   'Whether armed forces should be able to use frontier AI models without the limits their developers set.'),
  ('domestic-surveillance', 'AI for domestic surveillance',
   'Use of AI systems to monitor a country''s own population.'),
  ('autonomous-weapons', 'AI in autonomous weapons',
   'Use of AI in weapons that select or engage targets without a human decision.'),
  ('government-coercion-of-ai-developers', 'Government coercion of AI developers',
   'State pressure on AI companies, such as exclusion from supply chains or compulsion under the Defense Production Act.'),
  ('misuse-safeguards', 'Safeguards against AI misuse',
   'Measures developers take to detect and prevent criminal or hostile use of their models.')
on conflict (slug) do nothing;

-- Policy positions, oldest first within each actor and topic: the Heise position is inserted after
-- Hegseth's ultimatum and supersedes it, so the department's current stance on access is the later one.
insert into policy_positions (
  actor_id, speaker_id, topic_id, stance, summary, quote,
  stated_on, stated_precision, source_report_id, confidence)
select a.id, s.id, t.id, p.stance, p.summary, p.quote, '2026-02-01', 'month', r.id, p.confidence
from (values
  (1, 'us-department-of-defense', 'pete-hegseth', 'unrestricted-military-access', 'supports',
   'Gave Anthropic until Friday to grant the military unrestricted use of its models, or be removed from '
   'Pentagon supply chains, possibly under the Defense Production Act; a contract of about $200 million hangs on it.',
   null, 'https://www.ft.com/content/pentagon-anthropic-ai-access-deadline', 'high'),
  (2, 'us-department-of-defense', null, 'domestic-surveillance', 'supports',
   'Domestic surveillance is among the uses covered by the unrestricted access the department demands.',
   null, 'https://www.bbc.com/news/technology-pentagon-ultimatum-to-anthropic', 'medium'),
  (3, 'us-department-of-defense', null, 'autonomous-weapons', 'supports',
   'Autonomous weapons are among the uses covered by the unrestricted access the department demands.',
   null, 'https://www.bbc.com/news/technology-pentagon-ultimatum-to-anthropic', 'medium'),
  (4, 'anthropic', 'dario-amodei', 'domestic-surveillance', 'opposes',
   'Refuses to let its models be used for domestic surveillance, citing its usage and safety policies.',
   null, 'https://www.bbc.com/news/technology-pentagon-ultimatum-to-anthropic', 'high'),
  (5, 'anthropic', null, 'autonomous-weapons', 'opposes',
   'Refuses to let its models be used in autonomous weapons, citing its usage and safety policies.',
   null, 'https://www.ft.com/content/pentagon-anthropic-ai-access-deadline', 'high'),
  (6, 'anthropic', null, 'unrestricted-military-access', 'conditional',
   'A spokesperson says the company keeps negotiating and backs national-security work, but only as far as '
   'its models can do it reliably and responsibly.',
   'in good faith', 'https://www.bbc.com/news/technology-pentagon-ultimatum-to-anthropic', 'high'),
  (7, 'us-department-of-defense', null, 'unrestricted-military-access', 'supports',
   'An unnamed official says the department stays at the table because it needs Anthropic''s models, '
   'which it considers among the best.',
   null, 'https://www.heise.de/en/news/pentagon-official-on-continuing-talks-with-anthropic.html', 'medium'),
  (8, 'dean-ball', 'dean-ball', 'government-coercion-of-ai-developers', 'opposes',
   'Warns that coercing an AI company this way would lead responsible investors to see the US as an '
   'unreliable place to build a business.',
   'an unstable place to do business', 'https://techcrunch.com/2026/02/pentagon-anthropic-ultimatum-investors', 'high')
) as p (ord, actor_slug, speaker_slug, topic_slug, stance, summary, quote, url, confidence)
join actors a on a.slug = p.actor_slug
left join actors s on s.slug = p.speaker_slug
join policy_topics t on t.slug = p.topic_slug
join reports r on r.url = p.url
order by p.ord;

update policy_positions newer
set supersedes_id = older.id
from policy_positions older
where newer.actor_id = (select id from actors where slug = 'us-department-of-defense')
  and newer.topic_id = (select id from policy_topics where slug = 'unrestricted-military-access')
  and newer.source_report_id = (select id from reports where url = 'https://www.heise.de/en/news/pentagon-official-on-continuing-talks-with-anthropic.html')
  and older.actor_id = newer.actor_id
  and older.topic_id = newer.topic_id
  and older.speaker_id = (select id from actors where slug = 'pete-hegseth');

-- The Mexican breach is cited in the argument over safeguards, and so in the debate on unrestricted
-- military access: the positions on that topic link to it.
insert into policy_position_incidents (position_id, incident_id)
select p.id, i.id
from policy_positions p
join policy_topics t on t.id = p.topic_id and t.slug = 'unrestricted-military-access'
cross join incidents i
where i.slug = 'mexico-government-ai-assisted-breach';
