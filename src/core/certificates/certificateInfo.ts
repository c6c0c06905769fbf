import { X509Certificate, createHash } from 'node:crypto';

/** A certificate as the UI and the report show it. Derived from DER, so it is the same for every source. */
export interface CertificateInfo {
  subject: string;
  issuer: string;
  subjectAltNames: string[];
  validFrom: string;
  validTo: string;
  /** Whole days until expiry (negative when expired). */
  daysLeft: number;
  serialNumber: string;
  fingerprintSha256: string;
  fingerprintSha1: string;
  isCA: boolean;
  selfSigned: boolean;
  keyType: string;
  keyBits?: number;
  keyCurve?: string;
  signatureAlgorithm?: string;
}

const DAY_MS = 86_400_000;

/** OpenSSL-style one-line form of a Node subject/issuer string ("CN=a\nO=b" -> "CN=a, O=b"). */
function oneLine(name: string): string {
  return name.split('\n').filter(Boolean).join(', ');
}

export function describeCertificate(cert: X509Certificate, now: Date = new Date()): CertificateInfo {
  const sans = cert.subjectAltName ? cert.subjectAltName.split(/,\s*/).filter(Boolean) : [];
  // A certificate can carry a key OpenSSL cannot load (a corrupt or exotic SubjectPublicKeyInfo): it is still
  // described (a hostile server's chain must not break the report), as an unloadable key.
  let pub: import('node:crypto').KeyObject | undefined;
  try {
    pub = cert.publicKey;
  } catch {
    pub = undefined;
  }
  const details = pub?.asymmetricKeyDetails ?? {};
  return {
    subject: oneLine(cert.subject),
    issuer: oneLine(cert.issuer),
    subjectAltNames: sans,
    validFrom: new Date(cert.validFrom).toISOString(),
    validTo: new Date(cert.validTo).toISOString(),
    daysLeft: Math.floor((new Date(cert.validTo).getTime() - now.getTime()) / DAY_MS),
    serialNumber: cert.serialNumber,
    fingerprintSha256: cert.fingerprint256,
    fingerprintSha1: cert.fingerprint,
    isCA: cert.ca,
    selfSigned: pub !== undefined && cert.subject === cert.issuer && cert.verify(pub),
    keyType: pub ? (pub.asymmetricKeyType ?? 'unknown') : 'unloadable',
    keyBits: details.modulusLength,
    keyCurve: details.namedCurve,
    signatureAlgorithm: signatureAlgorithmOf(cert.raw),
  };
}

/** Certificate validity against a clock: 'ok', 'expired' or 'not-yet-valid'. */
export function validityState(cert: X509Certificate, now: Date = new Date()): 'ok' | 'expired' | 'not-yet-valid' {
  if (now.getTime() > new Date(cert.validTo).getTime()) return 'expired';
  if (now.getTime() < new Date(cert.validFrom).getTime()) return 'not-yet-valid';
  return 'ok';
}

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

// The OIDs of the signature algorithms worth naming (SHA-1 is flagged by the inspector).
const SIG_OIDS: Record<string, string> = {
  '2a864886f70d010105': 'sha1WithRSAEncryption',
  '2a864886f70d01010b': 'sha256WithRSAEncryption',
  '2a864886f70d01010c': 'sha384WithRSAEncryption',
  '2a864886f70d01010d': 'sha512WithRSAEncryption',
  '2a864886f70d01010a': 'rsassaPss',
  '2a8648ce3d040301': 'ecdsa-with-SHA1',
  '2a8648ce3d040302': 'ecdsa-with-SHA256',
  '2a8648ce3d040303': 'ecdsa-with-SHA384',
  '2a8648ce3d040304': 'ecdsa-with-SHA512',
  '2b6570': 'Ed25519',
};

/**
 * Reads the outer signatureAlgorithm of a DER certificate (Node's X509Certificate does not expose it):
 * Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm AlgorithmIdentifier, signature }.
 */
function signatureAlgorithmOf(der: Buffer): string | undefined {
  try {
    let pos = 0;
    const readHeader = (): { len: number; tag: number } => {
      const tag = der[pos++]!;
      let len = der[pos++]!;
      if (len & 0x80) {
        const n = len & 0x7f;
        len = 0;
        for (let i = 0; i < n; i++) len = len * 256 + der[pos++]!;
      }
      return { tag, len };
    };
    readHeader(); // Certificate SEQUENCE
    const tbs = readHeader(); // tbsCertificate
    pos += tbs.len;
    readHeader(); // AlgorithmIdentifier SEQUENCE
    const oid = readHeader();
    if (oid.tag !== 0x06) return undefined;
    const hex = der.subarray(pos, pos + oid.len).toString('hex');
    return SIG_OIDS[hex] ?? `OID ${hex}`;
  } catch {
    return undefined;
  }
}
