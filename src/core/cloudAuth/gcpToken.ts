import type { AuthClient } from 'google-auth-library';
import type { CloudToken, TokenRequest } from './tokenSource';

/** The scope Cloud SQL IAM database authentication checks the access token for. */
export const GCP_SQL_LOGIN_SCOPE = 'https://www.googleapis.com/auth/sqlservice.login';
/** google-auth-library gives no expiry for some clients: Google access tokens last one hour, count less. */
const ASSUMED_VALIDITY_MS = 30 * 60_000;

type GoogleAuthModule = typeof import('google-auth-library');

// eslint-disable-next-line @typescript-eslint/no-require-imports
const library = (): GoogleAuthModule => require('google-auth-library') as GoogleAuthModule;

/** Application Default Credentials asked for the Cloud SQL login scope (a new one per login: no token cache). */
export function googleAuthForCloudSql(): InstanceType<GoogleAuthModule['GoogleAuth']> {
  return new (library().GoogleAuth)({ scopes: [GCP_SQL_LOGIN_SCOPE] });
}

/** The part of google-auth-library's GoogleAuth used here (tests supply their own). */
export interface GoogleAuthLike {
  getClient(): Promise<AuthClient>;
}

/**
 * An OAuth2 access token for Cloud SQL IAM database authentication from Application Default Credentials
 * (GOOGLE_APPLICATION_CREDENTIALS, `gcloud auth application-default login`, the metadata server), optionally
 * impersonating auth.impersonate (IAM Credentials API, "Service Account Token Creator" on that account).
 */
export async function token(request: TokenRequest, auth: GoogleAuthLike = googleAuthForCloudSql()): Promise<CloudToken> {
  let client = await auth.getClient();
  if (request.auth.impersonate) {
    client = new (library().Impersonated)({
      sourceClient: client,
      targetPrincipal: request.auth.impersonate,
      targetScopes: [GCP_SQL_LOGIN_SCOPE],
      lifetime: 3600,
    });
  }
  const got = await client.getAccessToken();
  if (!got.token) throw new Error('Google Application Default Credentials returned no access token');
  const expiry = (client.credentials as { expiry_date?: number | null } | undefined)?.expiry_date;
  return { token: got.token, expiresAt: new Date(typeof expiry === 'number' ? expiry : Date.now() + ASSUMED_VALIDITY_MS) };
}
