import { isMysqlTlsError, MysqlTlsError } from '../errors';
import type { Logger } from '../logging/logger';
import type { OpenSessionOptions, Session } from '../mysql/session';
import type { PathContext } from '../paths';
import type { ConnectionProfile, ConnectionSecrets } from '../profile';
import type { TlsReport } from '../tls/tlsReport';

export type ConnectionState = 'disconnected' | 'connecting' | 'connected' | 'error';

/** What the UI shows for one connection. */
export interface ConnectionStatus {
  readonly id: string;
  readonly state: ConnectionState;
  /** The report of the open session (connected), or of the last successful test. */
  readonly report?: TlsReport;
  /** Why the last connect or test failed (state 'error', or a failed test). */
  readonly error?: MysqlTlsError;
  readonly session?: Session;
  /** When the state last changed. */
  readonly since: Date;
}

export type OpenSession = (options: OpenSessionOptions) => Promise<Session>;

export interface ConnectionRegistryDeps {
  readSecrets(connectionId: string): Promise<ConnectionSecrets>;
  paths(): PathContext;
  logger: Logger;
  /** Defaults to the engine's openSession, loaded on first use (so mysql2 loads on first connect). */
  openSession?: OpenSession;
}

export type TestOutcome = { ok: true; report: TlsReport } | { ok: false; error: MysqlTlsError };

function asMysqlTlsError(e: unknown): MysqlTlsError {
  if (isMysqlTlsError(e)) return e;
  return new MysqlTlsError('unknown', e instanceof Error ? e.message : String(e));
}

function defaultOpenSession(options: OpenSessionOptions): Promise<Session> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { openSession } = require('../mysql/session') as typeof import('../mysql/session');
  return openSession(options);
}

/**
 * Per-connection state (disconnected / connecting / connected / error), the open Session, the TLS report
 * and the last error, with a change event. No VS Code here: the tree, the status bar and the details view
 * all render from it.
 */
export class ConnectionRegistry {
  private readonly statuses = new Map<string, ConnectionStatus>();
  private readonly listeners = new Set<(status: ConnectionStatus) => void>();
  private readonly pending = new Map<string, AbortController>();

  constructor(private readonly deps: ConnectionRegistryDeps) {}

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

  private async open(profile: ConnectionProfile & { id: string }, signal?: AbortSignal): Promise<Session> {
    const secrets = await this.deps.readSecrets(profile.id);
    if (signal?.aborted) throw new MysqlTlsError('cancelled', 'the connection attempt was cancelled');
    this.deps.logger.addSecret(secrets.password);
    this.deps.logger.addSecret(secrets.passphrase);
    this.deps.logger.addSecret(secrets.keyPem);
    const open = this.deps.openSession ?? defaultOpenSession;
    return open({ profile, secrets, paths: this.deps.paths(), signal });
  }

  /** Opens a session and keeps it; an open session of the same id is closed first. Rejects with MysqlTlsError. */
  async connect(profile: ConnectionProfile & { id: string }, signal?: AbortSignal): Promise<ConnectionStatus> {
    const id = profile.id;
    const controller = new AbortController();
    const onAbort = (): void => controller.abort();
    if (signal?.aborted) controller.abort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    await this.disconnect(id, { quiet: true });
    this.pending.set(id, controller);
    this.set({ id, state: 'connecting' });
    const label = `${profile.name ?? id} (${profile.user}@${profile.host}:${profile.port ?? 3306}, ${profile.ssl?.mode ?? 'default mode'})`;
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
      session.onEnd((err) => {
        if (this.status(id).session !== session) return;
        if (err) {
          this.deps.logger.warn(`session of ${label} ended: ${err.message}`);
          this.set({ id, state: 'error', error: err, report: session.report });
        } else {
          this.deps.logger.info(`session of ${label} closed`);
          this.set({ id, state: 'disconnected', report: session.report });
        }
      });
      this.deps.logger.info(`connected ${label}: ${session.report.security}, ${session.report.protocol ?? 'plaintext'} ${session.report.cipher?.name ?? ''}`.trim());
      return this.set({ id, state: 'connected', session, report: session.report });
    } catch (e) {
      const error = asMysqlTlsError(e);
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

  /** Opens a session, records its report (or error) without changing the connected state, and closes it. */
  async test(profile: ConnectionProfile & { id: string }, signal?: AbortSignal): Promise<TestOutcome> {
    const before = this.status(profile.id);
    try {
      const session = await this.open(profile, signal);
      await session.close();
      this.deps.logger.info(`test of ${profile.name ?? profile.id} succeeded: ${session.report.security}`);
      if (before.state !== 'connected' && before.state !== 'connecting') this.set({ id: profile.id, state: 'disconnected', report: session.report });
      return { ok: true, report: session.report };
    } catch (e) {
      const error = asMysqlTlsError(e);
      this.deps.logger.warn(`test of ${profile.name ?? profile.id} failed: ${error.code}: ${error.detail}`);
      if (before.state !== 'connected' && before.state !== 'connecting') this.set({ id: profile.id, state: 'disconnected', error });
      return { ok: false, error };
    }
  }

  async disconnect(connectionId: string, options: { quiet?: boolean } = {}): Promise<void> {
    const pending = this.pending.get(connectionId);
    if (pending) {
      this.pending.delete(connectionId);
      pending.abort();
    }
    const current = this.status(connectionId);
    if (current.session) {
      const session = current.session;
      // Detach first so the session's own end event does not overwrite the state.
      this.set({ id: connectionId, state: 'disconnected', report: current.report });
      await session.close();
      this.deps.logger.info(`disconnected ${connectionId}`);
    } else if (!options.quiet && current.state !== 'disconnected') {
      this.set({ id: connectionId, state: 'disconnected' });
    }
  }

  /** Forgets a connection that was removed from the settings. */
  async forget(connectionId: string): Promise<void> {
    await this.disconnect(connectionId, { quiet: true });
    this.statuses.delete(connectionId);
  }

  async disconnectAll(): Promise<void> {
    await Promise.all([...this.statuses.keys(), ...this.pending.keys()].map((id) => this.disconnect(id, { quiet: true })));
  }
}
