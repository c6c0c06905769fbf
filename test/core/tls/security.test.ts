/**
 * Attacks on loopback: a proxy that strips TLS from the server greeting (downgrade), and proxies that
 * terminate TLS with their own certificate (machine in the middle). The verifying modes must refuse them
 * before any credential leaves the client; the proxies count what they could read.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createCa, issueCertificate, distinguishedName } from '../../../src/core/certificates/generate';
import { MysqlTlsError } from '../../../src/core/errors';
import { openSession } from '../../../src/core/mysql/session';
import type { SslMode } from '../../../src/core/tls/sslMode';
import type { SandboxDescription } from '../../../scripts/sandbox';
import { startTlsStrippingProxy, startTlsTerminatingProxy, type ProxyHandle } from '../../helpers/proxies';
import { loadSandbox, sandboxProfile } from '../../helpers/sandbox';
import { readFileSync } from 'node:fs';

async function expectFailure(p: Promise<unknown>, cause: MysqlTlsError['code']): Promise<MysqlTlsError> {
  try {
    const s = (await p) as { close?: () => Promise<void> };
    await s.close?.();
  } catch (e) {
    assert.ok(e instanceof MysqlTlsError, `expected a classified error, got ${String(e)}`);
    assert.equal(e.code, cause, e.message);
    return e;
  }
  assert.fail(`expected ${cause}, but the connection succeeded`);
}

describe('TLS downgrade: greeting without the TLS capability', () => {
  let sb: SandboxDescription;
  let proxy: ProxyHandle;
  before(async () => {
    sb = loadSandbox();
    proxy = await startTlsStrippingProxy({ host: sb.host, port: sb.servers.tls.port });
  });
  after(() => proxy.close());

  for (const mode of ['REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'] as SslMode[]) {
    it(`${mode} refuses and sends nothing at all (so no password)`, async () => {
      const before = proxy.clientPlainBytes();
      const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_none', { mode });
      profile.port = proxy.port;
      const err = await expectFailure(openSession({ profile, secrets }), 'server-no-tls');
      assert.match(err.detail, /nothing was sent/);
      assert.equal(proxy.clientPlainBytes() - before, 0, 'the client sent bytes to a server that offered no TLS');
    });
  }

  it('PREFERRED falls back to plaintext and says so', async () => {
    const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_none', { mode: 'PREFERRED' });
    profile.port = proxy.port;
    const session = await openSession({ profile, secrets });
    try {
      assert.equal(session.report.encrypted, false);
      assert.equal(session.report.fallback, true);
      assert.equal(session.report.security, 'plaintext');
      assert.equal((await session.serverView()).server.sslCipher, '', 'the server also sees a plaintext session');
      assert.ok(session.report.hints.some((h) => /fell back to plaintext/.test(h)));
    } finally {
      await session.close();
    }
  });

  it('PREFERRED with a REQUIRE SSL account: fallback, then the server refuses', async () => {
    const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_ssl', { mode: 'PREFERRED' });
    profile.port = proxy.port;
    await expectFailure(openSession({ profile, secrets }), 'account-requires-tls');
  });
});

describe('machine in the middle with its own certificate', () => {
  let sb: SandboxDescription;
  let selfSigned: ProxyHandle;
  let localhostOnly: ProxyHandle;
  let wrongName: ProxyHandle;
  before(async () => {
    sb = loadSandbox();
    const target = { host: sb.host, port: sb.servers.tls.port };
    // 1. its own self-signed certificate naming the right host
    const rogueCa = await createCa({ subject: distinguishedName({ commonName: 'rogue' }) });
    const rogue = await issueCertificate({ issuer: rogueCa, subject: 'CN=localhost', usage: 'server', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    selfSigned = await startTlsTerminatingProxy(target, { cert: rogue.certPem + rogueCa.certPem, key: rogue.keyPem });
    // 2. a certificate from the trusted CA that names only "localhost" (no IP SAN): must not pass for 127.0.0.1
    const ca = { certPem: readFileSync(sb.certs.ca, 'utf8'), keyPem: readFileSync(sb.certs.caKey, 'utf8') };
    const { webcrypto, X509Certificate } = await import('node:crypto');
    const trusted = await importIssuer(ca.certPem, ca.keyPem, webcrypto, X509Certificate);
    const localhostCert = await issueCertificate({ issuer: trusted, subject: 'CN=localhost only', usage: 'server', dnsNames: ['localhost'] });
    localhostOnly = await startTlsTerminatingProxy(target, { cert: localhostCert.certPem, key: localhostCert.keyPem });
    // 3. the trusted CA's certificate for another host name
    wrongName = await startTlsTerminatingProxy(target, {
      cert: readFileSync(sb.certs.wrongHostCert, 'utf8'),
      key: readFileSync(sb.certs.wrongHostKey, 'utf8'),
    });
  });
  after(async () => {
    await Promise.all([selfSigned, localhostOnly, wrongName].map((p) => p?.close()));
  });

  const viaProxy = (proxy: ProxyHandle, mode: SslMode, host = '127.0.0.1') => {
    const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_none', { mode });
    profile.port = proxy.port;
    profile.host = host;
    return { profile, secrets };
  };

  for (const mode of ['VERIFY_CA', 'VERIFY_IDENTITY'] as SslMode[]) {
    it(`${mode} rejects a self-signed proxy before sending credentials`, async () => {
      await expectFailure(openSession(viaProxy(selfSigned, mode)), 'tls-ca-mismatch');
      assert.equal(selfSigned.lastConnectionDecryptedBytes(), 0, 'the proxy read application data');
    });
  }

  it('REQUIRED connects through it (encrypted, not verified) and the report shows the failed chain', async () => {
    const session = await openSession(viaProxy(selfSigned, 'REQUIRED'));
    try {
      const r = session.report;
      assert.equal(r.security, 'encrypted');
      assert.equal(r.verification.chain, 'failed');
      assert.equal(r.verification.chainEnforced, false);
      assert.match(r.peerChain[0]!.subject, /CN=localhost/);
      // This is why REQUIRED is not enough: the proxy read the login.
      assert.ok(selfSigned.lastConnectionDecryptedBytes() > 0);
    } finally {
      await session.close();
    }
  });

  it('VERIFY_IDENTITY to 127.0.0.1 rejects a trusted certificate that names only "localhost"', async () => {
    const err = await expectFailure(openSession(viaProxy(localhostOnly, 'VERIFY_IDENTITY')), 'tls-hostname-mismatch');
    assert.match(err.detail, /127\.0\.0\.1/);
    assert.equal(localhostOnly.lastConnectionDecryptedBytes(), 0);
  });

  it('the same certificate passes VERIFY_IDENTITY when the host is "localhost" (the check is real both ways)', async () => {
    const session = await openSession(viaProxy(localhostOnly, 'VERIFY_IDENTITY', 'localhost'));
    assert.equal(session.report.security, 'verified-identity');
    await session.close();
  });

  it('a trusted certificate for another name: VERIFY_CA accepts, VERIFY_IDENTITY refuses before credentials', async () => {
    const s = await openSession(viaProxy(wrongName, 'VERIFY_CA'));
    assert.equal(s.report.security, 'verified-ca');
    assert.equal(s.report.verification.host, 'failed');
    await s.close();
    await expectFailure(openSession(viaProxy(wrongName, 'VERIFY_IDENTITY')), 'tls-hostname-mismatch');
    assert.equal(wrongName.lastConnectionDecryptedBytes(), 0);
  });

  it('ssl.servername makes VERIFY_IDENTITY check the name in the certificate instead of the host', async () => {
    const { profile, secrets } = viaProxy(wrongName, 'VERIFY_IDENTITY');
    profile.ssl = { ...profile.ssl, servername: sb.certs.wrongHostName };
    const s = await openSession({ profile, secrets });
    assert.equal(s.report.security, 'verified-identity');
    assert.equal(s.report.verification.verifiedName, sb.certs.wrongHostName);
    await s.close();
  });
});

/** Rebuilds an Issued CA from PEM files so a test can sign with the sandbox CA. */
async function importIssuer(
  certPem: string,
  keyPem: string,
  webcrypto: typeof import('node:crypto').webcrypto,
  X509: typeof import('node:crypto').X509Certificate,
) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('reflect-metadata');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const x509 = require('@peculiar/x509') as typeof import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const { createPrivateKey } = await import('node:crypto');
  const der = createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'der' });
  const privateKey = await webcrypto.subtle.importKey('pkcs8', der, algorithm, true, ['sign']);
  const cert = new x509.X509Certificate(certPem);
  const publicKey = await cert.publicKey.export(algorithm, ['verify'], webcrypto as unknown as Parameters<typeof cert.publicKey.export>[2]);
  void X509;
  return { certPem, keyPem, subject: cert.subject, cert, keys: { privateKey, publicKey }, algorithm } as unknown as Awaited<ReturnType<typeof createCa>>;
}
