import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { expandPath, isNormalPosixAbsolute, PathExpansionError } from '../../../src/core/paths';
import { parseSslMode, parseTlsVersion, SSL_MODE_RULES, SSL_MODES } from '../../../src/core/tls/sslMode';
import { planTls } from '../../../src/core/tls/tlsPlan';

describe('ssl modes', () => {
  it('the rules table matches MySQL semantics', () => {
    assert.deepEqual(
      SSL_MODES.map((m) => [m, SSL_MODE_RULES[m].tls, SSL_MODE_RULES[m].verifyChain, SSL_MODE_RULES[m].verifyHost]),
      [
        ['DISABLED', 'never', false, false],
        ['PREFERRED', 'if-offered', false, false],
        ['REQUIRED', 'always', false, false],
        ['VERIFY_CA', 'always', true, false],
        ['VERIFY_IDENTITY', 'always', true, true],
      ],
    );
  });
  it('parses MySQL spellings', () => {
    assert.equal(parseSslMode('verify-identity'), 'VERIFY_IDENTITY');
    assert.equal(parseSslMode(' Required '), 'REQUIRED');
    assert.equal(parseSslMode('ON'), undefined);
    assert.equal(parseTlsVersion('1.2'), 'TLSv1.2');
    assert.equal(parseTlsVersion('TLSv1.3'), 'TLSv1.3');
    assert.equal(parseTlsVersion('SSLv3'), undefined);
  });
  it('driver options follow the mode', async () => {
    const base = { host: 'db.example.com', user: 'u' };
    assert.equal((await planTls({ profile: { ...base, ssl: { mode: 'DISABLED' } } })).driverSsl, undefined);
    const pref = await planTls({ profile: base });
    assert.equal(pref.mode, 'PREFERRED');
    assert.deepEqual(pref.driverSsl, { rejectUnauthorized: false, verifyIdentity: false });
    const sys = await planTls({ profile: { ...base, ssl: { mode: 'VERIFY_IDENTITY', caSource: 'system' } } });
    assert.deepEqual(sys.driverSsl, { rejectUnauthorized: true, verifyIdentity: true });
    assert.equal(sys.caSource, 'system');
  });
  it('each plan gets its own ssl object (mysql2 mutates it and keys session reuse on it)', async () => {
    const profile = { host: 'h', user: 'u', ssl: { mode: 'REQUIRED' as const } };
    const [a, b] = await Promise.all([planTls({ profile }), planTls({ profile })]);
    assert.notEqual(a.driverSsl, b.driverSsl);
  });
});

describe('path expansion', () => {
  const ctx = { workspaceFolder: '/ws', workspaceFolders: { api: '/repos/api' }, home: '/home/me', env: { CERTS: '/etc/certs' } };
  it('expands the supported variables', () => {
    assert.equal(expandPath('${workspaceFolder}/ca.pem', ctx), '/ws/ca.pem');
    assert.equal(expandPath('${workspaceFolder:api}/ca.pem', ctx), '/repos/api/ca.pem');
    assert.equal(expandPath('~/ca.pem', ctx), '/home/me/ca.pem');
    assert.equal(expandPath('${userHome}/x', ctx), '/home/me/x');
    assert.equal(expandPath('${env:CERTS}/ca.pem', ctx), '/etc/certs/ca.pem');
    assert.equal(expandPath('certs/ca.pem', ctx), path.resolve('/ws', 'certs/ca.pem'));
  });
  it('says what is wrong with an unknown or unset variable', () => {
    assert.throws(() => expandPath('${env:NOPE}/x', ctx), PathExpansionError);
    assert.throws(() => expandPath('${workspaceFolder:other}/x', ctx), /not open/);
    assert.throws(() => expandPath('${config:foo}', ctx), /not supported/);
  });
  it('returns what path.resolve returns for absolute paths, also where the quick path for normal ones must not apply', () => {
    const inputs = [
      '/etc/ssl/ca.pem',
      '/etc//ssl/ca.pem',
      '/etc/./ssl/ca.pem',
      '/etc/x/../ssl/ca.pem',
      '/etc/ssl/',
      '/etc/ssl/.',
      '/etc/ssl/..',
      '/',
      '//',
      '/a',
    ];
    inputs.push('/etc/${env:CERTS}/ca.pem', '/.hidden/ca.pem', '/etc/ssl/ca.pem.', '/etc/..ssl/ca');
    for (const input of inputs) assert.equal(expandPath(input, ctx), path.resolve('/ws', input.replace('${env:CERTS}', '/etc/certs')), input);
    assert.equal(isNormalPosixAbsolute('/etc/ssl/ca.pem'), path.sep === '/');
    for (const input of ['/etc//ssl', '/etc/./ssl', '/etc/x/../ssl', '/etc/ssl/', '/etc/ssl/.', '/etc/ssl/..', '/', 'etc/ssl', '~/ssl'])
      assert.equal(isNormalPosixAbsolute(input), false, input);
  });
});
