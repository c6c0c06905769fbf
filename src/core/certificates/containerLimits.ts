import { MysqlTlsError } from '../errors';

/**
 * Limits on what a key container may make us compute, checked by reading its ASN.1 structure BEFORE any key
 * derivation. A .p12/.pfx or an ENCRYPTED PRIVATE KEY names its own iteration counts, and node-forge (PKCS#12)
 * and OpenSSL (createPrivateKey) run them synchronously on the extension host: a count of 2^31-1 blocked it for
 * hours, and forge tries the empty passphrase before any is asked for. A repository file named in ssl.pfx or
 * ssl.key is enough to trigger that, so the counts are refused here with the file and field named.
 */

/**
 * Highest PKCS#12 MAC / PBE / PBKDF2 iteration count accepted. What real exports use: OpenSSL 3
 * `pkcs12 -export` 2,048 (MAC and PBES2), Windows certmgr/certutil 2,000, macOS Keychain 2,048, Java keytool
 * 10,000. PKCS#12 files are opened by node-forge in pure JavaScript, measured at about 5-10 µs per iteration on a
 * shared 2-core machine (100,000 iterations: about 1 s), so the cap is ten times the highest default rather than set
 * by OpenSSL's speed.
 */
export const MAX_PKCS12_ITERATIONS = 100_000;
/**
 * Sum over every derivation one PKCS#12 file needs (MAC, each encrypted SafeContents, which is decrypted
 * twice (once here to see the key bags inside it), each shrouded key bag): many bags at the cap are refused too.
 * A default OpenSSL export needs about 8,000; a file at the cap for MAC, certificates and key needs 400,000.
 */
export const MAX_PKCS12_TOTAL_ITERATIONS = 500_000;
/**
 * Highest PBKDF2 iteration count of an encrypted PKCS#8 key (BEGIN ENCRYPTED PRIVATE KEY), decrypted by OpenSSL
 * natively (about 0.65 µs per HMAC-SHA256 iteration here: 1,000,000 take about 0.7 s). `openssl pkcs8 -topk8 -v2`
 * uses 2,048; OWASP (2023) recommends 600,000 for PBKDF2-HMAC-SHA256, which stays accepted.
 */
export const MAX_PKCS8_ITERATIONS = 1_000_000;
/** Sum over the encrypted keys of one file (a PEM file may hold many ENCRYPTED PRIVATE KEY blocks). */
export const MAX_PKCS8_TOTAL_ITERATIONS = 2_000_000;
/**
 * scrypt (PBES2 with scrypt, `openssl pkcs8 -topk8 -scrypt`): N·r·p at most 2^20; OpenSSL's default is
 * N=16384, r=8, p=1 (2^17). Charged to the same budget as PBKDF2 iterations (comparable time per unit).
 */
export const MAX_SCRYPT_WORK = 1 << 20;
/**
 * Most certificates accepted in one file. Real bundles are far smaller: Mozilla's root store (ca-certificates)
 * about 150, the AWS RDS global bundle about 120, Azure and Google Cloud SQL bundles a handful. Parsing and
 * describing a certificate costs about a millisecond, so the cap bounds a hostile bundle to about a second.
 */
export const MAX_BUNDLE_CERTIFICATES = 1_000;

type Forge = typeof import('node-forge');
type Asn1 = import('node-forge').asn1.Asn1;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const forgeLib = (): Forge => require('node-forge') as Forge;

const OID_DATA = '1.2.840.113549.1.7.1';
const OID_ENCRYPTED_DATA = '1.2.840.113549.1.7.6';
const OID_PBES2 = '1.2.840.113549.1.5.13';
const OID_PBKDF2 = '1.2.840.113549.1.5.12';
const OID_SCRYPT = '1.3.6.1.4.1.11591.4.11';
const OID_SHROUDED_KEY_BAG = '1.2.840.113549.1.12.10.1.2';
const OID_SAFE_CONTENTS_BAG = '1.2.840.113549.1.12.10.1.6';
/** PBES1 (pbeWithMD5AndDES-CBC, ...) and PKCS#12 PBE (pbeWithSHAAnd3-KeyTripleDES-CBC, ...): params { salt, iterationCount }. */
const isSaltAndCountPbe = (oid: string): boolean => /^1\.2\.840\.113549\.1\.(5\.(1|3|4|6|10|11)|12\.1\.[1-6])$/.test(oid);

