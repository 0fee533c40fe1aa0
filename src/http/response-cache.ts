// The response cache for anonymous queries: @graphql-yoga/plugin-response-cache keeps each result with the
// records it shows (the type and `id` of every object in it, and the type of every empty list or null), and
// this module forgets results when those records change, on every instance:
// - events: every event this process's hub reads from the log (src/events/hub.ts `observe`), by the records
//   it touches (see `eventEntities`);
// - changes that append no event: the catalog channel on the hub's LISTEN connection (src/data/catalog-notice.ts);
// - a LISTEN connection that was lost and is back: notices sent meanwhile are gone, so everything goes.
// Keyed requests, mutations, subscriptions, results with errors and introspection are never cached.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createInMemoryCache, useResponseCache, type Cache } from '@graphql-yoga/plugin-response-cache';
import {
  getNamedType,
  isAbstractType,
  isObjectType,
  type ExecutionResult,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { CATALOG_CHANNEL, parseCatalogChange } from '../data/catalog-notice.js';
import type { EventHub } from '../events/hub.js';
import type { LoggedEvent } from '../events/log.js';
import { encodeGlobalId } from '../graphql/errors.js';
import type { Logger } from '../logger.js';

/** What the plugin files a result under: a type, or one object of it by its `id` (a global id here). */
export interface CacheEntity {
  typename: string;
  id?: string;
}

/** How each event kind touches records: the record's type, its links, and whether every record of the type is affected. */
interface KindRule {
  type: string;
  /** Attribute names holding row ids, and the type of the records they name. */
  links: ReadonlyArray<readonly [attribute: string, type: string]>;
  /**
   * Whether the event can change what any response showing a record of its type shows, beyond the record
   * itself: a creation (a lookup that found nothing, an empty list, every list it may enter), a merge, a
   * position that supersedes another. Otherwise only the records it names, and the lists and aggregates.
   */
  wholeType: boolean;
  /** Further types every response showing one is forgotten. */
  alsoTypes?: readonly string[];
}

const INCIDENT_LINKS = [['incidentIds', 'Incident'], ['actorIds', 'Actor'], ['aiSystemIds', 'AiSystem']] as const;
const POSITION_LINKS = [['topicId', 'PolicyTopic'], ['actorIds', 'Actor']] as const;
// Actions cite legal instruments, which the event does not name: every instance's action lists go.
const ACTION_LINKS = [['actorIds', 'Actor'], ['addresseeIds', 'Actor'], ['topicIds', 'PolicyTopic']] as const;

const KINDS: Record<string, KindRule> = {
  incident_created: { type: 'Incident', links: INCIDENT_LINKS, wholeType: true },
  // An update moves the incident in or out of filtered lists: the root lists and aggregates go, and the
  // records it was linked to before or is linked to now (their own incident lists).
  incident_updated: { type: 'Incident', links: INCIDENT_LINKS, wholeType: false },
  incident_merged: { type: 'Incident', links: INCIDENT_LINKS, wholeType: true },
  incident_merged_away: { type: 'Incident', links: INCIDENT_LINKS, wholeType: true },
  report_added: { type: 'Report', links: INCIDENT_LINKS, wholeType: true },
  report_attached: { type: 'Report', links: INCIDENT_LINKS, wholeType: false },
  // Its incidents changed what it matches, or it left one: the report and the incidents it names, before and after.
  report_rematched: { type: 'Report', links: INCIDENT_LINKS, wholeType: false },
  report_detached: { type: 'Report', links: INCIDENT_LINKS, wholeType: false },
  // A position supersedes the actor's earlier ones on its topic: which one is current changes for them too.
  position_recorded: { type: 'PolicyPosition', links: POSITION_LINKS, wholeType: true },
  position_retracted: { type: 'PolicyPosition', links: POSITION_LINKS, wholeType: true },
  // Its sources changed: the position itself, wherever it shows.
  position_updated: { type: 'PolicyPosition', links: POSITION_LINKS, wholeType: false },
  action_recorded: { type: 'Action', links: ACTION_LINKS, wholeType: true, alsoTypes: ['LegalInstrument'] },
  action_updated: { type: 'Action', links: ACTION_LINKS, wholeType: true, alsoTypes: ['LegalInstrument'] },
  action_retracted: { type: 'Action', links: ACTION_LINKS, wholeType: true, alsoTypes: ['LegalInstrument'] },
};

/**
 * What the schema says about where records appear: the lists and aggregates at the root (every Query field
 * that returns neither a record nor `Node`), and for each record type the types that hold its records
 * without being records themselves (edges, connections, role wrappers), whose empty lists are filed under
 * their own type rather than the record's.
 */
export class SchemaShape {
  readonly rootAggregates: readonly string[];
  private readonly holders = new Map<string, string[]>();

  constructor(private readonly schema: GraphQLSchema) {
    const query = schema.getQueryType();
    const roots = new Set<string>();
    for (const field of Object.values(query?.getFields() ?? {})) {
      for (const type of this.concrete(getNamedType(field.type))) if (!this.isRecord(type)) roots.add(type.name);
    }
    this.rootAggregates = [...roots].sort();
  }

  /** The non-record types that can hold a record of `typename`, directly or through each other. */
  holdersOf(typename: string): readonly string[] {
    let found = this.holders.get(typename);
    if (found) return found;
    const holding = new Set<string>([typename]);
    const roots = new Set([this.schema.getQueryType()?.name, this.schema.getMutationType()?.name, this.schema.getSubscriptionType()?.name]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const type of Object.values(this.schema.getTypeMap())) {
        if (!isObjectType(type) || type.name.startsWith('__') || roots.has(type.name) || this.isRecord(type) || holding.has(type.name)) continue;
        const holds = Object.values(type.getFields()).some((field) =>
          this.concrete(getNamedType(field.type)).some((inner) => holding.has(inner.name)),
        );
        if (holds) {
          holding.add(type.name);
          grew = true;
        }
      }
    }
    holding.delete(typename);
    found = [...holding].sort();
    this.holders.set(typename, found);
    return found;
  }

  private isRecord(type: GraphQLNamedType): boolean {
    return isObjectType(type) && type.getInterfaces().some((iface) => iface.name === 'Node');
  }

  /** The object types a field of this type can return (an interface or union stands for its members). */
  private concrete(type: GraphQLNamedType): GraphQLObjectType[] {
    if (isAbstractType(type)) return [...this.schema.getPossibleTypes(type)];
    return isObjectType(type) ? [type] : [];
  }
}

