import type { SshRouteReport } from '../ssh/tunnel';
import { X509Certificate } from 'node:crypto';
import { checkServerIdentity, rootCertificates, type PeerCertificate, type TLSSocket } from 'node:tls';
import { describeCertificate, type CertificateInfo } from '../certificates/certificateInfo';
import type { SslMode } from './sslMode';
import type { TlsPlan } from './tlsPlan';

/**
 * The security level a session actually has. Derived from what the handshake enforced, never from what
 * happened to check out afterwards: "encrypted" is not "verified".
 */
export type SecurityLevel = 'plaintext' | 'encrypted' | 'verified-ca' | 'verified-identity';

export interface ServerTlsView {
  /**
   * False when the server would not answer SHOW SESSION STATUS (e.g. ProxySQL's admin interface), and while
   * the view has not been asked for yet (`pending`).
   */
  reported: boolean;
  /** Not asked yet: a session's server view is fetched on first use (Session.serverView()), not during connect. */
  pending?: boolean;
  /** The server's reason when it did not report. */
  error?: string;
  sslVersion: string;
  sslCipher: string;
  serverNotBefore?: string;
  serverNotAfter?: string;
  /**
   * 'proxysql': the session goes through ProxySQL's client port, which forwards SHOW SESSION STATUS to a
   * backend connection: the values describe the backend link, not this client's socket, and are never
   * compared with it.
   */
  via?: 'proxysql';
}

export interface TlsReport {
  host: string;
  port: number;
  modeRequested: SslMode;
  security: SecurityLevel;
  encrypted: boolean;
  /** PREFERRED fell back to plaintext because the server offered no TLS. */
  fallback: boolean;
  fallbackReason?: string;
  protocol?: string;
  cipher?: { name: string; standardName?: string; version?: string };
  peerChain: CertificateInfo[];
  clientCertificate?: CertificateInfo;
  verification: {
    /** Whether the mode made the handshake fail on a bad chain / host name. */
    chainEnforced: boolean;
    hostEnforced: boolean;
    /** 'verified' / 'failed' / 'not-checked' (plaintext, a resumed session, or a certificate gone before it was read). */
    chain: 'verified' | 'failed' | 'not-checked';
    chainError?: string;
    host: 'verified' | 'failed' | 'not-checked';
    hostError?: string;
    verifiedName: string;
    caSource: TlsPlan['caSource'];
  };
  server: ServerTlsView;
  /** Whether the socket and the server name the same protocol and cipher (all false when not reported or pending). */
  agreement: { reported: boolean; protocol: boolean; cipher: boolean };
  sessionReused: boolean;
  serverVersion: string;
  threadId: number;
  hints: string[];
  /**
   * The RSA key the password was encrypted to on this login (caching_sha2_password / sha256_password without
   * TLS): 'none' (not used: TLS, the scramble, or another plugin), 'pinned' (serverPublicKey), or
   * 'retrieved-insecure' (the key the server sent, getServerPublicKey: a machine in the middle could read it).
   */
  auth: { serverPublicKey: 'none' | 'pinned' | 'retrieved-insecure' };
  /** The SSH route the session went through (src/core/ssh), absent for a direct connection. */
  ssh?: SshRouteReport;
}

/**
 * The peer's chain, leaf first, as getPeerCertificate(true) gives it: the certificates the peer sent and, when the
 * last one is not self-issued, its issuer from the trust store the handshake used (the plan's CAs, else the public roots).
 */
function peerChainOf(leaf: X509Certificate | undefined, plan: TlsPlan): X509Certificate[] {
  const chain: X509Certificate[] = [];
  for (let cert = leaf; cert && chain.length < 32 && !chain.some((c) => c.raw.equals(cert!.raw)); cert = cert.issuerCertificate) chain.push(cert);
  const last = chain.at(-1);
  if (!last || last.checkIssued(last)) return chain;
  const store = plan.driverSsl?.ca ?? (plan.caSource === 'file' ? [] : rootCertificates);
  for (const pem of store) {
    let ca: X509Certificate;
    try {
      ca = new X509Certificate(pem);
    } catch {
      continue;
    }
    if (last.checkIssued(ca) && last.verify(ca.publicKey)) {
      chain.push(ca);
      break;
    }
  }
  return chain;
}

/**
 * Defines `key` on `target` as an enumerable property computed on first read (then a plain value), so JSON,
 * spreads and readers see an ordinary field while connects that never look at it do not pay for it.
 */