const fix = (kind: 'pkcs12' | 'pkcs8'): string =>
  kind === 'pkcs12'
    ? `Export the .p12/.pfx file again with standard settings (openssl pkcs12 -export uses 2,048 iterations; up to ${MAX_PKCS12_ITERATIONS.toLocaleString('en-US')} are accepted). A count this high would block the editor while the file is opened, which is what hostile files do.`
    : `Encrypt the key again with standard settings (openssl pkcs8 -topk8 -v2 aes-256-cbc uses 2,048 iterations; up to ${MAX_PKCS8_ITERATIONS.toLocaleString('en-US')} are accepted). A count this high would block the editor while the key is decrypted, which is what hostile files do.`;

/**
 * The value of a DER INTEGER as a number when it has at most 6 significant bytes (exact in a double), else as
 * text. Never converts a long INTEGER to a number: forge's parseInt would silently round or wrap it.
 */
function integerOf(node: Asn1 | undefined): { value?: number; text: string; negative: boolean } | undefined {
  const forge = forgeLib();
  if (
    !node ||
    node.tagClass !== forge.asn1.Class.UNIVERSAL ||
    node.type !== forge.asn1.Type.INTEGER ||
    typeof node.value !== 'string' ||
    node.value.length === 0
  )
    return undefined;
  const bytes = Buffer.from(node.value, 'binary');
  if (bytes[0]! & 0x80) return { text: 'negative', negative: true };
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const significant = bytes.subarray(start);
  if (significant.length <= 6) {
    const value = significant.reduce((n, b) => n * 256 + b, 0);
    return { value, text: value.toLocaleString('en-US'), negative: false };
  }
  const text =
    significant.length <= 32
      ? `${BigInt(`0x${significant.toString('hex')}`).toLocaleString('en-US')} (a ${significant.length}-byte number)`
      : `a ${significant.length}-byte number`;
  return { text, negative: false };
}

function children(node: Asn1 | undefined): Asn1[] {
  return node && Array.isArray(node.value) ? (node.value as Asn1[]) : [];
}

function oidOf(node: Asn1 | undefined): string | undefined {
  const forge = forgeLib();
  if (!node || node.tagClass !== forge.asn1.Class.UNIVERSAL || node.type !== forge.asn1.Type.OID || typeof node.value !== 'string') return undefined;
  try {
    return forge.asn1.derToOid(node.value);
  } catch {
    return undefined;
  }
}

/** The bytes of an OCTET STRING, primitive or BER-constructed from chunks (as some Windows/Java exports write). */
function octets(node: Asn1 | undefined, depth = 0): string | undefined {
  if (!node || depth > 8) return undefined;
  if (typeof node.value === 'string') return node.value;
  const parts = children(node).map((c) => octets(c, depth + 1));
  return parts.every((p) => p !== undefined) ? parts.join('') : undefined;
}

function parse(bytes: string): Asn1 | undefined {
  const forge = forgeLib();
  try {
    return forge.asn1.fromDer(forge.util.createBuffer(bytes), false);
  } catch {
    return undefined;
  }
}

/** The derivation work one file may cost; every count is charged before the derivation that uses it. */
export class KeyDerivationBudget {
  private spent = 0;
  constructor(
    private readonly kind: 'pkcs12' | 'pkcs8',
    readonly path: string,
    readonly field: string,
    private readonly perCount = kind === 'pkcs12' ? MAX_PKCS12_ITERATIONS : MAX_PKCS8_ITERATIONS,
    private readonly total = kind === 'pkcs12' ? MAX_PKCS12_TOTAL_ITERATIONS : MAX_PKCS8_TOTAL_ITERATIONS,
  ) {}

  /** Charges an INTEGER count read from the file; `what` names the field of the file, e.g. "PKCS#12 MAC iteration count". */
  chargeCount(node: Asn1 | undefined, what: string): number {
    const value = this.readCount(node, what, this.perCount);
    this.charge(value, what);
    return value;
  }