function idsOf(attributes: unknown, name: string): string[] {
  if (attributes === null || typeof attributes !== 'object') return [];
  const value = (attributes as Record<string, unknown>)[name];
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((id): id is string => typeof id === 'string') : [];
}

/**
 * The entities to forget when `event` is read: the records it names before and after the change, every
 * record of its type when it can change more than those, the root lists and aggregates, and the types that
 * hold records without being records. Undefined for a kind this module does not know: forget everything.
 */
export function eventEntities(shape: SchemaShape, event: LoggedEvent): CacheEntity[] | undefined {
  const rule = KINDS[event.kind];
  if (!rule) return undefined;
  const entities: CacheEntity[] = shape.rootAggregates.map((typename) => ({ typename }));
  const byId = new Set<string>();
  const add = (typename: string, id: string) => {
    const key = `${typename}:${id}`;
    if (byId.has(key)) return;
    byId.add(key);
    entities.push({ typename, id: encodeGlobalId(typename, id) });
  };
  add(rule.type, event.entity_id);
  for (const attributes of [event.attributes, event.previous]) {
    for (const [name, typename] of rule.links) for (const id of idsOf(attributes, name)) add(typename, id);
  }
  if (rule.wholeType) entities.push(...wholeType(shape, rule.type));
  for (const typename of rule.alsoTypes ?? []) entities.push(...wholeType(shape, typename));
  return entities;
}

/** Every response showing a record of this type, an empty list of them, or a lookup that found none. */
function wholeType(shape: SchemaShape, typename: string): CacheEntity[] {
  return [typename, 'Node', ...shape.holdersOf(typename)].map((name) => ({ typename: name }));
}

