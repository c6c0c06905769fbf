import { isMysqlTlsError, MysqlTlsError } from '../errors';
import { explainAdminConnectError } from '../proxysql/adminTls';
import type { Logger } from '../logging/logger';
import type { OpenSessionOptions, Session } from '../mysql/session';
import type { TokenSource } from '../cloudAuth/tokenSource';
import type { TunnelManager } from '../ssh/tunnel';
import type { PathContext } from '../paths';
import type { ConnectionProfile, ConnectionSecrets } from '../profile';
import type { PlanInput, TlsPlan } from '../tls/tlsPlan';
import type { SecurityLevel, TlsReport } from '../tls/tlsReport';
import { fileStamps, TlsPlanCache, type PlanTls } from './planCache';
import { abortableDelay, assertNotWeaker, backoffDelayMs, isRetryable, normalizeResilience, planAtLeast, type ResilienceOptions } from './resilience';

export type ConnectionState = 'disconnected' | 'connecting' | 'connected' | 'reconnecting' | 'error';

/** Where an automatic reconnect stands (state 'reconnecting'). */
export interface ReconnectProgress {
  /** 1-based attempt being made or waited for. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** Why the session was lost, or why the previous attempt failed. */
  readonly reason: MysqlTlsError;
  /** When the next attempt starts (while waiting out the backoff). */
  readonly nextAttemptAt?: Date;
}

/** What the UI shows for one connection. */
export interface ConnectionStatus {
  readonly id: string;
  readonly state: ConnectionState;
  /** The report of the open session (connected), or of the last successful test / last session (reconnecting). */
  readonly report?: TlsReport;
  /** Why the last connect or test failed (state 'error', or a failed test). */
  readonly error?: MysqlTlsError;
  readonly session?: Session;
  /** Set in state 'reconnecting'. */
  readonly reconnect?: ReconnectProgress;
  /** When the state last changed. */
  readonly since: Date;
}

export type OpenSession = (options: OpenSessionOptions) => Promise<Session>;

/** Why secrets are read: a reconnect of a session the user opened is not asked about again. */
export type SecretsPurpose = 'connect' | 'reconnect' | 'test';

export interface ConnectionRegistryDeps {
  /**
   * The secrets a connect may use. In the extension this is the secret gate: secrets bound to another endpoint
   * or trust are released only after the user confirms (it rejects with 'cancelled' otherwise).
   */
  readSecrets(profile: ProfileWithId, purpose: SecretsPurpose): Promise<ConnectionSecrets>;
  /**
   * Why this profile must not connect at all, checked before anything is read or dialled (the extension:
   * a workspace connection in Restricted Mode).
   */
  refuse?(profile: ProfileWithId): MysqlTlsError | undefined;
  paths(): PathContext;
  logger: Logger;
  /** Defaults to the engine's openSession, loaded on first use (so mysql2 loads on first connect). */
  openSession?: OpenSession;
  /** Defaults to the engine's planTls, loaded on first use. */
  planTls?: PlanTls;
  /** Auto-reconnect and keepalive settings, read on every use (defaults: DEFAULT_RESILIENCE). */
  resilience?: () => Partial<ResilienceOptions>;
  /** Jitter source (tests pin it). */
  random?: () => number;
  /** Where cloud login tokens come from (default: the clouds' credential chains); asked on every connect and reconnect. */
  tokenSource?: TokenSource;
  /**
   * Before a token login (profile.auth) connects or is tested: the extension asks the user the first time a
   * workspace connection, or a host outside the provider's domain, would get a token (rejects with 'cancelled').
   * Not asked again for the automatic reconnects of a session the user opened.
   */
  confirmTokenLogin?(profile: ProfileWithId, purpose: SecretsPurpose): Promise<void>;
  /**
   * The SSH tunnels of connections with an `ssh` block, shared by their sessions (reconnects and query editors'
   * sessions included). The extension's asks about unknown host keys and records them in its own known_hosts.
   */
  tunnels?: TunnelManager;
  /**
   * Whether the profile's ssh.knownHosts may be honoured (user settings only). Default true: the settings
   * reader already drops ssh.knownHosts from workspace entries.
   */
  sshKnownHostsTrusted?: (profile: ProfileWithId) => boolean;
}

