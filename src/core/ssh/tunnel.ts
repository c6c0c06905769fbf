import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Duplex } from 'node:stream';
import type { Client, ClientChannel, ConnectConfig } from 'ssh2';
import { MysqlTlsError } from '../errors';
import { readBoundedFile } from '../files/boundedFile';
import { expandPath, type PathContext } from '../paths';
import { DEFAULT_SSH_PORT, type ConnectionSecrets, type SshHopSettings, type SshSettings } from '../profile';
import {
  algorithmsForKeyType,
  appendOwnKnownHost,
  fingerprintOf,
  keyTypeLabel,
  keyTypeOfBlob,
  knownKeyTypes,
  readKnownHostsFile,
  verifyHostKey,
  type KnownHostEntry,
} from './knownHosts';

/**
 * SSH tunnels to reach a database behind a bastion (and one optional jump host).
 *
 * - One ssh2 Client per hop chain (jump + bastion, each with user and authentication), shared by every session
 *   that uses it (query editors' sessions included) and counted: the last lease released closes it.
 * - Host keys are checked in the key exchange, before authentication and before any channel is opened, so not
 *   one MySQL byte leaves before the bastion is known: a known key passes; a changed or @revoked key is refused
 *   outright; an unknown key is shown to `onUnknownHostKey` (the extension's modal) and refused without one.
 *   Keys are read from the user's known_hosts (~/.ssh/known_hosts, or the ssh.knownHosts of user settings) and
 *   from the extension's own file; accepted keys are written to the extension's own file only.
 * - Each session gets its own forwarded channel (direct-tcpip) to the database as the bastion sees it; the
 *   channel is the driver's stream, so no local port is ever listening.
 * - Agent forwarding is never requested; secrets go to ssh2 only (never argv, logs or messages).
 */

/** A private key file: a few KB (a 16384-bit RSA key in OpenSSH format is ~13 KB). */
export const SSH_KEY_FILE_LIMIT = 256 * 1024;
export const DEFAULT_SSH_KEEPALIVE_SECONDS = 15;
const DEFAULT_READY_TIMEOUT_MS = 10_000;

/** A host key the user is asked about (unknown), or that a hop was verified with. */
export interface SshHostKey {
  host: string;
  port: number;
  /** The SSH type name (ssh-ed25519) and the label OpenSSH prints (ED25519). */
  keyType: string;
  typeLabel: string;
  /** `SHA256:...` as OpenSSH prints it. */
  fingerprint: string;
}

/** One hop of an open tunnel, for the tooltips and reports: `deploy@bastion:22 (ED25519 SHA256:...)`. */
export interface SshHopReport extends SshHostKey {
  user: string;
}

/** The route of a session through SSH: the jump host first when there is one. */
export interface SshRouteReport {
  hops: SshHopReport[];
}

export interface TunnelManagerOptions {
  /**
   * The extension's own known_hosts file (`<globalStorage>/known_hosts`): read with the user's, and the only
   * file accepted keys are written to. Without it an accepted key holds for this process only.
   */
  ownKnownHostsFile?: string;
  /** Asked about an unknown host key; without it (the CLI by default) an unknown key is refused. */
  onUnknownHostKey?: (host: string, port: number, keyType: string, fingerprint: string) => Promise<boolean>;
  /** The agent socket (default: env SSH_AUTH_SOCK). */
  env?: NodeJS.ProcessEnv;
  home?: string;
}

export interface AcquireOptions {
  paths?: PathContext;
  signal?: AbortSignal;
  /** The SSH connect (TCP + key exchange + authentication) per hop; default 10 s. */
  timeoutMs?: number;
  /**
   * Whether ssh.knownHosts may be honoured: only when the connection comes from user settings. A workspace must
   * not point the host-key check at a file it ships (settings validation also refuses it).
   */
  trustKnownHostsSetting?: boolean;
}

/** A share of a tunnel: channels to open, and a release that closes the tunnel when it is the last. */
export interface TunnelLease {
  readonly route: SshRouteReport;
  /** A new forwarded channel to host:port as the bastion resolves it. */
  forward(host: string, port: number, signal?: AbortSignal): Promise<Duplex>;
  /** Why the tunnel went away (undefined while it is up). */
  lostReason(): MysqlTlsError | undefined;
  release(): void;
}

type Ssh2 = typeof import('ssh2');
let ssh2: Ssh2 | undefined;
/** ssh2 is loaded on the first SSH connect, not at activation. */
function library(): Ssh2 {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (ssh2 ??= require('ssh2') as Ssh2);
}

