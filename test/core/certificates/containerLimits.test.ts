import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MAX_BUNDLE_CERTIFICATES, MAX_PKCS12_ITERATIONS, MAX_PKCS8_ITERATIONS } from '../../../src/core/certificates/containerLimits';
import { createCa, distinguishedName, issueCertificate, type Issued } from '../../../src/core/certificates/generate';
import { importCaBundle } from '../../../src/core/certificates/importBundle';
import { inspectFile } from '../../../src/core/certificates/inspect';
import { parseCertificates, parsePrivateKey } from '../../../src/core/certificates/pemFiles';
import { openPkcs12 } from '../../../src/core/certificates/pkcs12';
import { planTls } from '../../../src/core/tls/tlsPlan';
import { classified, hasTool, run, tempDir } from './fixtures';
import { COUNT_2_31, COUNT_8_BYTES, childScript, distinctCertificatesPem, encryptedPkcs8Pem, hostilePkcs12, inChild } from './hostileFiles';

const openssl = hasTool('openssl');

/**
 * Key containers name their own iteration counts, and node-forge / OpenSSL derive keys with them synchronously on
 * the extension host. The hostile files below are refused through every entry point before any derivation.
 * Each call runs in a child process: with the checks removed, the call hangs for hours and the child is killed,
 * which fails the test instead of hanging the suite.
 */