export type TestOutcome = { ok: true; report: TlsReport } | { ok: false; error: MysqlTlsError };

type ProfileWithId = ConnectionProfile & { id: string };

function asMysqlTlsError(e: unknown): MysqlTlsError {
  if (isMysqlTlsError(e)) return e;
  return new MysqlTlsError('unknown', e instanceof Error ? e.message : String(e));
}

// import(), not require(): webpack puts the engine in the "session" chunk, read on the first connect, not at activation.
function defaultOpenSession(options: OpenSessionOptions): Promise<Session> {
  return import(/* webpackChunkName: "session" */ '../mysql/session').then(({ openSession }) => openSession(options));
}

/** The server's own TLS view (and ProxySQL's admin SQL) is read after a connect: with the engine, not at activation. */
function loadClientPort(): Promise<typeof import('../proxysql/clientPort')> {
  return import(/* webpackChunkName: "session" */ '../proxysql/clientPort');
}

function defaultPlanTls(input: PlanInput): Promise<TlsPlan> {
  return import(/* webpackChunkName: "session" */ '../tls/tlsPlan').then(({ planTls }) => planTls(input));
}

/** Whether mysql2 is running or has queued a command on this session (a ping would wait behind it). */
function isBusy(session: Session): boolean {
  const c = session.connection as unknown as { _command?: unknown; _commands?: { length: number } };
  return Boolean(c._command) || (c._commands?.length ?? 0) > 0;
}

/**
 * The reconnect budget of a connection, carried across reconnects: attempts are refilled only once a session
 * has stayed up for reconnectStableMs, and every attempt counts against a rate limit per window.
 */
interface ReconnectBudget {
  /** Attempts made since the last session that stayed up long enough. */
  attempts: number;
  /** Reconnect logins that succeeded in this streak (for the message when the budget runs out). */
  shortSessions: number;
  /** When each recent attempt started (pruned to the window). */
  recent: number[];
}

/** Per open session: what a reconnect needs, and the keepalive. */
interface Link {
  budget: ReconnectBudget;
  /** When this session was adopted (how long it stayed up decides whether the budget is refilled). */
  connectedAt: number;
  profile: ProfileWithId;
  session: Session;
  /** The security of the first session the user opened: reconnects never go below it. */
  floor: SecurityLevel;
  label: string;
  keepalive?: NodeJS.Timeout;
  /** Set when the registry itself declares the link dead (keepalive), before destroying the socket. */
  lostReason?: MysqlTlsError;
}

/**
 * Per-connection state (disconnected / connecting / connected / reconnecting / error), the open Session, the
 * TLS report and the last error, with a change event. No VS Code here: the tree, the status bar and the
 * details view all render from it.
 *
 * Resilience: one TlsPlan per connection is cached (rebuilt when the profile, its files or the key secrets
 * change), so every reconnect uses the same mode and the same ssl object (TLS session resumption). A session
 * lost by the server or the network is reopened with exponential backoff and jitter, a bounded number of
 * times; a reconnect that would be weaker than the first session (e.g. PREFERRED to a server that lost TLS)
 * is refused before credentials are sent. Idle sessions are pinged; a ping without an answer marks the link
 * dead and reconnects. disconnect() cancels everything pending at once.
 */
export class ConnectionRegistry {
  private readonly statuses = new Map<string, ConnectionStatus>();
  private readonly listeners = new Set<(status: ConnectionStatus) => void>();
  /** Connect attempts and reconnect loops in flight, cancelled by disconnect(). */
  private readonly pending = new Map<string, AbortController>();
  private readonly links = new Map<string, Link>();
  readonly plans: TlsPlanCache;

