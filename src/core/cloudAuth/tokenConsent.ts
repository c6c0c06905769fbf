import * as net from 'node:net';
import type { PathContext } from '../paths';
import type { ConnectionProfile } from '../profile';
import { bindingOf, describeEndpoint, type SecretBinding } from '../secrets/secretBinding';
import { isTokenAuth, type AuthSettings, type TokenAuthMethod } from './authSettings';
import { methodName } from './tokenSource';

/**
 * Consent before a cloud token goes somewhere the user may not have chosen. An Entra ID token for the
 * ossrdbms scope is valid for every Azure MySQL server the identity may use, and a Cloud SQL token for every
 * instance; a workspace's settings (untrusted: a repository writes them) can point a connection at any host
 * with a valid public certificate. So the first token login of a workspace-defined connection, or to a host
 * outside the provider's own domain, is confirmed by the user, and the consent is bound like stored secrets
 * are (endpoint, mode, CA, verified name, and the cloud identity): any change asks again.
 */
export interface TokenConsentBinding extends SecretBinding {
  method: TokenAuthMethod;
  /** The identity settings (region, profile, tenant, client id, impersonated account), as JSON. */
  identity: string;
}

/** The provider's own endpoint names; Cloud SQL is reached by IP (or *.sql.goog DNS names). */
export function hostInProviderDomain(method: TokenAuthMethod, host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  switch (method) {
    case 'awsIam':
      return /\.rds\.amazonaws\.com(\.cn)?$/.test(h);
    case 'azureEntra':
      return /\.mysql\.database\.(azure\.com|chinacloudapi\.cn|usgovcloudapi\.net)$/.test(h);
    case 'gcpIam':
      return net.isIP(h) !== 0 || /\.sql\.goog$/.test(h);
  }
}

export const PROVIDER_DOMAIN_WORDS: Record<TokenAuthMethod, string> = {
  awsIam: 'an RDS endpoint (*.rds.amazonaws.com)',
  azureEntra: 'an Azure Database for MySQL server (*.mysql.database.azure.com)',
  gcpIam: 'a Cloud SQL address (an IP address or *.sql.goog)',
};

/** Why this token login must be confirmed (empty: it need not). The name checked is the one the certificate must carry. */
export function consentReasons(profile: ConnectionProfile, scope: 'user' | 'workspace'): string[] {
  const auth = profile.auth;
  if (!isTokenAuth(auth)) return [];
  const reasons: string[] = [];
  if (scope === 'workspace') reasons.push('the connection is defined in the workspace settings, which a repository can write');
  const name = profile.ssl?.servername || profile.host;
  if (!hostInProviderDomain(auth.method, name)) reasons.push(`"${name}" is not ${PROVIDER_DOMAIN_WORDS[auth.method]}`);
  return reasons;
}

export function identityText(auth: AuthSettings & { method: TokenAuthMethod }): string {
  const fields = Object.entries(auth)
    .filter(([k, v]) => k !== 'method' && v)
    .map(([k, v]) => `${k} ${String(v)}`);
  return `${methodName(auth.method)}${fields.length ? ` (${fields.join(', ')})` : ' (default credentials)'}`;
}

export async function tokenConsentBinding(
  profile: ConnectionProfile,
  scope: 'user' | 'workspace',
  paths?: PathContext,
): Promise<TokenConsentBinding | undefined> {
  const auth = profile.auth;
  if (!isTokenAuth(auth)) return undefined;
  const identity = JSON.stringify([auth.region ?? '', auth.profile ?? '', auth.tenantId ?? '', auth.clientId ?? '', auth.impersonate ?? '']);
  return { ...(await bindingOf(profile, scope, paths)), method: auth.method, identity };
}

export function sameConsent(a: TokenConsentBinding | undefined, b: TokenConsentBinding): boolean {
  if (!a) return false;
  const keys: (keyof TokenConsentBinding)[] = ['scope', 'port', 'user', 'mode', 'ca', 'servername', 'method', 'identity'];
  return a.host.toLowerCase() === b.host.toLowerCase() && keys.every((k) => a[k] === b[k]);
}

/** Where consents are kept (the extension: its global state; never a secret). */
export interface ConsentMemento {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void> | Promise<void>;
}

export interface ConsentQuestion {
  connectionName: string;
  target: string;
  identity: string;
  reasons: string[];
}

/**
 * Decides, asks (through `ask`, a modal in the extension) and remembers. Resolves when the login may go ahead;
 * `ask` answering false rejects with the caller's cancel error.
 */
export class TokenConsent {
  constructor(
    private readonly memento: ConsentMemento,
    private readonly ask: (q: ConsentQuestion) => Promise<boolean>,
  ) {}

  private key(scope: string, id: string): string {
    return `mysqlTls.tokenConsent.${scope}.${id}`;
  }

  /** True when the login may proceed (no consent needed, already given for this binding, or given now). */
  async confirm(connection: { id: string; name: string; scope: 'user' | 'workspace'; profile: ConnectionProfile }, paths?: PathContext): Promise<boolean> {
    const reasons = consentReasons(connection.profile, connection.scope);
    if (reasons.length === 0) return true;
    const binding = await tokenConsentBinding(connection.profile, connection.scope, paths);
    if (!binding) return true;
    const key = this.key(connection.scope, connection.id);
    if (sameConsent(this.memento.get<TokenConsentBinding>(key), binding)) return true;
    const yes = await this.ask({
      connectionName: connection.name,
      target: `${describeEndpoint(binding)} (${binding.mode})`,
      identity: identityText(connection.profile.auth as AuthSettings & { method: TokenAuthMethod }),
      reasons,
    });
    if (yes) await this.memento.update(key, binding);
    return yes;
  }
}
