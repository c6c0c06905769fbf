import { createPublicKey, type KeyObject, type X509Certificate } from 'node:crypto';
import { CA_BUNDLE_FILE_LIMIT } from '../files/boundedFile';
import { describeCertificate, validityState, type CertificateInfo } from './certificateInfo';
import { readCertificateContainer, type ContainerFormat } from './certificateContainer';
import { readSettingFile } from './pemFiles';
import { escapeMarkdown } from '../presentation/escape';
import { dayCount, validityWords } from '../presentation/expiry';

/**
 * "Inspect certificate": any certificate or key file becomes a summary a person can read, with the
 * mistakes that break MySQL TLS called out (wrong chain order, key of another certificate, CA used as the
 * server certificate, CA and leaf with the same CN, SHA-1, short RSA keys, expiry).
 */

export const OID_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
export const OID_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
export const EXPIRY_WARNING_DAYS = 30;

export type InspectionWarningCode =
  | 'expired'
  | 'not-yet-valid'
  | 'expiring-soon'
  | 'weak-rsa-key'
  | 'sha1-signature'
  | 'ca-as-server-certificate'
  | 'no-server-auth'
  | 'no-client-auth'
  | 'same-cn-as-issuer'
  | 'chain-order'
  | 'key-mismatch'
  | 'key-encrypted'
  | 'no-certificate';

export interface InspectionWarning {
  code: InspectionWarningCode;
  severity: 'warning' | 'critical';
  /** Index into `certificates` when it concerns one certificate. */
  certificate?: number;
  message: string;
}

export interface InspectedCertificate extends CertificateInfo {
  index: number;
  commonName?: string;
  /** Extended key usages by name (serverAuth, clientAuth, ...); undefined when the extension is absent (any usage). */
  extendedKeyUsage?: string[];
}

export interface ChainLink {
  from: number;
  to: number;
  /** certificates[from] names certificates[to] as issuer and its signature verifies with that key. */
  issuedByNext: boolean;
}

export interface InspectedKey {
  source: string;
  encrypted: boolean;
  readable: boolean;
  type?: string;
  bits?: number;
  curve?: string;
  /** Index of the certificate this key belongs to, or -1 when none in the file/set does. */
  matchesCertificate?: number;
}

export interface InspectionSummary {
  source: string;
  format: ContainerFormat;
  certificates: InspectedCertificate[];
  /** 'bundle' = only CA certificates (a trust store); 'chain' = a leaf first, then its issuers. */
  kind: 'empty' | 'single' | 'chain' | 'bundle';
  chain: ChainLink[];
  /** True when every certificate is issued by the next one (or there is at most one certificate). */
  chainInOrder: boolean;
  keys: InspectedKey[];
  warnings: InspectionWarning[];
  /** When the file was inspected (ISO): the validity words count days from then. */
  inspectedAt?: string;
}

export interface InspectOptions {
  /** For PKCS#12 files and encrypted keys. */
  passphrase?: string;
  /** A separate private key file to check against the first certificate. */
  keyFile?: string;
  keyPassphrase?: string;
  /** What the certificate is meant for: enables the serverAuth / clientAuth / "CA as server" checks. */
  role?: 'server' | 'client' | 'ca';
  /** The setting the file belongs to, named in errors (default "file"). */
  field?: string;
  now?: Date;
}

const EKU_NAMES: Record<string, string> = {
  [OID_SERVER_AUTH]: 'serverAuth',
  [OID_CLIENT_AUTH]: 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
  '2.5.29.37.0': 'anyExtendedKeyUsage',
};

function commonNameOf(name: string): string | undefined {
  const cn = name.split('\n').find((p) => p.startsWith('CN='));
  return cn?.slice(3);
}

function issuedBy(child: X509Certificate, parent: X509Certificate): boolean {
  try {
    return child.checkIssued(parent) && child.verify(parent.publicKey);
  } catch {
    return false;
  }
}

/**
 * Signature checks tried per certificate when looking for its issuer among the certificates with the issuer's
 * name: a real file has one or two; a hostile one may give thousands the same name.
 */
const MAX_ISSUER_CANDIDATES = 8;

/** Names compared the way OpenSSL's canonical form roughly does (case and runs of spaces ignored). */
const nameKey = (name: string): string => name.toLowerCase().replace(/\s+/g, ' ').trim();

/** Finds issuers by subject name in linear time (a scan of every pair took 75 s for 10,000 certificates). */
class IssuerIndex {
  private readonly bySubject = new Map<string, number[]>();
  constructor(private readonly certs: X509Certificate[]) {
    certs.forEach((c, i) => {
      const key = nameKey(c.subject);
      const list = this.bySubject.get(key);
      if (list) list.push(i);
      else this.bySubject.set(key, [i]);
    });
  }