  constructor(private readonly deps: ConnectionRegistryDeps) {
    this.plans = new TlsPlanCache(deps.planTls ?? defaultPlanTls);
  }

  private options(): ResilienceOptions {
    return normalizeResilience(this.deps.resilience?.());
  }

  status(connectionId: string): ConnectionStatus {
    return this.statuses.get(connectionId) ?? { id: connectionId, state: 'disconnected', since: new Date(0) };
  }

  all(): ConnectionStatus[] {
    return [...this.statuses.values()];
  }

  onDidChange(listener: (status: ConnectionStatus) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  }

  /** Counters for leak checks: listeners, pending attempts, open links, keepalive timers. */
  resourceCounts(): { listeners: number; pending: number; links: number; keepalives: number } {
    return {
      listeners: this.listeners.size,
      pending: this.pending.size,
      links: this.links.size,
      keepalives: [...this.links.values()].filter((l) => l.keepalive).length,
    };
  }

  private set(status: Omit<ConnectionStatus, 'since'>): ConnectionStatus {
    const full: ConnectionStatus = { ...status, since: new Date() };
    this.statuses.set(status.id, full);
    for (const l of [...this.listeners]) {
      try {
        l(full);
      } catch (e) {
        this.deps.logger.error('a connection state listener failed', e);
      }
    }
    return full;
  }

  private async open(profile: ProfileWithId, signal: AbortSignal | undefined, floor?: SecurityLevel): Promise<Session> {
    const refusal = this.deps.refuse?.(profile);
    if (refusal) throw refusal;
    const paths = this.deps.paths();
    // The plan-cache check stats the profile's files while the secrets are read (a keychain round trip).
    const stamps = fileStamps(profile, paths);
    if (profile.auth && profile.auth.method !== 'password' && !floor) await this.deps.confirmTokenLogin?.(profile, 'connect');
    const secrets = await this.deps.readSecrets(profile, floor ? 'reconnect' : 'connect');
    if (signal?.aborted) throw new MysqlTlsError('cancelled', 'the connection attempt was cancelled');
    this.deps.logger.addSecret(secrets.password);
    this.deps.logger.addSecret(secrets.passphrase);
    this.deps.logger.addSecret(secrets.keyPem);
    this.deps.logger.addSecret(secrets.sshPassword);
    this.deps.logger.addSecret(secrets.sshPassphrase);
    const plan = await this.plans.get(profile.id, { profile, secrets, paths, stamps });
    if (signal?.aborted) throw new MysqlTlsError('cancelled', 'the connection attempt was cancelled');
    const open = this.deps.openSession ?? defaultOpenSession;
    const session = await open({
      profile,
      secrets,
      paths,
      plan: floor ? planAtLeast(plan, floor) : plan,
      signal,
      ...this.tokenOptions(),
      ...this.sshOptions(profile),
    });
    if (floor) assertNotWeaker(session, floor);
    return session;
  }

  /** Token logins: the injected source (if any), and every token masked in the log before it is used. */
  private tokenOptions(): Pick<OpenSessionOptions, 'tokenSource' | 'redact'> {
    return { tokenSource: this.deps.tokenSource, redact: (token) => this.deps.logger.addSecret(token) };
  }

  private sshOptions(profile: ProfileWithId): Pick<OpenSessionOptions, 'tunnels' | 'sshKnownHostsTrusted'> {
    if (!profile.ssh) return {};
    return { tunnels: this.deps.tunnels, sshKnownHostsTrusted: this.deps.sshKnownHostsTrusted?.(profile) ?? true };
  }

  private labelOf(profile: ProfileWithId): string {
    return `${profile.name ?? profile.id} (${profile.user}@${profile.host}:${profile.port ?? 3306}, ${profile.ssl?.mode ?? 'default mode'})`;
  }

