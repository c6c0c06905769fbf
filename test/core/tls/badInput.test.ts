/**
 * The corpus of broken inputs: each gives its classified error naming the setting, before any socket is
 * opened where the problem is local. Files are made by the test, not copied in.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createCa, encryptPrivateKeyPem, issueCertificate } from '../../../src/core/certificates/generate';
import { MysqlTlsError } from '../../../src/core/errors';
import { openSession } from '../../../src/core/mysql/session';
import type { ConnectionProfile, ConnectionSecrets, SslSettings } from '../../../src/core/profile';
import { planTls } from '../../../src/core/tls/tlsPlan';
import type { SandboxDescription } from '../../../scripts/sandbox';
import { startSilentServer } from '../../helpers/proxies';
import { loadSandbox, sandboxProfile } from '../../helpers/sandbox';

let lastError: MysqlTlsError | undefined;

async function failsWith(p: Promise<unknown>, cause: MysqlTlsError['code'], field?: string): Promise<void> {
  let result: unknown;
  try {
    result = await p;
  } catch (e) {
    assert.ok(e instanceof MysqlTlsError, `expected a classified error, got ${String(e)}`);
    assert.equal(e.code, cause, e.message);
    if (field !== undefined) assert.equal(e.field, field, e.message);
    assert.ok(e.fix.length > 10, 'every error carries a fix');
    lastError = e;
    return;
  }
  await (result as { close?: () => Promise<void> })?.close?.();
  assert.fail(`expected ${cause}, got success`);
}

describe('bad input gives classified errors', () => {
  let sb: SandboxDescription;
  let dir: string;
  const f = (name: string): string => path.join(dir, name);
  const PASSPHRASE = 'correct horse battery staple';

  before(async () => {
    sb = loadSandbox();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mysql-tls-bad-'));
    const ca = await createCa({ subject: 'CN=bad-input test CA' });
    const client = await issueCertificate({ issuer: ca, subject: 'CN=bad-input client', usage: 'client' });
    const other = await issueCertificate({ issuer: ca, subject: 'CN=other client', usage: 'client' });
    const expired = await issueCertificate({
      issuer: ca,
      subject: 'CN=expired client',
      usage: 'client',
      notBefore: new Date(Date.now() - 10 * 86_400_000),
      notAfter: new Date(Date.now() - 86_400_000),
    });
    await fs.writeFile(f('empty.pem'), '');
    await fs.writeFile(f('blank.pem'), '\n\n  \n');
    await fs.writeFile(f('garbage.pem'), 'this is not a certificate\n');
    await fs.writeFile(f('broken-block.pem'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    await fs.writeFile(f('ca.der'), new X509Certificate(ca.certPem).raw);
    await fs.writeFile(f('client-cert.pem'), client.certPem);
    await fs.writeFile(f('client-key.pem'), client.keyPem);
    await fs.writeFile(f('other-key.pem'), other.keyPem);
    await fs.writeFile(f('client-key-encrypted.pem'), encryptPrivateKeyPem(client.keyPem, PASSPHRASE));
    await fs.writeFile(f('expired-cert.pem'), expired.certPem);
    await fs.writeFile(f('expired-key.pem'), expired.keyPem);
    await fs.writeFile(f('garbage.p12'), 'not pkcs12');
    await fs.mkdir(f('a-folder'));
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  const plan = (ssl: SslSettings, secrets: ConnectionSecrets = {}, extra: Partial<ConnectionProfile> = {}) =>
    planTls({
      profile: { host: '127.0.0.1', port: sb.servers.tls.port, user: 'app_none', ...extra, ssl: { mode: 'VERIFY_IDENTITY', ca: sb.certs.ca, ...ssl } },
      secrets,
    });

  it('missing CA file', () => failsWith(plan({ ca: f('nope.pem') }), 'file-missing', 'ssl.ca'));
  it('CA path is a folder', () => failsWith(plan({ ca: f('a-folder') }), 'file-unreadable', 'ssl.ca'));
  it('empty CA file', () => failsWith(plan({ ca: f('empty.pem') }), 'file-empty', 'ssl.ca'));
  it('whitespace-only CA file', () => failsWith(plan({ ca: f('blank.pem') }), 'file-empty', 'ssl.ca'));
  it('garbage CA file', () => failsWith(plan({ ca: f('garbage.pem') }), 'file-garbage', 'ssl.ca'));
  it('a PEM block that does not parse', () => failsWith(plan({ ca: f('broken-block.pem') }), 'file-garbage', 'ssl.ca'));
  it('DER where PEM is expected', () => failsWith(plan({ ca: f('ca.der') }), 'file-der-not-pem', 'ssl.ca'));
  it('a key given as the CA', () => failsWith(plan({ ca: f('client-key.pem') }), 'file-wrong-kind', 'ssl.ca'));
  it('a certificate given as the key', () => failsWith(plan({ cert: f('client-cert.pem'), key: f('client-cert.pem') }), 'file-wrong-kind', 'ssl.key'));
  it('encrypted key without a passphrase', () =>
    failsWith(plan({ cert: f('client-cert.pem'), key: f('client-key-encrypted.pem') }), 'key-needs-passphrase', 'ssl.key'));
  it('encrypted key with a wrong passphrase', async () => {
    await failsWith(plan({ cert: f('client-cert.pem'), key: f('client-key-encrypted.pem') }, { passphrase: 'hunter2-xyz' }), 'key-wrong-passphrase', 'ssl.key');
    assert.ok(!lastError!.explain().includes('hunter2-xyz'), 'the passphrase is not echoed');
  });
  it('encrypted key with the right passphrase is accepted', async () => {
    const p = await plan({ cert: f('client-cert.pem'), key: f('client-key-encrypted.pem') }, { passphrase: PASSPHRASE });
    assert.ok(p.driverSsl?.key?.includes('BEGIN PRIVATE KEY'));
    assert.ok(!JSON.stringify(p).includes(PASSPHRASE), 'the passphrase is not kept in the plan');
  });
  it('key does not match the certificate', () => failsWith(plan({ cert: f('client-cert.pem'), key: f('other-key.pem') }), 'key-cert-mismatch', 'ssl.key'));
  it('expired client certificate', () => failsWith(plan({ cert: f('expired-cert.pem'), key: f('expired-key.pem') }), 'client-cert-expired', 'ssl.cert'));
  it('certificate without key', () => failsWith(plan({ cert: f('client-cert.pem') }), 'config-incomplete-client-cert', 'ssl.key'));
  it('key without certificate', () => failsWith(plan({ key: f('client-key.pem') }), 'config-incomplete-client-cert', 'ssl.cert'));
  it('garbage PKCS#12', () => failsWith(plan({ pfx: f('garbage.p12') }), 'file-garbage', 'ssl.pfx'));
  it('VERIFY_CA without a CA', () => failsWith(plan({ mode: 'VERIFY_CA', ca: undefined }), 'config-missing-ca', 'ssl.ca'));
  it('unknown ssl mode', () => failsWith(plan({ mode: 'VERIFY_EVERYTHING' as never }), 'config-invalid', 'ssl.mode'));
  it('bad TLS version', () => failsWith(plan({ minVersion: 'TLSv9' as never }), 'config-invalid', 'ssl.minVersion'));
  it('min above max', () => failsWith(plan({ minVersion: 'TLSv1.3', maxVersion: 'TLSv1.2' }), 'config-invalid', 'ssl.minVersion'));
  it('unknown cipher list', () => failsWith(plan({ ciphers: 'NOT-A-CIPHER' }), 'config-invalid', 'ssl.ciphers'));
  it('IP address as servername', () => failsWith(plan({ servername: '10.0.0.1' }), 'config-invalid', 'ssl.servername'));
  it('port out of range', () => failsWith(plan({}, {}, { port: 70000 }), 'config-invalid', 'port'));
  it('empty host', () => failsWith(plan({}, {}, { host: '' }), 'config-invalid', 'host'));
  it('${workspaceFolder} without a folder', () => failsWith(plan({ ca: '${workspaceFolder}/ca.pem' }), 'config-invalid', 'ssl.ca'));

  it('no mode but a CA: VERIFY_CA, with a visible hint (as MySQL 8 clients do)', async () => {
    const p = await planTls({ profile: { host: '127.0.0.1', user: 'u', ssl: { ca: sb.certs.ca } } });
    assert.equal(p.mode, 'VERIFY_CA');
    assert.ok(p.hints.some((h) => /VERIFY_CA is used/.test(h)));
  });
  it('REQUIRED with a CA: a hint that nothing is verified', async () => {
    const p = await planTls({ profile: { host: '127.0.0.1', user: 'u', ssl: { mode: 'REQUIRED', ca: sb.certs.ca } } });
    assert.equal(p.driverSsl?.rejectUnauthorized, false);
    assert.ok(p.hints.some((h) => /does not verify/.test(h)));
  });

  // Failures that need the network
  const connect = (profile: ConnectionProfile, secrets: ConnectionSecrets) => openSession({ profile, secrets });
  it('nothing listens on the port', async () => {
    const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_none', { mode: 'VERIFY_IDENTITY' });
    profile.port = 1;
    await failsWith(connect(profile, secrets), 'host-unreachable');
  });
  it('a server that accepts and never answers: the connect timeout is honoured', async () => {
    const silent = await startSilentServer();
    try {
      const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_none', { mode: 'VERIFY_IDENTITY' });
      profile.port = silent.port;
      profile.connectTimeoutMs = 400;
      const t0 = Date.now();
      await failsWith(connect(profile, secrets), 'connect-timeout');
      assert.ok(Date.now() - t0 < 5000, 'gave up in bounded time');
    } finally {
      await silent.close();
    }
  });
  it('unknown host name', async () => {
    const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_none', { mode: 'VERIFY_IDENTITY' });
    profile.host = 'no-such-host.invalid';
    await failsWith(connect(profile, secrets), 'host-not-found');
  });
  it('wrong password over a verified session', async () => {
    const { profile } = sandboxProfile(sb, 'tls', 'app_subject', { mode: 'VERIFY_IDENTITY', cert: sb.certs.clientCert, key: sb.certs.clientKey });
    await failsWith(connect(profile, { password: 'definitely-wrong' }), 'access-denied');
    assert.ok(!lastError!.explain().includes('definitely-wrong'));
  });
  it('REQUIRE X509 account without a client certificate', async () => {
    const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_x509', { mode: 'VERIFY_IDENTITY' });
    // The server answers this and a wrong password alike (1045): the cause names both (classifyError).
    await failsWith(connect(profile, secrets), 'access-denied');
    assert.match(lastError!.fix, /client certificate/);
  });
  it('REQUIRE SUBJECT account with a certificate of another subject and CA: the server rejects the certificate', async () => {
    const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_subject', {
      mode: 'VERIFY_IDENTITY',
      cert: sb.certs.otherClientCert,
      key: sb.certs.otherClientKey,
    });
    await failsWith(connect(profile, secrets), 'tls-client-cert-rejected');
  });
  it('client allows only TLSv1.1, server TLSv1.2+: protocol mismatch', async () => {
    const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_none', { mode: 'REQUIRED', maxVersion: 'TLSv1.1' });
    await failsWith(connect(profile, secrets), 'tls-protocol-mismatch');
  });
  it('client offers only an ECDSA suite to an RSA server: cipher mismatch', async () => {
    const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_none', { mode: 'REQUIRED', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' });
    await failsWith(connect(profile, secrets), 'tls-cipher-mismatch');
  });
  it('TLS version range and cipher are honoured when they fit', async () => {
    const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_none', {
      mode: 'VERIFY_IDENTITY',
      maxVersion: 'TLSv1.2',
      ciphers: 'ECDHE-RSA-AES128-GCM-SHA256',
    });
    const s = await openSession({ profile, secrets });
    assert.equal(s.report.protocol, 'TLSv1.2');
    assert.equal(s.report.cipher?.name, 'ECDHE-RSA-AES128-GCM-SHA256');
    assert.equal((await s.serverView()).server.sslCipher, 'ECDHE-RSA-AES128-GCM-SHA256');
    await s.close();
  });
  it('a cancelled connect stops at once', async () => {
    const silent = await startSilentServer();
    try {
      const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_none', { mode: 'VERIFY_IDENTITY' });
      profile.port = silent.port;
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 100);
      await failsWith(openSession({ profile, secrets, signal: ac.signal }), 'cancelled');
    } finally {
      await silent.close();
    }
  });
});
