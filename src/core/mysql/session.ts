import { assertNotWeaker, planAtLeast } from '../connections/resilience';
import * as net from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Connection, ConnectionOptions, FieldPacket, QueryOptions } from 'mysql2';
import type { CertificateInfo } from '../certificates/certificateInfo';
import { MysqlTlsError } from '../errors';
import { MAX_TIMEOUT_MS, type ConnectionProfile, type ConnectionSecrets } from '../profile';
import { classifyConnectError } from '../tls/classifyError';
import { clientEd25519Plugin } from './authEd25519';
import { cachingSha2Plugin, clearPasswordPlugin, sha256PasswordPlugin, type AuthTrace, type TokenLoginGuard } from './authSha2';
import { TOKEN_NEEDS_VERIFIED_TLS } from '../cloudAuth/authSettings';
import { TOKEN_LOGIN_DENIED_FIX } from '../cloudAuth/classifyTokenError';
import { cloudTokenSource, fetchLoginToken, tokenRequestOf, type TokenSource } from '../cloudAuth/tokenSource';
import { buildTlsReport, PeerCertificates, withServerView, type ServerTlsView, type TlsReport } from '../tls/tlsReport';
import { planTls, type DriverSslOptions, type TlsPlan } from '../tls/tlsPlan';
import type { PathContext } from '../paths';
import type { Duplex } from 'node:stream';
import type { TunnelLease, TunnelManager } from '../ssh/tunnel';

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** How long serverView() waits for SHOW SESSION STATUS by default. */
export const DEFAULT_SERVER_VIEW_TIMEOUT_MS = 10_000;
export { MAX_TIMEOUT_MS };

/** The connect timeout in ms, or a config error naming connectTimeoutMs (0 never means "wait forever"). */
export function connectTimeoutOf(profile: Pick<ConnectionProfile, 'connectTimeoutMs'>): number {
  const t = profile.connectTimeoutMs;
  if (t === undefined) return DEFAULT_CONNECT_TIMEOUT_MS;
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > MAX_TIMEOUT_MS) {
    throw new MysqlTlsError(
      'config-invalid',
      `${String(t)} is not a timeout in milliseconds from 1 to ${MAX_TIMEOUT_MS}`,
      'connectTimeoutMs',
      `Set connectTimeoutMs to a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS} (the default is ${DEFAULT_CONNECT_TIMEOUT_MS}), or remove it.`,
    );
  }
  return t;
}

export interface ServerViewOptions {
  /** Default DEFAULT_SERVER_VIEW_TIMEOUT_MS; 1 to 2^31-1. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

type Mysql2 = typeof import('mysql2');
let mysql2: Mysql2 | undefined;
/** mysql2 is loaded on first connect, not at activation. */
function driver(): Mysql2 {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (mysql2 ??= require('mysql2') as Mysql2);
}

export interface OpenSessionOptions {
  profile: ConnectionProfile;
  secrets?: ConnectionSecrets;
  paths?: PathContext;
  /** A plan made earlier for the same profile: reusing it (and its ssl object) lets TLS sessions resume. */
  plan?: TlsPlan;
  signal?: AbortSignal;
  /** Where cloud login tokens come from (profile.auth): the clouds' credential chains unless a test injects one. */
  tokenSource?: TokenSource;
  /** Told every token before it is used, so logs can mask it (the registry passes its logger's addSecret). */
  redact?: (secret: string) => void;
  /**
   * The SSH tunnels a profile with an `ssh` block goes through (shared between sessions; the extension's has the
   * host-key modal and its own known_hosts file). Default: one per process that refuses unknown host keys.
   */
  tunnels?: TunnelManager;
  /** ssh.knownHosts is honoured only for connections from user settings (a workspace must not choose it). */
  sshKnownHostsTrusted?: boolean;
}

let defaultTunnels: TunnelManager | undefined;
function tunnelsFor(opts: OpenSessionOptions): TunnelManager {
  if (opts.tunnels) return opts.tunnels;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { TunnelManager: Manager } = require('../ssh/tunnel') as typeof import('../ssh/tunnel');
  return (defaultTunnels ??= new Manager());
}

export type QueryRow = Record<string, unknown>;

/** An authenticated MySQL session with the TLS report of how it was reached. */
export class Session {
  private closed = false;
  /** Set by close()/destroy(): an end after it is ours, not a lost link. */
  private closing = false;
  private tunnel?: TunnelLease;
  private channel?: Duplex;
  private readonly endListeners = new Set<(err?: MysqlTlsError) => void>();
  private current: TlsReport;
  private serverViewAsked?: Promise<TlsReport>;
  /** The bounded wait of a serverView() call with default options: the same promise for every such caller. */
  private serverViewDefault?: Promise<TlsReport>;

