import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import {
  commonNameProblem,
  defaultCommonNames,
  hostListProblem,
  KEY_CHOICES,
  parseHostList,
  profileForGeneratedSet,
  uniqueName,
  validityDaysProblem,
} from '../../../src/core/certificates/certificateWizard';
import { generateCertificateSet } from '../../../src/core/certificates/generateSet';
import { inspectFile } from '../../../src/core/certificates/inspect';
import { parseConnectionSettings, settingsEntryOf } from '../../../src/core/settings/connectionSettings';
import { tempDir } from '../certificates/fixtures';

describe('generate-certificates wizard input', () => {
  it('splits a typed host list into DNS names and IP addresses, dropping duplicates', () => {
    assert.deepEqual(parseHostList('db.example.com, 10.0.0.5  ::1;db.example.com,[fe80::1]'), {
      dnsNames: ['db.example.com'],
      ipAddresses: ['10.0.0.5', '::1', 'fe80::1'],
    });
    assert.deepEqual(parseHostList('  '), { dnsNames: [], ipAddresses: [] });
  });

  it('explains an unusable host list and accepts a usable one', () => {
    assert.match(hostListProblem(' , ')!, /at least one host/);
    assert.match(hostListProblem('db.example.com, bad_host!')!, /"bad_host!" is neither/);
    assert.equal(hostListProblem('localhost, 127.0.0.1, *.db.internal'), undefined);
  });

  it('checks the validity in days', () => {
    assert.equal(validityDaysProblem('825'), undefined);
    assert.match(validityDaysProblem('12.5')!, /whole number/);
    assert.match(validityDaysProblem('0')!, /from 1/);
    assert.match(validityDaysProblem('4000')!, /outlive their CA/);
  });

  it('prefills three distinct common names, even when the host or user collides with them', () => {
    const d = defaultCommonNames({ dnsNames: ['db.example.com'], ipAddresses: [] }, 'app');
    assert.deepEqual(d, { ca: 'MySQL TLS CA', server: 'db.example.com', client: 'app' });
    const clash = defaultCommonNames({ dnsNames: [], ipAddresses: ['10.0.0.5'] }, '10.0.0.5');
    assert.equal(new Set([clash.ca, clash.server, clash.client].map((n) => n.toLowerCase())).size, 3);
    assert.match(commonNameProblem('mysql tls ca', { CA: 'MySQL TLS CA' })!, /CA certificate already has CN/);
    assert.match(commonNameProblem('  ', {})!, /common name/);
    assert.equal(commonNameProblem('app', { CA: 'MySQL TLS CA', server: 'db' }), undefined);
  });

  it('finds an unused connection name', () => {
    assert.equal(uniqueName('db', []), 'db');
    assert.equal(uniqueName('db', ['db', 'db (2)']), 'db (3)');
  });

  it('offers PKCS#12 only for RSA keys (what generateSet supports)', () => {
    assert.deepEqual(
      KEY_CHOICES.map((k) => [k.label, k.pkcs12]),
      [
        ['RSA 2048', true],
        ['RSA 4096', true],
        ['ECDSA P-256', false],
      ],
    );
  });

  it('turns a generated set into a VERIFY_IDENTITY settings entry with the client certificate that the settings parser accepts', async () => {
    const tmp = tempDir('mysql-tls-wizard-');
    try {
      const hosts = parseHostList('localhost, 127.0.0.1');
      const cn = defaultCommonNames(hosts, 'app_x509');
      const set = await generateCertificateSet({
        outputDir: tmp.dir,
        ...hosts,
        caCommonName: cn.ca,
        serverCommonName: cn.server,
        clientCommonName: cn.client,
        key: KEY_CHOICES[2]!.key,
        validityDays: 30,
        clientKeyPassphrase: 'wizard-pass',
        profile: { user: cn.client },
      });
      assert.equal(statSync(set.files.clientKey).mode & 0o777, 0o600);
      const profile = profileForGeneratedSet(set, { id: 'gen1', name: 'Generated', port: 3307, user: 'app_x509' });
      assert.deepEqual(profile.ssl, { mode: 'VERIFY_IDENTITY', ca: set.files.ca, cert: set.files.clientCert, key: set.files.clientKey });
      assert.equal(profile.host, 'localhost');
      const entry = settingsEntryOf(profile);
      assert.ok(!JSON.stringify(entry).includes('wizard-pass'), 'no passphrase in the settings entry');
      const parsed = parseConnectionSettings([{ scope: 'workspace', value: [entry] }]);
      assert.equal(parsed.problems.length, 0, JSON.stringify(parsed.problems));
      assert.equal(parsed.connections[0]!.profile.ssl?.cert, set.files.clientCert);
      // The encrypted key the wizard wrote opens with the passphrase and matches the client certificate.
      const summary = await inspectFile(set.files.clientCert, { keyFile: set.files.clientKey, keyPassphrase: 'wizard-pass' });
      assert.equal(summary.keys[0]!.matchesCertificate, 0);
      assert.equal(path.dirname(set.files.ca), tmp.dir);
    } finally {
      tmp.remove();
    }
  });
});
