/**
 * A certificate whose public key OpenSSL cannot load (here the sandbox client certificate with its
 * SubjectPublicKeyInfo corrupted: it still parses, but `publicKey` throws ERR_OSSL_EVP_DECODE_ERROR) is a
 * clear settings error naming the file, never a raw error classified "unknown" and retried like a network
 * failure; and a server chain with such a certificate is still described.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { describeCertificate } from '../../../src/core/certificates/certificateInfo';
import { isRetryable } from '../../../src/core/connections/resilience';
import { planTls } from '../../../src/core/tls/tlsPlan';
import { loadSandbox } from '../../helpers/sandbox';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mysql-tls-unloadable-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** The certificate with the first byte of its RSA key's inner SEQUENCE changed: parseable, key unloadable. */
function withUnloadableKey(pem: string): X509Certificate {
  const der = Buffer.from(new X509Certificate(pem).raw);
  const rsaOid = Buffer.from('2a864886f70d0101010500', 'hex');
  const at = der.indexOf(rsaOid);
  assert.ok(at > 0, 'an RSA certificate');
  const inner = at + rsaOid.length + 5; // BIT STRING: 03 82 LL LL 00, then the key's SEQUENCE
  assert.equal(der[inner], 0x30);
  der[inner] = 0x31;
  const cert = new X509Certificate(der);
  assert.throws(() => cert.publicKey, 'the key cannot be loaded');
  return cert;
}

describe('certificates with a key that cannot be loaded', () => {
  const sb = loadSandbox();
  const bad = withUnloadableKey(readFileSync(sb.certs.clientCert, 'utf8'));
  const file = path.join(tmp, 'odd-ca.pem');
  writeFileSync(file, bad.toString());

  it('ssl.ca with such a certificate is a non-retryable settings error naming the file', async () => {
    await assert.rejects(
      planTls({ profile: { host: sb.host, port: sb.servers.tls.port, user: 'u', ssl: { mode: 'VERIFY_CA', ca: file } } }),
      (e: { code?: string; field?: string; detail?: string }) => {
        assert.equal(e.code, 'file-garbage');
        assert.equal(e.field, 'ssl.ca');
        assert.match(e.detail!, /odd-ca\.pem: certificate #1 .* cannot be loaded/);
        assert.equal(isRetryable(e as never), false);
        return true;
      },
    );
  });

  it('ssl.cert with such a certificate too', async () => {
    await assert.rejects(
      planTls({ profile: { host: sb.host, user: 'u', ssl: { mode: 'REQUIRED', cert: file, key: sb.certs.clientKey } } }),
      (e: { code?: string; field?: string }) => e.code === 'file-garbage' && e.field === 'ssl.cert',
    );
  });

  it('describing it (a server chain, Inspect) does not throw', () => {
    const info = describeCertificate(bad);
    assert.equal(info.keyType, 'unloadable');
    assert.equal(info.selfSigned, false);
  });
});