export interface ResponseCacheOptions {
  schema: GraphQLSchema;
  /** The longest a result is served (ms). */
  ttlMs: number;
  logger: Logger;
  /** Results kept at most (least recently used go first); 1,000 by default. */
  max?: number;
}

/**
 * The cache the plugin stores results in. It refuses to store a result whose execution overlapped an
 * invalidation: that result may have been read before the write it was invalidated for committed, and
 * storing it after the invalidation would keep the old data until the TTL.
 */
export class ResponseCache implements Cache {
  readonly shape: SchemaShape;
  private inner: Cache;
  /** Bumped by every invalidation. */
  private generation = 0;
  /** Keys looked up and missed, with the generation at the earliest such miss not yet stored. */
  private readonly missed = new Map<string, number>();
  private stopObserving: (() => void) | undefined;
  /** Each cached result as JSON, made on its first `serve`. */
  private readonly rendered = new WeakMap<object, string>();

  constructor(private readonly options: ResponseCacheOptions) {
    this.shape = new SchemaShape(options.schema);
    this.inner = this.fresh();
  }

  private fresh(): Cache {
    return createInMemoryCache({ max: this.options.max ?? 1_000 });
  }

  get(key: string): ReturnType<Cache['get']> {
    const generation = this.generation;
    const found = this.inner.get(key);
    const note = (result: unknown) => {
      // Bounded: a key that misses and is never stored (a result with errors) must not pile up.
      if (result == null && !this.missed.has(key)) {
        if (this.missed.size >= 10_000) this.missed.clear();
        this.missed.set(key, generation);
      }
    };
    if (found instanceof Promise) return found.then((result) => (note(result), result));
    note(found);
    return found;
  }

  set(key: string, result: ExecutionResult, entities: Iterable<CacheEntity>, ttl: number): ReturnType<Cache['set']> {
    const since = this.missed.get(key);
    this.missed.delete(key);
    // No recorded miss: another request stored it meanwhile, or an invalidation cleared the record. Either
    // way, leaving it out is safe.
    if (since === undefined || since !== this.generation) return;
    return this.inner.set(key, result, entities, ttl);
  }

  invalidate(entities: Iterable<CacheEntity>): ReturnType<Cache['invalidate']> {
    this.generation += 1;
    this.missed.clear();
    return this.inner.invalidate(entities);
  }

  /** Forgets every result. */
  clear(): void {
    this.generation += 1;
    this.missed.clear();
    this.inner = this.fresh();
  }

  /**
   * Keeps the cache true to the database on this instance: forgets what each event the hub reads touches,
   * what each catalog notice names, and everything when the LISTEN connection comes back after a loss.
   * Resolves once the catalog channel is listened to.
   */
  async attach(events: EventHub): Promise<void> {
    this.stopObserving = events.observe((event) => {
      const entities = eventEntities(this.shape, event);
      if (entities) void this.invalidate(entities);
      else this.clear();
    });
    await events.listenTo(CATALOG_CHANNEL, {
      notified: (payload) => {
        const change = parseCatalogChange(payload);
        if (!change) return this.clear();
        void this.invalidate([...this.shape.rootAggregates.map((typename) => ({ typename })), ...wholeType(this.shape, change.type)]);
      },
      // Notices sent while the connection was down are lost. (On the first connection the cache is empty.)
      connected: () => {
        this.options.logger.info('LISTEN connection (re)established: clearing the response cache');
        this.clear();
      },
    });
  }

  /**
   * The key of a request's result: a SHA-256 of the document, operation name and variables (key order
   * ignored). The plugin's default hashes the same with WebCrypto, asynchronously; this one is synchronous,
   * so that `serve` can compute it without Yoga.
   */
  keyOf(documentString: string, operationName: string | null | undefined, variables: unknown): string {
    return createHash('sha256')
      .update(`${documentString}|${operationName ?? ''}|${stableStringify(variables ?? {})}`)
      .digest('hex');
  }

