// The container files are only exercised for real where a Docker engine runs, which CI does not have.
// These checks keep them honest in the meantime: docker-compose.yml must configure every variable the
// service reads, and the Dockerfile must keep the properties operators rely on.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SHUTDOWN_MARGIN_MS, workerStopTimeoutMs } from '../src/cluster.js';
import { CONFIG_VARIABLES, loadConfig } from '../src/config.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const composePath = path.join(root, 'docker-compose.yml');
const dockerfilePath = path.join(root, 'Dockerfile');

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function obj(value: unknown, where: string): Obj {
  if (!isObj(value)) throw new Error(`${where} should be a mapping, got ${JSON.stringify(value)}`);
  return value;
}

/** Compose accepts `environment` as a mapping or as a list of KEY=VALUE; only explicit values count. */
function environmentOf(service: Obj): Map<string, string> {
  const env = new Map<string, string>();
  const raw = service.environment;
  if (Array.isArray(raw)) {
    for (const entry of raw) {
      const match = /^([^=]+)=(.*)$/s.exec(String(entry));
      if (match?.[1] !== undefined && match[2] !== undefined) env.set(match[1], match[2]);
    }
  } else if (isObj(raw)) {
    for (const [key, value] of Object.entries(raw)) {
      // `KEY:` with no value passes the host's value through (or nothing): not explicit.
      if (value !== null && value !== undefined) env.set(key, String(value));
    }
  }
  return env;
}

function healthcheckCommand(service: Obj, where: string): string {
  const check = obj(service.healthcheck, `${where}.healthcheck`);
  expect(check.disable, `${where} healthcheck is disabled`).not.toBe(true);
  const test = check.test;
  const command = Array.isArray(test) ? test.map(String).join(' ') : String(test);
  expect(command, `${where} healthcheck test`).not.toMatch(/^\s*NONE\b/);
  expect(command.trim(), `${where} healthcheck test`).not.toBe('');
  return command;
}

function loadCompose(): { services: Obj; volumes: Obj } {
  const doc = obj(parse(readFileSync(composePath, 'utf8')), 'docker-compose.yml');
  return {
    services: obj(doc.services, 'services'),
    volumes: isObj(doc.volumes) ? doc.volumes : {},
  };
}

