import { MysqlTlsError } from '../errors';
import { DEFAULT_PORT, type ConnectionProfile } from '../profile';
import { isTokenAuth, type AuthSettings, type TokenAuthMethod } from './authSettings';
import { classifyTokenError } from './classifyTokenError';

/** A login token and when it stops being accepted. Never stored, logged or shown. */
export interface CloudToken {
  token: string;
  expiresAt: Date;
}

/** What a token is for: the endpoint and database user it will be sent to, and the cloud identity settings. */
export interface TokenRequest {
  method: TokenAuthMethod;
  auth: AuthSettings;
  /** The name the token is made out for (AWS signs it): ssl.servername when set, else the host. */
  host: string;
  port: number;
  user: string;
  signal?: AbortSignal;
}

/**
 * Where tokens come from. The extension and the CLI use the clouds' own credential chains (cloudTokenSource);
 * tests and the e2e environment inject their own (a test cannot reach a cloud).
 */
export type TokenSource = (request: TokenRequest) => Promise<CloudToken>;

/** A token that expires within this margin is not used: the login itself takes time (and clocks drift). */
export const TOKEN_EXPIRY_MARGIN_MS = 60_000;
/** Longer than any token the three clouds issue (AWS 15 min, Entra about 1 h, Google 1 h); a bound against junk. */
const MAX_TOKEN_LENGTH = 16_384;

export function tokenRequestOf(profile: ConnectionProfile, signal?: AbortSignal): TokenRequest | undefined {
  const auth = profile.auth;
  if (!isTokenAuth(auth)) return undefined;
  return { method: auth.method, auth, host: profile.ssl?.servername || profile.host, port: profile.port ?? DEFAULT_PORT, user: profile.user, signal };
}

type ProviderModule = { token(request: TokenRequest): Promise<CloudToken> };

/** Each provider's SDK is required on first use of that method only (never at activation). */
function provider(method: TokenAuthMethod): ProviderModule {
  /* eslint-disable @typescript-eslint/no-require-imports */
  switch (method) {
    case 'awsIam':
      return require('./awsToken') as ProviderModule;
    case 'azureEntra':
      return require('./azureToken') as ProviderModule;
    case 'gcpIam':
      return require('./gcpToken') as ProviderModule;
  }
  /* eslint-enable @typescript-eslint/no-require-imports */
}

/** The clouds' standard credential chains (environment, shared config and profiles, SSO caches, CLI logins, managed identities). */
export const cloudTokenSource: TokenSource = (request) => provider(request.method).token(request);

/**
 * A fresh token for one login: the source is asked on every call (nothing is cached here), and a token that
 * is already within TOKEN_EXPIRY_MARGIN_MS of its expiry (a credential library's cached one) is asked for once
 * more, then refused. Failures come back classified with their fix.
 */
export async function fetchLoginToken(source: TokenSource, request: TokenRequest, now: () => number = Date.now): Promise<CloudToken> {
  for (let attempt = 0; ; attempt++) {
    if (request.signal?.aborted) throw new MysqlTlsError('cancelled', 'the connection attempt was cancelled');
    let token: CloudToken;
    try {
      token = await source(request);
    } catch (e) {
      throw classifyTokenError(request, e);
    }
    if (typeof token?.token !== 'string' || token.token === '' || token.token.length > MAX_TOKEN_LENGTH || /[\0\r\n]/.test(token.token)) {
      throw new MysqlTlsError('cloud-token-failed', `the ${methodName(request.method)} credential source returned no usable token`);
    }
    const expires = token.expiresAt instanceof Date ? token.expiresAt.getTime() : NaN;
    if (Number.isFinite(expires) && expires - now() > TOKEN_EXPIRY_MARGIN_MS) return token;
    if (attempt >= 1) {
      throw new MysqlTlsError(
        'cloud-token-failed',
        `the ${methodName(request.method)} token expires within ${TOKEN_EXPIRY_MARGIN_MS / 1000} s (or gives no expiry), so it was not sent`,
        undefined,
        'Check the system clock; sign in to the cloud again if the cached credentials are about to expire.',
      );
    }
  }
}

export function methodName(method: TokenAuthMethod): string {
  return method === 'awsIam' ? 'AWS IAM' : method === 'azureEntra' ? 'Microsoft Entra ID' : 'Google Cloud IAM';
}
