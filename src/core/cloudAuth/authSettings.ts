import { modeVerifiesChain, type SslMode } from '../tls/sslMode';

/**
 * How a connection logs in: with a stored password (the default), or with a short-lived token from a cloud
 * identity (AWS RDS IAM, Microsoft Entra ID, Cloud SQL IAM). Tokens go out as a cleartext password
 * (mysql_clear_password), so a token login is accepted only over TLS that verifies the server.
 */
export const AUTH_METHODS = ['password', 'awsIam', 'azureEntra', 'gcpIam'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];
export type TokenAuthMethod = Exclude<AuthMethod, 'password'>;

export interface AuthSettings {
  method: AuthMethod;
  /** awsIam: the database's region (else the profile's or the environment's region). */
  region?: string;
  /** awsIam: a named profile of ~/.aws/config and ~/.aws/credentials. */
  profile?: string;
  /** azureEntra: the Entra tenant to get the token from. */
  tenantId?: string;
  /** azureEntra: the client id of a user-assigned managed identity. */
  clientId?: string;
  /** gcpIam: a service account to impersonate (its e-mail). */
  impersonate?: string;
}

/** The keys each method accepts besides `method`. */
export const AUTH_FIELDS: Record<AuthMethod, readonly (keyof AuthSettings)[]> = {
  password: [],
  awsIam: ['region', 'profile'],
  azureEntra: ['tenantId', 'clientId'],
  gcpIam: ['impersonate'],
};

export function isTokenAuth(auth: AuthSettings | undefined): auth is AuthSettings & { method: TokenAuthMethod } {
  return auth !== undefined && auth.method !== 'password';
}

/** The only modes a token may travel under: the server is verified before anything is sent. */
export function tokenModeAllowed(mode: SslMode): boolean {
  return modeVerifiesChain(mode);
}

/** Why token logins need VERIFY_CA or VERIFY_IDENTITY (the settings error and the engine's refusal say it). */
export const TOKEN_NEEDS_VERIFIED_TLS =
  'a cloud token is sent as a cleartext password (mysql_clear_password) and is valid for any server of that cloud account until it expires, so it may only go to a server whose certificate was verified';

const PATTERNS: Record<Exclude<keyof AuthSettings, 'method'>, { re: RegExp; what: string }> = {
  // AWS region names: af-south-1, us-gov-west-1, cn-north-1, eu-isoe-west-1.
  region: { re: /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, what: 'an AWS region such as eu-west-1' },
  // AWS profile names are free-form but single-line; keep to what shared config files can hold.
  profile: { re: /^[A-Za-z0-9_.@+\-/]{1,128}$/, what: 'an AWS profile name (letters, digits, _ . @ + - /)' },
  tenantId: {
    re: /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+)$/,
    what: 'a tenant id (GUID) or domain',
  },
  clientId: { re: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, what: 'a client id (GUID)' },
  impersonate: {
    re: /^[a-z][a-z0-9-]{4,61}[a-z0-9]@[a-z0-9.-]+\.iam\.gserviceaccount\.com$/,
    what: 'a service account e-mail (name@project.iam.gserviceaccount.com)',
  },
};

export interface AuthParseResult {
  auth?: AuthSettings;
  errors: { field: string; message: string }[];
  warnings: { field: string; message: string }[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Validates the `auth` block of a connection. `mode` is the effective ssl mode: a token method under a mode
 * that does not verify the server is an error naming auth.method and ssl.mode.
 */
export function parseAuthSettings(raw: unknown, mode: SslMode): AuthParseResult {
  const errors: AuthParseResult['errors'] = [];
  const warnings: AuthParseResult['warnings'] = [];
  if (raw === undefined) return { errors, warnings };
  if (!isRecord(raw)) return { errors: [{ field: 'auth', message: 'auth must be an object such as { "method": "awsIam", "region": "eu-west-1" }' }], warnings };
  const method = raw.method ?? 'password';
  if (typeof method !== 'string' || !(AUTH_METHODS as readonly string[]).includes(method)) {
    errors.push({ field: 'auth.method', message: `auth.method ${JSON.stringify(raw.method)} must be one of ${AUTH_METHODS.join(', ')}` });
    return { errors, warnings };
  }
  const auth: AuthSettings = { method: method as AuthMethod };
  const allowed = AUTH_FIELDS[auth.method];
  for (const key of Object.keys(raw)) {
    if (key === 'method') continue;
    if (!(allowed as readonly string[]).includes(key)) {
      warnings.push({ field: `auth.${key}`, message: `"auth.${key}" is not used by auth.method "${auth.method}" and is ignored` });
      continue;
    }
    const field = key as Exclude<keyof AuthSettings, 'method'>;
    const value = raw[key];
    if (value === undefined || value === '') continue;
    const rule = PATTERNS[field];
    if (typeof value !== 'string' || !rule.re.test(value)) {
      errors.push({ field: `auth.${field}`, message: `auth.${field} must be ${rule.what}, not ${JSON.stringify(value).slice(0, 80)}` });
      continue;
    }
    auth[field] = value;
  }
  if (isTokenAuth(auth) && !tokenModeAllowed(mode)) {
    errors.push({
      field: 'auth.method',
      message: `auth.method "${auth.method}" needs ssl.mode VERIFY_IDENTITY (or VERIFY_CA), not ${mode}: ${TOKEN_NEEDS_VERIFIED_TLS}`,
    });
  }
  return { auth: errors.length ? undefined : auth, errors, warnings };
}

/** The settings JSON of an auth block (only set fields), or undefined for the default password login. */
export function authEntryOf(auth: AuthSettings | undefined): Record<string, unknown> | undefined {
  if (!auth || auth.method === 'password') return undefined;
  const entry: Record<string, unknown> = { method: auth.method };
  for (const k of AUTH_FIELDS[auth.method]) if (auth[k]) entry[k] = auth[k];
  return entry;
}