describe('docker-compose.yml', () => {
  const { services, volumes } = loadCompose();

  it('runs an official PostgreSQL image with a named volume and a pg_isready healthcheck', () => {
    const postgres = obj(services.postgres, 'services.postgres');
    // Official images live under docker.io/library; a pinned major keeps upgrades deliberate.
    expect(String(postgres.image)).toMatch(/^(docker\.io\/)?(library\/)?postgres:\d+[\w.-]*(@sha256:[0-9a-f]{64})?$/);

    const mounts = Array.isArray(postgres.volumes) ? postgres.volumes : [];
    const named = mounts
      .map((mount: unknown) => {
        if (typeof mount === 'string') return mount.split(':')[0] ?? '';
        return isObj(mount) && mount.type === 'volume' ? String(mount.source) : '';
      })
      // A bind mount starts with . / ~ ; a named volume must also be declared at the top level.
      .filter((source) => source !== '' && !/^[./~]/.test(source) && source in volumes);
    expect(named.length, 'postgres mounts a named volume declared under volumes:').toBeGreaterThan(0);

    expect(healthcheckCommand(postgres, 'postgres')).toContain('pg_isready');
  });

  it('builds faultline from the Dockerfile and starts it only once PostgreSQL is healthy', () => {
    const faultline = obj(services.faultline, 'services.faultline');

    const build = faultline.build;
    const context = typeof build === 'string' ? build : String(obj(build, 'faultline.build').context ?? '.');
    const dockerfile = isObj(build) && typeof build.dockerfile === 'string' ? build.dockerfile : 'Dockerfile';
    expect(path.resolve(root, context, dockerfile)).toBe(dockerfilePath);
    expect(existsSync(dockerfilePath)).toBe(true);

    // The list form of depends_on only orders start-up; the condition is what waits for pg_isready.
    const dependsOn = obj(faultline.depends_on, 'faultline.depends_on');
    expect(obj(dependsOn.postgres, 'faultline.depends_on.postgres').condition).toBe('service_healthy');

    healthcheckCommand(faultline, 'faultline');
    expect(faultline.restart, 'faultline restart policy').toBeTruthy();
  });

  it('sets every variable the service reads', () => {
    const env = environmentOf(obj(services.faultline, 'services.faultline'));
    const missing = CONFIG_VARIABLES.filter((name) => !env.has(name));
    expect(missing, 'CONFIG_VARIABLES missing from faultline.environment').toEqual([]);
    expect(env.get('HOST'), 'inside a container the service must listen on all interfaces').toMatch(/^(0\.0\.0\.0|\$\{HOST:-0\.0\.0\.0\})$/);
    expect(env.get('DATABASE_URL')).toMatch(/^postgres(ql)?:\/\/.*@postgres:5432\//);
  });

  it('takes every setting from the environment, and the password apart from the URL', () => {
    const env = environmentOf(obj(services.faultline, 'services.faultline'));
    const fixed = CONFIG_VARIABLES.filter((name) => name !== 'DATABASE_URL' && !new RegExp(`^\\$\\{${name}(:?-[^}]*)?\\}$`).test(env.get(name) ?? ''));
    // DATABASE_PASSWORD comes from POSTGRES_PASSWORD, which the postgres service uses too.
    expect(fixed.filter((name) => name !== 'DATABASE_PASSWORD')).toEqual([]);
    expect(env.get('DATABASE_PASSWORD')).toMatch(/^\$\{POSTGRES_PASSWORD(:?-[^}]*)?\}$/);
    // A password inside the URL would have to be percent-encoded by whoever sets it.
    expect(env.get('DATABASE_URL')).not.toContain('POSTGRES_PASSWORD');
  });

  it('lets the service drain before it is killed: stop_grace_period > the workers\' deadline > SHUTDOWN_GRACE_MS', () => {
    const faultline = obj(services.faultline, 'services.faultline');
    // `${VARIABLE:-30s}`: the default is what compose uses unless the operator sets it.
    const period = /^(?:\$\{\w+:-)?(?:(\d+)m)?(?:(\d+)s)?\}?$/.exec(String(faultline.stop_grace_period));
    expect(period, `stop_grace_period ${String(faultline.stop_grace_period)}`).not.toBeNull();
    const periodMs = (Number(period![1] ?? 0) * 60 + Number(period![2] ?? 0)) * 1000;
    const grace = /^\$\{SHUTDOWN_GRACE_MS:-(\d+)\}$/.exec(environmentOf(faultline).get('SHUTDOWN_GRACE_MS') ?? '');
    const config = loadConfig({ SHUTDOWN_GRACE_MS: grace?.[1] });
    expect(config.shutdownGraceMs).toBeGreaterThan(0);
    const workersDeadline = workerStopTimeoutMs(config);
    expect(workersDeadline).toBe(config.shutdownGraceMs + SHUTDOWN_MARGIN_MS);
    // After its workers the supervisor closes its own pool (up to 5 s).
    expect(periodMs).toBeGreaterThan(workersDeadline + 5_000);
  });
});

