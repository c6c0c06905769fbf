import { X509Certificate } from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { describeCertificate, validityState, type CertificateInfo } from '../certificates/certificateInfo';
import { parseCertificates, readSettingFile } from '../certificates/pemFiles';
import { rdsCaCertificates } from '../cloud/presets';
import { MysqlTlsError, type Cause } from '../errors';
import { expandPath, PathExpansionError, type PathContext } from '../paths';
import { DEFAULT_PORT, type ConnectionProfile } from '../profile';
import { PROXYSQL_CA_FILE_NAME, PROXYSQL_DEFAULT_DATA_DIR } from '../proxysql/adminTls';

/**
 * What the server presented, fetched after a failed certificate check with a second handshake that sends no
 * credentials and verifies nothing: read the MySQL greeting, send an SSLRequest (capability flags only: no user,
 * no password, no auth response), run TLS with rejectUnauthorized false, take the peer chain, close. A
 * HandshakeResponse is never sent, so the server never sees a login attempt. Everything it returns is hostile
 * input: shown escaped, and never trusted without the user's explicit choice.
 */

/** The failures after which the presented certificate explains what went wrong. */
export const PRESENTED_CERTIFICATE_CAUSES: readonly Cause[] = [
  'tls-ca-mismatch',
  'tls-self-signed-no-ca',
  'tls-hostname-mismatch',
  'tls-cert-expired',
  'tls-cert-not-yet-valid',
];

export function explainsWithPresentedCertificate(cause: string | undefined): boolean {
  return cause !== undefined && (PRESENTED_CERTIFICATE_CAUSES as readonly string[]).includes(cause);
}

/** The words the UI shows next to every presented certificate. */
export const SECOND_HANDSHAKE_NOTE = 'Fetched with a second handshake that verified nothing and sent no credentials.';

export const FETCH_LIMITS = {
  /** The whole exchange (TCP, greeting, TLS handshake). */
  timeoutMs: 5_000,
  /** A greeting is about 100 bytes; anything much larger is not a MySQL server. */
  maxGreetingBytes: 16 * 1024,
  /** Certificates kept from the peer chain. */
  maxCertificates: 10,
  /** DER bytes kept from the peer chain in total. */
  maxChainBytes: 256 * 1024,
} as const;