  /** Makes `session` the connection's session: end handling, keepalive, state 'connected'. */
  private adopt(
    profile: ProfileWithId,
    session: Session,
    floor: SecurityLevel,
    budget: ReconnectBudget = { attempts: 0, shortSessions: 0, recent: [] },
  ): ConnectionStatus {
    const id = profile.id;
    const link: Link = { profile, session, floor, label: this.labelOf(profile), budget, connectedAt: Date.now() };
    this.links.set(id, link);
    session.onEnd((err) => {
      if (this.links.get(id) !== link) return;
      this.links.delete(id);
      this.stopKeepalive(link);
      const reason = err ?? link.lostReason;
      if (!reason) {
        this.deps.logger.info(`session of ${link.label} closed`);
        this.set({ id, state: 'disconnected', report: session.report });
        return;
      }
      this.deps.logger.warn(`session of ${link.label} lost: ${reason.code}: ${reason.detail}`);
      const options = this.options();
      if (options.autoReconnect && options.reconnectMaxAttempts > 0 && isRetryable(reason)) void this.reconnectLoop(link, reason);
      else this.set({ id, state: 'error', error: reason, report: session.report });
    });
    this.startKeepalive(link);
    return this.set({ id, state: 'connected', session, report: session.report });
  }

  private startKeepalive(link: Link): void {
    const interval = this.options().keepaliveIntervalMs;
    if (interval <= 0) return;
    const tick = (): void => {
      link.keepalive = undefined;
      if (this.links.get(link.profile.id) !== link || !link.session.isOpen) return;
      if (isBusy(link.session)) {
        this.scheduleKeepalive(link, tick, interval);
        return;
      }
      const timeoutMs = this.options().keepaliveTimeoutMs;
      let answered = false;
      const deadline = setTimeout(() => {
        if (answered || this.links.get(link.profile.id) !== link) return;
        link.lostReason = new MysqlTlsError('connection-lost', `no answer to the keepalive ping within ${timeoutMs} ms; the link is dead`);
        link.session.destroy();
      }, timeoutMs);
      try {
        link.session.connection.ping((err) => {
          answered = true;
          clearTimeout(deadline);
          if (err) return; // the session's own error/end handling takes over
          this.scheduleKeepalive(link, tick, interval);
        });
      } catch {
        // mysql2 refuses commands on a closed connection; its end event handles the rest.
        answered = true;
        clearTimeout(deadline);
      }
    };
    this.scheduleKeepalive(link, tick, interval);
  }

  private scheduleKeepalive(link: Link, tick: () => void, interval: number): void {
    if (this.links.get(link.profile.id) !== link) return;
    link.keepalive = setTimeout(tick, interval);
    link.keepalive.unref();
  }

  private stopKeepalive(link: Link): void {
    if (link.keepalive) clearTimeout(link.keepalive);
    link.keepalive = undefined;
  }

