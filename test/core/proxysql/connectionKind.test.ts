/** The "proxysqlAdmin" connection kind in mysqlTls.connections: accepted, default port 6032, kept on save. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PROXYSQL_ADMIN_PORT } from '../../../src/core/profile';
import { parseConnectionSettings, settingsEntryOf } from '../../../src/core/settings/connectionSettings';

describe('connection kind proxysqlAdmin', () => {
  it('is accepted, defaults to port 6032 and survives a save', () => {
    const parsed = parseConnectionSettings([
      { scope: 'workspace', value: [{ id: 'p', name: 'Proxy admin', kind: 'proxysqlAdmin', host: '127.0.0.1', user: 'admin', ssl: { mode: 'DISABLED' } }] },
    ]);
    assert.deepEqual(parsed.problems, []);
    const profile = parsed.connections[0]!.profile;
    assert.equal(profile.kind, 'proxysqlAdmin');
    assert.equal(profile.port, PROXYSQL_ADMIN_PORT);
    assert.equal(settingsEntryOf(profile).kind, 'proxysqlAdmin');
  });

  it('defaults to TLS: REQUIRED, or VERIFY_CA when a CA file is set (the admin port offers TLS by default since 2.6.0)', () => {
    const parsed = parseConnectionSettings([
      {
        scope: 'user',
        value: [
          { id: 'a', kind: 'proxysqlAdmin', host: 'proxy.internal', user: 'admin' },
          { id: 'b', kind: 'proxysqlAdmin', host: 'proxy.internal', user: 'admin', ssl: { ca: '/var/lib/proxysql/proxysql-ca.pem' } },
          { id: 'c', kind: 'proxysqlAdmin', host: 'proxy.internal', user: 'admin', ssl: { mode: 'VERIFY_IDENTITY', ca: '/var/lib/proxysql/proxysql-ca.pem' } },
          { id: 'd', host: 'db.internal', user: 'app' },
        ],
      },
    ]);
    const byId = (id: string) => parsed.connections.find((c) => c.id === id)!.profile;
    assert.equal(byId('a').ssl?.mode, 'REQUIRED');
    assert.equal(byId('b').ssl?.mode, 'VERIFY_CA');
    assert.equal(byId('d').ssl?.mode, undefined, 'a MySQL connection keeps its own default');
    // ProxySQL's auto-generated certificate names no host: VERIFY_IDENTITY is explained up front.
    assert.ok(parsed.problems.some((p) => p.field === 'ssl.mode' && /auto-generated certificate names no host/.test(p.message)));
  });

  it('an unknown kind is an error naming the field; a plain connection keeps 3306 and no kind', () => {
    const parsed = parseConnectionSettings([
      {
        scope: 'user',
        value: [
          { id: 'x', kind: 'proxysql', host: 'h', user: 'u' },
          { id: 'y', host: 'h', user: 'u' },
        ],
      },
    ]);
    assert.equal(parsed.invalid[0]?.problems[0]?.field, 'kind');
    assert.equal(parsed.connections[0]!.profile.port, undefined);
    assert.equal(settingsEntryOf(parsed.connections[0]!.profile).kind, undefined);
  });
});