export interface FetchTarget {
  host: string;
  port: number;
  /** SNI (a DNS name); IP hosts send none. */
  servername?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface FetchedChain {
  /** DER certificates in the order the TLS layer returns them: the server certificate first, then its issuers from what the server sent. */
  certificates: Buffer[];
  protocol?: string;
  /** The greeting's server version (hostile text). */
  serverVersion: string;
}

// Capability flags (MySQL client/server protocol).
const CLIENT_LONG_PASSWORD = 0x1;
const CLIENT_PROTOCOL_41 = 0x200;
const CLIENT_SSL = 0x800;
const CLIENT_SECURE_CONNECTION = 0x8000;

/** The SSLRequest packet (sequence 1): capability flags, max packet size, charset, 23 zero bytes. Nothing else. */
export function sslRequestPacket(sequence = 1): Buffer {
  const payload = Buffer.alloc(32);
  payload.writeUInt32LE(CLIENT_LONG_PASSWORD | CLIENT_PROTOCOL_41 | CLIENT_SSL | CLIENT_SECURE_CONNECTION, 0);
  payload.writeUInt32LE(16 * 1024 * 1024, 4);
  payload[8] = 45; // utf8mb4_general_ci
  const header = Buffer.alloc(4);
  header.writeUIntLE(payload.length, 0, 3);
  header[3] = sequence & 0xff;
  return Buffer.concat([header, payload]);
}

interface Greeting {
  sequence: number;
  serverVersion: string;
  capabilities: number;
}

/** Parses a protocol-10 greeting; throws a plain Error for an error packet or anything else. */
export function parseGreeting(packet: Buffer, sequence: number): Greeting {
  if (packet[0] === 0xff) {
    const message = packet.subarray(packet[3] === 0x23 ? 9 : 3).toString('utf8');
    throw new Error(`the server refused the connection before TLS: ${message.slice(0, 300)}`);
  }
  if (packet[0] !== 0x0a) throw new Error('the server did not send a MySQL greeting (protocol 10)');
  const end = packet.indexOf(0, 1);
  if (end < 0) throw new Error('the server greeting is truncated');
  const serverVersion = packet.subarray(1, Math.min(end, 101)).toString('latin1');
  // version NUL, connection id (4), auth data part 1 (8), filler (1), capability flags (lower 2 bytes)
  const capsAt = end + 1 + 4 + 8 + 1;
  if (packet.length < capsAt + 2) throw new Error('the server greeting is truncated');
  const capabilities = packet.readUInt16LE(capsAt);
  return { sequence, serverVersion, capabilities };
}

/**
 * Fetches the chain the server presents, without credentials and without verifying it. Bounded in time and
 * size; the socket is destroyed as soon as the chain is read (or on any error, timeout or abort).
 */
export function fetchPresentedChain(target: FetchTarget): Promise<FetchedChain> {
  const timeoutMs = Math.min(Math.max(1, target.timeoutMs ?? FETCH_LIMITS.timeoutMs), FETCH_LIMITS.timeoutMs * 6);
  return new Promise<FetchedChain>((resolve, reject) => {
    let settled = false;
    let tlsSocket: tls.TLSSocket | undefined;
    const raw = net.connect({ host: target.host, port: target.port });
    const finish = (error: Error | undefined, value?: FetchedChain): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      target.signal?.removeEventListener('abort', onAbort);
      tlsSocket?.destroy();
      raw.destroy();
      if (error) reject(error);
      else resolve(value!);
    };
    const onAbort = (): void => finish(new MysqlTlsError('cancelled', 'the certificate fetch was cancelled'));
    const timer = setTimeout(() => finish(new Error(`no certificate from ${target.host}:${target.port} within ${timeoutMs} ms`)), timeoutMs);
    if (target.signal?.aborted) return onAbort();
    target.signal?.addEventListener('abort', onAbort);
    raw.on('error', (e) => finish(new Error(`${target.host}:${target.port}: ${e.message}`)));
    raw.on('close', () => finish(new Error(`${target.host}:${target.port} closed the connection before presenting a certificate`)));

    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length > FETCH_LIMITS.maxGreetingBytes) return finish(new Error('the server greeting is larger than any MySQL greeting'));
      if (buffered.length < 4) return;
      const length = buffered.readUIntLE(0, 3);
      if (length + 4 > FETCH_LIMITS.maxGreetingBytes) return finish(new Error('the server greeting is larger than any MySQL greeting'));
      if (buffered.length < length + 4) return;
      raw.off('data', onData);
      let greeting: Greeting;
      try {
        greeting = parseGreeting(buffered.subarray(4, 4 + length), buffered[3]!);
      } catch (e) {
        return finish(e as Error);
      }
      if (!(greeting.capabilities & CLIENT_SSL)) {
        return finish(new MysqlTlsError('server-no-tls', `${target.host}:${target.port} did not offer TLS in its greeting`));
      }
      // The SSLRequest, and then only TLS: no HandshakeResponse (user, password, auth data) is ever written.
      raw.write(sslRequestPacket(greeting.sequence + 1));
      const servername = target.servername && !net.isIP(target.servername) ? target.servername : undefined;
      tlsSocket = tls.connect({
        socket: raw,
        servername,
        rejectUnauthorized: false,
        // An empty trust store: the chain read back is only what the server sent (no root added from a store).
        ca: [],
      });
      tlsSocket.on('error', (e) => finish(new Error(`${target.host}:${target.port}: ${e.message}`)));
      tlsSocket.once('secureConnect', () => {
        try {
          finish(undefined, { certificates: peerChain(tlsSocket!), protocol: tlsSocket!.getProtocol() ?? undefined, serverVersion: greeting.serverVersion });
        } catch (e) {
          finish(e as Error);
        }
      });
    };
    raw.on('data', onData);
  });
}