describe('key container limits', { timeout: 600_000 }, () => {
  const tmp = tempDir('mysql-tls-limits-');
  const f = (name: string): string => path.join(tmp.dir, name);
  let ca: Issued;
  let client: Issued;
  before(async () => {
    ca = await createCa({ subject: distinguishedName({ commonName: 'Limits CA' }) });
    client = await issueCertificate({ issuer: ca, subject: distinguishedName({ commonName: 'limits client' }), usage: 'client' });
    const base = { certPem: client.certPem, keyPem: client.keyPem };
    writeFileSync(f('mac-2-31.p12'), hostilePkcs12({ ...base, macCount: COUNT_2_31 }));
    writeFileSync(f('mac-8-bytes.p12'), hostilePkcs12({ ...base, macCount: COUNT_8_BYTES }));
    writeFileSync(f('key-2-31.p12'), hostilePkcs12({ ...base, keyCount: COUNT_2_31 }));
    writeFileSync(f('nested-key-2-31.p12'), hostilePkcs12({ ...base, keyCount: COUNT_2_31, keyInEncryptedContents: true }));
    writeFileSync(f('built.p12'), hostilePkcs12(base));
    writeFileSync(f('built-nested.p12'), hostilePkcs12({ ...base, keyInEncryptedContents: true }));
    writeFileSync(f('pkcs8-2-31.pem'), encryptedPkcs8Pem(client.keyPem, 'kp', COUNT_2_31));
    writeFileSync(f('pkcs8-8-bytes.pem'), encryptedPkcs8Pem(client.keyPem, 'kp', COUNT_8_BYTES));
    writeFileSync(f('client.pem'), client.certPem);
    writeFileSync(f('client-key.pem'), client.keyPem);
  });
  after(() => tmp.remove());

  const hostileP12: { file: string; field: RegExp; count: RegExp }[] = [
    { file: 'mac-2-31.p12', field: /MAC iteration count/, count: /2,147,483,647/ },
    { file: 'mac-8-bytes.p12', field: /MAC iteration count/, count: /9,223,372,036,854,775,807 \(a 8-byte number\)/ },
    { file: 'key-2-31.p12', field: /PBKDF2 iteration count of the shrouded key bag #1 in SafeContents #2/, count: /2,147,483,647/ },
    { file: 'nested-key-2-31.p12', field: /PBKDF2 iteration count of the shrouded key bag #2 in SafeContents #1/, count: /2,147,483,647/ },
  ];

  /** Runs `call` (an async expression over m(...)) in a child; asserts the clear refusal. */
  async function refused(call: string, field: string, ...details: RegExp[]): Promise<void> {
    const r = await inChild(childScript(call));
    assert.ok(!('hung' in r), `${call} did not return: the count was not checked before the key derivation`);
    assert.ok(!r.ok, `${call} succeeded: ${JSON.stringify(r)}`);
    assert.equal(r.error.code, 'file-too-costly', r.error.message);
    assert.equal(r.error.field, field);
    for (const d of details) assert.match(r.error.message, d);
    assert.match(r.error.fix ?? '', /standard settings/);
  }

  for (const h of hostileP12) {
    const file = (): string => JSON.stringify(f(h.file));
    test(`${h.file}: openPkcs12 (with and without passphrase) refuses it`, async () => {
      const data = `require('node:fs').readFileSync(${file()})`;
      await refused(`m('core/certificates/pkcs12').openPkcs12(${data}, undefined, ${file()}, 'ssl.pfx')`, 'ssl.pfx', h.field, h.count, new RegExp(h.file));
      if (!h.file.startsWith('nested')) {
        await refused(`m('core/certificates/pkcs12').openPkcs12(${data}, 'a passphrase', ${file()}, 'ssl.pfx')`, 'ssl.pfx', h.field);
      } else {
        // the key bag is inside contents encrypted with the empty passphrase: another one fails the MAC before any
        // bag is decrypted, so the plain wrong-passphrase answer is right (and quick)
        const r = await inChild(childScript(`m('core/certificates/pkcs12').openPkcs12(${data}, 'a passphrase', ${file()}, 'ssl.pfx')`));
        assert.ok(!('hung' in r) && !r.ok && r.error.code === 'key-wrong-passphrase', JSON.stringify(r));
      }
    });
    test(`${h.file}: a connection with ssl.pfx refuses it (planTls)`, async () => {
      await refused(
        `m('core/tls/tlsPlan').planTls({ profile: { host: 'db', user: 'u', ssl: { mode: 'REQUIRED', pfx: ${file()} } } })`,
        'ssl.pfx',
        h.field,
        h.count,
      );
    });
    test(`${h.file}: Inspect refuses it`, async () => {
      await refused(`m('core/certificates/inspect').inspectFile(${file()}, { field: 'ssl.pfx' })`, 'ssl.pfx', h.field, h.count);
    });
    test(`${h.file}: Import refuses it`, async () => {
      await refused(`m('core/certificates/importBundle').importCaBundle({ source: ${file()} })`, 'ssl.ca', h.field, h.count);
    });
  }

  for (const name of ['pkcs8-2-31.pem', 'pkcs8-8-bytes.pem']) {
    const file = (): string => JSON.stringify(f(name));
    const count = name === 'pkcs8-2-31.pem' ? /2,147,483,647/ : /9,223,372,036,854,775,807/;
    test(`${name}: parsePrivateKey and a connection with ssl.key refuse the PBKDF2 count`, async () => {
      await refused(
        `m('core/certificates/pemFiles').parsePrivateKey(require('node:fs').readFileSync(${file()}), ${file()}, 'ssl.key', 'kp')`,
        'ssl.key',
        /PBKDF2 iteration count/,
        count,
      );
      // without a passphrase too: the user is not asked for one only to wait forever
      await refused(
        `m('core/certificates/pemFiles').parsePrivateKey(require('node:fs').readFileSync(${file()}), ${file()}, 'ssl.key', undefined)`,
        'ssl.key',
        count,
      );
      const ssl = `{ mode: 'REQUIRED', cert: ${JSON.stringify(f('client.pem'))}, key: ${file()} }`;
      await refused(`m('core/tls/tlsPlan').planTls({ profile: { host: 'db', user: 'u', ssl: ${ssl} }, secrets: { passphrase: 'kp' } })`, 'ssl.key', count);
    });
    test(`${name}: Inspect refuses it, as the file and as the separate key file`, async () => {
      await refused(
        `m('core/certificates/inspect').inspectFile(${file()}, { passphrase: 'kp', field: 'ssl.key' })`,
        'ssl.key',
        /PEM block #1 \(ENCRYPTED PRIVATE KEY\)/,
        count,
      );
      await refused(
        `m('core/certificates/inspect').inspectFile(${JSON.stringify(f('client.pem'))}, { keyFile: ${file()}, keyPassphrase: 'kp' })`,
        'keyFile',
        count,
      );
    });
  }

  test('the DER form of the encrypted PKCS#8 key is refused by Inspect', async () => {
    const pem = readFileSync(f('pkcs8-2-31.pem'), 'utf8');
    writeFileSync(f('pkcs8-2-31.der'), Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64'));
    const file = JSON.stringify(f('pkcs8-2-31.der'));
    await refused(
      `m('core/certificates/inspect').inspectFile(${file}, { passphrase: 'kp', field: 'ssl.key' })`,
      'ssl.key',
      /DER encrypted private key/,
      /2,147,483,647/,
    );
  });

  test('the same construction with normal counts opens (so the refusals above are about the counts)', async () => {
    for (const name of ['built.p12', 'built-nested.p12']) {
      const p12 = openPkcs12(readFileSync(f(name)), undefined, f(name), 'ssl.pfx');
      assert.equal(p12.certPem.replace(/\r/g, ''), client.certPem.replace(/\r/g, ''), name);
      const s = await inspectFile(f(name));
      assert.equal(s.keys[0]!.matchesCertificate, 0, name);
    }
    const plan = await planTls({ profile: { host: 'db', user: 'u', ssl: { mode: 'REQUIRED', pfx: f('built.p12') } } });
    assert.ok(plan.driverSsl);
  });

  test('OpenSSL-made files with default settings open: pkcs12 -export, pkcs8 -topk8 -v2 aes-256-cbc', { skip: !openssl }, async () => {
    run('openssl', [
      'pkcs12',
      '-export',
      '-in',
      f('client.pem'),
      '-inkey',
      f('client-key.pem'),
      '-certfile',
      f('client.pem'),
      '-passout',
      'pass:pw',
      '-out',
      f('openssl.p12'),
    ]);
    const p12 = openPkcs12(readFileSync(f('openssl.p12')), 'pw', f('openssl.p12'), 'ssl.pfx');
    assert.match(p12.keyPem, /BEGIN RSA PRIVATE KEY|BEGIN PRIVATE KEY/);
    assert.equal((await inspectFile(f('openssl.p12'), { passphrase: 'pw' })).keys[0]!.matchesCertificate !== -1, true);
    assert.equal((await importCaBundle({ source: f('openssl.p12'), passphrase: 'pw' })).format, 'pkcs12');
    run('openssl', ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', f('client-key.pem'), '-passout', 'pass:kp', '-out', f('openssl-pkcs8.pem')]);
    const key = parsePrivateKey(readFileSync(f('openssl-pkcs8.pem')), f('openssl-pkcs8.pem'), 'ssl.key', 'kp');
    assert.equal(key.asymmetricKeyType, 'rsa');
    const plan = await planTls({
      profile: { host: 'db', user: 'u', ssl: { mode: 'REQUIRED', cert: f('client.pem'), key: f('openssl-pkcs8.pem') } },
      secrets: { passphrase: 'kp' },
    });
    assert.ok(plan.driverSsl);
  });

  test(
    'at the caps: PKCS#8 with 1,000,000 iterations opens, 1,000,001 does not; PKCS#12 with 10,000 (Java) opens, 100,001 does not',
    { skip: !openssl },
    async () => {
      const pk8 = (iter: number): string => {
        const out = f(`pkcs8-${iter}.pem`);
        run('openssl', ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-iter', String(iter), '-in', f('client-key.pem'), '-passout', 'pass:kp', '-out', out]);
        return out;
      };
      const ok = pk8(MAX_PKCS8_ITERATIONS);
      assert.equal(parsePrivateKey(readFileSync(ok), ok, 'ssl.key', 'kp').asymmetricKeyType, 'rsa');
      const over = pk8(MAX_PKCS8_ITERATIONS + 1);
      assert.throws(
        () => parsePrivateKey(readFileSync(over), over, 'ssl.key', 'kp'),
        classified('file-too-costly', 'ssl.key', /1,000,001, above the limit of 1,000,000/),
      );
      const p12 = (iter: number): string => {
        const out = f(`openssl-${iter}.p12`);
        run('openssl', ['pkcs12', '-export', '-iter', String(iter), '-in', f('client.pem'), '-inkey', f('client-key.pem'), '-passout', 'pass:pw', '-out', out]);
        return out;
      };
      const java = p12(10_000);
      assert.match(openPkcs12(readFileSync(java), 'pw', java, 'ssl.pfx').certPem, /BEGIN CERTIFICATE/);
      const tooMany = p12(MAX_PKCS12_ITERATIONS + 1);
      assert.throws(
        () => openPkcs12(readFileSync(tooMany), 'pw', tooMany, 'ssl.pfx'),
        classified('file-too-costly', 'ssl.pfx', /100,001, above the limit of 100,000/),
      );
    },
  );

  test('PKCS#12 PBE (pbeWithSHAAnd3-KeyTripleDES, openssl -legacy) counts are read too', { skip: !openssl }, async () => {
    const export3des = (name: string, extra: string[]): string => {
      const out = f(name);
      run('openssl', ['pkcs12', '-export', ...extra, '-in', f('client.pem'), '-inkey', f('client-key.pem'), '-passout', 'pass:pw', '-out', out]);
      return out;
    };
    const tooMany = export3des('3des-100001.p12', [
      '-keypbe',
      'PBE-SHA1-3DES',
      '-certpbe',
      'PBE-SHA1-3DES',
      '-iter',
      String(MAX_PKCS12_ITERATIONS + 1),
      '-nomaciter',
    ]);
    assert.throws(
      () => openPkcs12(readFileSync(tooMany), 'pw', tooMany, 'ssl.pfx'),
      classified('file-too-costly', 'ssl.pfx', /iteration count of the encryption of SafeContents #1 is 100,001/),
    );
    const ok = export3des('3des.p12', ['-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES']);
    assert.match(openPkcs12(readFileSync(ok), 'pw', ok, 'ssl.pfx').certPem, /BEGIN CERTIFICATE/);
    if (hasLegacyProvider()) {
      const legacy = export3des('legacy.p12', ['-legacy']);
      assert.equal((await inspectFile(legacy, { passphrase: 'pw' })).keys[0]!.matchesCertificate, 0);
    }
  });
});

/** `openssl pkcs12 -legacy` needs OpenSSL 3's legacy provider (RC2), which not every build ships. */
function hasLegacyProvider(): boolean {
  try {
    run('openssl', ['list', '-providers', '-provider', 'legacy']);
    return true;
  } catch {
    return false;
  }
}

describe('certificate count cap', { timeout: 300_000 }, () => {
  const tmp = tempDir('mysql-tls-count-');
  const f = (name: string): string => path.join(tmp.dir, name);
  before(async () => {
    const pem = await distinctCertificatesPem(MAX_BUNDLE_CERTIFICATES + 1);
    const blocks = pem.split(/(?<=-----END CERTIFICATE-----\n)/).filter((b) => b.trim());
    assert.equal(blocks.length, MAX_BUNDLE_CERTIFICATES + 1);
    writeFileSync(f('over.pem'), blocks.join(''));
    writeFileSync(f('at.pem'), blocks.slice(1).join(''));
    if (openssl) {
      run('openssl', ['crl2pkcs7', '-nocrl', '-certfile', f('over.pem'), '-outform', 'DER', '-out', f('over.p7b')]);
      run('openssl', ['crl2pkcs7', '-nocrl', '-certfile', f('at.pem'), '-outform', 'DER', '-out', f('at.p7b')]);
      // a PEM PKCS7 block of 1,000 followed by one more CERTIFICATE block
      run('openssl', ['crl2pkcs7', '-nocrl', '-certfile', f('at.pem'), '-out', f('at-p7.pem')]);
      writeFileSync(f('p7-then-one.pem'), readFileSync(f('at-p7.pem'), 'utf8') + blocks[0]);
    }
  });
  after(() => tmp.remove());

  const overCap = /1,001 certificates; at most 1,000 are accepted/;

  test('1,001 certificates are refused by Import, Inspect and ssl.ca, naming the count, the cap and the file', async () => {
    await assert.rejects(importCaBundle({ source: f('over.pem') }), classified('file-too-costly', 'ssl.ca', overCap));
    await assert.rejects(importCaBundle({ source: f('over.pem') }), classified('file-too-costly', 'ssl.ca', /over\.pem/));
    await assert.rejects(inspectFile(f('over.pem'), { field: 'ssl.ca' }), classified('file-too-costly', 'ssl.ca', overCap));
    assert.throws(() => parseCertificates(readFileSync(f('over.pem')), f('over.pem'), 'ssl.ca'), classified('file-too-costly', 'ssl.ca', overCap));
    await assert.rejects(
      planTls({ profile: { host: 'db', user: 'u', ssl: { mode: 'VERIFY_CA', ca: f('over.pem') } } }),
      classified('file-too-costly', 'ssl.ca', overCap),
    );
  });

  test('1,000 certificates are accepted', async () => {
    const r = await importCaBundle({ source: f('at.pem') });
    assert.equal(r.certificates.length, MAX_BUNDLE_CERTIFICATES);
    const s = await inspectFile(f('at.pem'));
    assert.equal(s.certificates.length, MAX_BUNDLE_CERTIFICATES);
    // every member names an issuer that is not in the file
    assert.equal(s.warnings.filter((w) => w.code === 'chain-order').length, MAX_BUNDLE_CERTIFICATES - 1);
    assert.equal(parseCertificates(readFileSync(f('at.pem')), f('at.pem'), 'ssl.ca').length, MAX_BUNDLE_CERTIFICATES);
  });

  test('PKCS#7: 1,001 certificates are refused, 1,000 accepted', { skip: !openssl }, async () => {
    await assert.rejects(importCaBundle({ source: f('over.p7b') }), classified('file-too-costly', 'ssl.ca', overCap));
    await assert.rejects(inspectFile(f('over.p7b')), classified('file-too-costly', 'file', overCap));
    await assert.rejects(importCaBundle({ source: f('p7-then-one.pem') }), classified('file-too-costly', 'ssl.ca', overCap));
    assert.equal((await importCaBundle({ source: f('at.p7b') })).certificates.length, MAX_BUNDLE_CERTIFICATES);
  });
});