  private async reconnectLoop(link: Link, lostBecause: MysqlTlsError): Promise<void> {
    const id = link.profile.id;
    const controller = new AbortController();
    this.pending.get(id)?.abort();
    this.pending.set(id, controller);
    const lastReport = link.session.report;
    let reason = lostBecause;
    const options = this.options();
    const max = options.reconnectMaxAttempts;
    const budget = link.budget;
    // A session that stayed up refills the budget; one lost soon after a reconnect does not.
    if (Date.now() - link.connectedAt >= options.reconnectStableMs) {
      budget.attempts = 0;
      budget.shortSessions = 0;
    } else if (budget.attempts > 0) budget.shortSessions++;
    for (let attempt = budget.attempts + 1; attempt <= max; attempt++) {
      const now = Date.now();
      budget.recent = budget.recent.filter((t) => now - t < options.reconnectWindowMs);
      if (budget.recent.length >= options.reconnectWindowMax) {
        reason = new MysqlTlsError(
          'connection-lost',
          `${budget.recent.length} reconnect attempts within ${Math.round(options.reconnectWindowMs / 1000)} s; not reconnecting again by itself (last loss: ${lostBecause.detail})`,
        );
        break;
      }
      budget.attempts = attempt;
      const delay = backoffDelayMs(attempt, this.options(), this.deps.random);
      this.set({
        id,
        state: 'reconnecting',
        report: lastReport,
        error: reason,
        reconnect: { attempt, maxAttempts: max, reason, nextAttemptAt: new Date(Date.now() + delay) },
      });
      try {
        await abortableDelay(delay, controller.signal);
      } catch {
        return; // disconnected or superseded
      }
      budget.recent.push(Date.now());
      this.deps.logger.info(`reconnecting ${link.label}: attempt ${attempt}/${max}`);
      try {
        const session = await this.open(link.profile, controller.signal, link.floor);
        if (this.pending.get(id) !== controller) {
          await session.close();
          return;
        }
        this.pending.delete(id);
        this.deps.logger.info(
          `reconnected ${link.label} on attempt ${attempt}: ${session.report.security}${session.report.sessionReused ? ', TLS session resumed' : ''}`,
        );
        this.adopt(link.profile, session, link.floor, budget);
        return;
      } catch (e) {
        if (controller.signal.aborted || this.pending.get(id) !== controller) return;
        reason = asMysqlTlsError(e);
        this.deps.logger.warn(`reconnect attempt ${attempt}/${max} of ${link.label} failed: ${reason.code}: ${reason.detail}`);
        if (!isRetryable(reason)) break;
      }
    }
    if (this.pending.get(id) !== controller) return;
    this.pending.delete(id);
    if (budget.shortSessions > 0 && budget.attempts >= max && reason === lostBecause) {
      // Every reconnect logged in and was dropped again: say so, instead of a plain "connection lost".
      reason = new MysqlTlsError(
        'connection-lost',
        `the server closes every session soon after login: ${budget.shortSessions + 1} sessions in a row were lost within ${Math.round(options.reconnectStableMs / 1000)} s of connecting (last: ${lostBecause.detail}); stopped after ${max} reconnect attempts`,
      );
    }
    this.set({ id, state: 'error', error: reason, report: lastReport });
  }