  constructor(
    readonly connection: Connection,
    report: TlsReport,
    readonly plan: TlsPlan,
    /** Opens another session with the same profile, secrets and TLS plan (never a weaker one). */
    readonly reopen: () => Promise<Session> = () => Promise.reject(new MysqlTlsError('config-invalid', 'this session cannot be reopened')),
    /** The chain of a full handshake, until it is taken from the socket (see takePeer). */
    private peer?: PeerCertificates,
  ) {
    connection.on('error', (err: Error) => {
      this.takePeer();
      this.finish(classifyConnectError(err, { plan, encrypted: report.encrypted }));
    });
    connection.on('end', () => this.finish());
    this.current = report;
  }

  /**
   * Takes the peer's chain off the socket while it is still there (the report reads it later, also after the
   * socket closed): before the session lets the socket go, and right after its first command is sent, where the
   * copy overlaps the server's work instead of adding to the connect.
   */
  private takePeer(): void {
    if (!this.peer) return;
    this.peer.take();
    this.peer = undefined;
  }

  /** How the session was reached; `server` is pending until serverView() has been asked. */
  get report(): TlsReport {
    return this.current;
  }

  /**
   * Asks the server for its own view of the session (SHOW SESSION STATUS LIKE 'Ssl_%') once, completes the
   * report with it and returns that report. Not part of connecting: a connect costs what the bare driver's
   * does, and the round trip is paid by the first thing that shows the server's view. A server that answers
   * with an error (ProxySQL's admin interface) gives a report that says it did not report; a lost link rejects.
   * A server that accepted the login and then stays silent is given up on after `timeoutMs` (default 10 s;
   * the session is closed then), and `signal` cancels the wait.
   */
  serverView(options: ServerViewOptions = {}): Promise<TlsReport> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_SERVER_VIEW_TIMEOUT_MS;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS) {
      return Promise.reject(
        new MysqlTlsError('config-invalid', `${String(timeoutMs)} is not a timeout in milliseconds from 1 to ${MAX_TIMEOUT_MS}`, 'timeoutMs'),
      );
    }
    if (options.signal?.aborted) return Promise.reject(new MysqlTlsError('cancelled', 'SHOW SESSION STATUS was cancelled'));
    const byDefault = options.signal === undefined && options.timeoutMs === undefined;
    if (byDefault && this.serverViewDefault) return this.serverViewDefault;
    const asked = (this.serverViewAsked ??= serverTlsView(this.connection).then(
      (server) => (this.current = withServerView(this.current, server)),
      (e: { errno?: number; sqlMessage?: string; message?: string }) => {
        if (e.errno === undefined) {
          this.serverViewAsked = undefined;
          throw classifyConnectError(e, { plan: this.plan, encrypted: this.current.encrypted });
        }
        return (this.current = withServerView(this.current, { reported: false, error: e.sqlMessage ?? e.message, sslVersion: '', sslCipher: '' }));
      },
    ));
    this.takePeer();
    const bounded = this.boundedWait(asked, timeoutMs, options.signal, 'SHOW SESSION STATUS');
    if (byDefault) {
      this.serverViewDefault = bounded;
      bounded.catch(() => {
        if (this.serverViewDefault === bounded) this.serverViewDefault = undefined;
      });
    }
    return bounded;
  }

  /**
   * Waits for `work` at most `timeoutMs` and until `signal` aborts. A server that stops answering mid-session
   * leaves the connection unusable (the reply may still come and would be misread as the next one), so a
   * timeout destroys the session; a cancel only stops waiting.
   */
  private boundedWait<T>(work: Promise<T>, timeoutMs: number, signal: AbortSignal | undefined, what: string): Promise<T> {
    if (signal?.aborted) return Promise.reject(new MysqlTlsError('cancelled', `${what} was cancelled`));
    return new Promise<T>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const timer = setTimeout(() => {
        done();
        this.serverViewAsked = undefined;
        this.destroy();
        reject(
          new MysqlTlsError('connect-timeout', `${this.plan.host}:${this.plan.port} did not answer ${what} within ${timeoutMs} ms; the session was closed`),
        );
      }, timeoutMs);
      const onAbort = (): void => {
        done();
        reject(new MysqlTlsError('cancelled', `${what} was cancelled`));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      work.then(
        (v) => {
          done();
          resolve(v);
        },
        (e: unknown) => {
          done();
          reject(e);
        },
      );
    });
  }

  get threadId(): number {
    return this.connection.threadId ?? -1;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Called once when the session ends: by close(), by the server, or by a network error. */
  onEnd(listener: (err?: MysqlTlsError) => void): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  /**
   * Ties the session to its share of an SSH tunnel: released when the session ends, and a session that ends
   * because the tunnel went away says so (a retryable ssh-tunnel-lost) instead of a clean end.
   */
  holdTunnel(lease: TunnelLease, channel: Duplex): void {
    this.tunnel = lease;
    this.channel = channel;
    this.current = { ...this.current, ssh: lease.route };
    if (this.closed) lease.release();
  }

  private finish(err?: MysqlTlsError): void {
    if (this.closed) return;
    this.closed = true;
    if (this.tunnel) {
      // The channel's end arrives as a clean end (or a generic loss): name the tunnel when it is what went away.
      const lost = this.tunnel.lostReason();
      if (!this.closing && lost) err = lost;
      else if (!this.closing && !err) err = new MysqlTlsError('connection-lost', `the SSH channel to ${this.plan.host}:${this.plan.port} was closed`);
      // The TLS layer closes its carrier asynchronously: the channel goes now, so none outlives its session.
      this.channel?.destroy();
      this.tunnel.release();
    }
    for (const l of this.endListeners) l(err);
    this.endListeners.clear();
  }

  /** A server-side prepared statement: values never pass through SQL text, so no sql_mode changes their meaning. */
  execute<T = QueryRow[]>(sql: string, values: unknown[] = []): Promise<{ rows: T; fields: FieldPacket[] | undefined }> {
    return new Promise((resolve, reject) => {
      this.connection.execute(sql, values as Parameters<Connection['execute']>[1], (err: Error | null, rows: unknown, fields: unknown) => {
        if (err) reject(err);
        else resolve({ rows: rows as T, fields: fields as FieldPacket[] | undefined });
      });
      this.takePeer();
    });
  }

  query<T = QueryRow[]>(sql: string | QueryOptions, values?: unknown[]): Promise<{ rows: T; fields: FieldPacket[] | undefined }> {
    return new Promise((resolve, reject) => {
      this.connection.query(sql as string, values, (err, rows, fields) => {
        if (err) reject(err);
        else resolve({ rows: rows as T, fields: fields as FieldPacket[] | undefined });
      });
      this.takePeer();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    // COM_QUIT, but never wait more than 2 s for a server that does not answer it.
    let fallback: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.connection.end(() => resolve());
      fallback = setTimeout(resolve, 2000).unref();
    });
    clearTimeout(fallback);
    this.takePeer();
    this.connection.destroy();
    this.finish();
  }

  /** Closes the socket at once, without the COM_QUIT courtesy. */
  destroy(): void {
    this.closing = true;
    this.takePeer();
    this.connection.destroy();
    this.finish();
  }
}