interface Tunnel {
  key: string;
  refs: number;
  ready: Promise<void>;
  clients: Client[];
  route: SshRouteReport;
  lost?: MysqlTlsError;
  channels: Set<ClientChannel>;
}

function hopName(h: { host: string; port?: number; user: string }): string {
  const host = h.host.includes(':') ? `[${h.host}]` : h.host;
  return `${h.user}@${host}:${h.port ?? DEFAULT_SSH_PORT}`;
}

/** What a hop verified with, recorded by the host verifier (the error ssh2 gives is only "Host denied"). */
interface HostCheck {
  refusal?: MysqlTlsError;
  key?: SshHostKey;
}

export class TunnelManager {
  private readonly tunnels = new Map<string, Tunnel>();
  /** Keys accepted in this process when there is no own file to write them to. */
  private readonly acceptedInMemory: KnownHostEntry[] = [];

  constructor(private readonly options: TunnelManagerOptions = {}) {}

  /** Open tunnels and their channels, for leak checks. */
  resourceCounts(): { tunnels: number; clients: number; channels: number } {
    const all = [...this.tunnels.values()];
    return {
      tunnels: all.length,
      clients: all.reduce((n, t) => n + t.clients.length, 0),
      channels: all.reduce((n, t) => n + [...t.channels].filter(isOpenFromHere).length, 0),
    };
  }

  async acquire(ssh: SshSettings, secrets: ConnectionSecrets, options: AcquireOptions = {}): Promise<TunnelLease> {
    const keyFiles = {
      bastion: ssh.auth === 'key' && ssh.keyFile ? this.expand(ssh.keyFile, options.paths, 'ssh.keyFile') : '',
      jump: ssh.jump?.auth === 'key' && ssh.jump.keyFile ? this.expand(ssh.jump.keyFile, options.paths, 'ssh.jump.keyFile') : '',
    };
    const knownHostsFile =
      ssh.knownHosts && options.trustKnownHostsSetting
        ? this.expand(ssh.knownHosts, options.paths, 'ssh.knownHosts')
        : path.join(this.home(), '.ssh', 'known_hosts');
    const hopKey = (h: SshHopSettings, keyFile: string): unknown[] => [h.host.toLowerCase(), h.port ?? DEFAULT_SSH_PORT, h.user, h.auth ?? 'agent', keyFile];
    const key = JSON.stringify([
      ssh.jump ? hopKey(ssh.jump, keyFiles.jump) : null,
      hopKey(ssh, keyFiles.bastion),
      knownHostsFile,
      ssh.keepaliveSeconds ?? null,
    ]);
    let tunnel = this.tunnels.get(key);
    if (!tunnel || tunnel.lost) {
      const t: Tunnel = { key, refs: 0, clients: [], route: { hops: [] }, channels: new Set(), ready: Promise.resolve() };
      t.ready = this.open(t, ssh, secrets, keyFiles, knownHostsFile, options);
      this.tunnels.set(key, t);
      t.ready.catch(() => {
        if (this.tunnels.get(key) === t) this.tunnels.delete(key);
      });
      tunnel = t;
    }
    const t = tunnel;
    t.refs++;
    try {
      await waitOrAbort(t.ready, options.signal);
    } catch (e) {
      this.unref(t);
      throw e;
    }
    let released = false;
    return {
      route: t.route,
      forward: (host, port, signal) => this.forward(t, host, port, signal),
      lostReason: () => t.lost,
      release: () => {
        if (released) return;
        released = true;
        this.unref(t);
      },
    };
  }

  /** Ends every tunnel (deactivation). */
  closeAll(): void {
    for (const t of this.tunnels.values()) this.end(t);
    this.tunnels.clear();
  }

  private home(): string {
    return this.options.home ?? os.homedir();
  }

  private expand(p: string, paths: PathContext | undefined, field: string): string {
    try {
      return expandPath(p, { home: this.home(), ...paths });
    } catch (e) {
      throw new MysqlTlsError('config-invalid', (e as Error).message, field);
    }
  }

  private unref(t: Tunnel): void {
    t.refs--;
    if (t.refs > 0) return;
    if (this.tunnels.get(t.key) === t) this.tunnels.delete(t.key);
    this.end(t);
  }

  private end(t: Tunnel): void {
    for (const ch of t.channels) ch.destroy();
    t.channels.clear();
    // The bastion first: its client runs inside the jump host's channel.
    for (const c of [...t.clients].reverse()) c.end();
    t.clients = [];
  }