  /** Index of a certificate (other than `child` itself) that issued certs[child], or -1. */
  issuerOf(child: number): number {
    const c = this.certs[child]!;
    const candidates = (this.bySubject.get(nameKey(c.issuer)) ?? []).filter((j) => j !== child).slice(0, MAX_ISSUER_CANDIDATES);
    return candidates.find((j) => issuedBy(c, this.certs[j]!)) ?? -1;
  }
}

/**
 * The public key in a form equal for equal keys: JWK coordinates (so a compressed and an uncompressed EC point
 * compare equal), else the SPKI DER for types JWK does not cover.
 */
function publicKeyId(key: KeyObject): string | undefined {
  try {
    const jwk = key.export({ format: 'jwk' });
    return JSON.stringify([jwk.kty, jwk.crv, jwk.n, jwk.e, jwk.x, jwk.y]);
  } catch {
    try {
      return key.export({ type: 'spki', format: 'der' }).toString('base64');
    } catch {
      return undefined;
    }
  }
}

/** Certificates by public key, so matching keys to certificates is linear (the first certificate wins). */
function certificatesByPublicKey(certs: X509Certificate[]): Map<string, number> {
  const byKey = new Map<string, number>();
  certs.forEach((c, i) => {
    let id: string | undefined;
    try {
      id = publicKeyId(c.publicKey);
    } catch {
      id = undefined; // a key OpenSSL cannot load matches nothing
    }
    if (id !== undefined && !byKey.has(id)) byKey.set(id, i);
  });
  return byKey;
}

function describeKey(source: string, encrypted: boolean, key: KeyObject | undefined, certs: X509Certificate[], byKey: () => Map<string, number>): InspectedKey {
  if (!key) return { source, encrypted, readable: false };
  const d = key.asymmetricKeyDetails ?? {};
  let idx = -1;
  try {
    const id = publicKeyId(createPublicKey(key));
    const candidate = id === undefined ? undefined : byKey().get(id);
    // the index only proposes; OpenSSL's own check decides
    if (candidate !== undefined && certs[candidate]!.checkPrivateKey(key)) idx = candidate;
  } catch {
    idx = -1;
  }
  return { source, encrypted, readable: true, type: key.asymmetricKeyType, bits: d.modulusLength, curve: d.namedCurve, matchesCertificate: idx };
}

export async function inspectFile(file: string, opts: InspectOptions = {}): Promise<InspectionSummary> {
  const field = opts.field ?? 'file';
  // The inspector takes any certificate file, bundles included, so it allows a bundle's size.
  const data = await readSettingFile(file, field, CA_BUNDLE_FILE_LIMIT);
  let extraKey: { source: string; data: Buffer } | undefined;
  if (opts.keyFile) extraKey = { source: opts.keyFile, data: await readSettingFile(opts.keyFile, 'keyFile') };
  return inspectData(data, file, { ...opts, field }, extraKey);
}

