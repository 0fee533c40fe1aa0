// npm run migrate: applies pending migrations to DATABASE_URL or the embedded database and lists them.
import { migrate } from '../db/migrate.js';
import { runCommand } from './run.js';

await runCommand('migrate', async ({ db }) => {
  const applied = await migrate(db.sql);
  const [row] = await db.sql<{ count: number; latest: string | null }[]>`
    select count(*)::int as count, max(name) as latest from schema_migrations
  `;
  console.log(applied.length > 0 ? `applied ${applied.join(', ')}` : `up to date: ${row?.count ?? 0} migrations, latest ${row?.latest ?? 'none'}`);
}, { migrate: false });