/** The socket mysql2 talks on: a TLSSocket once the upgrade happened. */
function streamOf(conn: Connection): unknown {
  return (conn as unknown as { stream?: unknown }).stream;
}

// The chain seen on the last full handshake per ssl object: a resumed session's peer certificate is empty.
// Kept as the report's (lazy) reader, so a connect that never shows the chain never parses it.
const lastChain = new WeakMap<DriverSslOptions, () => CertificateInfo[]>();

function connectOnce(options: ConnectionOptions, signal?: AbortSignal): Promise<Connection> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new MysqlTlsError('cancelled', 'the connection attempt was cancelled'));
      return;
    }
    const conn = driver().createConnection(options);
    let settled = false;
    const onAbort = (): void => {
      if (settled) return;
      settled = true;
      conn.destroy();
      reject(new MysqlTlsError('cancelled', 'the connection attempt was cancelled'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    conn.connect((err) => {
      signal?.removeEventListener('abort', onAbort);
      if (settled) return;
      settled = true;
      if (err) {
        // Keep the encryption state of the failed attempt for classification.
        (err as { encryptedAtFailure?: boolean }).encryptedAtFailure = streamOf(conn) instanceof TLSSocket;
        conn.destroy();
        reject(err);
      } else resolve(conn);
    });
  });
}