/** Inspects bytes already read; `extraKey` is a separate key file checked against the certificates. */
export function inspectData(data: Buffer, source: string, opts: InspectOptions = {}, extraKey?: { source: string; data: Buffer }): InspectionSummary {
  const now = opts.now ?? new Date();
  const container = readCertificateContainer(data, source, opts.field ?? 'file', opts.passphrase);
  const certs = container.certificates;
  const keySources = container.keys.map((k) => ({ source: k.source, encrypted: k.encrypted, key: k.key }));
  if (extraKey) {
    const c = readCertificateContainer(extraKey.data, extraKey.source, 'keyFile', opts.keyPassphrase ?? opts.passphrase);
    keySources.push(...c.keys.map((k) => ({ source: `${extraKey.source}: ${k.source}`, encrypted: k.encrypted, key: k.key })));
  }
  const warnings: InspectionWarning[] = [];

  const certificates: InspectedCertificate[] = certs.map((c, index) => {
    const eku = c.keyUsage as string[] | undefined;
    return {
      ...describeCertificate(c, now),
      index,
      commonName: commonNameOf(c.subject),
      extendedKeyUsage: eku?.map((o) => EKU_NAMES[o] ?? o),
    };
  });

  const allCa = certificates.length > 0 && certificates.every((c) => c.isCA);
  const kind: InspectionSummary['kind'] =
    certs.length === 0 ? 'empty' : certs.length === 1 ? 'single' : allCa && certificates.every((c) => c.selfSigned) ? 'bundle' : 'chain';
  const chain: ChainLink[] = [];
  if (kind === 'chain') {
    for (let i = 0; i + 1 < certs.length; i++) chain.push({ from: i, to: i + 1, issuedByNext: issuedBy(certs[i]!, certs[i + 1]!) });
  }
  const chainInOrder = chain.every((l) => l.issuedByNext);
  const issuers = new IssuerIndex(certs);
  for (const link of chain.filter((l) => !l.issuedByNext)) {
    const realIssuer = certificates[link.from]!.selfSigned ? -1 : issuers.issuerOf(link.from);
    warnings.push({
      code: 'chain-order',
      severity: 'critical',
      certificate: link.from,
      message: certificates[link.from]!.selfSigned
        ? `Certificate #${link.from + 1} (${certificates[link.from]!.subject}) is a self-signed root in the middle of the chain: a root belongs at the end, or is left out.`
        : realIssuer >= 0
          ? `Certificate #${link.from + 1} (${certificates[link.from]!.subject}) is issued by #${realIssuer + 1}, not by the next one: put the certificates in order leaf, intermediate(s), root.`
          : `Certificate #${link.from + 1} (${certificates[link.from]!.subject}) is not issued by certificate #${link.to + 1} (${certificates[link.to]!.subject}), and its issuer (${certificates[link.from]!.issuer}) is not in the file.`,
    });
  }

  certs.forEach((c, i) => {
    const info = certificates[i]!;
    const label = `#${i + 1} ${info.subject}`;
    const state = validityState(c, now);
    if (state === 'expired') warnings.push({ code: 'expired', severity: 'critical', certificate: i, message: `${label} expired on ${info.validTo}.` });
    else if (state === 'not-yet-valid')
      warnings.push({ code: 'not-yet-valid', severity: 'critical', certificate: i, message: `${label} is not valid before ${info.validFrom}.` });
    else if (info.daysLeft < EXPIRY_WARNING_DAYS)
      warnings.push({
        code: 'expiring-soon',
        severity: 'warning',
        certificate: i,
        message: `${label} expires in ${dayCount(info.daysLeft)}, on ${info.validTo}.`,
      });
    if (info.keyType === 'rsa' && (info.keyBits ?? 0) < 2048)
      warnings.push({
        code: 'weak-rsa-key',
        severity: 'critical',
        certificate: i,
        message: `${label} has a ${info.keyBits}-bit RSA key; use at least 2048 bits (OpenSSL 3 at security level 2 refuses shorter keys).`,
      });
    if (/sha1|SHA1/.test(info.signatureAlgorithm ?? '') && !info.selfSigned) {
      warnings.push({
        code: 'sha1-signature',
        severity: 'warning',
        certificate: i,
        message: `${label} is signed with SHA-1 (${info.signatureAlgorithm}), which current TLS libraries reject; reissue it with SHA-256.`,
      });
    }
    if (!info.selfSigned && info.commonName !== undefined && info.commonName === commonNameOf(c.issuer)) {
      warnings.push({
        code: 'same-cn-as-issuer',
        severity: 'critical',
        certificate: i,
        message: `${label} has the same CN ("${info.commonName}") as its issuing CA. MySQL/OpenSSL then treat it as self-signed and verification fails; reissue it with a different CN.`,
      });
    }
  });

  const leaf = certificates[0];
  if (leaf && opts.role === 'server') {
    if (leaf.isCA) {
      warnings.push({
        code: 'ca-as-server-certificate',
        severity: 'critical',
        certificate: 0,
        message: `${leaf.subject} is a CA certificate (CA:TRUE) used as the server certificate; issue a server certificate from this CA instead.`,
      });
    }
    if (leaf.extendedKeyUsage && !leaf.extendedKeyUsage.some((u) => u === 'serverAuth' || u === 'anyExtendedKeyUsage')) {
      warnings.push({
        code: 'no-server-auth',
        severity: 'critical',
        certificate: 0,
        message: `${leaf.subject} does not allow TLS server authentication (extended key usage: ${leaf.extendedKeyUsage.join(', ')}).`,
      });
    }
  } else if (leaf && opts.role === 'client') {
    if (leaf.extendedKeyUsage && !leaf.extendedKeyUsage.some((u) => u === 'clientAuth' || u === 'anyExtendedKeyUsage')) {
      warnings.push({
        code: 'no-client-auth',
        severity: 'critical',
        certificate: 0,
        message: `${leaf.subject} does not allow TLS client authentication (extended key usage: ${leaf.extendedKeyUsage.join(', ')}).`,
      });
    }
  } else if (leaf && opts.role === undefined && leaf.isCA && leaf.extendedKeyUsage?.includes('serverAuth')) {
    warnings.push({
      code: 'ca-as-server-certificate',
      severity: 'warning',
      certificate: 0,
      message: `${leaf.subject} is a CA certificate that also claims serverAuth: do not use it as the server certificate.`,
    });
  }

  let byKey: Map<string, number> | undefined;
  const keys = keySources.map((k) => describeKey(k.source, k.encrypted, k.key, certs, () => (byKey ??= certificatesByPublicKey(certs))));
  for (const k of keys) {
    if (!k.readable && k.encrypted)
      warnings.push({
        code: 'key-encrypted',
        severity: 'warning',
        message: `${k.source} is encrypted; give its passphrase to check that it matches the certificate.`,
      });
    else if (k.readable && certs.length > 0 && k.matchesCertificate === -1) {
      warnings.push({
        code: 'key-mismatch',
        severity: 'critical',
        message: `${k.source} does not belong to any certificate here: the server/client would fail with "key values mismatch".`,
      });
    }
    if (k.type === 'rsa' && (k.bits ?? 0) < 2048)
      warnings.push({ code: 'weak-rsa-key', severity: 'critical', message: `${k.source} is a ${k.bits}-bit RSA key; use at least 2048 bits.` });
  }
  if (certs.length === 0)
    warnings.push({ code: 'no-certificate', severity: 'warning', message: `${source} holds no certificate${keys.length ? ', only a private key' : ''}.` });

  return { source, format: container.format, certificates, kind, chain, chainInOrder, keys, warnings, inspectedAt: now.toISOString() };
}

