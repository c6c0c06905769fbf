import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createCa, createPkcs12, distinguishedName, issueCertificate } from '../../../src/core/certificates/generate';
import { importCaBundle } from '../../../src/core/certificates/importBundle';
import { inspectFile } from '../../../src/core/certificates/inspect';
import type { Cause } from '../../../src/core/errors';
import { planTls } from '../../../src/core/tls/tlsPlan';
import { classified, hasTool, run, tempDir } from './fixtures';

/** The corpus of bad files: every entry point gives a classified error with a field and a fix, never a stack trace. */
describe('bad certificate files', { timeout: 60_000 }, () => {
  const tmp = tempDir('mysql-tls-bad-');
  const f = (name: string): string => path.join(tmp.dir, name);
  before(async () => {
    const ca = await createCa({ subject: distinguishedName({ commonName: 'Bad Files CA' }) });
    const client = await issueCertificate({ issuer: ca, subject: distinguishedName({ commonName: 'bad files client' }), usage: 'client' });
    writeFileSync(f('garbage.pem'), 'hello, I am not a certificate\n');
    writeFileSync(f('empty.pem'), '');
    writeFileSync(f('blank.pem'), '\n  \n');
    writeFileSync(f('ca.der'), new X509Certificate(ca.certPem).raw);
    writeFileSync(f('client.p12'), createPkcs12({ certPem: client.certPem, keyPem: client.keyPem, passphrase: 'right' }));
    writeFileSync(f('truncated.p12'), createPkcs12({ certPem: client.certPem, keyPem: client.keyPem, passphrase: 'right' }).subarray(0, 200));
    if (hasTool('keytool'))
      run('keytool', [
        '-importcert',
        '-noprompt',
        '-alias',
        'ca',
        '-file',
        f('ca.der'),
        '-keystore',
        f('trust.jks'),
        '-storepass',
        'changeit',
        '-storetype',
        'JKS',
      ]);
    else writeFileSync(f('trust.jks'), Buffer.from('feedfeed00000002000000010000000200026361', 'hex'));
  });
  after(() => tmp.remove());

  const cases: { file: string; passphrase?: string; importCause: Cause; inspectCause: Cause }[] = [
    { file: 'garbage.pem', importCause: 'file-garbage', inspectCause: 'file-garbage' },
    { file: 'empty.pem', importCause: 'file-empty', inspectCause: 'file-empty' },
    { file: 'blank.pem', importCause: 'file-empty', inspectCause: 'file-empty' },
    { file: 'trust.jks', importCause: 'file-format-unsupported', inspectCause: 'file-format-unsupported' },
    { file: 'client.p12', passphrase: 'wrong', importCause: 'key-wrong-passphrase', inspectCause: 'key-wrong-passphrase' },
    { file: 'client.p12', importCause: 'key-needs-passphrase', inspectCause: 'key-needs-passphrase' },
    { file: 'truncated.p12', passphrase: 'right', importCause: 'file-garbage', inspectCause: 'file-garbage' },
    { file: 'missing.pem', importCause: 'file-missing', inspectCause: 'file-missing' },
  ];
  for (const c of cases) {
    test(`${c.file}${c.passphrase ? ` (passphrase "${c.passphrase}")` : ''}: import -> ${c.importCause}, inspect -> ${c.inspectCause}`, async () => {
      await assert.rejects(importCaBundle({ source: f(c.file), passphrase: c.passphrase }), classified(c.importCause, 'ssl.ca'));
      await assert.rejects(inspectFile(f(c.file), { passphrase: c.passphrase, field: 'ssl.cert' }), classified(c.inspectCause, 'ssl.cert'));
    });
  }

  test('the messages never contain the passphrase', async () => {
    const err = await importCaBundle({ source: f('client.p12'), passphrase: 'wrong-secret-123' }).catch((e: unknown) => e as Error);
    assert.ok(err instanceof Error);
    assert.doesNotMatch(JSON.stringify(err) + err.message, /wrong-secret-123/);
  });

  test('connection settings: DER where PEM is expected, a JKS as ssl.ca, a wrong .p12 passphrase', async () => {
    const profile = (ssl: object) => ({ profile: { host: '127.0.0.1', port: 3306, user: 'u', ssl: { mode: 'VERIFY_CA' as const, ...ssl } } });
    await assert.rejects(planTls(profile({ ca: f('ca.der') })), classified('file-der-not-pem', 'ssl.ca'));
    await assert.rejects(planTls(profile({ ca: f('garbage.pem') })), classified('file-garbage', 'ssl.ca'));
    await assert.rejects(planTls(profile({ ca: f('empty.pem') })), classified('file-empty', 'ssl.ca'));
    await assert.rejects(planTls({ ...profile({ ca: f('ca.der') }) }), (e: unknown) => /Import CA Bundle/.test((e as { fix: string }).fix));
    await assert.rejects(planTls(profile({ ca: f('trust.jks') })), (e: unknown) => (e as { field?: string }).field === 'ssl.ca');
    const p12 = {
      profile: { host: '127.0.0.1', port: 3306, user: 'u', ssl: { mode: 'REQUIRED' as const, pfx: f('client.p12') } },
      secrets: { passphrase: 'wrong' },
    };
    await assert.rejects(planTls(p12), classified('key-wrong-passphrase', 'ssl.pfx'));
  });
});