type AuthPlugin = NonNullable<ConnectionOptions['authPlugins']>[string];

function driverOptions(
  plan: TlsPlan,
  profile: ConnectionProfile,
  secrets: ConnectionSecrets,
  withTls: boolean,
  trace: AuthTrace,
  tokenLogin?: TokenLoginGuard,
  channel?: Duplex,
): ConnectionOptions {
  const sha2 = { serverPublicKey: plan.serverPublicKey, getServerPublicKey: plan.getServerPublicKey, trace, tokenLogin };
  const options: ConnectionOptions = {
    host: plan.host,
    port: plan.port,
    user: profile.user,
    password: secrets.password ?? '',
    database: profile.database || undefined,
    connectTimeout: connectTimeoutOf(profile),
    supportBigNumbers: true,
    dateStrings: true,
    multipleStatements: false,
    // Every plugin that can send the password itself is ours: it goes out only inside TLS, or RSA-encrypted
    // to a pinned key or (opt-in) to the key the server sends; see authSha2.ts.
    authPlugins: {
      client_ed25519: clientEd25519Plugin as unknown as AuthPlugin,
      caching_sha2_password: cachingSha2Plugin(sha2) as unknown as AuthPlugin,
      sha256_password: sha256PasswordPlugin(sha2) as unknown as AuthPlugin,
      mysql_clear_password: clearPasswordPlugin(tokenLogin) as unknown as AuthPlugin,
    },
  };
  if (withTls && plan.driverSsl) {
    options.ssl = plan.driverSsl as ConnectionOptions['ssl'];
    // mysql2 verifies (and sends as SNI) its `host` and ignores ssl.servername, so with a servername
    // mysql2 is told that name while the socket goes to the real host: the check stays in the handshake.
    if (plan.servername) options.host = plan.servername;
  }
  options.stream = channel ? () => carrierChannel(channel, plan) : () => carrierSocket(plan);
  return options;
}

/**
 * The TCP socket every session runs on (mysql2 upgrades it to TLS in place).
 * - For an IP host, Node's identity check uses `servername || host || socket._host || 'localhost'`, and
 *   mysql2 passes neither a servername nor a host for IPs, while net.connect records `_host` only after a
 *   DNS lookup. Without pinning it, VERIFY_IDENTITY to 10.0.0.5 would accept a certificate made out to
 *   "localhost" (test/core/tls/security.test.ts proves the fix with a localhost-only certificate).
 * - The first bytes must be a MySQL greeting (sequence 0, protocol 10 or an error packet). Anything else
 *   (an SSH banner, HTTP, noise) fails at once instead of waiting for a length it will never get.
 */
function carrierSocket(plan: TlsPlan): net.Socket {
  const socket = net.connect({ host: plan.host, port: plan.port });
  socket.setNoDelay(true);
  socket.once('connect', () => socket.setKeepAlive(true, 0));
  return carrier(socket, plan);
}

