/**
 * The RDS IAM token, checked against an independent SigV4 query-signing computation (node:crypto only:
 * canonical request, string to sign, signing key) with fixed credentials and a fixed clock, field by field.
 * Then the AWS failures the credential chain gives with no cloud reachable (isolated config files, no
 * instance metadata), classified with their fix.
 */
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it, mock } from 'node:test';
import { token } from '../../../src/core/cloudAuth/awsToken';
import { classifyTokenError } from '../../../src/core/cloudAuth/classifyTokenError';
import { cloudTokenSource, fetchLoginToken, type TokenRequest } from '../../../src/core/cloudAuth/tokenSource';
import { tempDir } from '../certificates/fixtures';

const sha256hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();
/** RFC 3986 percent-encoding, as SigV4 canonicalisation requires (everything but A-Z a-z 0-9 - _ . ~). */
const uriEncode = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** SigV4 query signing of GET / on host:port for service rds-db, computed here without the AWS SDK. */
function expectedSignature(opts: {
  host: string;
  port: number;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  amzDate: string;
  query: Record<string, string>;
}): { canonicalRequest: string; stringToSign: string; signature: string } {
  const date = opts.amzDate.slice(0, 8);
  const scope = `${date}/${opts.region}/rds-db/aws4_request`;
  const canonicalQuery = Object.keys(opts.query)
    .filter((k) => k !== 'X-Amz-Signature')
    .sort()
    .map((k) => `${uriEncode(k)}=${uriEncode(opts.query[k]!)}`)
    .join('&');
  const canonicalRequest = ['GET', '/', canonicalQuery, `host:${opts.host}:${opts.port}`, '', 'host', sha256hex('')].join('\n');
  const stringToSign = ['AWS4-HMAC-SHA256', opts.amzDate, scope, sha256hex(canonicalRequest)].join('\n');
  const kDate = hmac(`AWS4${opts.secretAccessKey}`, date);
  const kSigning = hmac(hmac(hmac(kDate, opts.region), 'rds-db'), 'aws4_request');
  return { canonicalRequest, stringToSign, signature: createHmac('sha256', kSigning).update(stringToSign, 'utf8').digest('hex') };
}

const request = (over: Partial<TokenRequest['auth']> = {}, host = 'mydb.abc123xyz.eu-west-1.rds.amazonaws.com'): TokenRequest => ({
  method: 'awsIam',
  auth: { method: 'awsIam', region: 'eu-west-1', ...over },
  host,
  port: 3306,
  user: 'iam_user',
});

