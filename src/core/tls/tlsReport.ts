import { X509Certificate } from 'node:crypto';
import { checkServerIdentity, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import { describeCertificate, type CertificateInfo } from '../certificates/certificateInfo';
import type { SslMode } from './sslMode';
import type { TlsPlan } from './tlsPlan';

/**
 * The security level a session actually has. Derived from what the handshake enforced, never from what
 * happened to check out afterwards: "encrypted" is not "verified".
 */
export type SecurityLevel = 'plaintext' | 'encrypted' | 'verified-ca' | 'verified-identity';

export interface ServerTlsView {
  /** False when the server would not answer SHOW SESSION STATUS (e.g. ProxySQL's admin interface). */
  reported: boolean;
  /** The server's reason when it did not report. */
  error?: string;
  sslVersion: string;
  sslCipher: string;
  serverNotBefore?: string;
  serverNotAfter?: string;
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
    /** 'verified' / 'failed' / 'not-checked' (plaintext, or a resumed session). */
    chain: 'verified' | 'failed' | 'not-checked';
    chainError?: string;
    host: 'verified' | 'failed' | 'not-checked';
    hostError?: string;
    verifiedName: string;
    caSource: TlsPlan['caSource'];
  };
  server: ServerTlsView;
  /** Whether the socket and the server name the same protocol and cipher (both false when not reported). */
  agreement: { reported: boolean; protocol: boolean; cipher: boolean };
  sessionReused: boolean;
  serverVersion: string;
  threadId: number;
  hints: string[];
}

function peerChainOf(socket: TLSSocket): CertificateInfo[] {
  const chain: CertificateInfo[] = [];
  const seen = new Set<string>();
  let cert = socket.getPeerCertificate(true) as DetailedPeerCertificate | undefined;
  while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push(describeCertificate(new X509Certificate(cert.raw)));
    cert = cert.issuerCertificate;
  }
  return chain;
}

export interface ReportInput {
  plan: TlsPlan;
  socket: TLSSocket | undefined;
  fallback: boolean;
  server: ServerTlsView;
  serverVersion: string;
  threadId: number;
  /** Chain details of the last full handshake, for resumed sessions whose peer certificate is empty. */
  resumedChain?: CertificateInfo[];
}

export function buildTlsReport(input: ReportInput): TlsReport {
  const { plan, socket, server } = input;
  const hints = [...plan.hints];
  if (!server.reported) hints.push(`The server did not report its own TLS view (SHOW SESSION STATUS: ${server.error ?? 'no answer'}); only the socket's view is shown. ProxySQL's admin interface is one such server.`);
  const base = {
    host: plan.host,
    port: plan.port,
    modeRequested: plan.mode,
    clientCertificate: plan.clientCertificate,
    server,
    serverVersion: input.serverVersion,
    threadId: input.threadId,
  };
  if (!socket) {
    if (input.fallback) hints.unshift('The server offered no TLS, so PREFERRED fell back to plaintext. Everything on this connection, including the login exchange, is readable on the network.');
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
      agreement: { reported: server.reported, protocol: server.reported && server.sslVersion === '', cipher: server.reported && server.sslCipher === '' },
      sessionReused: false,
      hints,
    };
  }

  const reused = socket.isSessionReused();
  const protocol = socket.getProtocol() ?? undefined;
  const c = socket.getCipher();
  const peerChain = reused ? (input.resumedChain ?? []) : peerChainOf(socket);
  let chain: TlsReport['verification']['chain'] = 'not-checked';
  let chainError: string | undefined;
  let host: TlsReport['verification']['host'] = 'not-checked';
  let hostError: string | undefined;
  if (!reused) {
    chain = socket.authorized ? 'verified' : 'failed';
    chainError = socket.authorizationError ? String(socket.authorizationError) : undefined;
    const idError = checkServerIdentity(plan.verifyName, socket.getPeerCertificate(true));
    host = idError ? 'failed' : 'verified';
    hostError = idError?.message;
  } else if (plan.rules.verifyChain) {
    // A resumed session comes from a handshake that was verified with the same flags (mysql2 keys its
    // session cache on them), so the verdict of that handshake carries over.
    chain = 'verified';
    if (plan.rules.verifyHost) host = 'verified';
  }
  const security: SecurityLevel = plan.rules.verifyHost ? 'verified-identity' : plan.rules.verifyChain ? 'verified-ca' : 'encrypted';
  if (!plan.rules.verifyChain) {
    hints.push(
      chain === 'verified' && host === 'verified'
        ? `The certificate would pass VERIFY_IDENTITY; switch the mode to enforce it.`
        : `${plan.mode} does not verify the server: a machine in the middle could read this session.`,
    );
  }
  const agreement = {
    reported: server.reported,
    protocol: server.reported && server.sslVersion === protocol,
    cipher: server.sslCipher !== '' && (server.sslCipher === c.name || server.sslCipher === c.standardName),
  };
  return {
    ...base,
    security,
    encrypted: true,
    fallback: false,
    protocol,
    cipher: { name: c.name, standardName: c.standardName, version: c.version },
    peerChain,
    verification: {
      chainEnforced: plan.rules.verifyChain,
      hostEnforced: plan.rules.verifyHost,
      chain,
      chainError,
      host,
      hostError,
      verifiedName: plan.verifyName,
      caSource: plan.caSource,
    },
    agreement,
    sessionReused: reused,
    hints,
  };
}
