// npm run seed: loads the seed dataset (sql/seed) into a database that has no incidents yet.
import { loadSeed } from '../data/seed.js';
import { runCommand } from './run.js';

await runCommand('seed', async ({ db }) => {
  const { loaded } = await loadSeed(db.sql);
  console.log(loaded ? 'seeded' : 'database already has incidents; seed skipped');
});