describe('AWS RDS IAM token: known answer against an independent SigV4 computation', () => {
  const NOW = Date.UTC(2026, 0, 15, 12, 34, 56);
  before(() => mock.timers.enable({ apis: ['Date'], now: NOW }));
  after(() => mock.timers.reset());

  for (const withSessionToken of [false, true]) {
    it(`host, port, DBUser, Action=connect, region, X-Amz-Expires=900 and the signature${withSessionToken ? ' (temporary credentials: X-Amz-Security-Token)' : ''}`, async () => {
      const creds = {
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
        ...(withSessionToken ? { sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE/session+token=' } : {}),
      };
      const got = await token(request(), creds);
      assert.equal(got.expiresAt.getTime(), NOW + 900_000);
      const [hostPort, rest] = [got.token.slice(0, got.token.indexOf('/')), got.token.slice(got.token.indexOf('/'))];
      assert.equal(hostPort, 'mydb.abc123xyz.eu-west-1.rds.amazonaws.com:3306');
      assert.ok(rest.startsWith('/?'), rest.slice(0, 20));
      const q = Object.fromEntries(new URLSearchParams(rest.slice(2)));
      assert.equal(q.Action, 'connect');
      assert.equal(q.DBUser, 'iam_user');
      assert.equal(q['X-Amz-Algorithm'], 'AWS4-HMAC-SHA256');
      assert.equal(q['X-Amz-Credential'], 'AKIDEXAMPLE/20260115/eu-west-1/rds-db/aws4_request');
      assert.equal(q['X-Amz-Date'], '20260115T123456Z');
      assert.equal(q['X-Amz-Expires'], '900');
      assert.equal(q['X-Amz-SignedHeaders'], 'host');
      assert.equal(q['X-Amz-Security-Token'], withSessionToken ? creds.sessionToken : undefined);
      const expected = expectedSignature({ host: hostPort.split(':')[0]!, port: 3306, region: 'eu-west-1', ...creds, amzDate: '20260115T123456Z', query: q });
      assert.match(q['X-Amz-Signature']!, /^[0-9a-f]{64}$/);
      assert.equal(q['X-Amz-Signature'], expected.signature, `canonical request:\n${expected.canonicalRequest}\nstring to sign:\n${expected.stringToSign}`);
      const keys = Object.keys(q).sort();
      assert.deepEqual(
        keys,
        [
          'Action',
          'DBUser',
          'X-Amz-Algorithm',
          'X-Amz-Credential',
          'X-Amz-Date',
          'X-Amz-Expires',
          ...(withSessionToken ? ['X-Amz-Security-Token'] : []),
          'X-Amz-Signature',
          'X-Amz-SignedHeaders',
        ],
        'no other field',
      );
    });
  }

  it('a token is made out for one host and port: another port or region gives another signature', async () => {
    const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
    const a = await token(request(), creds);
    const b = await token({ ...request(), port: 3307 }, creds);
    const c = await token(request({ region: 'us-east-1' }), creds);
    const sig = (t: string): string | null => new URLSearchParams(t.slice(t.indexOf('?') + 1)).get('X-Amz-Signature');
    assert.notEqual(sig(a.token), sig(b.token));
    assert.notEqual(sig(a.token), sig(c.token));
    assert.ok(c.token.includes('us-east-1%2Frds-db') || c.token.includes('us-east-1/rds-db'));
  });
});

describe('AWS credential failures are classified with their fix (isolated from the machine: no files, no metadata service)', () => {
  const tmp = tempDir('mysql-tls-aws-');
  const saved = { ...process.env };
  const useConfig = (name: string, text: string): void => {
    process.env.AWS_CONFIG_FILE = path.join(tmp.dir, `config-${name}`);
    writeFileSync(process.env.AWS_CONFIG_FILE, text);
  };
  before(() => {
    for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k];
    process.env.HOME = tmp.dir;
    process.env.AWS_CONFIG_FILE = path.join(tmp.dir, 'config');
    process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(tmp.dir, 'credentials');
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    writeFileSync(process.env.AWS_CONFIG_FILE, '');
    writeFileSync(process.env.AWS_SHARED_CREDENTIALS_FILE, '');
  });
  after(() => {
    process.env = saved;
    tmp.remove();
  });

  it('no region in the settings, the profile or the environment: cloud-region-missing naming auth.region', async () => {
    const e = await fetchLoginToken((r) => token(r, { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' }), request({ region: undefined })).then(
      () => assert.fail('must fail'),
      (err: unknown) => err as { code: string; field?: string; fix: string },
    );
    assert.equal(e.code, 'cloud-region-missing', JSON.stringify(e));
    assert.equal(e.field, 'auth.region');
  });

  it('the region comes from the named profile when the settings give none', async () => {
    // A new file name for each config: the SDK caches what it read per path.
    useConfig('region', '[profile dev]\nregion = ap-southeast-2\n');
    const got = await token(request({ region: undefined, profile: 'dev' }), { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' });
    assert.match(got.token, /ap-southeast-2%2Frds-db%2Faws4_request/);
  });

  it('no credentials anywhere: cloud-credentials-missing, with aws configure / aws sso login', async () => {
    const e = await fetchLoginToken(cloudTokenSource, request()).then(
      () => assert.fail('must fail'),
      (err: unknown) => err as { code: string; fix: string; message: string },
    );
    assert.equal(e.code, 'cloud-credentials-missing', e.message);
    assert.match(e.fix, /aws sso login/);
  });

  it('an SSO profile whose cached session has expired: cloud-sso-expired, "run aws sso login --profile dev"', async () => {
    useConfig(
      'sso',
      '[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = DbUser\nregion = eu-west-1\n\n[sso-session corp]\nsso_region = eu-west-1\nsso_start_url = https://corp.awsapps.com/start\n',
    );
    const cache = path.join(tmp.dir, '.aws', 'sso', 'cache');
    mkdirSync(cache, { recursive: true });
    const expired = {
      accessToken: 'expired-sso-access-token',
      expiresAt: '2020-01-01T00:00:00Z',
      region: 'eu-west-1',
      startUrl: 'https://corp.awsapps.com/start',
    };
    writeFileSync(path.join(cache, `${createHash('sha1').update('corp').digest('hex')}.json`), JSON.stringify(expired));
    const e = await fetchLoginToken(cloudTokenSource, request({ profile: 'dev' })).then(
      () => assert.fail('must fail'),
      (err: unknown) => err as { code: string; fix: string; message: string },
    );
    assert.equal(e.code, 'cloud-sso-expired', e.message);
    assert.match(e.fix, /aws sso login --profile dev/);
    assert.ok(!e.message.includes('expired-sso-access-token'));
  });

  it('classification by the words of other errors: an unknown failure keeps its words under cloud-token-failed', () => {
    const e = classifyTokenError(request(), new Error('socket hang up'));
    assert.equal(e.code, 'cloud-token-failed');
    assert.match(e.detail, /socket hang up/);
  });
});
