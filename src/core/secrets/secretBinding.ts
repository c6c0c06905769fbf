import { createHash } from 'node:crypto';
import { expandPath, type PathContext } from '../paths';
import { DEFAULT_PORT, DEFAULT_SSH_PORT, type ConnectionProfile } from '../profile';
import { effectiveSslMode, modeIsWeaker, modeVerifiesChain, SSL_MODES, type SslMode } from '../tls/sslMode';

/**
 * What a stored secret belongs to: the endpoint it was saved for (host, port, user) and the trust it was
 * saved with (mode, CA identity, verified name). A secret is never sent silently to a profile that differs:
 * a repository's settings can reuse a connection id, or a pull request can change a host, and the keychain
 * lookup by id alone would then hand the user's password to that host.
 */
export interface SecretBinding {
  /** The settings scope the secret was saved from: a workspace can never silently use a user's secret. */
  scope: 'user' | 'workspace';
  host: string;
  port: number;
  user: string;
  mode: SslMode;
  /** 'none' (no CA involved), 'system', or 'sha256:<hex>' of the CA file's bytes. */
  ca: string;
  /** ssl.servername (the name VERIFY_IDENTITY checks), '' when unset. */
  servername: string;
  /**
   * The SSH route the connection takes (sshRouteOf: `[jump ->] user@bastion:port`), '' without one. A workspace
   * that adds or changes a connection's ssh block would otherwise route the stored password through its own host.
   * Absent in bindings saved before SSH tunnels existed (read as '').
   */
  ssh?: string;
}

/** The envelope a secret is stored in. A stored value that is not one is a secret saved before bindings. */
interface StoredEnvelope {
  mysqlTlsSecret: 1;
  value: string;
  binding: SecretBinding;
}

export type DecodedSecret = { value: string; binding: SecretBinding } | { value: string; binding?: undefined };

export function encodeBoundSecret(value: string, binding: SecretBinding): string {
  const envelope: StoredEnvelope = { mysqlTlsSecret: 1, value, binding };
  return JSON.stringify(envelope);
}

function isBinding(v: unknown): v is SecretBinding {
  if (typeof v !== 'object' || v === null) return false;
  const b = v as Record<string, unknown>;
  return (
    (b.scope === 'user' || b.scope === 'workspace') &&
    typeof b.host === 'string' &&
    typeof b.port === 'number' &&
    typeof b.user === 'string' &&
    typeof b.mode === 'string' &&
    (SSL_MODES as readonly string[]).includes(b.mode) &&
    typeof b.ca === 'string' &&
    typeof b.servername === 'string' &&
    (b.ssh === undefined || typeof b.ssh === 'string')
  );
}

/** A stored value: an envelope with its binding, or (saved before bindings existed) the bare secret. */
export function decodeBoundSecret(stored: string): DecodedSecret {
  if (stored.startsWith('{"mysqlTlsSecret":')) {
    try {
      const parsed = JSON.parse(stored) as Partial<StoredEnvelope>;
      if (parsed.mysqlTlsSecret === 1 && typeof parsed.value === 'string' && isBinding(parsed.binding)) return { value: parsed.value, binding: parsed.binding };
    } catch {
      // not an envelope after all: a password that happens to look like one
    }
  }
  return { value: stored };
}

/**
 * The CA identity of a profile: the hash of the CA file's bytes (so a file swapped behind the same path is a
 * different CA), 'system' for the public roots, 'none' when no CA is named. A file that cannot be read is
 * named by its path; the connect then fails on that file anyway.
 */
export async function caIdentityOf(profile: ConnectionProfile, paths: PathContext | undefined): Promise<string> {
  const ssl = profile.ssl ?? {};
  if (effectiveSslMode(profile.ssl) === 'DISABLED') return 'none';
  if (ssl.caSource === 'system') return 'system';
  if (!ssl.ca) return 'none';
  let file: string;
  try {
    file = expandPath(ssl.ca, paths);
  } catch {
    return `unreadable:${ssl.ca}`;
  }
  try {
    // Read on connect only: the certificate code (its container limits) stays out of activation's chunk.
    const { readSettingFile } = await import(/* webpackChunkName: "session" */ '../certificates/pemFiles');
    const data = await readSettingFile(file, 'ssl.ca');
    return `sha256:${createHash('sha256').update(data).digest('hex')}`;
  } catch {
    return `unreadable:${file}`;
  }
}

