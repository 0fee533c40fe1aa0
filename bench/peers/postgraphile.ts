// PostGraphile v4 as a peer in bench/read.ts: the server a team would pick instead of Faultline to put GraphQL
// over the same PostgreSQL. It is installed on demand into bench/peers/postgraphile/ (its own package.json and
// lockfile, its node_modules git-ignored) and is no dependency of the service: nothing in src/ imports it, and
// it is loaded here through a require rooted in that folder, so typecheck and CI never need it.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const PEER_DIR = fileURLToPath(new URL('./postgraphile/', import.meta.url));

/** The version pinned in the peer's package.json (and its lockfile). */
function pinnedVersion(): string {
  const manifest = JSON.parse(readFileSync(`${PEER_DIR}package.json`, 'utf8')) as { dependencies: Record<string, string> };
  return manifest.dependencies.postgraphile!;
}

function installedVersion(): string | undefined {
  const file = `${PEER_DIR}node_modules/postgraphile/package.json`;
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

/**
 * Installs the peer from its lockfile (`npm ci --prefix bench/peers/postgraphile`) unless the pinned version is
 * already there. The first run downloads about 120 packages (28 MB); later runs start at once.
 */
export async function ensurePostGraphile(log: (message: string) => void): Promise<string> {
  const wanted = pinnedVersion();
  const have = installedVersion();
  if (have === wanted) return have;
  log(`installing PostGraphile ${wanted} into ${PEER_DIR} (npm ci; once)`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  await new Promise<void>((resolve, reject) => {
    const child = spawn(npm, ['ci', '--prefix', PEER_DIR, '--no-audit', '--no-fund', '--loglevel=error'], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`npm ci --prefix ${PEER_DIR} exited with ${code}`))));
  });
  const installed = installedVersion();
  if (installed !== wanted) throw new Error(`PostGraphile ${wanted} is not in ${PEER_DIR}node_modules after npm ci`);
  return installed;
}

// The little of PostGraphile's and pg's API used here, typed by hand: their own types live in the peer's
// node_modules, which the service's typecheck must not depend on.
interface PgPool {
  end(): Promise<void>;
}
interface PostGraphileHandler extends RequestListener {
  getGraphQLSchema(): Promise<unknown>;
  release(): Promise<void>;
}
interface SmartTagRule {
  kind: 'class' | 'attribute' | 'constraint' | 'procedure';
  match: string;
  tags: Record<string, string | true>;
}
interface PeerModules {
  postgraphile: (pool: PgPool, schema: string, options: Record<string, unknown>) => PostGraphileHandler;
  Pool: new (config: { connectionString: string; max: number; application_name: string }) => PgPool;
  makePgSmartTagsPlugin: (rules: SmartTagRule[]) => unknown;
}

function load(): PeerModules {
  const peerRequire = createRequire(`${PEER_DIR}package.json`);
  const { postgraphile } = peerRequire('postgraphile') as Pick<PeerModules, 'postgraphile'>;
  const { Pool } = peerRequire('pg') as Pick<PeerModules, 'Pool'>;
  const { makePgSmartTagsPlugin } = peerRequire('graphile-utils') as Pick<PeerModules, 'makePgSmartTagsPlugin'>;
  return { postgraphile, Pool, makePgSmartTagsPlugin };
}

/**
 * PostGraphile in library mode on node:http with the options its documentation gives for production: no
 * GraphiQL, no schema watching, no query log, no stack traces, no subscriptions or mutations (a read peer).
 * Resolves once the schema is built (introspection), so the first timed request does not pay for it.
 */
export async function startPostGraphile(url: string, poolSize: number, applicationName: string): Promise<{ server: Server; port: number; stop(): Promise<void> }> {
  const { postgraphile, Pool, makePgSmartTagsPlugin } = load();
  const pool = new Pool({ connectionString: url, max: poolSize, application_name: applicationName });
  const handler = postgraphile(pool, 'public', {
    graphiql: false,
    enhanceGraphiql: false,
    watchPg: false,
    retryOnInitFail: false,
    disableQueryLog: true,
    dynamicJson: true,
    setofFunctionsContainNulls: false,
    ignoreRBAC: false,
    legacyRelations: 'omit',
    showErrorStack: false,
    extendedErrors: ['errcode'],
    enableQueryBatching: false,
    subscriptions: false,
    disableDefaultMutations: true,
    // What a PostGraphile user does about names its inflector derives twice: a one-to-one self reference
    // (a position superseding another) would name both of its directions policyPositionBySupersedesId. Set in
    // memory rather than as a smart comment, so the bench database stays exactly what Faultline migrated.
    appendPlugins: [
      makePgSmartTagsPlugin([
        { kind: 'constraint', match: 'policy_positions.policy_positions_supersedes_id_fkey', tags: { foreignSingleFieldName: 'supersededBy' } },
      ]),
    ],
  });
  await handler.getGraphQLSchema();
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await handler.release().catch(() => {});
      await pool.end().catch(() => {});
    },
  };
}

