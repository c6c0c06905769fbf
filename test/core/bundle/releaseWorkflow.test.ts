/**
 * .github/workflows/release.yml cannot run here; this parses it (js-yaml, as GitHub's YAML 1.2 reading) and
 * checks what a mistake would silently break: one native runner per platform VSIX, each packaging with
 * `vsce package --target` for its own target after `npm ci` on that runner, the universal VSIX, unit tests
 * that really need no MariaDB, and write access only for the release job on a tag.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

const root = path.resolve(__dirname, '../../../..');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- js-yaml ships no types; load() is all this needs
const yaml = require('js-yaml') as { load(text: string): unknown };

interface Step {
  name?: string;
  run?: string;
  uses?: string;
  with?: Record<string, unknown>;
  if?: string;
}
interface Job {
  'runs-on': string;
  if?: string;
  needs?: string[];
  container?: string;
  permissions?: Record<string, string>;
  strategy?: { matrix: { include: Record<string, string>[] } };
  steps: Step[];
}
interface Workflow {
  on: { push: { tags: string[] } };
  permissions: Record<string, string>;
  env: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflow = yaml.load(readFileSync(path.join(root, '.github', 'workflows', 'release.yml'), 'utf8')) as Workflow;
/** Replaces ${{ matrix.x }} the way Actions does for one matrix entry. */
const expand = (text: string, entry: Record<string, string>): string =>
  text.replace(/\$\{\{\s*matrix\.(\w+)\s*\}\}/g, (_m, k: string) => entry[k] ?? `<no matrix.${k}>`);
const runs = (job: Job): string[] => job.steps.flatMap((s) => (s.run ? [s.run] : []));

describe('the release workflow', () => {
  const pkg = workflow.jobs.package!;

  it('builds each platform VSIX on a native runner for that platform', () => {
    const matrix = pkg.strategy!.matrix.include.map((e) => ({ target: e.target, os: e.os }));
    assert.deepEqual(matrix, [
      { target: 'win32-x64', os: 'windows-latest' },
      { target: 'darwin-arm64', os: 'macos-14' },
      { target: 'darwin-x64', os: 'macos-13' },
      { target: 'linux-x64', os: 'ubuntu-latest' },
      { target: 'linux-arm64', os: 'ubuntu-24.04-arm' },
    ]);
    for (const entry of pkg.strategy!.matrix.include) assert.equal(expand(pkg['runs-on'], entry), entry.os);
  });

  it('each matrix job runs npm ci on its runner, then vsce package --target with its own target, and uploads the VSIX', () => {
    for (const entry of pkg.strategy!.matrix.include) {
      const commands = runs(pkg).map((r) => expand(r, entry));
      const ci = commands.findIndex((c) => /^npm ci\b/.test(c));
      const packaging = commands.findIndex((c) => c.includes(`npx vsce package --target ${entry.target} `));
      assert.ok(ci >= 0, `${entry.target}: npm ci (keytar's binary for this runner)`);
      assert.ok(packaging > ci, `${entry.target}: vsce package --target ${entry.target} after npm ci (got ${commands.join(' | ')})`);
      assert.match(commands[packaging]!, new RegExp(`-o "mysql-tls-.*-${entry.target}\\.vsix"`));
      assert.ok(
        commands.some((c) => c.includes('keytar.node')),
        `${entry.target}: checks keytar.node goes into the VSIX`,
      );
      const upload = pkg.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
      assert.equal(expand(String(upload?.with?.name), entry), `vsix-${entry.target}`);
    }
  });

  it('runs unit tests on every platform, from folders whose tests need no MariaDB sandbox', () => {
    assert.ok(runs(pkg).some((c) => c.includes('run-node-tests.js $UNIT_TESTS')));
    const dirs = workflow.env.UNIT_TESTS!.split(/\s+/);
    assert.ok(dirs.length >= 3);
    for (const dir of dirs) {
      assert.match(dir, /^out\/test\/core\/\w+$/);
      const source = path.join(root, dir.replace(/^out\//, ''));
      const files = readdirSync(source).filter((f) => f.endsWith('.ts'));
      assert.ok(
        files.some((f) => f.endsWith('.test.ts')),
        `${source} has tests`,
      );
      for (const f of files) assert.doesNotMatch(readFileSync(path.join(source, f), 'utf8'), /helpers\/sandbox|loadSandbox/, `${dir}/${f} needs no sandbox`);
    }
  });

  it('builds the universal VSIX with package.sh (which rejects native files in it) and the full tiers in Debian', () => {
    const universal = workflow.jobs.universal!;
    assert.ok(runs(universal).some((c) => c.includes('bash scripts/e2e/package.sh')));
    assert.equal(universal.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))?.with?.name, 'vsix-universal');
    const linux = workflow.jobs['test-linux']!;
    assert.match(String(linux.container), /^debian:/);
    assert.ok(runs(linux).some((c) => /scripts\/test\.sh lint core keychain/.test(c)));
  });

  it('attaches every VSIX to a release on a tag push, and only that job may write', () => {
    assert.deepEqual(workflow.on.push.tags, ['v*']);
    assert.deepEqual(workflow.permissions, { contents: 'read' });
    const release = workflow.jobs.release!;
    assert.equal(release.if, "github.ref_type == 'tag'");
    assert.deepEqual([...release.needs!].sort(), ['package', 'test-linux', 'universal']);
    assert.deepEqual(release.permissions, { contents: 'write' });
    assert.ok(runs(release).some((c) => c.startsWith('gh release create') && c.includes('*.vsix')));
    for (const [name, job] of Object.entries(workflow.jobs)) if (name !== 'release') assert.equal(job.permissions, undefined, `${name} keeps read-only`);
  });
});