  private async open(
    t: Tunnel,
    ssh: SshSettings,
    secrets: ConnectionSecrets,
    keyFiles: { bastion: string; jump: string },
    knownHostsFile: string,
    options: AcquireOptions,
  ): Promise<void> {
    const known = await this.knownEntries(knownHostsFile, options.trustKnownHostsSetting && ssh.knownHosts ? 'ssh.knownHosts' : 'known_hosts');
    const timeoutMs = options.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    const keepaliveMs = (ssh.keepaliveSeconds ?? DEFAULT_SSH_KEEPALIVE_SECONDS) * 1000;
    try {
      let sock: Duplex | undefined;
      if (ssh.jump) {
        const jumpClient = await this.connectHop(t, ssh.jump, 'ssh.jump', secrets, keyFiles.jump, known, { timeoutMs, keepaliveMs, signal: options.signal });
        sock = await forwardOut(jumpClient, ssh.host, ssh.port ?? DEFAULT_SSH_PORT, `the jump host ${hopName(ssh.jump)}`, true);
      }
      await this.connectHop(t, ssh, 'ssh', secrets, keyFiles.bastion, known, { timeoutMs, keepaliveMs, signal: options.signal, sock });
    } catch (e) {
      this.end(t);
      throw e;
    }
  }

  private async knownEntries(userFile: string, field: string): Promise<KnownHostEntry[]> {
    const own = this.options.ownKnownHostsFile;
    const [user, ownEntries] = await Promise.all([readKnownHostsFile(userFile, field), own ? readKnownHostsFile(own, 'known_hosts') : []]);
    return [...user, ...ownEntries, ...this.acceptedInMemory];
  }

  private async authConfig(hop: SshHopSettings, field: string, secrets: ConnectionSecrets, keyFile: string): Promise<Partial<ConnectConfig>> {
    const auth = hop.auth ?? 'agent';
    if (auth === 'agent') {
      const sock = (this.options.env ?? process.env).SSH_AUTH_SOCK;
      if (!sock) throw new MysqlTlsError('ssh-agent-unavailable', `SSH_AUTH_SOCK is not set, and ${field}.auth is "agent"`, `${field}.auth`);
      const stat = await fs.stat(sock).catch(() => undefined);
      if (!stat?.isSocket())
        throw new MysqlTlsError('ssh-agent-unavailable', `SSH_AUTH_SOCK names ${sock}, which is not a socket (the agent is not running)`, `${field}.auth`);
      return { agent: sock };
    }
    if (auth === 'password') {
      if (secrets.sshPassword === undefined)
        throw new MysqlTlsError(
          'ssh-auth-failed',
          `no SSH password is stored for ${hopName(hop)}`,
          `${field}.auth`,
          'Store the SSH password for this connection.',
        );
      return { password: secrets.sshPassword };
    }
    if (!keyFile) throw new MysqlTlsError('config-invalid', `${field}.auth is "key" but ${field}.keyFile is not set`, `${field}.keyFile`);
    const data = await readBoundedFile(keyFile, `${field}.keyFile`, SSH_KEY_FILE_LIMIT);
    const parsed = library().utils.parseKey(data, secrets.sshPassphrase);
    if (parsed instanceof Error) {
      if (/no passphrase given/i.test(parsed.message))
        throw new MysqlTlsError('ssh-key-passphrase', `${keyFile} is encrypted and no SSH key passphrase is stored`, `${field}.keyFile`);
      if (/passphrase|decrypt|integrity/i.test(parsed.message) && secrets.sshPassphrase !== undefined)
        throw new MysqlTlsError('ssh-key-passphrase', `the stored SSH key passphrase does not open ${keyFile}`, `${field}.keyFile`);
      throw new MysqlTlsError('ssh-key-invalid', `${keyFile}: ${parsed.message}`, `${field}.keyFile`);
    }
    const first = Array.isArray(parsed) ? parsed[0] : parsed;
    if (!first || first.getPrivatePEM() === null)
      throw new MysqlTlsError('ssh-key-invalid', `${keyFile} holds no private key (is it the .pub file?)`, `${field}.keyFile`);
    return { privateKey: data, passphrase: secrets.sshPassphrase };
  }