function defineLazy<T extends object, K extends keyof T>(target: T, key: K, compute: () => T[K]): void {
  let value: { v: T[K] } | undefined;
  Object.defineProperty(target, key, {
    enumerable: true,
    configurable: true,
    // `this`, not `target`: a copy of the report (withServerView) shares the computed value but owns its field.
    get(this: T) {
      value ??= { v: compute() };
      Object.defineProperty(this, key, { value: value.v, enumerable: true, configurable: true, writable: true });
      return value.v;
    },
  });
}

/** A field of the server's view for display: its value, `''` when the server names none, or why there is none. */
export function serverFieldText(server: ServerTlsView, field: 'sslVersion' | 'sslCipher'): string {
  if (server.pending) return '(not asked yet)';
  if (!server.reported) return '(not reported)';
  return server[field] === '' ? "''" : server[field];
}

/**
 * How a socket value compares with the server's: not asked yet, not reported, another link (through a proxy:
 * nothing to compare), or whether the two agree.
 */
export function agreementVerdict(report: TlsReport, agrees: boolean): 'not-asked' | 'not-reported' | 'other-link' | 'agree' | 'differ' {
  if (report.server.pending) return 'not-asked';
  if (report.server.via) return 'other-link';
  if (!report.agreement.reported) return 'not-reported';
  return agrees ? 'agree' : 'differ';
}

/** The server's view before it was asked for. */
const SERVER_VIEW_PENDING: ServerTlsView = Object.freeze({ reported: false, pending: true, sslVersion: '', sslCipher: '' });

const UNREPORTED_HINT = 'The server did not report its own TLS view';

/** What the server's column is called: its own view, or the backend link's as the proxy forwarded it. */
export function serverViewLabel(server: ServerTlsView): string {
  return server.via === 'proxysql' ? "Backend link's TLS, as ProxySQL forwarded it" : 'Server (SHOW SESSION STATUS)';
}

const PROXY_HINT =
  "Through ProxySQL: SHOW SESSION STATUS is forwarded to a backend connection, so the server's values describe the link from ProxySQL to a backend, not this client's socket to the proxy. The two links are not compared.";

function agreementOf(
  server: ServerTlsView,
  socket: { protocol?: string; cipher?: { name: string; standardName?: string } } | undefined,
): TlsReport['agreement'] {
  if (server.via) return { reported: false, protocol: false, cipher: false };
  if (!socket) return { reported: server.reported, protocol: server.reported && server.sslVersion === '', cipher: server.reported && server.sslCipher === '' };
  const c = socket.cipher;
  return {
    reported: server.reported,
    protocol: server.reported && server.sslVersion === socket.protocol,
    cipher: server.sslCipher !== '' && c !== undefined && (server.sslCipher === c.name || server.sslCipher === c.standardName),
  };
}

const DIFFERENT_LINK_HINT = 'The server describes a different link than this socket';

/**
 * When the server's Ssl_version/Ssl_cipher name another link than the socket's: a re-encrypting proxy (Cloud SQL
 * Auth Proxy, RDS Proxy) terminates the client's TLS and opens its own connection to the server, whose Ssl_*
 * then describe the proxy-to-server leg.
 */
function differentLinkHints(
  server: ServerTlsView,
  socket: { protocol?: string; cipher?: { name: string } } | undefined,
  agreement: TlsReport['agreement'],
): string[] {
  if (server.via || server.pending || !server.reported) return [];
  if (socket ? agreement.protocol && agreement.cipher : server.sslVersion === '') return [];
  const mine = socket ? `${socket.protocol ?? '?'} ${socket.cipher?.name ?? '?'}` : 'plaintext';
  const theirs = server.sslVersion === '' ? 'plaintext' : `${server.sslVersion} ${server.sslCipher}`;
  return [
    `${DIFFERENT_LINK_HINT} (socket: ${mine}; server: ${theirs}): a proxy may sit in between. A re-encrypting proxy (Cloud SQL Auth Proxy, RDS Proxy) makes the server's Ssl_* describe its own link to the server, not this client's.`,
  ];
}

function serverHints(server: ServerTlsView): string[] {
  if (server.via === 'proxysql') return [PROXY_HINT];
  return !server.reported && !server.pending
    ? [
        `${UNREPORTED_HINT} (SHOW SESSION STATUS: ${server.error ?? 'no answer'}); only the socket's view is shown. ProxySQL's admin interface is one such server.`,
      ]
    : [];
}