  /**
   * Answers a cached anonymous POST without Yoga, as Yoga would answer it from the cache (same body, status,
   * media type, ETag and Last-Modified), and returns true; returns false, touching nothing, for anything
   * else: a key, another method or media type, a conditional request, a miss. For the hot page the Fetch
   * API layer and Yoga's pipeline were most of the cost of a cached answer. `body` is what the front door read.
   */
  serve(req: IncomingMessage, res: ServerResponse, body: Buffer | undefined): boolean {
    if (req.method !== 'POST' || req.url !== '/graphql' || body === undefined || req.headers.authorization !== undefined || req.headers['if-none-match'] !== undefined) return false;
    if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) return false;
    const mediaType = responseMediaType(req.headers.accept);
    if (!mediaType) return false;
    let params: { query?: unknown; operationName?: unknown; variables?: unknown; extensions?: unknown };
    try {
      params = JSON.parse(body.toString('utf8')) as typeof params;
    } catch {
      return false;
    }
    if (params === null || typeof params !== 'object' || Array.isArray(params) || typeof params.query !== 'string' || params.extensions !== undefined) return false;
    const { operationName, variables } = params;
    if (operationName != null && typeof operationName !== 'string') return false;
    if (variables != null && (typeof variables !== 'object' || Array.isArray(variables))) return false;
    const found = this.inner.get(this.keyOf(params.query, operationName, variables));
    if (found == null || found instanceof Promise) return false;
    let text = this.rendered.get(found);
    if (text === undefined) {
      const { http: _http, ...extensions } = (found.extensions ?? {}) as Record<string, unknown>;
      text = JSON.stringify(Object.keys(extensions).length > 0 ? { ...found, extensions } : { ...found, extensions: undefined });
      this.rendered.set(found, text);
    }
    const headers = (found.extensions as { http?: { headers?: Record<string, string> } } | undefined)?.http?.headers ?? {};
    res.writeHead(200, { ...headers, 'content-type': `${mediaType}; charset=utf-8`, 'content-length': Buffer.byteLength(text) });
    res.end(text);
    return true;
  }

  /** Stops following the hub's events. */
  detach(): void {
    this.stopObserving?.();
  }

  /** The Yoga plugin that serves and stores anonymous queries' results in this cache. */
  plugin(): Plugin {
    return useResponseCache({
      cache: this,
      // Every anonymous request sees the same data: one shared session.
      session: () => null,
      // Only HTTP requests without a key. A keyed request may see more (its role's fields) and is counted
      // against its key; WebSocket operations carry no Fetch request and are never cached.
      enabled: (request) => typeof request?.headers?.get === 'function' && !request.headers.has('authorization'),
      buildResponseCacheKey: ({ documentString, operationName, variableValues }) =>
        Promise.resolve(this.keyOf(documentString, operationName, variableValues)),
      ttl: this.options.ttlMs,
      // Mutations come with keys and never reach the cache; the hub's events invalidate on every instance.
      invalidateViaMutation: false,
      includeExtensionMetadata: false,
    });
  }
}

/** JSON with object keys sorted: variables given in another key order name the same result. */
function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, inner]) => inner !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${stableStringify(inner)}`).join(',')}}`;
}

const RESULT_MEDIA_TYPES = ['application/graphql-response+json', 'application/json'];

/**
 * The media type Yoga answers a query with for this Accept header (graphql-yoga's result processor: among
 * the listed types in utf-8, the first that one of its two JSON types matches, that type), or undefined
 * when none does (Yoga then answers 406; let it).
 */
function responseMediaType(accept: string | undefined): string | undefined {
  const listed = (accept || '*/*').replace(/\s/g, '').toLowerCase().split(',');
  for (const item of listed) {
    const [type, ...params] = item.split(';');
    const charset = params.find((param) => param.includes('charset='));
    if (!type || (charset !== undefined && charset !== 'charset=utf-8')) continue;
    const [group, sub] = type.split('/');
    // Yoga settles on the last match it meets, going through the listed types from the last and its
    // processor's types in order: the first listed type wins, and within it application/json.
    const matching = RESULT_MEDIA_TYPES.filter((candidate) => {
      const [cGroup, cSub] = candidate.split('/');
      return (group === '*' || group === cGroup) && (sub === '*' || sub === cSub);
    });
    if (matching.length > 0) return matching[matching.length - 1];
  }
  return undefined;
}