  /** Opens a session and keeps it; an open session of the same id is closed first. Rejects with MysqlTlsError. */
  async connect(profile: ProfileWithId, signal?: AbortSignal): Promise<ConnectionStatus> {
    const id = profile.id;
    const controller = new AbortController();
    const onAbort = (): void => controller.abort();
    if (signal?.aborted) controller.abort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    await this.disconnect(id, { quiet: true });
    this.pending.set(id, controller);
    this.set({ id, state: 'connecting' });
    const label = this.labelOf(profile);
    this.deps.logger.info(`connecting ${label}`);
    try {
      const session = await this.open(profile, controller.signal);
      if (controller.signal.aborted) {
        // Cancelled in a phase where the engine was not yet listening (reading files, planning TLS).
        await session.close();
        throw new MysqlTlsError('cancelled', 'the connection attempt was cancelled');
      }
      if (this.pending.get(id) !== controller) {
        // Disconnected (or reconnected) while connecting: this session is not wanted any more.
        await session.close();
        throw new MysqlTlsError('cancelled', 'the connection attempt was superseded');
      }
      this.pending.delete(id);
      this.deps.logger.info(
        `connected ${label}: ${session.report.security}, ${session.report.protocol ?? 'plaintext'} ${session.report.cipher?.name ?? ''}`.trim(),
      );
      return this.adopt(profile, session, session.report.security);
    } catch (e) {
      const error = explainAdminConnectError(profile.kind, asMysqlTlsError(e));
      if (this.pending.get(id) === controller) this.pending.delete(id);
      this.deps.logger.error(`connecting ${label} failed: ${error.code}: ${error.detail}`);
      if (this.status(id).state === 'connecting') {
        this.set(error.code === 'cancelled' ? { id, state: 'disconnected' } : { id, state: 'error', error });
      }
      throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Opens a session with a fresh plan (a full handshake), records its report (or error) without changing the connected state, and closes it. */
  async test(profile: ProfileWithId, signal?: AbortSignal): Promise<TestOutcome> {
    const before = this.status(profile.id);
    const busy = (): boolean =>
      ['connected', 'connecting', 'reconnecting'].includes(this.status(profile.id).state) || ['connected', 'connecting', 'reconnecting'].includes(before.state);
    try {
      const refusal = this.deps.refuse?.(profile);
      if (refusal) throw refusal;
      if (profile.auth && profile.auth.method !== 'password') await this.deps.confirmTokenLogin?.(profile, 'test');
      const secrets = await this.deps.readSecrets(profile, 'test');
      this.deps.logger.addSecret(secrets.password);
      this.deps.logger.addSecret(secrets.passphrase);
      this.deps.logger.addSecret(secrets.keyPem);
      this.deps.logger.addSecret(secrets.sshPassword);
      this.deps.logger.addSecret(secrets.sshPassphrase);
      const open = this.deps.openSession ?? defaultOpenSession;
      const session = await open({ profile, secrets, paths: this.deps.paths(), signal, ...this.tokenOptions(), ...this.sshOptions(profile) });
      // A test is for the whole report, the server's own view included.
      const { serverViewWithProxy } = await loadClientPort();
      const report = await serverViewWithProxy(session, profile.kind).finally(() => session.close());
      this.deps.logger.info(`test of ${profile.name ?? profile.id} succeeded: ${report.security}`);
      if (!busy()) this.set({ id: profile.id, state: 'disconnected', report });
      return { ok: true, report };
    } catch (e) {
      const error = explainAdminConnectError(profile.kind, asMysqlTlsError(e));
      this.deps.logger.warn(`test of ${profile.name ?? profile.id} failed: ${error.code}: ${error.detail}`);
      if (!busy()) this.set({ id: profile.id, state: 'disconnected', error });
      return { ok: false, error };
    }
  }

  /**
   * Completes the connected session's report with the server's own view (one SHOW SESSION STATUS, asked
   * once per session) and publishes it. Connecting does not wait for it; whatever shows the server's view
   * asks for it. Resolves undefined when the connection is not connected (or was replaced meanwhile).
   */
  async serverView(connectionId: string): Promise<TlsReport | undefined> {
    const link = this.links.get(connectionId);
    if (!link) return undefined;
    const { serverViewWithProxy } = await loadClientPort();
    const report = await serverViewWithProxy(link.session, link.profile.kind);
    const current = this.status(connectionId);
    if (this.links.get(connectionId) === link && current.session === link.session && current.report !== report) {
      this.set({ ...current, report });
    }
    return report;
  }

  /** Closes the session, and cancels a connect attempt or a reconnect loop in flight, at once. */
  async disconnect(connectionId: string, options: { quiet?: boolean } = {}): Promise<void> {
    const pending = this.pending.get(connectionId);
    if (pending) {
      this.pending.delete(connectionId);
      pending.abort();
    }
    const link = this.links.get(connectionId);
    if (link) {
      this.links.delete(connectionId);
      this.stopKeepalive(link);
    }
    const current = this.status(connectionId);
    const session = current.session ?? link?.session;
    if (session) {
      // Detach first so the session's own end event does not overwrite the state.
      this.set({ id: connectionId, state: 'disconnected', report: current.report });
      await session.close();
      this.deps.logger.info(`disconnected ${connectionId}`);
    } else if (current.state === 'reconnecting' || (!options.quiet && current.state !== 'disconnected')) {
      this.set({ id: connectionId, state: 'disconnected', report: current.report });
    }
  }

  /** Forgets a connection that was removed from the settings. */
  async forget(connectionId: string): Promise<void> {
    await this.disconnect(connectionId, { quiet: true });
    this.statuses.delete(connectionId);
    this.plans.delete(connectionId);
  }

  async disconnectAll(): Promise<void> {
    await Promise.all([...new Set([...this.statuses.keys(), ...this.pending.keys(), ...this.links.keys()])].map((id) => this.disconnect(id, { quiet: true })));
  }
}
