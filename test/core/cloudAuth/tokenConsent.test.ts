/**
 * Consent before a cloud token goes to a workspace-defined connection or a host outside the provider's
 * domain: asked once, remembered for that endpoint, trust and identity, asked again when any of them
 * changes; a refusal sends nothing (the registry does not even fetch a token).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { consentReasons, hostInProviderDomain, TokenConsent, type ConsentQuestion } from '../../../src/core/cloudAuth/tokenConsent';
import { ConnectionRegistry } from '../../../src/core/connections/connectionRegistry';
import { MysqlTlsError } from '../../../src/core/errors';
import { createLogger } from '../../../src/core/logging/logger';
import type { ConnectionProfile } from '../../../src/core/profile';

const rds: ConnectionProfile = {
  host: 'mydb.abc.eu-west-1.rds.amazonaws.com',
  user: 'iam_user',
  ssl: { mode: 'VERIFY_IDENTITY', caSource: 'system' },
  auth: { method: 'awsIam', region: 'eu-west-1', profile: 'dev' },
};

function memento(): { store: Map<string, unknown>; get<T>(k: string): T | undefined; update(k: string, v: unknown): Promise<void> } {
  const store = new Map<string, unknown>();
  return { store, get: <T>(k: string) => store.get(k) as T | undefined, update: async (k, v) => void store.set(k, v) };
}

describe('token consent', () => {
  it('provider domains: RDS, Azure MySQL, Cloud SQL by IP or *.sql.goog; anything else is outside', () => {
    assert.equal(hostInProviderDomain('awsIam', 'x.cluster-abc.us-east-1.rds.amazonaws.com'), true);
    assert.equal(hostInProviderDomain('awsIam', 'rds.amazonaws.com.evil.example'), false);
    assert.equal(hostInProviderDomain('azureEntra', 'srv.mysql.database.azure.com'), true);
    assert.equal(hostInProviderDomain('azureEntra', 'srv.mysql.database.azure.com.attacker.net'), false);
    assert.equal(hostInProviderDomain('gcpIam', '10.1.2.3'), true);
    assert.equal(hostInProviderDomain('gcpIam', 'db.example.com'), false);
  });

  it('a user connection to the provider domain is not asked about; a workspace one or a foreign host is, with reasons', () => {
    assert.deepEqual(consentReasons(rds, 'user'), []);
    assert.match(consentReasons(rds, 'workspace').join(), /workspace settings/);
    assert.match(consentReasons({ ...rds, host: 'db.attacker.example' }, 'user').join(), /"db\.attacker\.example" is not an RDS endpoint/);
    assert.deepEqual(consentReasons({ ...rds, auth: undefined }, 'workspace'), [], "password logins are the secret gate's business");
  });

  it('asked once per binding: a changed host, CA mode or identity asks again; a refusal is not remembered', async () => {
    const questions: ConsentQuestion[] = [];
    let answer = true;
    const consent = new TokenConsent(memento(), async (q) => (questions.push(q), answer));
    const conn = { id: 'w1', name: 'From the repo', scope: 'workspace' as const, profile: rds };
    assert.equal(await consent.confirm(conn), true);
    assert.equal(questions.length, 1);
    assert.match(questions[0]!.target, /iam_user@mydb\.abc\.eu-west-1\.rds\.amazonaws\.com:3306 \(VERIFY_IDENTITY\)/);
    assert.match(questions[0]!.identity, /AWS IAM \(region eu-west-1, profile dev\)/);
    assert.equal(await consent.confirm(conn), true);
    assert.equal(questions.length, 1, 'remembered');
    assert.equal(await consent.confirm({ ...conn, profile: { ...rds, host: 'other.abc.eu-west-1.rds.amazonaws.com' } }), true);
    assert.equal(questions.length, 2, 'another host asks again');
    assert.equal(await consent.confirm({ ...conn, profile: { ...rds, auth: { method: 'awsIam', region: 'eu-west-1', profile: 'prod' } } }), true);
    assert.equal(questions.length, 3, 'another identity asks again');
    answer = false;
    const moved = { ...conn, profile: { ...rds, host: 'db.attacker.example' } };
    assert.equal(await consent.confirm(moved), false);
    assert.equal(await consent.confirm(moved), false);
    assert.equal(questions.length, 5, 'a refusal is asked again next time');
  });

  it('the registry asks before a token login and, refused, fetches no token and opens nothing', async () => {
    let fetched = 0;
    let opened = 0;
    const registry = new ConnectionRegistry({
      readSecrets: async () => ({}),
      paths: () => ({}),
      logger: createLogger({ trace() {}, debug() {}, info() {}, warn() {}, error() {} }),
      tokenSource: async () => (fetched++, { token: 't', expiresAt: new Date(Date.now() + 900_000) }),
      openSession: async () => {
        opened++;
        throw new Error('must not be reached');
      },
      planTls: async () => {
        throw new Error('must not be reached');
      },
      confirmTokenLogin: async () => {
        throw new MysqlTlsError('cancelled', 'not confirmed');
      },
    });
    await assert.rejects(registry.connect({ ...rds, id: 'x' }), (e: MysqlTlsError) => e.code === 'cancelled');
    assert.equal(registry.status('x').state, 'disconnected');
    assert.equal(await registry.test({ ...rds, id: 'x' }).then((r) => (r.ok ? 'ok' : r.error.code)), 'cancelled');
    assert.deepEqual([fetched, opened], [0, 0]);
  });
});
