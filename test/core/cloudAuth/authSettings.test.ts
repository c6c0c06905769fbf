/**
 * The `auth` block of a connection: each method's fields validated with the field named, token methods
 * accepted only with a mode that verifies the server, the block round-tripped through settingsEntryOf, and
 * token shapes masked by the log redaction even when nobody registered them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAuthSettings } from '../../../src/core/cloudAuth/authSettings';
import { redactSecrets } from '../../../src/core/logging/logger';
import { parseConnectionSettings, settingsEntryOf } from '../../../src/core/settings/connectionSettings';

const entry = (auth: unknown, ssl: Record<string, unknown> = { mode: 'VERIFY_IDENTITY', caSource: 'system' }): Record<string, unknown> => ({
  id: 'c1',
  host: 'mydb.abc.eu-west-1.rds.amazonaws.com',
  user: 'iam_user',
  ssl,
  auth,
});
const parse = (e: Record<string, unknown>) => parseConnectionSettings([{ scope: 'user', value: [e] }]);

describe('auth settings', () => {
  it('awsIam with region and profile over VERIFY_IDENTITY becomes profile.auth and round-trips', () => {
    const parsed = parse(entry({ method: 'awsIam', region: 'eu-west-1', profile: 'dev' }));
    const c = parsed.connections[0]!;
    assert.deepEqual(c.profile.auth, { method: 'awsIam', region: 'eu-west-1', profile: 'dev' });
    assert.deepEqual(settingsEntryOf(c.profile).auth, { method: 'awsIam', region: 'eu-west-1', profile: 'dev' });
  });

  it('azureEntra and gcpIam fields', () => {
    assert.deepEqual(
      parse(entry({ method: 'azureEntra', tenantId: 'contoso.onmicrosoft.com', clientId: '00000000-1111-2222-3333-444444444444' })).connections[0]!.profile
        .auth,
      { method: 'azureEntra', tenantId: 'contoso.onmicrosoft.com', clientId: '00000000-1111-2222-3333-444444444444' },
    );
    assert.deepEqual(
      parse(entry({ method: 'gcpIam', impersonate: 'db-login@proj-1.iam.gserviceaccount.com' }, { mode: 'VERIFY_CA', ca: '/x/ca.pem' })).connections[0]!.profile
        .auth,
      {
        method: 'gcpIam',
        impersonate: 'db-login@proj-1.iam.gserviceaccount.com',
      },
    );
  });

  it('"password" (and no auth block) is the default and writes no auth block', () => {
    const c = parse(entry({ method: 'password' })).connections[0]!;
    assert.equal(c.profile.auth, undefined);
    assert.equal(settingsEntryOf(c.profile).auth, undefined);
  });

  for (const mode of ['REQUIRED', 'PREFERRED', 'DISABLED']) {
    it(`a token method with ssl.mode ${mode} is a settings error naming auth.method, saying why`, () => {
      const parsed = parse(entry({ method: 'awsIam', region: 'eu-west-1' }, { mode }));
      assert.equal(parsed.connections.length, 0);
      const p = parsed.invalid[0]!.problems.find((x) => x.field === 'auth.method')!;
      assert.match(p.message, new RegExp(`needs ssl.mode VERIFY_IDENTITY \\(or VERIFY_CA\\), not ${mode}`));
      assert.match(p.message, /cleartext password/);
    });
  }

  it('no ssl block at all means PREFERRED: a token method is refused', () => {
    const parsed = parse({ id: 'c', host: 'h', user: 'u', auth: { method: 'gcpIam' } });
    assert.equal(parsed.connections.length, 0);
  });

  it('bad values name their field; fields of another method are ignored with a warning', () => {
    const bad = parseAuthSettings({ method: 'awsIam', region: 'Europe', profile: 'a b' }, 'VERIFY_IDENTITY');
    assert.deepEqual(bad.errors.map((e) => e.field).sort(), ['auth.profile', 'auth.region']);
    assert.deepEqual(parseAuthSettings({ method: 'kerberos' }, 'VERIFY_IDENTITY').errors[0]!.field, 'auth.method');
    assert.deepEqual(parseAuthSettings('awsIam', 'VERIFY_IDENTITY').errors[0]!.field, 'auth');
    const other = parseAuthSettings({ method: 'gcpIam', region: 'eu-west-1' }, 'VERIFY_CA');
    assert.deepEqual(other.errors, []);
    assert.deepEqual(
      other.warnings.map((w) => w.field),
      ['auth.region'],
    );
    assert.deepEqual(parseAuthSettings({ method: 'gcpIam', impersonate: 'someone@gmail.com' }, 'VERIFY_CA').errors[0]!.field, 'auth.impersonate');
  });
});

describe('log redaction of cloud tokens by their shape', () => {
  it('an RDS IAM token keeps host and user but loses its signature, credential and session token', () => {
    const token =
      'mydb.abc.eu-west-1.rds.amazonaws.com:3306/?Action=connect&DBUser=iam_user&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20260115%2Feu-west-1%2Frds-db%2Faws4_request&X-Amz-Date=20260115T123456Z&X-Amz-Expires=900&X-Amz-Security-Token=IQoJb3JpZ2luX2VjEXAMPLE&X-Amz-SignedHeaders=host&X-Amz-Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
    const out = redactSecrets(`login failed with ${token}`);
    assert.ok(!out.includes('0123456789abcdef'), out);
    assert.ok(!out.includes('IQoJb3JpZ2luX2VjEXAMPLE'), out);
    assert.ok(!out.includes('AKIDEXAMPLE'), out);
    assert.match(out, /DBUser=iam_user/);
  });

  it('an Entra ID JWT and a Google access token are masked', () => {
    const out = redactSecrets('a eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL29zc3JkYm1zIn0.c2lnbmF0dXJl b ya29.a0AfH6SMBx-test_token.value c');
    assert.equal(out, 'a «redacted» b «redacted» c');
  });
});
