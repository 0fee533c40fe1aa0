// The outside data the tests validate against (seed facts, the ATLAS release, the OASIS STIX schemas) lives
// in ../shared beside the repository, never inside it: the service does not read it, and a user's clone has
// none, so each test that needs it skips and says why when it is absent.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The path of `relative` inside the shared data: under FAULTLINE_SHARED_DIR, else ../shared beside the repository
 * (CI's layout), else one level further up (a git worktree); null when none has it.
 */
export function findSharedPath(relative: string): string | null {
  const roots = [process.env.FAULTLINE_SHARED_DIR, path.resolve(repoRoot, '../shared'), path.resolve(repoRoot, '../../shared')];
  return (
    roots
      .filter((root): root is string => Boolean(root))
      .map((root) => path.join(root, relative))
      .find((candidate) => existsSync(candidate)) ?? null
  );
}