/**
 * The bench page in PostGraphile's own naming: live incidents (merged_into_id is null) in the order of
 * listIncidents (occurred_sort desc, id desc), with their actors and AI systems. PostGraphile exposes columns,
 * not Faultline's computed `occurred.display`, so it is asked for the three columns a client would format.
 * Its nested lists come in primary-key order; role order (attacker before victim...) is a CASE that v4 can
 * only sort by through a function added to the database, so the comparison sorts them (see toCommonPage).
 */
export function peerQuery(first: number): string {
  return `query PeerIncidents {
  allIncidents(first: ${first}, condition: { mergedIntoId: null }, orderBy: [OCCURRED_SORT_DESC, ID_DESC]) {
    nodes {
      id title severity occurredStart occurredEnd occurredPrecision
      incidentActorsByIncidentId { nodes { role actorId actorByActorId { name } } }
      incidentAiSystemsByIncidentId { nodes { role aiSystemId aiSystemByAiSystemId { name } } }
    }
  }
}`;
}

/** One incident as both servers can give it: row id, enums upper-cased, date display, ordered links. */
export interface CommonIncident {
  id: string;
  title: string;
  severity: string;
  occurred: string;
  actors: Array<{ role: string; name: string }>;
  aiSystems: Array<{ role: string; name: string }>;
}

const ACTOR_ROLES = ['attacker', 'victim', 'developer', 'deployer', 'researcher', 'responder'];
const SYSTEM_ROLES = ['primary_tool', 'supplementary_tool', 'safeguard'];

// Written here from the API's documented rule ("2025-12-14", "2025-12", "2026", "unknown"; a range "a to b"),
// not imported from src/, so the check does not compare Faultline's code with itself.
function display(date: string | null, precision: string): string {
  if (!date || precision === 'unknown') return 'unknown';
  if (precision === 'year') return date.slice(0, 4);
  if (precision === 'month') return date.slice(0, 7);
  return date;
}

interface PeerIncident {
  id: number;
  title: string;
  severity: string;
  occurredStart: string | null;
  occurredEnd: string | null;
  occurredPrecision: string;
  incidentActorsByIncidentId: { nodes: Array<{ role: string; actorId: number; actorByActorId: { name: string } }> };
  incidentAiSystemsByIncidentId: { nodes: Array<{ role: string; aiSystemId: number; aiSystemByAiSystemId: { name: string } }> };
}

function byRoleThenId<T extends { role: string }>(roles: string[], id: (item: T) => number) {
  return (a: T, b: T) => roles.indexOf(a.role) - roles.indexOf(b.role) || id(a) - id(b);
}

/** PostGraphile's answer to peerQuery, in the common form. */
export function commonFromPeer(body: unknown): CommonIncident[] {
  const { data, errors } = body as { data?: { allIncidents: { nodes: PeerIncident[] } }; errors?: unknown };
  if (errors || !data) throw new Error(`PostGraphile returned errors: ${JSON.stringify(errors)}`);
  return data.allIncidents.nodes.map((node) => {
    const start = display(node.occurredStart, node.occurredPrecision);
    const occurred =
      !node.occurredEnd || node.occurredEnd === node.occurredStart ? start : `${start} to ${display(node.occurredEnd, node.occurredPrecision)}`;
    return {
      id: String(node.id),
      title: node.title,
      severity: node.severity.toUpperCase(),
      occurred,
      actors: [...node.incidentActorsByIncidentId.nodes]
        .sort(byRoleThenId(ACTOR_ROLES, (link) => link.actorId))
        .map((link) => ({ role: link.role.toUpperCase(), name: link.actorByActorId.name })),
      aiSystems: [...node.incidentAiSystemsByIncidentId.nodes]
        .sort(byRoleThenId(SYSTEM_ROLES, (link) => link.aiSystemId))
        .map((link) => ({ role: link.role.toUpperCase(), name: link.aiSystemByAiSystemId.name })),
    };
  });
}

interface FaultlineIncident {
  id: string;
  title: string;
  severity: string;
  occurred: { display: string };
  actors: Array<{ role: string; actor: { name: string } }>;
  aiSystems: Array<{ role: string; aiSystem: { name: string } }>;
}

/** Faultline's (and the raw endpoint's) answer to bench/queries.ts's QUERY, in the common form. */
export function commonFromFaultline(body: unknown): CommonIncident[] {
  const { data } = body as { data: { incidents: { edges: Array<{ node: FaultlineIncident }> } } };
  return data.incidents.edges.map(({ node }) => {
    const local = /^Incident:(\d+)$/.exec(Buffer.from(node.id, 'base64url').toString('utf8'))?.[1];
    if (!local) throw new Error(`"${node.id}" is not an Incident global id`);
    return {
      id: local,
      title: node.title,
      severity: node.severity,
      occurred: node.occurred.display,
      actors: node.actors.map((link) => ({ role: link.role, name: link.actor.name })),
      aiSystems: node.aiSystems.map((link) => ({ role: link.role, name: link.aiSystem.name })),
    };
  });
}