/** The hops of a profile's SSH route, as compared by the binding: '' without an ssh block. */
export function sshRouteOf(profile: Pick<ConnectionProfile, 'ssh'>): string {
  const ssh = profile.ssh;
  if (!ssh) return '';
  const hop = (h: { host: string; port?: number; user: string }): string => describeEndpoint({ host: h.host, port: h.port ?? DEFAULT_SSH_PORT, user: h.user });
  return ssh.jump ? `${hop(ssh.jump)} -> ${hop(ssh)}` : hop(ssh);
}

export async function bindingOf(profile: ConnectionProfile, scope: SecretBinding['scope'], paths: PathContext | undefined): Promise<SecretBinding> {
  return {
    scope,
    host: profile.host,
    port: profile.port ?? DEFAULT_PORT,
    user: profile.user,
    mode: effectiveSslMode(profile.ssl),
    ca: await caIdentityOf(profile, paths),
    servername: profile.ssl?.servername ?? '',
    ssh: sshRouteOf(profile),
  };
}

/** How a stored binding compares with where a connect is about to send the secret. */
export interface BindingDifference {
  /** Host, port or user differ, or the SSH route does: the secret would go to another endpoint or through another host. */
  endpoint: boolean;
  /** The mode is weaker, or the CA or verified name changed while the mode relies on them. */
  trust: boolean;
  /** The secret was saved from the other settings scope. */
  scope: boolean;
  /** One plain sentence per difference, for the confirmation. */
  reasons: string[];
}

export function describeEndpoint(b: Pick<SecretBinding, 'host' | 'port' | 'user'>): string {
  const host = b.host.includes(':') ? `[${b.host}]` : b.host;
  return `${b.user}@${host}:${b.port}`;
}

function describeCa(ca: string): string {
  if (ca === 'none') return 'no CA';
  if (ca === 'system') return 'the system trust store';
  if (ca.startsWith('sha256:')) return `the CA file with SHA-256 ${ca.slice(7, 23)}…`;
  return `an unreadable CA file`;
}

/** Differences between where the secret was saved for (`stored`) and where it would be sent (`current`). */
export function compareBinding(stored: SecretBinding, current: SecretBinding): BindingDifference {
  const reasons: string[] = [];
  const endpoint = stored.host.toLowerCase() !== current.host.toLowerCase() || stored.port !== current.port || stored.user !== current.user;
  if (endpoint) reasons.push(`it was saved for ${describeEndpoint(stored)}, and this connection goes to ${describeEndpoint(current)}`);
  const storedSsh = stored.ssh ?? '';
  const currentSsh = current.ssh ?? '';
  const sshChanged = storedSsh !== currentSsh;
  if (sshChanged) {
    const route = (r: string): string => (r ? `through SSH via ${r}` : 'directly, without SSH');
    reasons.push(`it was saved for a connection made ${route(storedSsh)}, and this connection goes ${route(currentSsh)}`);
  }
  let trust = false;
  if (modeIsWeaker(current.mode, stored.mode)) {
    trust = true;
    reasons.push(`it was saved with ssl-mode ${stored.mode}, and this connection uses the weaker ${current.mode}`);
  }
  // A secret first sent over an unverified link gains from any CA now; one saved for a verified server
  // must not follow a swapped CA (a repository can ship its own CA file).
  if (modeVerifiesChain(stored.mode) && modeVerifiesChain(current.mode) && stored.ca !== current.ca) {
    trust = true;
    reasons.push(`it was saved for a server verified against ${describeCa(stored.ca)}, and this connection trusts ${describeCa(current.ca)}`);
  }
  if (stored.mode === 'VERIFY_IDENTITY' && current.mode === 'VERIFY_IDENTITY' && stored.servername !== current.servername) {
    trust = true;
    reasons.push(`it was saved for a server named "${stored.servername || stored.host}", and this connection accepts "${current.servername || current.host}"`);
  }
  const scope = stored.scope !== current.scope;
  if (scope) reasons.push(`it was saved from your ${stored.scope} settings, and this connection comes from the ${current.scope} settings`);
  return { endpoint: endpoint || sshChanged, trust, scope, reasons };
}

export function bindingsMatch(d: BindingDifference): boolean {
  return !d.endpoint && !d.trust && !d.scope;
}