/**
 * An SSH channel to the database as the session's stream. Node wraps a Duplex that is not a net.Socket for the
 * TLS upgrade, and its identity check then reads `_host` from the object passed as `socket` (this channel): the
 * same pin as for TCP, so VERIFY_IDENTITY to an IP database host is checked against that IP, never "localhost"
 * and never the local end of anything (test/core/ssh/tunnelTls.test.ts). The greeting sniff applies unchanged.
 */
function carrierChannel(channel: Duplex, plan: TlsPlan): Duplex {
  return carrier(channel, plan);
}

function carrier<T extends Duplex>(socket: T, plan: TlsPlan): T {
  if (!plan.servername && net.isIP(plan.host)) (socket as T & { _host?: string })._host = plan.host;
  let head: Buffer | undefined;
  const sniff = (chunk: Buffer): void => {
    // The greeting nearly always comes in one chunk: looked at in place, copied only when it comes in pieces.
    head = head ? Buffer.concat([head, chunk]) : chunk;
    if (head.length < 5) return;
    socket.off('data', sniff);
    if (head[3] !== 0 || (head[4] !== 0x0a && head[4] !== 0xff)) {
      const printable = head
        .subarray(0, 16)
        .toString('latin1')
        .replace(/[^\x20-\x7e]/g, '.');
      const err = Object.assign(new Error(`${plan.host}:${plan.port} did not send a MySQL greeting (first bytes "${printable}")`), {
        code: 'PROTOCOL_NOT_MYSQL',
      });
      socket.destroy(err);
    }
  };
  socket.on('data', sniff);
  return socket;
}

async function serverTlsView(conn: Connection): Promise<ServerTlsView> {
  const rows = await new Promise<{ Variable_name: string; Value: string }[]>((resolve, reject) =>
    conn.query(
      // LIKE is cheaper than WHERE ... IN on MariaDB (0.3 vs 0.5 ms measured); filtered below.
      "SHOW SESSION STATUS LIKE 'Ssl\\_%'",
      (err, r) => (err ? reject(err) : resolve(r as { Variable_name: string; Value: string }[])),
    ),
  );
  const get = (name: string): string => rows.find((r) => r.Variable_name === name)?.Value ?? '';
  return {
    reported: true,
    sslVersion: get('Ssl_version'),
    sslCipher: get('Ssl_cipher'),
    serverNotBefore: get('Ssl_server_not_before') || undefined,
    serverNotAfter: get('Ssl_server_not_after') || undefined,
  };
}

/**
 * Opens a session with MySQL's --ssl-mode semantics:
 * - DISABLED never negotiates TLS;
 * - PREFERRED negotiates TLS when the greeting advertises it and falls back to plaintext only when it
 *   does not (mysql2 stops with HANDSHAKE_NO_SSL_SUPPORT before sending anything); any TLS failure is an error;
 * - REQUIRED / VERIFY_CA / VERIFY_IDENTITY fail without TLS; verification runs inside the handshake,
 *   before mysql2 sends the credentials.
 */