  private async connectHop(
    t: Tunnel,
    hop: SshHopSettings,
    field: string,
    secrets: ConnectionSecrets,
    keyFile: string,
    known: KnownHostEntry[],
    opts: { timeoutMs: number; keepaliveMs: number; signal?: AbortSignal; sock?: Duplex },
  ): Promise<Client> {
    const port = hop.port ?? DEFAULT_SSH_PORT;
    const auth = await this.authConfig(hop, field, secrets, keyFile);
    const check: HostCheck = {};
    const types = knownKeyTypes(known, hop.host, port);
    const client = new (library().Client)();
    t.clients.push(client);
    const config: ConnectConfig = {
      host: hop.host,
      port,
      username: hop.user,
      ...auth,
      agentForward: false,
      tryKeyboard: false,
      readyTimeout: opts.timeoutMs,
      keepaliveInterval: opts.keepaliveMs,
      keepaliveCountMax: 3,
      // Like OpenSSH: when the host is known, ask for the key types on record, so a server that also has another
      // type is not mistaken for a changed key, and a real change shows as one.
      ...(types.length > 0
        ? { algorithms: { serverHostKey: types.flatMap(algorithmsForKeyType) as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] } }
        : {}),
      hostVerifier: (blob: Buffer, verify: (ok: boolean) => void): void => {
        this.checkHostKey(hop.host, port, blob, known).then(
          (result) => {
            Object.assign(check, result);
            verify(result.refusal === undefined);
          },
          (e: unknown) => {
            check.refusal = e instanceof MysqlTlsError ? e : new MysqlTlsError('ssh-host-key-unknown', (e as Error).message);
            verify(false);
          },
        );
      },
    };
    if (opts.sock) config.sock = opts.sock;
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (err: MysqlTlsError): void => {
        if (settled) return;
        settled = true;
        opts.signal?.removeEventListener('abort', onAbort);
        client.end();
        reject(err);
      };
      const onAbort = (): void => fail(new MysqlTlsError('cancelled', 'the SSH connection attempt was cancelled'));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      client.on('ready', () => {
        if (settled) return;
        settled = true;
        opts.signal?.removeEventListener('abort', onAbort);
        // MySQL's small request/response packets must not wait for Nagle + delayed ACK (~40 ms per round trip).
        client.setNoDelay(true);
        resolve();
      });
      client.on('error', (err: Error & { level?: string }) => {
        if (!settled) fail(check.refusal ?? classifySshError(err, hop, field));
        else if (!t.lost) t.lost = new MysqlTlsError('ssh-tunnel-lost', `${hopName(hop)}: ${err.message}`);
      });
      // ssh2 emits end/close before it closes the channels: the sessions on them then see why.
      const onGone = (): void => {
        if (!settled) fail(check.refusal ?? new MysqlTlsError('ssh-unreachable', `${hopName(hop)} closed the connection during the SSH handshake`, field));
        else t.lost ??= new MysqlTlsError('ssh-tunnel-lost', `the SSH connection to ${hopName(hop)} was closed`);
      };
      client.on('end', onGone);
      client.on('close', onGone);
      try {
        client.connect(config);
      } catch (e) {
        fail(new MysqlTlsError('ssh-key-invalid', (e as Error).message, `${field}.keyFile`));
      }
    });
    if (check.key) t.route.hops.push({ ...check.key, user: hop.user });
    return client;
  }

  /** The verdict on a presented host key; an unknown key accepted by the callback is recorded in the own file. */
  private async checkHostKey(host: string, port: number, blob: Buffer, known: KnownHostEntry[]): Promise<HostCheck> {
    const keyType = keyTypeOfBlob(blob);
    const key: SshHostKey = { host, port, keyType, typeLabel: keyTypeLabel(keyType), fingerprint: fingerprintOf(blob) };
    const shown = `${hopName({ host, port, user: '' }).slice(1)} (${key.typeLabel} ${key.fingerprint})`;
    const verdict = verifyHostKey(known, host, port, blob);
    if (verdict.status === 'matches') return { key };
    if (verdict.status === 'revoked') return { key, refusal: new MysqlTlsError('ssh-host-key-revoked', `${shown} is revoked in ${verdict.entry.source}`) };
    if (verdict.status === 'changed') {
      const recorded = verdict.entries.map((e) => `${keyTypeLabel(e.keyType)} ${fingerprintOf(e.key)} (${e.source})`).join(', ');
      return {
        key,
        refusal: new MysqlTlsError('ssh-host-key-changed', `${shown} is presented, but known_hosts records ${recorded}. Nothing was sent.`),
      };
    }
    const ask = this.options.onUnknownHostKey;
    if (!ask) return { key, refusal: new MysqlTlsError('ssh-host-key-unknown', `${shown} is not in known_hosts, and nothing was asked to accept it`) };
    const accepted = await ask(host, port, key.typeLabel, key.fingerprint);
    if (!accepted) return { key, refusal: new MysqlTlsError('ssh-host-key-unknown', `${shown} was not accepted`) };
    const entry: KnownHostEntry = { patterns: [port === 22 ? host.toLowerCase() : `[${host.toLowerCase()}]:${port}`], keyType, key: blob, source: 'accepted' };
    const own = this.options.ownKnownHostsFile;
    if (own) await appendOwnKnownHost(own, host, port, blob);
    else this.acceptedInMemory.push(entry);
    known.push(entry);
    return { key };
  }

  private async forward(t: Tunnel, host: string, port: number, signal?: AbortSignal): Promise<Duplex> {
    if (t.lost) throw t.lost;
    const bastion = t.clients[t.clients.length - 1];
    if (!bastion) throw new MysqlTlsError('ssh-tunnel-lost', 'the SSH tunnel is closed');
    const channel = await waitOrAbort(forwardOut(bastion, host, port, 'the SSH host', false), signal, (ch) => ch.destroy());
    t.channels.add(channel);
    channel.once('close', () => t.channels.delete(channel));
    return channel;
  }
}