function peerChain(socket: tls.TLSSocket): Buffer[] {
  const out: Buffer[] = [];
  let total = 0;
  let cert: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  if (!cert || !cert.raw) throw new Error('the server presented no certificate');
  const seen = new Set<string>();
  while (cert && cert.raw && out.length < FETCH_LIMITS.maxCertificates) {
    const key = cert.raw.toString('base64');
    if (seen.has(key)) break; // a self-signed certificate is its own issuer
    seen.add(key);
    total += cert.raw.length;
    if (total > FETCH_LIMITS.maxChainBytes) break;
    out.push(Buffer.from(cert.raw));
    cert = cert.issuerCertificate;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Analysis: how the presented chain relates to the configured CA and to the CAs the extension can name.

export type ChainRelation =
  /** Chains to a certificate in ssl.ca. */
  | { kind: 'configured'; ca: string }
  /** Chains to a CA of a cloud bundle the extension knows (not the configured one). */
  | { kind: 'cloud'; bundle: string; ca: string }
  /** Chains to a public root in Node's store (not the configured one). */
  | { kind: 'system'; ca: string }
  /** Chains to a CA the server sent itself, which nothing here trusts. */
  | { kind: 'sent-ca'; ca: string }
  /** The server certificate signed itself. */
  | { kind: 'self-signed' }
  /** Chains to nothing known: its issuer is named. */
  | { kind: 'unknown'; issuer: string };

export interface AutoGeneratedCertificate {
  product: 'MySQL' | 'ProxySQL';
  /** The MySQL version in the CN (MySQL_Server_<version>_Auto_Generated_...). */
  version?: string;
  /** What to do, in words. */
  advice: string;
}

export interface PresentedCertificate extends CertificateInfo {
  /** PEM of this certificate (for "Trust this CA…"). */
  pem: string;
  /** The server certificate, or a certificate it sent with it. */
  role: 'server' | 'sent';
}

export interface ConfiguredTrust {
  caSource: 'file' | 'system' | 'none';
  /** ssl.ca as written in the settings (for the UI). */
  caPath?: string;
  caPems: string[];
}

export interface PresentedChainAnalysis {
  host: string;
  port: number;
  /** The name VERIFY_IDENTITY checks (ssl.servername or the host). */
  verifyName: string;
  serverVersion: string;
  protocol?: string;
  certificates: PresentedCertificate[];
  server: PresentedCertificate;
  /** Whether the server certificate names verifyName (SAN, or CN when it has no DNS SAN, as Node checks). */
  namesHost: boolean;
  validity: 'ok' | 'expired' | 'not-yet-valid';
  relation: ChainRelation;
  /** Whether it chains to the configured CA (ssl.ca, or the public roots for caSource "system"). */
  chainsToConfigured: boolean;
  configured: { caSource: ConfiguredTrust['caSource']; caPath?: string; subjects: string[] };
  autoGenerated?: AutoGeneratedCertificate;
  /** A CA the server sent that issued its chain: what "Trust this CA…" would save. */
  trustableCa?: PresentedCertificate;
  /** One sentence per finding, in the order they matter. */
  findings: string[];
  fetchedAt: string;
  note: typeof SECOND_HANDSHAKE_NOTE;
}

function cnOf(subject: string): string | undefined {
  return subject
    .split(/\n|,\s*/)
    .find((p) => p.startsWith('CN='))
    ?.slice(3);
}

function displayName(cert: X509Certificate): string {
  return cnOf(cert.subject) ?? cert.subject.split('\n').join(', ');
}

/** Whether `issuer` issued `cert` (names match and the signature verifies). */
function issued(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** Follows the chain from `leaf` through `intermediates` and returns the first anchor that issued a link. */
function chainAnchor(leaf: X509Certificate, intermediates: X509Certificate[], anchors: X509Certificate[]): X509Certificate | undefined {
  let current = leaf;
  const used = new Set<X509Certificate>();
  for (let depth = 0; depth < FETCH_LIMITS.maxCertificates; depth++) {
    const anchor = anchors.find((a) => issued(current, a));
    if (anchor) return anchor;
    // An anchor may be the same certificate the server sent (e.g. its own CA that is also configured).
    const next = intermediates.find((c) => !used.has(c) && c.fingerprint256 !== current.fingerprint256 && issued(current, c));
    if (!next) return undefined;
    used.add(next);
    if (anchors.some((a) => a.fingerprint256 === next.fingerprint256)) return next;
    current = next;
  }
  return undefined;
}

function parsePems(pems: readonly string[]): X509Certificate[] {
  const out: X509Certificate[] = [];
  for (const pem of pems) {
    try {
      out.push(new X509Certificate(pem));
    } catch {
      // a certificate this system cannot parse cannot be an anchor either
    }
  }
  return out;
}

let systemRoots: X509Certificate[] | undefined;
function systemRootCertificates(): X509Certificate[] {
  systemRoots ??= parsePems(tls.rootCertificates);
  return systemRoots;
}

let rdsRoots: X509Certificate[] | undefined;
function rdsCertificates(): X509Certificate[] {
  try {
    rdsRoots ??= parsePems(rdsCaCertificates());
  } catch {
    rdsRoots = [];
  }
  return rdsRoots;
}

const MYSQL_AUTO = /^MySQL_Server_(.{1,64}?)_Auto_Generated_(Server|CA|Client)_Certificate$/;
const PROXYSQL_AUTO = /^ProxySQL_Auto_Generated_(Server|CA)_Certificate$/;

/** Recognises the certificates MySQL (auto_generate_certs) and ProxySQL (mysql-have_ssl) make for themselves. */
export function recognizeAutoGenerated(subject: string, issuer: string, host: string): AutoGeneratedCertificate | undefined {
  const cn = cnOf(subject) ?? '';
  const issuerCn = cnOf(issuer) ?? '';
  const mysql = MYSQL_AUTO.exec(cn) ?? MYSQL_AUTO.exec(issuerCn);
  if (mysql) {
    return {
      product: 'MySQL',
      version: mysql[1],
      advice:
        `This is the certificate MySQL generated for itself at its first start (auto_generate_certs). It names no host, so VERIFY_IDENTITY can never pass with it. ` +
        `Either use VERIFY_CA with that server's own CA file (ca.pem in its data directory, the MySQL_Server_${mysql[1]}_Auto_Generated_CA_Certificate), ` +
        `or install a certificate that names ${host} on the server (MySQL TLS: Generate Certificates, then ssl_ca, ssl_cert and ssl_key in [mysqld] and ALTER INSTANCE RELOAD TLS).`,
    };
  }
  if (PROXYSQL_AUTO.test(cn) || PROXYSQL_AUTO.test(issuerCn)) {
    return {
      product: 'ProxySQL',
      advice:
        `This is the certificate ProxySQL generated for itself (mysql-have_ssl, on by default since 2.6). It names no host, so VERIFY_IDENTITY can never pass with it. ` +
        `Either use VERIFY_CA with ProxySQL's own CA file (${PROXYSQL_CA_FILE_NAME} in its data directory, usually ${PROXYSQL_DEFAULT_DATA_DIR}), ` +
        `or install a certificate that names ${host} in ProxySQL (MySQL TLS: Generate Certificates, then replace proxysql-ca.pem, proxysql-cert.pem and proxysql-key.pem and run PROXYSQL RELOAD TLS).`,
    };
  }
  return undefined;
}

export interface AnalyzeInput {
  host: string;
  port: number;
  verifyName: string;
  fetched: FetchedChain;
  trust: ConfiguredTrust;
  now?: Date;
}

/** Relates a fetched chain to the configured CA and names what it chains to. Pure: no I/O. */
export function analyzePresentedChain(input: AnalyzeInput): PresentedChainAnalysis {
  const now = input.now ?? new Date();
  const certs = input.fetched.certificates.map((der) => new X509Certificate(der));
  if (certs.length === 0) throw new Error('the server presented no certificate');
  const leaf = certs[0]!;
  const sent = certs.slice(1);
  const presented: PresentedCertificate[] = certs.map((c, i) => ({ ...describeCertificate(c, now), pem: c.toString(), role: i === 0 ? 'server' : 'sent' }));
  const server = presented[0]!;

  const configuredCerts = input.trust.caSource === 'file' ? parsePems(input.trust.caPems) : input.trust.caSource === 'system' ? systemRootCertificates() : [];
  const configuredAnchor = configuredCerts.length ? chainAnchor(leaf, sent, configuredCerts) : undefined;

  let relation: ChainRelation;
  if (configuredAnchor) relation = { kind: 'configured', ca: displayName(configuredAnchor) };
  else {
    const rds = chainAnchor(leaf, sent, rdsCertificates());
    const system = rds ? undefined : chainAnchor(leaf, sent, systemRootCertificates());
    const selfSigned = server.selfSigned;
    const sentCa = !rds && !system && !selfSigned ? chainAnchor(leaf, sent, sent) : undefined;
    relation = rds
      ? { kind: 'cloud', bundle: 'the Amazon RDS CA bundle', ca: displayName(rds) }
      : system
        ? { kind: 'system', ca: displayName(system) }
        : selfSigned
          ? { kind: 'self-signed' }
          : sentCa
            ? { kind: 'sent-ca', ca: displayName(topOf(leaf, sent) ?? sentCa) }
            : { kind: 'unknown', issuer: server.issuer };
  }

  const isIp = net.isIP(input.verifyName) !== 0;
  let namesHost: boolean;
  try {
    namesHost = isIp ? leaf.checkIP(input.verifyName) !== undefined : leaf.checkHost(input.verifyName) !== undefined;
  } catch {
    namesHost = false;
  }
  const validity = validityState(leaf, now);
  const autoGenerated = recognizeAutoGenerated(server.subject, server.issuer, input.verifyName);

  // "Trust this CA…": a CA certificate the server sent that issued its chain and is not configured already.
  let trustableCa: PresentedCertificate | undefined;
  if (relation.kind !== 'configured') {
    const top = topOf(leaf, sent);
    if (top && top.ca && top.checkIssued(top) && issued(top, top)) trustableCa = presented[certs.indexOf(top)];
  }

  const configured = {
    caSource: input.trust.caSource,
    caPath: input.trust.caPath,
    subjects: input.trust.caSource === 'file' ? configuredCerts.map(displayName) : [],
  };
  const findings: string[] = [];
  if (autoGenerated) findings.push(autoGenerated.advice);
  findings.push(relationSentence(relation, configured));
  if (!namesHost)
    findings.push(
      server.subjectAltNames.length
        ? `The certificate does not name ${input.verifyName}: its names are ${server.subjectAltNames.join(', ')}.`
        : `The certificate names no host at all (no subjectAltName), so no host name can be verified against it.`,
    );
  if (validity === 'expired') findings.push(`The certificate expired on ${server.validTo}.`);
  if (validity === 'not-yet-valid') findings.push(`The certificate is valid only from ${server.validFrom}.`);
  if (trustableCa)
    findings.push(
      `The server sent the CA that issued its certificate (${cnOf(trustableCa.subject) ?? trustableCa.subject}). Trust it only after comparing its SHA-256 fingerprint with one you got from the server's administrator.`,
    );

  return {
    host: input.host,
    port: input.port,
    verifyName: input.verifyName,
    serverVersion: input.fetched.serverVersion,
    protocol: input.fetched.protocol,
    certificates: presented,
    server,
    namesHost,
    validity,
    relation,
    chainsToConfigured: relation.kind === 'configured',
    configured,
    autoGenerated,
    trustableCa,
    findings,
    fetchedAt: now.toISOString(),
    note: SECOND_HANDSHAKE_NOTE,
  };
}

/** The last certificate of the sent chain that the chain from the leaf reaches. */
function topOf(leaf: X509Certificate, sent: X509Certificate[]): X509Certificate | undefined {
  let current = leaf;
  let top: X509Certificate | undefined;
  const used = new Set<X509Certificate>();
  for (let depth = 0; depth < FETCH_LIMITS.maxCertificates; depth++) {
    const next = sent.find((c) => !used.has(c) && c.fingerprint256 !== current.fingerprint256 && issued(current, c));
    if (!next) break;
    used.add(next);
    top = next;
    current = next;
  }
  return top;
}

function relationSentence(relation: ChainRelation, configured: PresentedChainAnalysis['configured']): string {
  const configuredWords =
    configured.caSource === 'file'
      ? `the configured CA (${configured.caPath ?? 'ssl.ca'}${configured.subjects.length ? `: ${configured.subjects.join(', ')}` : ''})`
      : configured.caSource === 'system'
        ? 'the public roots in the system store (caSource "system")'
        : 'a CA (none is configured)';
  switch (relation.kind) {
    case 'configured':
      return `It chains to ${configuredWords}.`;
    case 'cloud':
      return `It does not chain to ${configuredWords}. It chains to ${relation.bundle} (${relation.ca}).`;
    case 'system':
      return `It does not chain to ${configuredWords}. It chains to a public root in the system store (${relation.ca}).`;
    case 'sent-ca':
      return `It does not chain to ${configuredWords}. It chains to a CA the server sent itself (${relation.ca}), which nothing here trusts.`;
    case 'self-signed':
      return `It does not chain to ${configuredWords}. It is self-signed: it vouches for itself.`;
    case 'unknown':
      return `It does not chain to ${configuredWords}. It chains to an unknown CA: ${relation.issuer}.`;
  }
}

/** What the analysis needs from a connection's settings: where to connect and which CA it trusts. */
export async function presentedTargetOf(
  profile: ConnectionProfile,
  paths?: PathContext,
): Promise<{ target: FetchTarget; verifyName: string; trust: ConfiguredTrust }> {
  const ssl = profile.ssl ?? {};
  const port = profile.port ?? DEFAULT_PORT;
  const servername = ssl.servername ? ssl.servername : undefined;
  const verifyName = servername ?? profile.host;
  let trust: ConfiguredTrust = { caSource: 'none', caPems: [] };
  if (ssl.caSource === 'system') trust = { caSource: 'system', caPems: [] };
  else if (ssl.ca) {
    let caPath: string;
    try {
      caPath = expandPath(ssl.ca, paths);
    } catch (e) {
      if (e instanceof PathExpansionError) throw new MysqlTlsError('config-invalid', e.message, 'ssl.ca');
      throw e;
    }
    const certs = parseCertificates(await readSettingFile(caPath, 'ssl.ca'), caPath, 'ssl.ca');
    trust = { caSource: 'file', caPath: ssl.ca, caPems: certs.map((c) => c.toString()) };
  }
  return { target: { host: profile.host, port, servername: servername ?? profile.host }, verifyName, trust };
}

/** Fetches and analyses in one go (the VS Code layer and the CLI call this after a certificate failure). */
export async function inspectPresentedCertificate(
  profile: ConnectionProfile,
  options: { paths?: PathContext; signal?: AbortSignal; timeoutMs?: number; now?: Date } = {},
): Promise<PresentedChainAnalysis> {
  const { target, verifyName, trust } = await presentedTargetOf(profile, options.paths);
  const fetched = await fetchPresentedChain({ ...target, signal: options.signal, timeoutMs: options.timeoutMs });
  return analyzePresentedChain({ host: target.host, port: target.port, verifyName, fetched, trust, now: options.now });
}