const FORMAT_NAMES: Record<ContainerFormat, string> = {
  pem: 'PEM',
  'der-certificate': 'DER certificate',
  'der-private-key': 'DER private key',
  pkcs7: 'PKCS#7 bundle',
  pkcs12: 'PKCS#12 bundle',
};

// Certificate fields are whoever made the certificate's words: escaped, one line (see presentation/escape).
const md = escapeMarkdown;

function keyText(c: { keyType?: string; type?: string; keyBits?: number; bits?: number; keyCurve?: string; curve?: string }): string {
  const type = (c.keyType ?? c.type ?? 'unknown').toUpperCase();
  const size = c.keyBits ?? c.bits;
  const curve = c.keyCurve ?? c.curve;
  return [type, size ? `${size} bits` : undefined, curve].filter(Boolean).join(' ');
}

/** The summary as Markdown (also readable as plain text). */
export function renderInspection(s: InspectionSummary): string {
  const out: string[] = [
    `# ${md(s.source)}`,
    '',
    `Format: ${FORMAT_NAMES[s.format]}; ${s.certificates.length} certificate(s), ${s.keys.length} private key(s).`,
    '',
  ];
  if (s.warnings.length) {
    out.push('## Warnings', '');
    for (const w of s.warnings) out.push(`- **${w.severity === 'critical' ? 'Critical' : 'Warning'}**: ${md(w.message)}`);
    out.push('');
  } else out.push('No problems found.', '');
  for (const c of s.certificates) {
    out.push(`## Certificate ${c.index + 1}: ${md(c.commonName ?? c.subject)}`, '');
    out.push(`- Subject: ${md(c.subject)}`);
    out.push(`- Issuer: ${md(c.issuer)}${c.selfSigned ? ' (self-signed)' : ''}`);
    if (c.subjectAltNames.length) out.push(`- Subject alternative names: ${md(c.subjectAltNames.join(', '))}`);
    out.push(`- Valid: ${c.validFrom} to ${c.validTo} (${validityWords(c.validTo, s.inspectedAt ? new Date(s.inspectedAt) : new Date())})`);
    out.push(`- Key: ${keyText(c)}; signature: ${c.signatureAlgorithm ?? 'unknown'}`);
    out.push(`- CA: ${c.isCA ? 'yes' : 'no'}; extended key usage: ${c.extendedKeyUsage?.join(', ') ?? 'any (not restricted)'}`);
    out.push(`- Serial: ${c.serialNumber}`);
    out.push(`- SHA-256: ${c.fingerprintSha256}`);
    out.push(`- SHA-1: ${c.fingerprintSha1}`, '');
  }
  if (s.chain.length) {
    out.push(`## Chain order: ${s.chainInOrder ? 'correct' : 'NOT in order'}`, '');
    for (const l of s.chain) out.push(`- #${l.from + 1} issued by #${l.to + 1}: ${l.issuedByNext ? 'yes' : 'no'}`);
    out.push('');
  }
  if (s.keys.length) {
    out.push('## Private keys', '');
    for (const k of s.keys) {
      const match = !k.readable
        ? 'not checked (encrypted)'
        : k.matchesCertificate === undefined || k.matchesCertificate < 0
          ? 'matches no certificate'
          : `matches certificate ${k.matchesCertificate + 1}`;
      out.push(`- ${md(k.source)}: ${k.readable ? keyText(k) : 'encrypted'}${k.encrypted && k.readable ? ' (encrypted)' : ''}; ${match}`);
    }
    out.push('');
  }
  return out.join('\n');
}