export async function openSession(opts: OpenSessionOptions): Promise<Session> {
  const { profile, secrets: storedSecrets = {} } = opts;
  const plan = opts.plan ?? (await planTls({ profile, secrets: storedSecrets, paths: opts.paths }));
  const useTls = plan.rules.tls !== 'never';
  connectTimeoutOf(profile);
  // A cloud token login: a fresh token for this connect (a reopen or reconnect comes back here and fetches
  // another), only for a plan that verifies the server, and in place of any stored password.
  const tokenRequest = tokenRequestOf(profile, opts.signal);
  let secrets = storedSecrets;
  let tokenLogin: TokenLoginGuard | undefined;
  if (tokenRequest) {
    const planVerifiesServer = plan.rules.verifyChain && plan.driverSsl?.rejectUnauthorized === true;
    if (!planVerifiesServer) {
      throw new MysqlTlsError(
        'token-needs-verified-tls',
        `auth.method "${tokenRequest.method}" with ssl.mode ${plan.mode}: ${TOKEN_NEEDS_VERIFIED_TLS}`,
        'ssl.mode',
      );
    }
    const token = await fetchLoginToken(opts.tokenSource ?? cloudTokenSource, tokenRequest);
    opts.redact?.(token.token);
    secrets = { ...storedSecrets, password: token.token };
    tokenLogin = { planVerifiesServer };
  }
  const trace: AuthTrace = { serverPublicKey: 'none' };
  let conn: Connection;
  let fallback = false;
  // Through SSH: the tunnel (shared) is up and its host key accepted before any channel is opened, and each
  // attempt gets its own forwarded channel to the database as the bastion sees it (profile.host:port).
  let lease: TunnelLease | undefined;
  if (profile.ssh) {
    lease = await tunnelsFor(opts).acquire(profile.ssh, secrets, {
      paths: opts.paths,
      signal: opts.signal,
      timeoutMs: connectTimeoutOf(profile),
      trustKnownHostsSetting: opts.sshKnownHostsTrusted === true,
    });
  }
  let channel: Duplex | undefined;
  const attempt = async (withTls: boolean): Promise<Connection> => {
    channel = lease ? await lease.forward(plan.host, plan.port, opts.signal) : undefined;
    return connectOnce(driverOptions(plan, profile, secrets, withTls, trace, tokenLogin, channel), opts.signal);
  };
  try {
    try {
      conn = await attempt(useTls);
    } catch (e) {
      if (plan.rules.tls === 'if-offered' && (e as { code?: string }).code === 'HANDSHAKE_NO_SSL_SUPPORT') {
        fallback = true;
        conn = await attempt(false);
      } else throw e;
    }
  } catch (e) {
    lease?.release();
    if (e instanceof MysqlTlsError) throw e;
    const classified = classifyConnectError(e, { plan, encrypted: (e as { encryptedAtFailure?: boolean }).encryptedAtFailure === true });
    if (tokenRequest && classified.code === 'access-denied') {
      throw new MysqlTlsError('token-login-denied', classified.detail, undefined, TOKEN_LOGIN_DENIED_FIX[tokenRequest.method]);
    }
    throw classified;
  }
  const stream = streamOf(conn);
  const socket = stream instanceof TLSSocket ? stream : undefined;
  if (useTls && !fallback && !socket) {
    // Defence in depth: a mode that asked for TLS must never end up on a plaintext socket.
    conn.destroy();
    lease?.release();
    throw new MysqlTlsError('server-no-tls', 'the session is not encrypted although TLS was requested');
  }
  try {
    const driverSsl = plan.driverSsl;
    const peer = socket && !socket.isSessionReused() ? new PeerCertificates(socket) : undefined;
    // The server ending the session: the socket is still there when its end arrives (it goes right after).
    if (peer) socket!.once('end', () => peer.take());
    const report = buildTlsReport({
      plan,
      socket,
      peer,
      fallback,
      serverVersion: (conn as unknown as { _handshakePacket?: { serverVersion?: string } })._handshakePacket?.serverVersion ?? '',
      threadId: conn.threadId ?? -1,
      resumedChain: driverSsl ? lastChain.get(driverSsl) : undefined,
      auth: trace,
    });
    if (driverSsl && socket && !report.sessionReused) lastChain.set(driverSsl, () => report.peerChain);
    // A reopened session (the query editor's own, the one that sends KILL QUERY) is never weaker than this one:
    // the same plan, insisting on TLS when this session is encrypted, and refused if it still comes out weaker.
    const reopen = async (): Promise<Session> => {
      const next = await openSession({ ...opts, plan: planAtLeast(plan, report.security) });
      assertNotWeaker(next, report.security);
      return next;
    };
    const session = new Session(conn, report, plan, reopen, peer);
    if (lease && channel) session.holdTunnel(lease, channel);
    return session;
  } catch (e) {
    conn.destroy();
    lease?.release();
    throw classifyConnectError(e, { plan, encrypted: socket !== undefined });
  }
}
