// The service as a user starts it (src/main.ts in a process of its own), for the tests of start-up, shutdown
// and the cluster: launch it, wait for its "serving" line, bound every wait, and kill what a failed test left.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { CONFIG_VARIABLES } from '../../src/config.js';

const run = promisify(execFile);

const TSX = path.resolve('node_modules/.bin/tsx');
// Bounds, not expectations: a cold embedded start (initdb, migrations, seed) on a busy 2-core machine.
export const READY_WITHIN_MS = 90_000;
export const EXIT_WITHIN_MS = 30_000;
const SERVING = /^Faultline is serving (http:\/\/127\.0\.0\.1:(\d+)\/graphql)\b/m;

export interface Launched {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or the signal's name) when the process has exited. */
  exited: Promise<number | string>;
}

const launched: Launched[] = [];

/**
 * Starts the entry in its own process group (so a test can Ctrl-C it, and clean-up can end the group):
 * through the tsx wrapper as `npm start` does, or with `direct`, as `node --import tsx src/main.ts`, so that a
 * signal sent to the child reaches the service itself rather than tsx's relay.
 */
export function launch(env: Record<string, string | undefined>, options: { direct?: boolean } = {}): Launched {
  const [command, args] = options.direct ? [process.execPath, ['--import', 'tsx', 'src/main.ts']] : [TSX, ['src/main.ts']];
  const child = spawn(command, args, {
    env: env as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | string>((resolve, reject) => {
    child.on('error', reject);
    // 'close' rather than 'exit': every line the process wrote has been read by then.
    child.on('close', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  const result = { child, stdout: () => out, stderr: () => err, exited };
  launched.push(result);
  return result;
}

/** The test process's environment without any of the service's own settings, plus `overrides`. */
export function environment(overrides: Record<string, string | undefined>): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  // Every setting the service reads: the test's own environment must not leak into the launched service.
  for (const name of CONFIG_VARIABLES) delete env[name];
  return { ...env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...overrides };
}

/** Rejects after `ms` with what the process said, so a hang fails with its output instead of a bare timeout. */
export function within<T>(promise: Promise<T>, ms: number, what: string, launched: Launched): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not happen within ${ms} ms\nstdout:\n${launched.stdout()}\nstderr:\n${launched.stderr()}`)),
      ms,
    );
  });
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer));
}

/** Resolves with the first match of `pattern` in the process's stderr; fails at once if the process exits first. */
export function logged(launched: Launched, pattern: RegExp, what: string, ms = READY_WITHIN_MS): Promise<RegExpExecArray> {
  return waitForOutput(launched, 'stderr', pattern, what, ms);
}

function waitForOutput(launched: Launched, stream: 'stdout' | 'stderr', pattern: RegExp, what: string, ms: number): Promise<RegExpExecArray> {
  const found = new Promise<RegExpExecArray>((resolve, reject) => {
    const check = () => {
      const match = pattern.exec(launched[stream]());
      if (match) {
        launched.child[stream]?.off('data', check);
        resolve(match);
      }
    };
    launched.child[stream]?.on('data', check);
    check();
    void launched.exited.then((code) =>
      reject(new Error(`exited with ${code} before ${what}\nstdout:\n${launched.stdout()}\nstderr:\n${launched.stderr()}`)),
    );
  });
  return within(found, ms, what, launched);
}

/** Waits for the "serving" line on stdout; fails at once if the process exits first. */
export async function serving(launched: Launched): Promise<{ url: string; port: number }> {
  const match = await waitForOutput(launched, 'stdout', SERVING, 'serving', READY_WITHIN_MS);
  return { url: match[1]!, port: Number(match[2]) };
}

/**
 * Ctrl-C in a terminal: SIGINT to the whole process group (the service, an embedded PostgreSQL, esbuild),
 * except the tsx wrapper itself. tsx relays a signal it receives and, when the child does not confirm it
 * over IPC within 30 ms, SIGKILLs the child and exits 130: on this loaded machine that turned a clean
 * shutdown (logged "stopped", exit 0) into exit 130 about one run in ten. What is under test is the
 * service's shutdown, so the wrapper is left to pass on the exit code, which it does faithfully.
 */
export async function interrupt(launched: Launched): Promise<number | string> {
  const wrapper = launched.child.pid!;
  const { stdout } = await run('ps', ['-eo', 'pid=,pgid=']);
  const group = stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number))
    .filter(([pid, pgid]) => pgid === wrapper && pid !== wrapper)
    .map(([pid]) => pid!);
  expect(group.length).toBeGreaterThan(0);
  for (const pid of group) {
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      // exited between ps and kill
    }
  }
  return within(launched.exited, EXIT_WITHIN_MS, 'exit after SIGINT', launched);
}

/** Ends the whole process group of every launch still running (a failed test may leave one); for afterAll. */
export async function killLaunched(): Promise<void> {
  for (const { child, exited } of launched) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      await exited;
    }
  }
}