  /** A positive INTEGER count of at most `cap`, else the error naming the file, the field and the count. */
  readCount(node: Asn1 | undefined, what: string, cap: number): number {
    const n = integerOf(node);
    if (!n) throw new MysqlTlsError('file-garbage', `${this.path}: the ${what} is not an INTEGER`, this.field, fix(this.kind));
    if (n.negative || n.value === 0)
      throw new MysqlTlsError(
        'file-garbage',
        `${this.path}: the ${what} is ${n.negative ? 'negative' : 'zero'}, which is not a valid count`,
        this.field,
        fix(this.kind),
      );
    if (n.value === undefined || n.value > cap) {
      throw new MysqlTlsError(
        'file-too-costly',
        `${this.path}: the ${what} is ${n.text}, above the limit of ${cap.toLocaleString('en-US')}`,
        this.field,
        fix(this.kind),
      );
    }
    return n.value;
  }

  charge(units: number, what: string): void {
    this.spent += units;
    if (this.spent > this.total) {
      throw new MysqlTlsError(
        'file-too-costly',
        `${this.path}: with the ${what}, opening it needs ${this.spent.toLocaleString('en-US')} key-derivation iterations in all, above the limit of ${this.total.toLocaleString('en-US')}`,
        this.field,
        fix(this.kind),
      );
    }
  }
}

/**
 * Charges the iteration count(s) of a password-based encryption AlgorithmIdentifier (PBES2 with PBKDF2 or
 * scrypt, PBES1, PKCS#12 PBE). Returns false for other algorithms, which neither forge nor OpenSSL derive
 * keys for (they refuse them), so there is nothing to charge.
 */
function chargeAlgorithm(algorithm: Asn1 | undefined, budget: KeyDerivationBudget, what: string): boolean {
  const [oidNode, params] = children(algorithm);
  const oid = oidOf(oidNode);
  if (!oid) return false;
  if (oid === OID_PBES2) {
    const [kdf] = children(params);
    const [kdfOid, kdfParams] = children(kdf);
    const kdfName = oidOf(kdfOid);
    // PBKDF2-params ::= SEQUENCE { salt, iterationCount INTEGER, keyLength INTEGER OPTIONAL, prf DEFAULT }
    if (kdfName === OID_PBKDF2) {
      budget.chargeCount(children(kdfParams)[1], `PBKDF2 iteration count of the ${what}`);
      return true;
    }
    // scrypt-params ::= SEQUENCE { salt, costParameter N, blockSize r, parallelizationParameter p, keyLength OPTIONAL }
    if (kdfName === OID_SCRYPT) {
      const [, n, r, p] = children(kdfParams);
      const names = ['cost N', 'block size r', 'parallelization p'];
      const [nv, rv, pv] = [n, r, p].map((x, i) => budget.readCount(x, `scrypt ${names[i]} of the ${what}`, MAX_SCRYPT_WORK));
      const work = nv! * rv! * pv!;
      if (work > MAX_SCRYPT_WORK) {
        throw new MysqlTlsError(
          'file-too-costly',
          `${budget.path}: the scrypt work N·r·p of the ${what} is ${work.toLocaleString('en-US')}, above the limit of ${MAX_SCRYPT_WORK.toLocaleString('en-US')}`,
          budget.field,
          fix('pkcs8'),
        );
      }
      budget.charge(work, `scrypt work of the ${what}`);
      return true;
    }
    return false;
  }
  if (isSaltAndCountPbe(oid)) {
    budget.chargeCount(children(params)[1], `iteration count of the ${what}`);
    return true;
  }
  return false;
}

/**
 * Checks an EncryptedPrivateKeyInfo (PKCS#8 ENCRYPTED PRIVATE KEY, DER) before createPrivateKey derives its
 * key: SEQUENCE { encryptionAlgorithm AlgorithmIdentifier, encryptedData OCTET STRING }. Structures that do
 * not parse are left to OpenSSL, which refuses them without deriving anything.
 */
export function checkEncryptedPrivateKey(der: Buffer, budget: KeyDerivationBudget, what = 'encrypted private key'): void {
  const root = parse(der.toString('binary'));
  chargeAlgorithm(children(root)[0], budget, what);
}

/** The DER of a PEM block's base64 body (headers such as Proc-Type skipped). */
export function derOfPemBlock(pem: string): Buffer {
  const body = pem
    .split(/\r?\n/)
    .filter((l) => !l.startsWith('-----') && !/^[A-Za-z-]+:/.test(l))
    .join('');
  return Buffer.from(body, 'base64');
}

