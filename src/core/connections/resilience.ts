import { MysqlTlsError } from '../errors';
import type { TlsPlan } from '../tls/tlsPlan';
import type { SecurityLevel } from '../tls/tlsReport';

/** How the registry keeps sessions alive. Read again on every use, so settings changes apply at once. */
export interface ResilienceOptions {
  /** Reconnect by itself when an open session is lost (server restart, KILL, network). */
  autoReconnect: boolean;
  /** Attempts per loss before giving up and showing the error. */
  reconnectMaxAttempts: number;
  /** First backoff delay; doubled per attempt, capped by reconnectMaxDelayMs, with jitter. */
  reconnectBaseDelayMs: number;
  reconnectMaxDelayMs: number;
  /** Idle sessions are pinged (COM_PING) at this interval; 0 turns the keepalive off. */
  keepaliveIntervalMs: number;
  /** A ping without an answer within this time marks the link dead. */
  keepaliveTimeoutMs: number;
  /**
   * A reconnected session must stay up this long before the attempt budget is refilled: a server that drops
   * every session right after login uses up reconnectMaxAttempts instead of getting logins for ever.
   */
  reconnectStableMs: number;
  /** At most this many reconnect attempts per reconnectWindowMs, whatever else happens (a rate limit). */
  reconnectWindowMax: number;
  reconnectWindowMs: number;
}

export const DEFAULT_RESILIENCE: Readonly<ResilienceOptions> = {
  autoReconnect: true,
  reconnectMaxAttempts: 6,
  reconnectBaseDelayMs: 250,
  reconnectMaxDelayMs: 15_000,
  keepaliveIntervalMs: 60_000,
  keepaliveTimeoutMs: 10_000,
  reconnectStableMs: 30_000,
  reconnectWindowMax: 30,
  reconnectWindowMs: 10 * 60_000,
};

export const MAX_RECONNECT_ATTEMPTS = 100;

/** Clamps user-provided values into sane bounds (a bad setting never makes an unbounded loop). */
export function normalizeResilience(partial: Partial<ResilienceOptions> | undefined): ResilienceOptions {
  const o = { ...DEFAULT_RESILIENCE, ...(partial ?? {}) };
  const int = (v: number, min: number, max: number, fallback: number): number => (Number.isFinite(v) ? Math.min(max, Math.max(min, Math.round(v))) : fallback);
  return {
    autoReconnect: o.autoReconnect !== false,
    reconnectMaxAttempts: int(o.reconnectMaxAttempts, 0, MAX_RECONNECT_ATTEMPTS, DEFAULT_RESILIENCE.reconnectMaxAttempts),
    reconnectBaseDelayMs: int(o.reconnectBaseDelayMs, 1, 60_000, DEFAULT_RESILIENCE.reconnectBaseDelayMs),
    reconnectMaxDelayMs: int(o.reconnectMaxDelayMs, 1, 300_000, DEFAULT_RESILIENCE.reconnectMaxDelayMs),
    keepaliveIntervalMs: int(o.keepaliveIntervalMs, 0, 24 * 3600_000, DEFAULT_RESILIENCE.keepaliveIntervalMs),
    keepaliveTimeoutMs: int(o.keepaliveTimeoutMs, 1, 600_000, DEFAULT_RESILIENCE.keepaliveTimeoutMs),
    reconnectStableMs: int(o.reconnectStableMs, 1, 3600_000, DEFAULT_RESILIENCE.reconnectStableMs),
    reconnectWindowMax: int(o.reconnectWindowMax, 1, 1000, DEFAULT_RESILIENCE.reconnectWindowMax),
    reconnectWindowMs: int(o.reconnectWindowMs, 1, 24 * 3600_000, DEFAULT_RESILIENCE.reconnectWindowMs),
  };
}

/**
 * Delay before reconnect attempt `attempt` (1-based): exponential (base * 2^(attempt-1)), capped, with
 * "equal jitter" (between half and all of it) so clients that lost the same server do not retry in step.
 */
export function backoffDelayMs(
  attempt: number,
  options: Pick<ResilienceOptions, 'reconnectBaseDelayMs' | 'reconnectMaxDelayMs'>,
  random: () => number = Math.random,
): number {
  const exp = Math.min(options.reconnectMaxDelayMs, options.reconnectBaseDelayMs * 2 ** Math.max(0, Math.min(30, attempt - 1)));
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(exp / 2 + (exp / 2) * r);
}

/**
 * Whether another attempt can help. Settings, files, credentials and certificate checks fail the same way
 * every time (and repeated bad logins can lock an account); a refused downgrade is a security event to show,
 * not to retry. Network-level failures are transient. MySQL's own login refusals (locked or blocked account,
 * expired password, plugin not loaded, offline mode, require_secure_transport) need a person to act: retrying
 * them only adds noise to the server's log (and, for a blocked account, nothing changes until its lock time).
 * too-many-connections is retried: max_connections is a passing state of the server, not of this client's
 * settings or credentials, and a reconnect with backoff (bounded by the attempt budget and rate limit) gets a slot.
 */
export function isRetryable(error: Pick<MysqlTlsError, 'code'>): boolean {
  switch (error.code) {
    case 'host-unreachable':
    case 'host-not-found':
    case 'connect-timeout':
    case 'connection-lost':
    case 'protocol-error':
    case 'tls-handshake-failed':
    case 'too-many-connections':
    case 'unknown':
    case 'ssh-unreachable':
    case 'ssh-tunnel-lost':
      // ssh-unreachable / ssh-tunnel-lost: the bastion or the link went away, transient like host-unreachable.
      // Host-key, SSH authentication, agent and passphrase failures are not listed: they fail the same way every
      // time (and a changed host key is an alarm, not a hiccup).
      return true;
    default:
      return false;
  }
}

const SECURITY_RANK: Record<SecurityLevel, number> = { plaintext: 0, encrypted: 1, 'verified-ca': 2, 'verified-identity': 3 };

/** True when `next` is weaker than `floor` (a reconnect must never end up below the first session). */
export function isWeaker(next: SecurityLevel, floor: SecurityLevel): boolean {
  return SECURITY_RANK[next] < SECURITY_RANK[floor];
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. Never leaves a timer behind. */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new Error('aborted'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The plan for a session that replaces or accompanies one at `floor`: PREFERRED whose first session was
 * encrypted insists on TLS (same ssl object, so it still resumes), so a server that lost TLS fails before the
 * credentials are sent instead of falling back.
 */
export function planAtLeast(plan: TlsPlan, floor: SecurityLevel): TlsPlan {
  return floor !== 'plaintext' && plan.rules.tls === 'if-offered' ? { ...plan, rules: { ...plan.rules, tls: 'always' } } : plan;
}

/** Refuses (and closes) a new session weaker than the one it replaces or accompanies. */
export function assertNotWeaker(session: { report: { security: SecurityLevel }; destroy(): void }, floor: SecurityLevel): void {
  if (!isWeaker(session.report.security, floor)) return;
  session.destroy();
  throw new MysqlTlsError('server-no-tls', `the new session would be ${session.report.security}, weaker than the ${floor} session it replaces; refused`);
}