/** A channel we have not closed yet (ssh2's close is a request: the 'close' event follows the server's answer). */
function isOpenFromHere(channel: ClientChannel): boolean {
  const state = (channel as ClientChannel & { outgoing?: { state?: string } }).outgoing?.state;
  return state === 'open' || state === 'eof';
}

/** A direct-tcpip channel from `client` to host:port; errors classified (`toSsh`: the target is the next SSH hop). */
function forwardOut(client: Client, host: string, port: number, who: string, toSsh: boolean): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    client.forwardOut('127.0.0.1', 0, host, port, (err, channel) => {
      if (!err) {
        resolve(channel);
        return;
      }
      const reason = (err as Error & { reason?: number | string }).reason;
      const target = `${host.includes(':') ? `[${host}]` : host}:${port}`;
      // RFC 4254 5.1: 2 = connect failed (the target is down or refuses: transient), 1 = administratively prohibited.
      if (reason === 2) {
        reject(
          toSsh
            ? new MysqlTlsError('ssh-unreachable', `${who} could not connect to ${target}: ${err.message}`, 'ssh.host')
            : new MysqlTlsError(
                'host-unreachable',
                `${who} could not connect to ${target}: ${err.message}`,
                'host',
                'The SSH host could not reach the database: check host and port as the SSH host sees them (e.g. db.internal:3306), and that the database is running.',
              ),
        );
      } else if (reason === undefined || reason === '')
        reject(new MysqlTlsError('ssh-tunnel-lost', `${who} closed the connection before forwarding to ${target}`));
      else reject(new MysqlTlsError('ssh-forward-refused', `${who} refused to forward to ${target}: ${err.message}`, toSsh ? 'ssh.host' : 'host'));
    });
  });
}

/** An ssh2 error during connect, in plain words (the host-key verdict is taken from the verifier before this). */
export function classifySshError(err: Error & { level?: string; code?: string }, hop: SshHopSettings, field: string): MysqlTlsError {
  const name = hopName(hop);
  switch (err.level) {
    case 'client-authentication':
      return new MysqlTlsError(
        'ssh-auth-failed',
        `${name} refused every offered method (${(hop.auth ?? 'agent') === 'agent' ? 'agent keys' : hop.auth})`,
        `${field}.user`,
      );
    case 'agent':
      return new MysqlTlsError('ssh-agent-unavailable', `the SSH agent failed: ${err.message}`, `${field}.auth`);
    case 'client-timeout':
      return new MysqlTlsError('ssh-unreachable', `${name} did not complete the SSH handshake in time`, field);
    case 'client-dns':
      return new MysqlTlsError('ssh-unreachable', `${name}: the host name does not resolve (${err.message})`, `${field}.host`);
    case 'client-socket':
      return new MysqlTlsError('ssh-unreachable', `${name}: ${err.code ?? err.message}`, `${field}.host`);
    default:
      return new MysqlTlsError('ssh-unreachable', `${name}: ${err.message}`, field);
  }
}

function waitOrAbort<T>(work: Promise<T>, signal: AbortSignal | undefined, discard?: (late: T) => void): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      work.then(discard, () => undefined);
      reject(new MysqlTlsError('cancelled', 'the connection attempt was cancelled'));
      return;
    }
    const onAbort = (): void => {
      work.then(discard, () => undefined);
      reject(new MysqlTlsError('cancelled', 'the connection attempt was cancelled'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** `deploy@bastion:22 (ED25519 SHA256:...)`, each hop of a route joined with " via ". */
export function describeHop(hop: SshHopReport): string {
  return `${hopName(hop)} (${hop.typeLabel} ${hop.fingerprint})`;
}
