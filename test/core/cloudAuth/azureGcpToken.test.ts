/**
 * Microsoft Entra ID and Cloud SQL IAM tokens through the libraries' own seams (no cloud is reachable): a
 * TokenCredential object supplied to the Azure provider, google-auth-library's GoogleAuth and its
 * Impersonated client with a supplied source client. Checks the scope each asks for, and that the token they
 * give goes out as the password of a real mysql_clear_password login (the sandbox token account).
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { OAuth2Client } from 'google-auth-library';
import { AZURE_MYSQL_SCOPE, token as azureToken } from '../../../src/core/cloudAuth/azureToken';
import { GCP_SQL_LOGIN_SCOPE, googleAuthForCloudSql, token as gcpToken } from '../../../src/core/cloudAuth/gcpToken';
import { cloudTokenSource, fetchLoginToken, type TokenRequest, type TokenSource } from '../../../src/core/cloudAuth/tokenSource';
import { openSession } from '../../../src/core/mysql/session';
import type { AuthSettings } from '../../../src/core/cloudAuth/authSettings';
import { loadSandbox, sandboxProfile } from '../../helpers/sandbox';
import { createTokenPamAccount, type TokenPamAccount } from '../../helpers/tokenPamAccount';
import { tempDir } from '../certificates/fixtures';

describe('Azure and Google Cloud tokens through the libraries seams, sent as the password of a real login', { timeout: 60_000 }, () => {
  const sb = loadSandbox();
  let account: TokenPamAccount;
  before(async () => (account = await createTokenPamAccount(sb, ['tls'])));
  after(async () => account?.remove());

  /** Logs in to the token account with `source`, after making `expected` the token the server accepts. */
  async function loginWith(auth: AuthSettings, source: TokenSource, expected: string): Promise<string> {
    assert.equal(account.ready, true, 'the token account needs root, /etc/pam.d and auth_pam');
    await account.expect(expected);
    const { profile } = sandboxProfile(sb, 'tls', 'app_none', { mode: 'VERIFY_IDENTITY' });
    const s = await openSession({ profile: { ...profile, user: account.user, auth }, tokenSource: source });
    try {
      const { rows } = await s.query<{ u: string }[]>('SELECT CURRENT_USER() AS u');
      return rows[0]!.u;
    } finally {
      await s.close();
    }
  }

  it('Azure: the credential is asked for exactly https://ossrdbms-aad.database.windows.net/.default (with the tenant), and its token logs in', async () => {
    const asked: { scopes: string | string[]; options?: GetTokenOptions }[] = [];
    const entraToken = 'eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJvc3NyZGJtcyJ9.entra-test-signature';
    const credential: TokenCredential = {
      getToken: async (scopes, options): Promise<AccessToken> => {
        asked.push({ scopes, options });
        return { token: entraToken, expiresOnTimestamp: Date.now() + 3600_000 };
      },
    };
    const auth: AuthSettings = { method: 'azureEntra', tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47' };
    assert.equal(await loginWith(auth, (r) => azureToken(r, credential), entraToken), 'app_token@%');
    assert.equal(asked.length, 1);
    assert.equal(asked[0]!.scopes, 'https://ossrdbms-aad.database.windows.net/.default');
    assert.equal(AZURE_MYSQL_SCOPE, 'https://ossrdbms-aad.database.windows.net/.default');
    assert.equal(asked[0]!.options?.tenantId, '72f988bf-86f1-41af-91ab-2d7cd011db47');
  });

  it('Azure: a cached token about to expire is asked for again, then refused before it is sent', async () => {
    let calls = 0;
    const credential: TokenCredential = { getToken: async () => (calls++, { token: 'nearly-expired-token', expiresOnTimestamp: Date.now() + 30_000 }) };
    const req: TokenRequest = { method: 'azureEntra', auth: { method: 'azureEntra' }, host: 'x.mysql.database.azure.com', port: 3306, user: 'u' };
    await assert.rejects(
      fetchLoginToken((r) => azureToken(r, credential), req),
      (e: Error & { code?: string }) => e.code === 'cloud-token-failed',
    );
    assert.equal(calls, 2);
  });

  it("Google: GoogleAuth gives the Cloud SQL login scope to the client it makes (a service-account key's JWT client)", async () => {
    const tmp = tempDir('mysql-tls-gcp-');
    const saved = process.env.GOOGLE_APPLICATION_CREDENTIALS;
    try {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const key = {
        type: 'service_account',
        project_id: 'test-project',
        private_key_id: 'k1',
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        client_email: 'db-login@test-project.iam.gserviceaccount.com',
        client_id: '1',
        token_uri: 'https://oauth2.googleapis.com/token',
      };
      process.env.GOOGLE_APPLICATION_CREDENTIALS = path.join(tmp.dir, 'key.json');
      writeFileSync(process.env.GOOGLE_APPLICATION_CREDENTIALS, JSON.stringify(key));
      const client = (await googleAuthForCloudSql().getClient()) as unknown as { scopes?: string[]; email?: string };
      assert.deepEqual(client.scopes, ['https://www.googleapis.com/auth/sqlservice.login']);
      assert.equal(GCP_SQL_LOGIN_SCOPE, 'https://www.googleapis.com/auth/sqlservice.login');
      assert.equal(client.email, 'db-login@test-project.iam.gserviceaccount.com');
    } finally {
      if (saved === undefined) delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
      else process.env.GOOGLE_APPLICATION_CREDENTIALS = saved;
      tmp.remove();
    }
  });

  it("Google: the client's access token goes out as the password, with its own expiry", async () => {
    const accessToken = 'ya29.test-cloud-sql-login-token';
    const client = new OAuth2Client();
    client.setCredentials({ access_token: accessToken, expiry_date: Date.now() + 3000_000 });
    const got = await gcpToken({ method: 'gcpIam', auth: { method: 'gcpIam' }, host: '10.0.0.5', port: 3306, user: 'u' }, { getClient: async () => client });
    assert.equal(got.token, accessToken);
    assert.equal(await loginWith({ method: 'gcpIam' }, (r) => gcpToken(r, { getClient: async () => client }), accessToken), 'app_token@%');
  });

  it('Google: impersonation asks the IAM Credentials API for the target account with the Cloud SQL login scope, and that token logs in', async () => {
    const calls: { url?: unknown; data?: unknown }[] = [];
    const impersonatedToken = 'ya29.impersonated-test-token';
    // The source client's authorised request is the seam: it is what would call the IAM Credentials API.
    const source = new OAuth2Client();
    source.setCredentials({ access_token: 'ya29.source-user-token', expiry_date: Date.now() + 3000_000 });
    source.request = (async (opts: { url?: unknown; data?: unknown }) => {
      calls.push(opts);
      return { data: { accessToken: impersonatedToken, expireTime: new Date(Date.now() + 3600_000).toISOString() }, status: 200 };
    }) as unknown as OAuth2Client['request'];
    const auth: AuthSettings = { method: 'gcpIam', impersonate: 'db-login@test-project.iam.gserviceaccount.com' };
    assert.equal(await loginWith(auth, (r) => gcpToken(r, { getClient: async () => source }), impersonatedToken), 'app_token@%');
    assert.equal(calls.length, 1);
    assert.match(
      String(calls[0]!.url),
      /^https:\/\/iamcredentials\.googleapis\.com\/v1\/projects\/-\/serviceAccounts\/db-login@test-project\.iam\.gserviceaccount\.com:generateAccessToken$/,
    );
    const body = (typeof calls[0]!.data === 'string' ? JSON.parse(calls[0]!.data) : calls[0]!.data) as { scope: string[] };
    assert.deepEqual(body.scope, ['https://www.googleapis.com/auth/sqlservice.login']);
  });

  it('without any Google credentials (isolated HOME, no gcloud config): cloud-credentials-missing with gcloud auth application-default login', async () => {
    const tmp = tempDir('mysql-tls-gcp-none-');
    const saved = { ...process.env };
    try {
      for (const k of ['GOOGLE_APPLICATION_CREDENTIALS', 'GOOGLE_CLOUD_PROJECT', 'GCLOUD_PROJECT']) delete process.env[k];
      process.env.HOME = tmp.dir;
      process.env.CLOUDSDK_CONFIG = path.join(tmp.dir, 'gcloud');
      // The metadata server probe goes to a closed local port instead of 169.254.169.254.
      process.env.GCE_METADATA_HOST = '127.0.0.1:9';
      process.env.METADATA_SERVER_DETECTION = 'none';
      const req: TokenRequest = { method: 'gcpIam', auth: { method: 'gcpIam' }, host: '10.0.0.5', port: 3306, user: 'u' };
      const e = await fetchLoginToken(cloudTokenSource, req).then(
        () => assert.fail('must fail'),
        (err: unknown) => err as { code: string; fix: string; message: string },
      );
      assert.equal(e.code, 'cloud-credentials-missing', e.message);
      assert.match(e.fix, /gcloud auth application-default login/);
    } finally {
      process.env = saved;
      tmp.remove();
    }
  });
});