/** The report completed with the server's own view (SHOW SESSION STATUS), its agreement with the socket and hints. */
export function withServerView(report: TlsReport, server: ServerTlsView): TlsReport {
  // Read first: a lazy field (see defineLazy) is a plain, writable value once read, and hints is replaced below.
  const hints = report.hints;
  const next = Object.create(Object.getPrototypeOf(report) as object, Object.getOwnPropertyDescriptors(report)) as TlsReport;
  next.server = server;
  next.agreement = agreementOf(server, report.encrypted ? report : undefined);
  next.hints = [
    ...hints.filter((h) => !h.startsWith(UNREPORTED_HINT) && h !== PROXY_HINT && !h.startsWith(DIFFERENT_LINK_HINT)),
    ...serverHints(server),
    ...differentLinkHints(server, report.encrypted ? report : undefined, next.agreement),
  ];
  return next;
}

/**
 * The peer's certificate chain of a full handshake, taken from the socket when something first needs it.
 * Taking it is most of what a report cost over the bare driver: Node's getPeerX509Certificate() copies every
 * certificate after the leaf (X509_dup, which OpenSSL 3 re-parses: ~0.15 ms per certificate, 0.2 to 0.3 ms for
 * the sandbox's two, measured), so a connect does not take it. The session takes it before the socket goes away
 * (its first command, close(), destroy(), the server's end), so the chain stays available after the socket closed.
 */
export class PeerCertificates {
  private socket: TLSSocket | undefined;
  private leaf: X509Certificate | undefined;

  constructor(socket: TLSSocket) {
    this.socket = socket;
  }

  /**
   * The leaf as an X509Certificate, its issuers linked: a handle that stays valid after the socket closed.
   * Node 20's call takes the leaf off OpenSSL's peer chain, so a later getPeerCertificate() on the socket is {}:
   * nothing reads it after the handshake (Node and mysql2 check the peer during it, before the session exists).
   * Undefined when the socket was torn down (a reset) before anything took it.
   */
  take(): X509Certificate | undefined {
    const socket = this.socket;
    if (socket) {
      this.socket = undefined;
      this.leaf = socket.getPeerX509Certificate();
    }
    return this.leaf;
  }
}

export interface ReportInput {
  plan: TlsPlan;
  socket: TLSSocket | undefined;
  fallback: boolean;
  /** The server's own view; pending (asked later through withServerView) when not given. */
  server?: ServerTlsView;
  serverVersion: string;
  threadId: number;
  /** Chain details of the last full handshake, for resumed sessions whose peer certificate is empty. */
  resumedChain?: () => CertificateInfo[];
  /** Where a full handshake's chain is taken from (made from `socket` when not given). */
  peer?: PeerCertificates;
  /** What the authentication plugins did (src/core/mysql/authSha2.ts). */
  auth?: TlsReport['auth'];
}

