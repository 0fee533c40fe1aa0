import { SEARCH_TYPES, countSearch, parseSearchKey, searchAll, type SearchHitRow, type SearchType } from '../../data/search.js';
import { builder } from '../builder.js';
import { badInput } from '../errors.js';
import { keysetConnection } from '../pagination.js';
import { ActionRef, ActorRef, AiSystemRef, IncidentRef, PolicyPositionRef, ReportRef } from '../refs.js';
import { parseSearchText } from '../search-text.js';

const SearchTypeEnum = builder.enumType('SearchType', {
  description: 'A kind of object `search` can return.',
  values: {
    INCIDENT: { value: 'incident', description: 'Incidents, by title, summary, sectors and data categories.' },
    REPORT: { value: 'report', description: 'Reports, by title, summary and publisher.' },
    POLICY_POSITION: { value: 'policy_position', description: 'Policy positions (not retracted), by summary and quote.' },
    ACTION: {
      value: 'action',
      description: 'Actions (not retracted): demands, ultimatums, refusals..., by summary, threatened consequence, deadline as stated and unnamed speaker.',
    },
    ACTOR: { value: 'actor', description: 'Actors, by name, aliases and description, and by approximate name.' },
    AI_SYSTEM: { value: 'ai_system', description: 'AI systems, by approximate name.' },
  } satisfies Record<string, { value: SearchType; description: string }>,
});

const SearchResultUnion = builder.unionType('SearchResult', {
  description: 'Anything `search` can find.',
  types: [IncidentRef, ReportRef, PolicyPositionRef, ActionRef, ActorRef, AiSystemRef],
  // The rows differ in columns only they have (see src/data/*.ts row types).
  resolveType: (row) => {
    if ('severity' in row) return IncidentRef;
    if ('url_key' in row) return ReportRef;
    if ('stance' in row) return PolicyPositionRef;
    if ('outcome' in row) return ActionRef;
    if ('developer_id' in row) return AiSystemRef;
    return ActorRef;
  },
});

const SearchHitRef = builder.objectRef<SearchHitRow>('SearchHit').implement({
  description: 'One search result: the object found, how well it matched, and where.',
  fields: (t) => ({
    score: t.float({
      description: 'Relevance, higher is better: ts_rank for text matches, trigram similarity (0-1) for approximate names.',
      resolve: (hit) => hit.score,
    }),
    snippet: t.string({
      nullable: true,
      description:
        'A passage around the matched words as safe HTML: text escaped, matches wrapped in <mark>. Null for AI systems (matched by name only).',
      resolve: (hit) => hit.snippet,
    }),
    type: t.field({ type: SearchTypeEnum, description: 'What kind of object it is.', resolve: (hit) => hit.type }),
    node: t.field({
      type: SearchResultUnion,
      nullable: true,
      description: 'The object found; null if it was deleted since the search ran.',
      // The node refs' own loaders: one statement per type per request, whatever the page size.
      resolve: (hit, _args, context) => {
        switch (hit.type) {
          case 'incident':
            return IncidentRef.getDataloader(context).load(hit.id);
          case 'report':
            return ReportRef.getDataloader(context).load(hit.id);
          case 'policy_position':
            return PolicyPositionRef.getDataloader(context).load(hit.id);
          case 'action':
            return ActionRef.getDataloader(context).load(hit.id);
          case 'actor':
            return ActorRef.getDataloader(context).load(hit.id);
          case 'ai_system':
            return AiSystemRef.getDataloader(context).load(hit.id);
        }
      },
    }),
  }),
});

builder.queryFields((t) => ({
  search: t.connection({
    type: SearchHitRef,
    description:
      'Full-text search across incidents, reports, policy positions, actions, actors and AI systems, best match first. English and Spanish stems both match, accents are ignored, names match approximately ("Antropic" finds Anthropic). Web-search syntax: "quoted phrase", OR, -excluded; malformed input (an unbalanced quote) is read leniently, never an error. Of incidents, reports, positions and actions, the 200 most recent matches of each are ranked (totalCount counts those): for exhaustive lists use the `search` filter of `incidents`, `reports`, `policyPositions` or `actions`.',
    args: {
      query: t.arg.string({ required: true, description: 'What to look for.' }),
      types: t.arg({ type: [SearchTypeEnum], description: 'Only these kinds of object (default all).' }),
    },
    resolve: (_root, args, context) => {
      const text = parseSearchText(args.query, 'query', true)!;
      const types: readonly SearchType[] = args.types?.length ? args.types : SEARCH_TYPES;
      return keysetConnection(
        { name: `search:${types.join(',')}:${text}`, keyType: 'text' },
        args,
        (page) => {
          for (const [name, cursor] of [['after', page.after], ['before', page.before]] as const) {
            if (cursor && !parseSearchKey(cursor.key)) throw badInput(`${name} is not a cursor of this search`, name);
          }
          return searchAll(context.sql, text, types, page);
        },
        () => countSearch(context.sql, text, types),
      );
    },
  }),
}));
