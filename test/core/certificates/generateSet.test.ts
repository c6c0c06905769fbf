import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateCertificateSet, validateCertificateSetOptions, type CertificateSet } from '../../../src/core/certificates/generateSet';
import { parsePrivateKey } from '../../../src/core/certificates/pemFiles';
import { openPkcs12 } from '../../../src/core/certificates/pkcs12';
import { classified, hasTool, run, tempDir } from './fixtures';

const mode = (f: string): number => statSync(f).mode & 0o777;
const cert = (f: string): X509Certificate => new X509Certificate(readFileSync(f));
const openssl = hasTool('openssl');

describe('generateCertificateSet (RSA, with PKCS#12 and encrypted client key)', { timeout: 60_000 }, () => {
  const tmp = tempDir();
  const out = path.join(tmp.dir, 'certs');
  let set: CertificateSet;
  before(async () => {
    set = await generateCertificateSet({
      outputDir: out,
      dnsNames: ['db.example.test', 'localhost'],
      ipAddresses: ['127.0.0.1', '::1'],
      organization: 'Example',
      clientKeyPassphrase: 'client key pass',
      pkcs12: { passphrase: 'p12 pass' },
      requireSecureTransport: true,
      profile: { port: 3307, user: 'app' },
    });
  });
  after(() => tmp.remove());

  test('writes keys 0600 and certificates 0644', () => {
    for (const f of [set.files.caKey, set.files.serverKey, set.files.clientKey, set.files.clientPkcs12!]) assert.equal(mode(f), 0o600, f);
    for (const f of [set.files.ca, set.files.serverCert, set.files.clientCert, set.files.serverConfig]) assert.equal(mode(f), 0o644, f);
  });

  test('CA, server and client have the right roles, names and chain', () => {
    const [ca, server, client] = [cert(set.files.ca), cert(set.files.serverCert), cert(set.files.clientCert)];
    assert.equal(ca.ca, true);
    assert.equal(server.ca, false);
    assert.equal(client.ca, false);
    assert.deepEqual(server.keyUsage, ['1.3.6.1.5.5.7.3.1']);
    assert.deepEqual(client.keyUsage, ['1.3.6.1.5.5.7.3.2']);
    assert.match(server.subjectAltName ?? '', /DNS:db\.example\.test/);
    assert.match(server.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    assert.equal(server.checkHost('db.example.test'), 'db.example.test');
    assert.equal(server.checkIP('127.0.0.1'), '127.0.0.1');
    for (const leaf of [server, client]) {
      assert.ok(leaf.checkIssued(ca));
      assert.ok(leaf.verify(ca.publicKey));
    }
    assert.equal(set.subjects.ca, '/O=Example/CN=Example CA');
    assert.equal(set.subjects.server, '/O=Example/CN=db.example.test');
    assert.equal(set.subjects.client, '/O=Example/CN=app');
    assert.equal(set.certificates.server.keyBits, 2048);
    assert.ok(set.certificates.server.daysLeft >= 823 && set.certificates.server.daysLeft <= 825);
  });

  test('basicConstraints and keyUsage as openssl reads them', { skip: !openssl }, () => {
    const ext = (f: string): string => run('openssl', ['x509', '-noout', '-ext', 'basicConstraints,keyUsage,extendedKeyUsage', '-in', f]);
    const ca = ext(set.files.ca);
    assert.match(ca, /critical\s+CA:TRUE/);
    assert.match(ca, /Certificate Sign, CRL Sign/);
    const server = ext(set.files.serverCert);
    assert.match(server, /CA:FALSE/);
    assert.match(server, /Digital Signature, Key Encipherment/);
    assert.match(server, /TLS Web Server Authentication/);
    assert.match(ext(set.files.clientCert), /TLS Web Client Authentication/);
    // openssl verifies the chain with the purpose each certificate is for
    assert.match(run('openssl', ['verify', '-purpose', 'sslserver', '-CAfile', set.files.ca, set.files.serverCert]), /OK/);
    assert.match(run('openssl', ['verify', '-purpose', 'sslclient', '-CAfile', set.files.ca, set.files.clientCert]), /OK/);
  });

  test('the client key is encrypted PKCS#8 and opens with its passphrase only', () => {
    const data = readFileSync(set.files.clientKey);
    assert.match(data.toString(), /BEGIN ENCRYPTED PRIVATE KEY/);
    assert.throws(() => parsePrivateKey(data, set.files.clientKey, 'ssl.key', undefined), classified('key-needs-passphrase', 'ssl.key'));
    assert.throws(() => parsePrivateKey(data, set.files.clientKey, 'ssl.key', 'nope'), classified('key-wrong-passphrase', 'ssl.key'));
    const key = parsePrivateKey(data, set.files.clientKey, 'ssl.key', 'client key pass');
    assert.ok(cert(set.files.clientCert).checkPrivateKey(key));
    // the server key must stay plain: mysqld cannot ask for a passphrase
    assert.match(readFileSync(set.files.serverKey, 'utf8'), /BEGIN PRIVATE KEY/);
  });

  test('the PKCS#12 bundle reads back with openPkcs12 (and openssl)', () => {
    const der = readFileSync(set.files.clientPkcs12!);
    const bundle = openPkcs12(der, 'p12 pass', set.files.clientPkcs12!, 'ssl.pfx');
    const leaf = new X509Certificate(bundle.certPem);
    assert.equal(leaf.fingerprint256, cert(set.files.clientCert).fingerprint256);
    assert.ok(leaf.checkPrivateKey(parsePrivateKey(Buffer.from(bundle.keyPem), 'p12', 'ssl.pfx', undefined)));
    assert.equal(bundle.chainPems.length, 1);
    assert.equal(new X509Certificate(bundle.chainPems[0]!).fingerprint256, cert(set.files.ca).fingerprint256);
    assert.throws(() => openPkcs12(der, 'wrong', set.files.clientPkcs12!, 'ssl.pfx'), classified('key-wrong-passphrase', 'ssl.pfx'));
    if (openssl) assert.match(run('openssl', ['pkcs12', '-in', set.files.clientPkcs12!, '-passin', 'pass:p12 pass', '-nokeys']), /BEGIN CERTIFICATE/);
  });

  test('server snippet and suggested profiles', () => {
    const text = readFileSync(set.files.serverConfig, 'utf8');
    assert.equal(text, set.serverConfigText);
    assert.equal(
      text,
      `[mysqld]\nssl_ca = ${set.files.ca}\nssl_cert = ${set.files.serverCert}\nssl_key = ${set.files.serverKey}\ntls_version = TLSv1.2,TLSv1.3\nrequire_secure_transport = ON\n`,
    );
    assert.deepEqual(set.profile, {
      host: 'db.example.test',
      port: 3307,
      user: 'app',
      ssl: { mode: 'VERIFY_IDENTITY', ca: set.files.ca, cert: set.files.clientCert, key: set.files.clientKey },
    });
    assert.deepEqual(set.pfxProfile?.ssl, { mode: 'VERIFY_IDENTITY', ca: set.files.ca, pfx: set.files.clientPkcs12 });
    assert.ok(set.notes.some((n) => /passphrase/.test(n)));
  });

  test('refuses to overwrite, naming the files; overwrites when asked', async () => {
    await assert.rejects(
      generateCertificateSet({ outputDir: out, dnsNames: ['localhost'] }),
      classified('file-exists', 'outputDir', /ca\.pem.*ca-key\.pem.*server-cert\.pem/),
    );
    assert.equal(cert(set.files.ca).fingerprint256, set.certificates.ca.fingerprintSha256, 'nothing was touched');
    const again = await generateCertificateSet({ outputDir: out, dnsNames: ['localhost'], overwrite: true });
    assert.notEqual(cert(again.files.ca).fingerprint256, set.certificates.ca.fingerprintSha256);
    assert.equal(mode(again.files.serverKey), 0o600);
  });

  test('one existing file is enough to refuse', async () => {
    const other = path.join(tmp.dir, 'other');
    await generateCertificateSet({ outputDir: other, dnsNames: ['localhost'] }).then(() => undefined);
    const lone = path.join(tmp.dir, 'lone');
    mkdirSync(lone);
    writeFileSync(path.join(lone, 'client-key.pem'), 'mine');
    await assert.rejects(generateCertificateSet({ outputDir: lone, dnsNames: ['localhost'] }), classified('file-exists', 'outputDir', /client-key\.pem/));
    assert.equal(readFileSync(path.join(lone, 'client-key.pem'), 'utf8'), 'mine');
  });
});

describe('generateCertificateSet key types', { timeout: 120_000 }, () => {
  const tmp = tempDir();
  after(() => tmp.remove());

  test('ECDSA P-256', async () => {
    const set = await generateCertificateSet({ outputDir: path.join(tmp.dir, 'ec'), ipAddresses: ['127.0.0.1'], key: { type: 'ecdsa', curve: 'P-256' } });
    assert.equal(set.certificates.server.keyType, 'ec');
    assert.equal(set.certificates.server.keyCurve, 'prime256v1');
    assert.equal(set.certificates.client.signatureAlgorithm, 'ecdsa-with-SHA256');
    assert.equal(set.profile.host, '127.0.0.1');
    assert.ok(cert(set.files.serverCert).verify(cert(set.files.ca).publicKey));
  });

  test('RSA 4096', async () => {
    const set = await generateCertificateSet({
      outputDir: path.join(tmp.dir, 'rsa4096'),
      dnsNames: ['localhost'],
      key: { type: 'rsa', bits: 4096 },
      validityDays: 30,
    });
    assert.equal(set.certificates.client.keyBits, 4096);
    assert.ok(set.certificates.client.daysLeft >= 29 && set.certificates.client.daysLeft <= 30);
  });
});

describe('generateCertificateSet refuses bad options before generating anything', () => {
  const base = { outputDir: '/nonexistent-should-not-be-created', dnsNames: ['db.example.test'] };
  test('identical CNs', () => {
    assert.throws(
      () => validateCertificateSetOptions({ ...base, caCommonName: 'MySQL', serverCommonName: 'mysql' }),
      classified('certificate-names-clash', 'serverCommonName', /ca and server/),
    );
    assert.throws(
      () => validateCertificateSetOptions({ ...base, clientCommonName: 'db.example.test' }),
      classified('certificate-names-clash', 'clientCommonName'),
    );
    assert.throws(() => validateCertificateSetOptions({ ...base, caCommonName: 'x', clientCommonName: ' X ' }), classified('certificate-names-clash'));
  });
  test('names, addresses, validity, key, pkcs12', () => {
    assert.throws(() => validateCertificateSetOptions({ outputDir: '/x' }), classified('config-invalid', 'dnsNames'));
    assert.throws(() => validateCertificateSetOptions({ ...base, dnsNames: ['bad name'] }), classified('config-invalid', 'dnsNames'));
    assert.throws(() => validateCertificateSetOptions({ ...base, dnsNames: ['10.0.0.1'] }), classified('config-invalid', 'dnsNames'));
    assert.throws(() => validateCertificateSetOptions({ ...base, ipAddresses: ['300.1.1.1'] }), classified('config-invalid', 'ipAddresses'));
    assert.throws(() => validateCertificateSetOptions({ ...base, validityDays: 0 }), classified('config-invalid', 'validityDays'));
    assert.throws(() => validateCertificateSetOptions({ ...base, validityDays: 5000 }), classified('config-invalid', 'validityDays'));
    assert.throws(() => validateCertificateSetOptions({ ...base, key: { type: 'rsa', bits: 1024 as 2048 } }), classified('config-invalid', 'key'));
    assert.throws(
      () => validateCertificateSetOptions({ ...base, key: { type: 'ecdsa', curve: 'P-256' }, pkcs12: { passphrase: 'x' } }),
      classified('config-invalid', 'pkcs12'),
    );
    assert.doesNotThrow(() => validateCertificateSetOptions({ ...base, dnsNames: ['*.db.example.test', 'localhost'], ipAddresses: ['::1'] }));
  });
  test('rejected before anything is written', async () => {
    await assert.rejects(generateCertificateSet({ ...base, caCommonName: 'same', serverCommonName: 'same' }), classified('certificate-names-clash'));
    assert.throws(() => statSync(base.outputDir));
  });
});
