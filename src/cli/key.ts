// npm run key -- create --role editor --name NAME | list | revoke ID
// Works with the server running or not: on the embedded database it joins the running PostgreSQL.
import { parseArgs } from 'node:util';
import { issueKey } from '../auth/keys.js';
import { ROLES, type Role } from '../auth/viewer.js';
import { listApiKeys, revokeApiKey } from '../data/api-keys.js';
import { runCommand } from './run.js';

const USAGE = 'usage: npm run key -- create --role reader|editor|admin --name NAME | list | revoke ID';

function parse() {
  try {
    return parseArgs({ allowPositionals: true, options: { role: { type: 'string' }, name: { type: 'string' } } });
  } catch {
    // An unknown or value-less option is bad usage like any other: the usage line and exit 2, not a stack trace.
    console.error(USAGE);
    process.exit(2);
  }
}

const { positionals, values } = parse();
const [command, id] = positionals;

if (command === 'create') {
  const role = values.role as Role | undefined;
  if (!role || !ROLES.includes(role) || !values.name) {
    console.error(USAGE);
    process.exit(2);
  }
  await runCommand('key', async ({ db }) => {
    const { key, row } = await issueKey(db.sql, values.name!, role);
    console.log(`created key ${row.id} "${row.name}" with role ${row.role}; it is shown once, store it now:`);
    console.log(key);
  });
} else if (command === 'list') {
  await runCommand('key', async ({ db }) => {
    const rows = await listApiKeys(db.sql);
    if (rows.length === 0) console.log('no keys');
    for (const row of rows) {
      const state = row.revoked_at ? `revoked ${row.revoked_at.toISOString()}` : 'active';
      console.log(`${row.id}\t${row.prefix}…\t${row.role}\t${state}\t${row.name}`);
    }
  });
} else if (command === 'revoke' && id && /^\d+$/.test(id)) {
  await runCommand('key', async ({ db }) => {
    const row = await revokeApiKey(db.sql, id);
    if (!row) throw new Error(`no key has id ${id}`);
    console.log(`revoked key ${row.id} "${row.name}"`);
  });
} else {
  console.error(USAGE);
  process.exit(2);
}