/**
 * Checks every count a PKCS#12 file would make node-forge derive with this passphrase, before pkcs12FromAsn1:
 * PFX ::= SEQUENCE { version, authSafe ContentInfo, macData SEQUENCE { mac, macSalt, iterations DEFAULT 1 } }.
 * An encrypted SafeContents can hold shrouded key bags of its own; it is decrypted here (its count is
 * checked first) to check theirs, because forge decrypts them straight after it.
 */
export function checkPkcs12(root: Asn1, passphrase: string, path: string, field: string): void {
  const forge = forgeLib();
  const budget = new KeyDerivationBudget('pkcs12', path, field);
  const [, authSafe, macData] = children(root);
  if (macData) {
    const iterations = children(macData)[2];
    if (iterations) budget.chargeCount(iterations, 'PKCS#12 MAC iteration count (macData.iterations)');
  }
  const [authType, authContent] = children(authSafe);
  if (oidOf(authType) !== OID_DATA) return; // forge refuses anything else (public-key integrity mode) unread
  const authBytes = octets(children(authContent)[0]);
  if (authBytes === undefined) return;
  const contentInfos = children(parse(authBytes));
  contentInfos.forEach((contentInfo, i) => {
    const [type, content] = children(contentInfo);
    const oid = oidOf(type);
    const where = `SafeContents #${i + 1}`;
    if (oid === OID_DATA) {
      const bytes = octets(children(content)[0]);
      if (bytes !== undefined) checkSafeContents(parse(bytes), budget, where, 0);
    } else if (oid === OID_ENCRYPTED_DATA) {
      // EncryptedData ::= SEQUENCE { version, EncryptedContentInfo ::= SEQUENCE { contentType, algorithm, [0] encryptedContent } }
      const [, encryptedContentInfo] = children(children(content)[0]);
      const [, algorithm, encrypted] = children(encryptedContentInfo);
      const what = `encryption of ${where}`;
      if (!chargeAlgorithm(algorithm, budget, what)) return;
      const bytes = octets(encrypted);
      if (bytes === undefined) return;
      let plain: string | undefined;
      try {
        const pbe = (forge.pki as unknown as { pbe: { getCipher(oid: string, params: Asn1, password: string): import('node-forge').cipher.BlockCipher } }).pbe;
        const cipher = pbe.getCipher(oidOf(children(algorithm)[0])!, children(algorithm)[1]!, passphrase);
        cipher.update(forge.util.createBuffer(bytes));
        if (cipher.finish()) plain = cipher.output.getBytes();
      } catch {
        // forge fails on it in the same way, before it reaches the bags inside
      }
      if (plain === undefined) return;
      // forge derives this key a second time when it opens the file
      chargeAlgorithm(algorithm, budget, what);
      checkSafeContents(parse(plain), budget, where, 0);
    }
  });
}

/** SafeContents ::= SEQUENCE OF SafeBag { bagId, [0] EXPLICIT bagValue, bagAttributes OPTIONAL }. */
function checkSafeContents(safeContents: Asn1 | undefined, budget: KeyDerivationBudget, where: string, depth: number): void {
  if (depth > 4) return;
  children(safeContents).forEach((bag, i) => {
    const [bagId, bagValue] = children(bag);
    const oid = oidOf(bagId);
    const value = children(bagValue)[0];
    if (oid === OID_SHROUDED_KEY_BAG) chargeAlgorithm(children(value)[0], budget, `shrouded key bag #${i + 1} in ${where}`);
    else if (oid === OID_SAFE_CONTENTS_BAG) checkSafeContents(value, budget, `${where}, bag #${i + 1}`, depth + 1);
  });
}

/** Refuses a file with more certificates than MAX_BUNDLE_CERTIFICATES, before they are parsed. */
export function checkCertificateCount(count: number, path: string, field: string): void {
  if (count > MAX_BUNDLE_CERTIFICATES) {
    throw new MysqlTlsError(
      'file-too-costly',
      `${path} holds ${count.toLocaleString('en-US')} certificates; at most ${MAX_BUNDLE_CERTIFICATES.toLocaleString('en-US')} are accepted in one file`,
      field,
      `Keep only the CA certificates this server needs (a CA bundle from a provider holds a few hundred at most; Mozilla's whole root store about 150).`,
    );
  }
}
