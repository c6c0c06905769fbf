import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConnectionProfile } from '../../../src/core/profile';
import { keepUnaskedSettings } from '../../../src/core/settings/keepUnaskedSettings';

const stored: ConnectionProfile = {
  id: 'c1',
  name: 'Proxy',
  kind: 'proxysqlAdmin',
  host: 'old-host',
  port: 6032,
  user: 'admin',
  database: 'main',
  readOnly: true,
  connectTimeoutMs: 3000,
  ssl: {
    mode: 'VERIFY_IDENTITY',
    ca: '/ca.pem',
    caPreset: 'aws-rds',
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.3',
    ciphers: 'ECDHE-RSA-AES128-GCM-SHA256',
    servername: 'db.example.com',
    pfx: '/client.p12',
  },
};

describe('an edit through the wizard keeps what it does not ask', () => {
  it('keeps kind, readOnly, timeout, versions, ciphers, servername; answers win', () => {
    const edited = keepUnaskedSettings(stored, { name: 'Proxy 2', host: 'new-host', port: 6033, user: 'admin2', ssl: { mode: 'VERIFY_CA', ca: '/ca.pem' } });
    assert.deepEqual(edited, {
      kind: 'proxysqlAdmin',
      readOnly: true,
      connectTimeoutMs: 3000,
      name: 'Proxy 2',
      host: 'new-host',
      port: 6033,
      user: 'admin2',
      ssl: {
        caPreset: 'aws-rds',
        minVersion: 'TLSv1.2',
        maxVersion: 'TLSv1.3',
        ciphers: 'ECDHE-RSA-AES128-GCM-SHA256',
        servername: 'db.example.com',
        pfx: '/client.p12',
        mode: 'VERIFY_CA',
        ca: '/ca.pem',
      },
    });
    assert.equal('database' in edited, false, 'a database cleared in the wizard stays cleared');
    assert.equal('id' in edited, false);
  });
  it('a PEM client certificate replaces the PKCS#12 bundle; another CA ends the preset', () => {
    const edited = keepUnaskedSettings(stored, {
      name: 'P',
      host: 'h',
      user: 'u',
      ssl: { mode: 'VERIFY_IDENTITY', ca: '/other-ca.pem', cert: '/c.pem', key: '/k.pem' },
    });
    assert.equal(edited.ssl?.pfx, undefined);
    assert.equal(edited.ssl?.caPreset, undefined);
    assert.equal(edited.ssl?.cert, '/c.pem');
  });
  it('a new connection is just the answers', () => {
    const answers = { name: 'n', host: 'h', user: 'u', ssl: { mode: 'REQUIRED' as const } };
    assert.deepEqual(keepUnaskedSettings(undefined, answers), answers);
  });
});