export function buildTlsReport(input: ReportInput): TlsReport {
  const { plan, socket } = input;
  const server = input.server ?? SERVER_VIEW_PENDING;
  const hints = [...plan.hints, ...serverHints(server)];
  const auth = { serverPublicKey: input.auth?.serverPublicKey ?? 'none' } as const;
  if (auth.serverPublicKey === 'retrieved-insecure')
    hints.push(
      'The password was encrypted to the RSA key the server sent (getServerPublicKey): on a link without TLS, a machine in the middle could have sent its own key. Use TLS, or pin the key with serverPublicKey.',
    );
  const base = {
    auth,
    host: plan.host,
    port: plan.port,
    modeRequested: plan.mode,
    clientCertificate: plan.clientCertificate,
    server,
    serverVersion: input.serverVersion,
    threadId: input.threadId,
  };
  if (!socket) {
    if (input.fallback)
      hints.unshift(
        'The server offered no TLS, so PREFERRED fell back to plaintext. Everything on this connection, including the login exchange, is readable on the network.',
      );
    hints.push(...differentLinkHints(server, undefined, agreementOf(server, undefined)));
    return {
      ...base,
      security: 'plaintext',
      encrypted: false,
      fallback: input.fallback,
      fallbackReason: input.fallback ? 'The server does not advertise TLS in its greeting.' : undefined,
      peerChain: [],
      verification: {
        chainEnforced: false,
        hostEnforced: false,
        chain: 'not-checked',
        host: 'not-checked',
        verifiedName: plan.verifyName,
        caSource: plan.caSource,
      },
      agreement: agreementOf(server, undefined),
      sessionReused: false,
      hints,
    };
  }

  const reused = socket.isSessionReused();
  const protocol = socket.getProtocol() ?? undefined;
  const c = socket.getCipher();
  // The chain is taken when something reads it (see PeerCertificates), never for a resumed session (its peer
  // certificate is empty: the chain comes from the handshake it resumes).
  const peer = reused ? undefined : (input.peer ?? new PeerCertificates(socket));
  let chain: TlsReport['verification']['chain'] = 'not-checked';
  let chainError: string | undefined;
  let host: TlsReport['verification']['host'] = 'not-checked';
  let hostLater: (() => { host: TlsReport['verification']['host']; error?: string }) | undefined;
  if (!reused) {
    chain = socket.authorized ? 'verified' : 'failed';
    chainError = socket.authorizationError ? String(socket.authorizationError) : undefined;
    if (plan.rules.verifyHost) {
      // Enforced in this handshake: Node ran checkServerIdentity for the same name (mysql2's host or servername,
      // or the pinned IP, see carrierSocket in session.ts) and would have failed the connect otherwise.
      host = 'verified';
    } else {
      // Worked out when read (it needs the certificate, see PeerCertificates): VERIFY_CA shows it as the host
      // verdict, PREFERRED and REQUIRED also in a hint saying whether VERIFY_IDENTITY would pass.
      // A socket torn down (a reset) before anything took the certificate leaves the name not checked.
      let checked: ReturnType<NonNullable<typeof hostLater>> | undefined;
      hostLater = () => {
        if (checked) return checked;
        const leaf = peer?.take();
        const error = leaf ? checkServerIdentity(plan.verifyName, leaf.toLegacyObject() as PeerCertificate) : undefined;
        return (checked = !leaf ? { host: 'not-checked' } : error ? { host: 'failed', error: error.message } : { host: 'verified' });
      };
    }
  } else if (plan.rules.verifyChain) {
    // A resumed session comes from a handshake that was verified with the same flags (mysql2 keys its
    // session cache on them), so the verdict of that handshake carries over.
    chain = 'verified';
    if (plan.rules.verifyHost) host = 'verified';
  }
  const security: SecurityLevel = plan.rules.verifyHost ? 'verified-identity' : plan.rules.verifyChain ? 'verified-ca' : 'encrypted';
  const cipher = { name: c.name, standardName: c.standardName, version: c.version };
  const linkHints = differentLinkHints(server, { protocol, cipher }, agreementOf(server, { protocol, cipher }));
  let hintsLater: (() => string[]) | undefined;
  if (!plan.rules.verifyChain) {
    const verdictHint = (hostVerified: boolean): string =>
      chain === 'verified' && hostVerified
        ? `The certificate would pass VERIFY_IDENTITY; switch the mode to enforce it.`
        : `${plan.mode} does not verify the server: a machine in the middle could read this session.`;
    const later = hostLater;
    if (later) hintsLater = () => [...hints, verdictHint(later().host === 'verified'), ...linkHints];
    else hints.push(verdictHint(host === 'verified'));
  }
  if (!hintsLater) hints.push(...linkHints);
  const report: TlsReport = {
    ...base,
    security,
    encrypted: true,
    fallback: false,
    protocol,
    cipher,
    peerChain: [],
    verification: {
      chainEnforced: plan.rules.verifyChain,
      hostEnforced: plan.rules.verifyHost,
      chain,
      chainError,
      host,
      verifiedName: plan.verifyName,
      caSource: plan.caSource,
    },
    agreement: agreementOf(server, { protocol, cipher }),
    sessionReused: reused,
    hints,
  };
  if (hostLater) {
    const later = hostLater;
    defineLazy(report.verification, 'host', () => later().host);
    defineLazy(report.verification, 'hostError', () => later().error);
  }
  if (hintsLater) defineLazy(report, 'hints', hintsLater);
  // Parsing and describing the chain (~0.15 ms per certificate) waits until something shows it.
  defineLazy(report, 'peerChain', reused ? () => input.resumedChain?.() ?? [] : () => peerChainOf(peer?.take(), plan).map((x) => describeCertificate(x)));
  return report;
}