describe('Dockerfile', () => {
  // Instructions with their continuation lines joined; comments and blank lines dropped.
  const instructions = readFileSync(dockerfilePath, 'utf8')
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const lastFrom = instructions.map((line) => /^FROM\s/i.test(line)).lastIndexOf(true);
  const finalStage = instructions.slice(lastFrom);
  const of = (lines: string[], keyword: string) => lines.filter((line) => new RegExp(`^${keyword}\\s`, 'i').test(line));

  it('builds in more than one stage', () => {
    expect(of(instructions, 'FROM').length).toBeGreaterThanOrEqual(2);
  });

  it('runs the final stage as a non-root user', () => {
    const user = of(finalStage, 'USER').at(-1);
    expect(user, 'USER in the final stage').toBeDefined();
    expect(user?.split(/\s+/)[1]).not.toMatch(/^(root|0)(:.*)?$/);
  });

  it('has a healthcheck', () => {
    const check = of(finalStage, 'HEALTHCHECK').at(-1);
    expect(check, 'HEALTHCHECK in the final stage').toBeDefined();
    expect(check).not.toMatch(/^HEALTHCHECK\s+NONE/i);
  });

  it('installs only production dependencies, without the embedded PostgreSQL binaries', () => {
    const install = of(finalStage, 'RUN').find((line) => /\bnpm\s+(ci|install)\b/.test(line));
    expect(install, 'npm ci in the final stage').toBeDefined();
    expect(install).toContain('--omit=dev');
    expect(install).toContain('--omit=optional');
  });

  it('runs on Node 24 and puts the faultline command on the PATH', () => {
    for (const from of of(instructions, 'FROM')) expect(from).toMatch(/^FROM node:24\b/);
    expect(of(finalStage, 'RUN').some((line) => /ln -s \S*dist\/cli\/faultline\.js \/usr\/local\/bin\/faultline/.test(line))).toBe(true);
  });

  it('needs only production dependencies for everything under src/ (the image has no dev dependencies)', () => {
    const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    const installed = new Set([...Object.keys(manifest.dependencies), ...Object.keys(manifest.optionalDependencies ?? {})]);
    const missing = new Set<string>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (file.endsWith('.ts')) {
          const text = readFileSync(file, 'utf8');
          const specifiers = [
            // Static imports and re-exports, except type-only ones (they vanish at build time), and dynamic imports.
            ...text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?\sfrom\s+'([^'.][^']*)'/gms),
            ...text.matchAll(/\bimport\('([^'.][^']*)'\)/g),
          ];
          for (const [, specifier] of specifiers) {
            // A bare specifier names a package (a scoped one: two parts).
            const name = specifier!.startsWith('@') ? specifier!.split('/').slice(0, 2).join('/') : specifier!.split('/')[0]!;
            if (!name.startsWith('node:') && !installed.has(name)) missing.add(`${name} (${path.relative(root, file)})`);
          }
        }
      }
    };
    walk(path.join(root, 'src'));
    // The embedded PostgreSQL's platform package is loaded by name at run time, and is optional.
    expect([...missing]).toEqual([]);
  });

  it('ships sql/ beside dist/ and starts the compiled entry', () => {
    expect(of(finalStage, 'COPY').some((line) => /\ssql\/?\s/.test(line))).toBe(true);
    expect(of(finalStage, 'CMD').at(-1)).toContain('dist/main.js');
  });
});

const hasCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore', timeout: 15_000 }).status === 0;

describe('docker-compose CLI', () => {
  // .ci/run installs docker-compose, so CI always runs this; it needs no Docker engine.
  it.runIf(hasCompose)('resolves the file with `docker-compose config`', () => {
    const result = spawnSync('docker-compose', ['-f', composePath, 'config'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.error).toBeUndefined();
    expect(result.status, result.stderr).toBe(0);
    const resolved = obj(parse(result.stdout), 'docker-compose config output');
    const faultline = obj(obj(resolved.services, 'services').faultline, 'services.faultline');
    expect(environmentOf(faultline).get('DATABASE_URL')).toMatch(/^postgres(ql)?:\/\/[^$]*@postgres:5432\/[^$]+$/);
    expect(environmentOf(faultline).get('LOG_LEVEL')).toBe('info');
  }, 70_000);

  it.runIf(hasCompose)('passes a password with URL-reserved characters and overrides from the shell', () => {
    const password = 'p@ss:w/rd?#%20x';
    const result = spawnSync('docker-compose', ['-f', composePath, 'config'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, POSTGRES_PASSWORD: password, LOG_LEVEL: 'debug', PORT: '8080' },
    });
    expect(result.status, result.stderr).toBe(0);
    const services = obj(obj(parse(result.stdout), 'docker-compose config output').services, 'services');
    const env = environmentOf(obj(services.faultline, 'services.faultline'));
    expect(env.get('DATABASE_PASSWORD')).toBe(password);
    expect(env.get('LOG_LEVEL')).toBe('debug');
    expect(env.get('PORT')).toBe('8080');
    expect(environmentOf(obj(services.postgres, 'services.postgres')).get('POSTGRES_PASSWORD')).toBe(password);
  }, 70_000);
});
