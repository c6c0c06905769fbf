import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createCa, createPkcs12, distinguishedName, encryptPrivateKeyPem, issueCertificate, type Issued } from '../../../src/core/certificates/generate';
import { inspectFile, renderInspection, type InspectionSummary } from '../../../src/core/certificates/inspect';
import { classified, hasTool, run, tempDir } from './fixtures';

const openssl = hasTool('openssl');
// The report escapes Markdown punctuation in certificate fields; the assertions read it as the preview shows it.
const shown = (s: InspectionSummary): string => renderInspection(s).replace(/\\([!-/:-@[-`{-~])/g, '$1');
const codes = (s: InspectionSummary): string[] => s.warnings.map((w) => `${w.code}${w.certificate === undefined ? '' : `:${w.certificate}`}`);

describe('inspectFile', { timeout: 60_000 }, () => {
  const tmp = tempDir('mysql-tls-inspect-');
  const f = (name: string): string => path.join(tmp.dir, name);
  let ca: Issued;
  let other: Issued;
  let server: Issued;
  let client: Issued;
  before(async () => {
    ca = await createCa({ subject: distinguishedName({ organization: 'Acme', commonName: 'Acme CA' }) });
    other = await createCa({ subject: distinguishedName({ commonName: 'Other CA' }) });
    [server, client] = await Promise.all([
      issueCertificate({
        issuer: ca,
        subject: distinguishedName({ organization: 'Acme', commonName: 'db.acme.test' }),
        usage: 'server',
        dnsNames: ['db.acme.test'],
        ipAddresses: ['10.1.2.3'],
      }),
      issueCertificate({ issuer: ca, subject: distinguishedName({ organization: 'Acme', commonName: 'app' }), usage: 'client' }),
    ]);
    writeFileSync(f('server-chain.pem'), server.certPem + ca.certPem);
    writeFileSync(f('server-with-key.pem'), server.certPem + server.keyPem);
    writeFileSync(f('server.pem'), server.certPem);
    writeFileSync(f('server-key.pem'), server.keyPem);
    writeFileSync(f('client-key.pem'), client.keyPem);
    writeFileSync(f('client-key-enc.pem'), encryptPrivateKeyPem(client.keyPem, 'kp'));
    writeFileSync(f('client.pem'), client.certPem);
    writeFileSync(f('out-of-order.pem'), server.certPem + other.certPem + ca.certPem);
    writeFileSync(f('ca.pem'), ca.certPem);
    writeFileSync(f('ca.der'), new X509Certificate(ca.certPem).raw);
    writeFileSync(f('client.p12'), createPkcs12({ certPem: client.certPem, keyPem: client.keyPem, chainPems: [ca.certPem], passphrase: 'pfx' }));
  });
  after(() => tmp.remove());

  test('a well-formed server chain: details, order, no warnings', async () => {
    const s = await inspectFile(f('server-chain.pem'), { role: 'server' });
    assert.equal(s.format, 'pem');
    assert.equal(s.kind, 'chain');
    assert.equal(s.chainInOrder, true);
    assert.deepEqual(s.chain, [{ from: 0, to: 1, issuedByNext: true }]);
    assert.deepEqual(codes(s), []);
    const [leaf, root] = s.certificates;
    assert.equal(leaf!.commonName, 'db.acme.test');
    assert.deepEqual(leaf!.subjectAltNames, ['DNS:db.acme.test', 'IP Address:10.1.2.3']);
    assert.deepEqual(leaf!.extendedKeyUsage, ['serverAuth']);
    assert.equal(leaf!.keyType, 'rsa');
    assert.equal(leaf!.keyBits, 2048);
    assert.equal(leaf!.isCA, false);
    assert.equal(root!.isCA, true);
    assert.equal(root!.selfSigned, true);
    const text = shown(s);
    assert.match(text, /## Certificate 1: db\.acme\.test/);
    assert.match(text, /Subject alternative names: DNS:db\.acme\.test, IP Address:10\.1\.2\.3/);
    assert.match(text, /Chain order: correct/);
    assert.match(text, /No problems found/);
    assert.match(text, new RegExp(`SHA-256: ${leaf!.fingerprintSha256}`));
  });

  test('chain out of order names the real issuer', async () => {
    const s = await inspectFile(f('out-of-order.pem'));
    assert.equal(s.chainInOrder, false);
    assert.deepEqual(codes(s), ['chain-order:0', 'chain-order:1']);
    assert.match(s.warnings[0]!.message, /issued by #3, not by the next one/);
    assert.match(s.warnings[1]!.message, /self-signed root in the middle/);
    assert.match(renderInspection(s), /NOT in order/);
  });

  test('key matching: in the same file, a separate key file, a wrong key, an encrypted key', async () => {
    const inFile = await inspectFile(f('server-with-key.pem'));
    assert.equal(inFile.keys[0]!.matchesCertificate, 0);
    assert.deepEqual(codes(inFile), []);
    const separate = await inspectFile(f('server.pem'), { keyFile: f('server-key.pem') });
    assert.equal(separate.keys[0]!.matchesCertificate, 0);
    const wrong = await inspectFile(f('server.pem'), { keyFile: f('client-key.pem') });
    assert.equal(wrong.keys[0]!.matchesCertificate, -1);
    assert.deepEqual(codes(wrong), ['key-mismatch']);
    const enc = await inspectFile(f('client.pem'), { keyFile: f('client-key-enc.pem') });
    assert.deepEqual(codes(enc), ['key-encrypted']);
    const encOk = await inspectFile(f('client.pem'), { keyFile: f('client-key-enc.pem'), keyPassphrase: 'kp' });
    assert.equal(encOk.keys[0]!.matchesCertificate, 0);
    assert.equal(encOk.keys[0]!.encrypted, true);
    await assert.rejects(
      inspectFile(f('client.pem'), { keyFile: f('client-key-enc.pem'), keyPassphrase: 'nope' }),
      classified('key-wrong-passphrase', 'keyFile'),
    );
  });

  test('role checks: a CA or a client certificate used as the server certificate', async () => {
    assert.deepEqual(codes(await inspectFile(f('ca.pem'), { role: 'server' })), ['ca-as-server-certificate:0']);
    assert.deepEqual(codes(await inspectFile(f('client.pem'), { role: 'server' })), ['no-server-auth:0']);
    assert.deepEqual(codes(await inspectFile(f('server.pem'), { role: 'client' })), ['no-client-auth:0']);
    assert.deepEqual(codes(await inspectFile(f('client.pem'), { role: 'client' })), []);
  });

  test('expired, expiring soon, same CN as the CA', async () => {
    const day = 86_400_000;
    const expired = await issueCertificate({
      issuer: ca,
      subject: distinguishedName({ commonName: 'old' }),
      usage: 'server',
      dnsNames: ['old'],
      notBefore: new Date(Date.now() - 10 * day),
      notAfter: new Date(Date.now() - day),
    });
    const soon = await issueCertificate({ issuer: ca, subject: distinguishedName({ commonName: 'soon' }), usage: 'server', dnsNames: ['soon'], days: 10 });
    // Same CN as the CA, different organization: not byte-identical DNs, but MySQL setups still break.
    const sameCn = await issueCertificate({ issuer: ca, subject: distinguishedName({ commonName: 'Acme CA' }), usage: 'server', dnsNames: ['db'] });
    writeFileSync(f('expired.pem'), expired.certPem);
    writeFileSync(f('soon.pem'), soon.certPem);
    writeFileSync(f('same-cn.pem'), sameCn.certPem + ca.certPem);
    assert.deepEqual(codes(await inspectFile(f('expired.pem'))), ['expired:0']);
    const s = await inspectFile(f('soon.pem'));
    assert.deepEqual(codes(s), ['expiring-soon:0']);
    assert.match(s.warnings[0]!.message, /expires in (9|10) day/);
    const same = await inspectFile(f('same-cn.pem'));
    assert.deepEqual(codes(same), ['same-cn-as-issuer:0']);
    assert.match(shown(same), /\*\*Critical\*\*: #1 CN=Acme CA has the same CN/);
  });

  test('Inspect Certificate counts the days since expiry without an extra day: 2 days and 5 hours reads "expired 2 days ago"', async () => {
    const day = 86_400_000;
    const now = new Date();
    // Certificate times have whole seconds: the expiry is set to the second, and the count is from `now`.
    const notAfter = new Date(Math.floor((now.getTime() - 2 * day - 5 * 3_600_000) / 1000) * 1000);
    const expired = await issueCertificate({
      issuer: ca,
      subject: distinguishedName({ commonName: 'lapsed' }),
      usage: 'server',
      dnsNames: ['lapsed'],
      notBefore: new Date(now.getTime() - 30 * day),
      notAfter,
    });
    writeFileSync(f('lapsed.pem'), expired.certPem);
    const s = await inspectFile(f('lapsed.pem'), { now });
    assert.match(shown(s), /\(expired 2 days ago\)/);
    assert.doesNotMatch(shown(s), /3 day|day\(s\)/);
  });

  test('SHA-1 signature and a 1024-bit RSA key (made with openssl)', { skip: !openssl }, () => {
    writeFileSync(f('ca-key.pem'), ca.keyPem);
    run('openssl', ['req', '-new', '-newkey', 'rsa:1024', '-nodes', '-subj', '/CN=weak', '-keyout', f('weak-key.pem'), '-out', f('weak.csr')]);
    run('openssl', [
      'x509',
      '-req',
      '-sha1',
      '-in',
      f('weak.csr'),
      '-CA',
      f('ca.pem'),
      '-CAkey',
      f('ca-key.pem'),
      '-set_serial',
      '7',
      '-days',
      '90',
      '-out',
      f('weak.pem'),
    ]);
    return inspectFile(f('weak.pem'), { keyFile: f('weak-key.pem') }).then((s) => {
      assert.equal(s.certificates[0]!.signatureAlgorithm, 'sha1WithRSAEncryption');
      assert.deepEqual(codes(s).sort(), ['sha1-signature:0', 'weak-rsa-key', 'weak-rsa-key:0']);
    });
  });

  test('DER and PKCS#12 (with passphrase)', async () => {
    const der = await inspectFile(f('ca.der'));
    assert.equal(der.format, 'der-certificate');
    assert.equal(der.certificates[0]!.subject, 'O=Acme, CN=Acme CA');
    const p12 = await inspectFile(f('client.p12'), { passphrase: 'pfx', role: 'client' });
    assert.equal(p12.format, 'pkcs12');
    assert.equal(p12.certificates.length, 2);
    assert.equal(p12.keys.length, 1);
    const leafIndex = p12.certificates.findIndex((c) => c.commonName === 'app');
    assert.equal(p12.keys[0]!.matchesCertificate, leafIndex);
    await assert.rejects(inspectFile(f('client.p12'), { passphrase: 'wrong', field: 'ssl.pfx' }), classified('key-wrong-passphrase', 'ssl.pfx'));
    await assert.rejects(inspectFile(f('client.p12')), classified('key-needs-passphrase', 'file'));
  });

  test('a key-only file is summarized, not rejected', async () => {
    const s = await inspectFile(f('server-key.pem'));
    assert.equal(s.kind, 'empty');
    assert.deepEqual(codes(s), ['no-certificate']);
    assert.equal(s.keys[0]!.bits, 2048);
    assert.match(renderInspection(s), /RSA 2048 bits; matches no certificate/);
  });
});
