/**
 * One activation measurement, in a fresh process (as an extension host loads an extension once):
 *   node out/scripts/bench/activationProbe.js <extension module> [--connections N]
 * Makes `require('vscode')` return the test suite's fake VS Code API, times require() of the module and its
 * activate(), and says whether mysql2 was loaded by then (from node_modules or dist/vendor/). With --connections,
 * the user settings hold N connections (each naming CA, certificate and key files that do not exist) and the first
 * render of the Connections tree (getChildren of the root + getTreeItem of each node) is timed too. Prints one JSON line.
 */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createFakeVscode, fakeExtensionContext, installFakeVscode } from '../../test/core/extension/fakeVscode';

type Namespace = Record<string | symbol, unknown>;

/** Stands in for any API the fake does not model: every property and every call gives the stub again. */
function universalStub(): unknown {
  const stub: unknown = new Proxy(function () {}, {
    get: (_t, prop) => (prop === 'then' || typeof prop === 'symbol' ? undefined : stub),
    apply: () => stub,
    construct: () => stub as object,
  });
  return stub;
}

/** APIs the fake does not model (other features' namespaces, events and registrations) become no-ops, not crashes. */
function tolerant(ns: Namespace, topLevel = false): Namespace {
  return new Proxy(ns, {
    get(target, prop) {
      if (prop in target) return target[prop];
      if (typeof prop !== 'string') return undefined;
      if (topLevel && /^[a-z]/.test(prop)) return tolerant({});
      if (!topLevel && /^(on[A-Z]|register|create)/.test(prop)) return () => universalStub();
      return undefined;
    },
  });
}

/** N valid connections whose files do not exist: activation and the tree must not need them. */
export function probeConnections(n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `probe-${i}`,
    name: `Probe ${String(i).padStart(4, '0')}`,
    host: `db${i}.example.invalid`,
    port: 3306,
    user: 'app',
    ssl: { mode: 'VERIFY_IDENTITY', ca: `/nonexistent/probe/ca-${i}.pem`, cert: `/nonexistent/probe/cert-${i}.pem`, key: `/nonexistent/probe/key-${i}.pem` },
  }));
}

async function main(): Promise<void> {
  const target = process.argv[2];
  if (!target) throw new Error('usage: activationProbe <extension module>');
  const fake = createFakeVscode();
  for (const key of Object.keys(fake.module)) {
    const value = fake.module[key];
    if (value && typeof value === 'object' && !Array.isArray(value)) fake.module[key] = tolerant(value as Namespace);
  }
  fake.module = tolerant(fake.module, true);
  const n = Number(process.argv[process.argv.indexOf('--connections') + 1] || 0);
  if (process.argv.includes('--connections')) fake.settings.user['mysqlTls.connections'] = probeConnections(n);
  installFakeVscode(fake);
  const builtinsBefore = new Set((process as unknown as { moduleLoadList: string[] }).moduleLoadList);
  const t0 = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ext = require(target) as { activate(context: unknown): unknown; deactivate?(): unknown };
  const t1 = performance.now();
  await ext.activate(fakeExtensionContext(fake));
  const t2 = performance.now();
  // From node_modules (the tsc build) or from the bundle's dist/vendor/mysql2.js (webpack.config.js).
  const mysql2Loaded = Object.keys(require.cache).some((k) => /[\\/]node_modules[\\/]mysql2[\\/]|[\\/]vendor[\\/]mysql2\.js$/.test(k));
  // The Node built-ins and the bundle's lazy chunks (webpack.config.js) that require() + activate() loaded: none, by design.
  const builtinsLoaded = (process as unknown as { moduleLoadList: string[] }).moduleLoadList
    .filter((m) => !builtinsBefore.has(m) && m.startsWith('NativeModule '))
    .map((m) => m.slice('NativeModule '.length));
  const chunksLoaded = Object.keys(require.cache)
    .filter((k) => k.endsWith('.chunk.js'))
    .map((k) => k.slice(k.lastIndexOf(path.sep) + 1));
  let treeMs: number | undefined;
  let treeNodes: number | undefined;
  const provider = fake.treeViews.get('mysqlTls.connections')?.treeDataProvider;
  if (provider && process.argv.includes('--connections')) {
    const t3 = performance.now();
    const nodes = await provider.getChildren();
    for (const node of nodes) provider.getTreeItem(node);
    treeMs = performance.now() - t3;
    treeNodes = nodes.length;
  }
  process.stdout.write(
    JSON.stringify({ requireMs: t1 - t0, activateMs: t2 - t1, mysql2Loaded, commands: fake.commands.size, treeMs, treeNodes, builtinsLoaded, chunksLoaded }) +
      '\n',
  );
  await ext.deactivate?.();
  process.exit(0);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`activationProbe: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
}
