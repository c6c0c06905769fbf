import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createCa, distinguishedName, issueCertificate, type Issued } from '../../../src/core/certificates/generate';
import { importCaBundle } from '../../../src/core/certificates/importBundle';
import { parseCertificates } from '../../../src/core/certificates/pemFiles';
import { classified, hasTool, run, tempDir } from './fixtures';

const openssl = hasTool('openssl');
const keytool = hasTool('keytool');

describe('importCaBundle', { timeout: 60_000 }, () => {
  const tmp = tempDir('mysql-tls-import-');
  const f = (name: string): string => path.join(tmp.dir, name);
  let root: Issued;
  let ecRoot: Issued;
  let expiredRoot: Issued;
  let leaf: Issued;
  before(async () => {
    root = await createCa({ subject: distinguishedName({ organization: 'Cloud', commonName: 'Cloud Root CA' }) });
    ecRoot = await createCa({ subject: distinguishedName({ commonName: 'Cloud EC Root' }), key: { type: 'ecdsa', curve: 'P-256' } });
    expiredRoot = await createCa({
      subject: distinguishedName({ commonName: 'Old Root' }),
      notBefore: new Date(Date.now() - 400 * 86_400_000),
      notAfter: new Date(Date.now() - 86_400_000),
    });
    leaf = await issueCertificate({ issuer: root, subject: distinguishedName({ commonName: 'db.cloud.test' }), usage: 'server', dnsNames: ['db.cloud.test'] });
    writeFileSync(f('bundle.pem'), `some provider text\n${root.certPem}\n${ecRoot.certPem}${root.certPem}`);
    writeFileSync(f('root.der'), new X509Certificate(root.certPem).raw);
    writeFileSync(f('mixed.pem'), root.certPem + expiredRoot.certPem + leaf.certPem + leaf.keyPem);
    writeFileSync(f('key-only.pem'), leaf.keyPem);
    writeFileSync(f('garbage.pem'), 'this is not a certificate\n');
    writeFileSync(f('empty.pem'), '');
    writeFileSync(f('headerless.pem'), new X509Certificate(root.certPem).raw.toString('base64').replace(/(.{64})/g, '$1\n'));
    writeFileSync(f('binary.bin'), Buffer.from([0x30, 0x03, 0x02, 0x01, 0x07, 0x00, 0xff]));
    writeFileSync(f('two.pem'), root.certPem + ecRoot.certPem);
  });
  after(() => tmp.remove());

  test('PEM bundle: validated, de-duplicated, normalized, written 0644', async () => {
    const dest = f('out/ca-bundle.pem');
    const r = await importCaBundle({ source: f('bundle.pem'), destination: dest });
    assert.equal(r.format, 'pem');
    assert.deepEqual(
      r.certificates.map((c) => c.subject),
      ['O=Cloud, CN=Cloud Root CA', 'CN=Cloud EC Root'],
    );
    assert.deepEqual(
      r.warnings.map((w) => w.code),
      ['duplicate'],
    );
    assert.equal(r.written, dest);
    assert.equal(statSync(dest).mode & 0o777, 0o644);
    // the result is what ssl.ca reads
    const back = parseCertificates(readFileSync(dest), dest, 'ssl.ca');
    assert.deepEqual(
      back.map((c) => c.fingerprint256),
      r.certificates.map((c) => c.fingerprintSha256),
    );
    assert.match(readFileSync(dest, 'utf8'), /^# Subject: O=Cloud, CN=Cloud Root CA\n# Issuer:/);
    await assert.rejects(importCaBundle({ source: f('bundle.pem'), destination: dest }), classified('file-exists', 'ssl.ca'));
    await importCaBundle({ source: f('two.pem'), destination: dest, overwrite: true });
    assert.equal(parseCertificates(readFileSync(dest), dest, 'ssl.ca').length, 2);
  });

  test('warnings for expired and non-CA certificates; keys are ignored', async () => {
    const r = await importCaBundle({ source: f('mixed.pem') });
    assert.equal(r.certificates.length, 3);
    const codes = r.warnings.map((w) => `${w.code}:${w.certificate ?? ''}`);
    assert.ok(codes.includes('expired:1'), codes.join());
    assert.ok(codes.includes('not-ca:2'), codes.join());
    assert.ok(codes.includes('keys-ignored:'), codes.join());
    assert.ok(r.certificates[1]!.daysLeft < 0);
  });

  test('DER certificate', async () => {
    const r = await importCaBundle({ source: f('root.der') });
    assert.equal(r.format, 'der-certificate');
    assert.equal(r.certificates[0]!.subject, 'O=Cloud, CN=Cloud Root CA');
    assert.match(r.pem, /-----BEGIN CERTIFICATE-----/);
  });

  test('PKCS#7 .p7b in PEM and DER (RSA and EC certificates)', { skip: !openssl }, async () => {
    run('openssl', ['crl2pkcs7', '-nocrl', '-certfile', f('two.pem'), '-out', f('bundle.p7b')]);
    run('openssl', ['crl2pkcs7', '-nocrl', '-certfile', f('two.pem'), '-outform', 'DER', '-out', f('bundle-der.p7b')]);
    for (const file of ['bundle.p7b', 'bundle-der.p7b']) {
      const r = await importCaBundle({ source: f(file) });
      assert.equal(r.format, 'pkcs7', file);
      assert.deepEqual(
        r.certificates.map((c) => c.keyType),
        ['rsa', 'ec'],
        file,
      );
      assert.deepEqual(r.warnings, [], file);
    }
  });

  test('PKCS#12 truststore (certificates only), with passphrase errors', { skip: !openssl }, async () => {
    run('openssl', ['pkcs12', '-export', '-nokeys', '-in', f('two.pem'), '-passout', 'pass:trust me', '-out', f('trust.p12')]);
    const r = await importCaBundle({ source: f('trust.p12'), passphrase: 'trust me' });
    assert.equal(r.format, 'pkcs12');
    assert.equal(r.certificates.length, 2);
    assert.deepEqual(r.certificates.map((c) => c.keyType).sort(), ['ec', 'rsa']);
    await assert.rejects(importCaBundle({ source: f('trust.p12') }), classified('key-needs-passphrase', 'ssl.ca'));
    await assert.rejects(importCaBundle({ source: f('trust.p12'), passphrase: 'wrong' }), classified('key-wrong-passphrase', 'ssl.ca'));
  });

  test('PKCS#12 with a key (OpenSSL 3 defaults): certificates imported, key ignored', { skip: !openssl }, async () => {
    writeFileSync(f('leaf-cert.pem'), leaf.certPem);
    writeFileSync(f('leaf-key.pem'), leaf.keyPem);
    run('openssl', [
      'pkcs12',
      '-export',
      '-in',
      f('leaf-cert.pem'),
      '-inkey',
      f('leaf-key.pem'),
      '-certfile',
      f('two.pem'),
      '-passout',
      'pass:pw',
      '-out',
      f('leaf.p12'),
    ]);
    const r = await importCaBundle({ source: f('leaf.p12'), passphrase: 'pw' });
    assert.equal(r.certificates.length, 3);
    assert.ok(r.warnings.some((w) => w.code === 'keys-ignored'));
    assert.ok(r.warnings.some((w) => w.code === 'not-ca'));
  });

  test('a Java KeyStore gets the keytool commands', async () => {
    const jks = f('truststore.jks');
    if (keytool) {
      run('keytool', ['-importcert', '-noprompt', '-alias', 'root', '-file', f('root.der'), '-keystore', jks, '-storepass', 'tencentdb', '-storetype', 'JKS']);
    } else {
      writeFileSync(jks, Buffer.from('feedfeed0000000200000001', 'hex'));
    }
    assert.equal(readFileSync(jks).readUInt32BE(0), 0xfeedfeed);
    await assert.rejects(importCaBundle({ source: jks }), (e: unknown) => {
      classified('file-format-unsupported', 'ssl.ca', /Java KeyStore \(JKS\)/)(e);
      assert.match((e as { fix: string }).fix, /keytool -exportcert -rfc/);
      assert.match((e as { fix: string }).fix, /keytool -importkeystore .* -deststoretype PKCS12/);
      return true;
    });
  });

  test('unreadable inputs are classified', async () => {
    await assert.rejects(importCaBundle({ source: f('garbage.pem') }), classified('file-garbage', 'ssl.ca', /no PEM block and not DER/));
    await assert.rejects(importCaBundle({ source: f('empty.pem') }), classified('file-empty', 'ssl.ca'));
    await assert.rejects(importCaBundle({ source: f('missing.pem') }), classified('file-missing', 'ssl.ca'));
    await assert.rejects(importCaBundle({ source: f('key-only.pem') }), classified('file-wrong-kind', 'ssl.ca', /only a private key/));
    await assert.rejects(importCaBundle({ source: f('headerless.pem') }), classified('file-garbage', 'ssl.ca', /without the -----BEGIN/));
    await assert.rejects(importCaBundle({ source: f('binary.bin') }), classified('file-garbage', 'ssl.ca', /binary \(DER\)/));
    await assert.rejects(importCaBundle({ source: { data: Buffer.from('x'), name: 'upload' }, field: 'caBundle' }), classified('file-garbage', 'caBundle'));
  });
});
