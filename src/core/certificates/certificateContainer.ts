import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { MysqlTlsError } from '../errors';
import { KeyDerivationBudget, checkCertificateCount, checkEncryptedPrivateKey, checkPkcs12, derOfPemBlock } from './containerLimits';
import { looksLikeDer, pemBlocks } from './pemFiles';

/**
 * Reads every file format certificates arrive in (PEM with any number of blocks, DER, PKCS#7 .p7b in PEM
 * or DER, PKCS#12 .p12/.pfx) into Node X509Certificate / KeyObject values. Shared by the CA bundle import
 * and the inspector. Java KeyStores are recognised and refused with the keytool command that converts them.
 */

export type ContainerFormat = 'pem' | 'der-certificate' | 'der-private-key' | 'pkcs7' | 'pkcs12';

export interface ContainedKey {
  /** Where the key came from, e.g. "PEM block #2 (PRIVATE KEY)" or "PKCS#12 key bag". */
  source: string;
  /** Undefined when the key is encrypted and no passphrase was given. */
  key?: KeyObject;
  encrypted: boolean;
}

export interface CertificateContainer {
  format: ContainerFormat;
  certificates: X509Certificate[];
  keys: ContainedKey[];
  /** Labels of PEM blocks that are neither certificates nor keys (e.g. CERTIFICATE REQUEST, X509 CRL). */
  otherBlocks: string[];
}

const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
const OID_DATA = '1.2.840.113549.1.7.1';
const JKS_MAGIC = 0xfeedfeed;
const JCEKS_MAGIC = 0xcececece;

const KEY_LABELS = new Set(['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'ENCRYPTED PRIVATE KEY']);
const CERTIFICATE_LABELS = new Set(['CERTIFICATE', 'TRUSTED CERTIFICATE', 'X509 CERTIFICATE']);

type Forge = typeof import('node-forge');
type Asn1 = import('node-forge').asn1.Asn1;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const forgeLib = (): Forge => require('node-forge') as Forge;

const KEYTOOL_FIX =
  'Export the certificates from the Java KeyStore first: keytool -exportcert -rfc -alias ALIAS -keystore FILE.jks -file ca.pem ' +
  '(one certificate per alias), or convert the whole store: keytool -importkeystore -srckeystore FILE.jks -destkeystore FILE.p12 -deststoretype PKCS12, then use the .p12 file.';

const ACCEPTED = 'PEM (BEGIN CERTIFICATE), DER (.der/.cer/.crt), PKCS#7 (.p7b/.p7c) or PKCS#12 (.p12/.pfx)';

export function readCertificateContainer(data: Buffer, path: string, field: string, passphrase?: string): CertificateContainer {
  if (data.length === 0 || data.toString('utf8').trim() === '') throw new MysqlTlsError('file-empty', `${path} is empty`, field);
  if (data.length >= 4) {
    const magic = data.readUInt32BE(0);
    if (magic === JKS_MAGIC || magic === JCEKS_MAGIC) {
      throw new MysqlTlsError(
        'file-format-unsupported',
        `${path} is a Java KeyStore (${magic === JKS_MAGIC ? 'JKS' : 'JCEKS'}), which cannot be read here`,
        field,
        KEYTOOL_FIX,
      );
    }
  }
  const text = data.toString('utf8');
  const blocks = pemBlocks(text);
  if (blocks.length > 0) return readPem(blocks, path, field, passphrase);
  if (looksLikeDer(data)) return readDer(data, path, field, passphrase);
  if (/^[A-Za-z0-9+/=\s]+$/.test(text) && text.replace(/\s/g, '').length > 64) {
    const decoded = Buffer.from(text.replace(/\s/g, ''), 'base64');
    if (decoded[0] === 0x30) {
      throw new MysqlTlsError(
        'file-garbage',
        `${path} holds base64 text without the -----BEGIN ...----- / -----END ...----- lines`,
        field,
        'Add the missing "-----BEGIN CERTIFICATE-----" and "-----END CERTIFICATE-----" lines around the base64 text, or export the certificate again in PEM or DER format.',
      );
    }
  }
  throw new MysqlTlsError(
    'file-garbage',
    `${path} is not a certificate file (no PEM block and not DER)`,
    field,
    `Use a certificate file in ${ACCEPTED} format.`,
  );
}

function readPem(blocks: ReturnType<typeof pemBlocks>, path: string, field: string, passphrase: string | undefined): CertificateContainer {
  const certificates: X509Certificate[] = [];
  const keys: ContainedKey[] = [];
  const otherBlocks: string[] = [];
  let format: ContainerFormat = 'pem';
  // counted before any is parsed; PKCS#7 blocks add theirs below, also before parsing
  let counted = blocks.filter((b) => CERTIFICATE_LABELS.has(b.label)).length;
  checkCertificateCount(counted, path, field);
  const budget = new KeyDerivationBudget('pkcs8', path, field);
  blocks.forEach((b, i) => {
    const where = `PEM block #${i + 1} (${b.label})`;
    if (CERTIFICATE_LABELS.has(b.label)) {
      try {
        certificates.push(new X509Certificate(b.label === 'CERTIFICATE' ? b.text : derOfPem(b.text)));
      } catch (e) {
        throw new MysqlTlsError('file-garbage', `${path}: ${where} cannot be parsed (${(e as Error).message})`, field);
      }
    } else if (b.label === 'PKCS7') {
      format = 'pkcs7';
      const bundled = pkcs7Certificates(derOfPem(b.text), path, field, counted);
      counted += bundled.length;
      certificates.push(...bundled);
    } else if (KEY_LABELS.has(b.label)) {
      keys.push(pemKey(b.text, where, path, field, passphrase, budget));
    } else {
      otherBlocks.push(b.label);
    }
  });
  return { format, certificates, keys, otherBlocks };
}

const derOfPem = derOfPemBlock;

function pemKey(pem: string, where: string, path: string, field: string, passphrase: string | undefined, budget: KeyDerivationBudget): ContainedKey {
  const encrypted = /BEGIN ENCRYPTED PRIVATE KEY/.test(pem) || /Proc-Type:\s*4,ENCRYPTED/.test(pem);
  // PKCS#8 names its PBKDF2 count; the legacy Proc-Type encryption derives with one MD5 round and needs no check
  // (the file's total is only charged when a passphrase makes the key be decrypted)
  if (/BEGIN ENCRYPTED PRIVATE KEY/.test(pem))
    checkEncryptedPrivateKey(derOfPem(pem), passphrase ? budget : new KeyDerivationBudget('pkcs8', path, field), where);
  if (encrypted && !passphrase) return { source: where, encrypted };
  try {
    return { source: where, encrypted, key: createPrivateKey(encrypted ? { key: pem, passphrase } : { key: pem }) };
  } catch (e) {
    if (encrypted)
      throw new MysqlTlsError(
        'key-wrong-passphrase',
        `${path}: ${where} could not be decrypted with the given passphrase`,
        field,
        'Enter the passphrase the key was encrypted with.',
      );
    throw new MysqlTlsError('file-garbage', `${path}: ${where} cannot be parsed (${(e as Error).message})`, field);
  }
}

function parseAsn1(der: Buffer): Asn1 | undefined {
  const forge = forgeLib();
  try {
    return forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')), false);
  } catch {
    return undefined;
  }
}

function children(node: Asn1 | undefined): Asn1[] {
  return node && Array.isArray(node.value) ? (node.value as Asn1[]) : [];
}

function oidOf(node: Asn1 | undefined): string | undefined {
  const forge = forgeLib();
  if (!node || node.tagClass !== forge.asn1.Class.UNIVERSAL || node.type !== forge.asn1.Type.OID || typeof node.value !== 'string') return undefined;
  return forge.asn1.derToOid(node.value);
}

function toDer(node: Asn1): Buffer {
  return Buffer.from(forgeLib().asn1.toDer(node).getBytes(), 'binary');
}

/**
 * The certificates of a PKCS#7 SignedData ("certs-only" .p7b). Walked by hand rather than with
 * forge.pkcs7, which refuses non-RSA certificates: ContentInfo { signedData, [0] SignedData { version,
 * digestAlgorithms, contentInfo, [0] IMPLICIT certificates, ... } }.
 */
function pkcs7Certificates(der: Buffer, path: string, field: string, already = 0): X509Certificate[] {
  const forge = forgeLib();
  const root = parseAsn1(der);
  const [oid, content] = children(root);
  if (oidOf(oid) !== OID_SIGNED_DATA)
    throw new MysqlTlsError(
      'file-garbage',
      `${path} is PKCS#7 but not a certificate bundle (SignedData)`,
      field,
      `Use a certificate file in ${ACCEPTED} format.`,
    );
  const signedData = children(content)[0];
  const certSet = children(signedData).find((n) => n.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && n.type === 0);
  checkCertificateCount(already + children(certSet).length, path, field);
  const certs = children(certSet).map((n, i) => {
    try {
      return new X509Certificate(toDer(n));
    } catch (e) {
      throw new MysqlTlsError('file-garbage', `${path}: certificate #${i + 1} of the PKCS#7 bundle cannot be parsed (${(e as Error).message})`, field);
    }
  });
  if (certs.length === 0)
    throw new MysqlTlsError(
      'file-garbage',
      `${path} is a PKCS#7 bundle without certificates`,
      field,
      `Export the bundle again with its certificates, or use ${ACCEPTED}.`,
    );
  return certs;
}

function readDer(data: Buffer, path: string, field: string, passphrase: string | undefined): CertificateContainer {
  try {
    return { format: 'der-certificate', certificates: [new X509Certificate(data)], keys: [], otherBlocks: [] };
  } catch {
    // not a single DER certificate: look at the structure
  }
  const root = parseAsn1(data);
  const top = children(root);
  if (oidOf(top[0]) === OID_SIGNED_DATA) return { format: 'pkcs7', certificates: pkcs7Certificates(data, path, field), keys: [], otherBlocks: [] };
  const forge = forgeLib();
  const isPfx =
    top[0]?.type === forge.asn1.Type.INTEGER && typeof top[0].value === 'string' && top[0].value === '\x03' && oidOf(children(top[1])[0]) === OID_DATA;
  if (isPfx) return readPkcs12(root!, path, field, passphrase);
  const key = derKey(data, passphrase, new KeyDerivationBudget('pkcs8', path, field));
  if (key) {
    if (key === 'encrypted') return { format: 'der-private-key', certificates: [], keys: [{ source: 'DER private key', encrypted: true }], otherBlocks: [] };
    return { format: 'der-private-key', certificates: [], keys: [{ source: 'DER private key', encrypted: false, key }], otherBlocks: [] };
  }
  throw new MysqlTlsError(
    'file-garbage',
    `${path} is binary (DER) but neither a certificate, a PKCS#7 or PKCS#12 bundle, nor a private key`,
    field,
    `Use a certificate file in ${ACCEPTED} format.`,
  );
}

function derKey(data: Buffer, passphrase: string | undefined, budget: KeyDerivationBudget): KeyObject | 'encrypted' | undefined {
  for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
    try {
      return createPrivateKey({ key: data, format: 'der', type });
    } catch {
      // try the next encoding
    }
  }
  // EncryptedPrivateKeyInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING }
  const top = children(parseAsn1(data));
  if (top.length === 2 && top[1]?.type === forgeLib().asn1.Type.OCTETSTRING && children(top[0]).length >= 1) {
    checkEncryptedPrivateKey(data, budget, 'DER encrypted private key');
    if (!passphrase) return 'encrypted';
    try {
      return createPrivateKey({ key: data, format: 'der', type: 'pkcs8', passphrase });
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function readPkcs12(root: Asn1, path: string, field: string, passphrase: string | undefined): CertificateContainer {
  const forge = forgeLib();
  let p12: import('node-forge').pkcs12.Pkcs12Pfx;
  // forge derives keys with the counts the file names, synchronously, even for the empty passphrase: check them first
  checkPkcs12(root, passphrase ?? '', path, field);
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(root, false, passphrase ?? '');
  } catch (e) {
    const msg = (e as Error).message ?? '';
    if (/mac|password|invalid|decrypt/i.test(msg)) {
      if (!passphrase)
        throw new MysqlTlsError(
          'key-needs-passphrase',
          `${path} is a PKCS#12 file protected by a passphrase`,
          field,
          'Enter the passphrase (export password) of the .p12/.pfx file.',
        );
      throw new MysqlTlsError(
        'key-wrong-passphrase',
        `${path} could not be opened with the given passphrase`,
        field,
        'Enter the passphrase (export password) the .p12/.pfx file was created with.',
      );
    }
    throw new MysqlTlsError(
      'file-format-unsupported',
      `${path} is PKCS#12 but could not be read (${msg})`,
      field,
      'Re-export it with standard algorithms, e.g. openssl pkcs12 -export (OpenSSL 3 defaults), or export the certificates as PEM.',
    );
  }
  const certificates: X509Certificate[] = [];
  const certBags = p12.getBags({ bagType: forge.pki.oids.certBag! })[forge.pki.oids.certBag!] ?? [];
  checkCertificateCount(certBags.length, path, field);
  for (const bag of certBags) {
    const asn1 = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : (bag as { asn1?: Asn1 }).asn1;
    if (!asn1) continue;
    try {
      certificates.push(new X509Certificate(toDer(asn1)));
    } catch (e) {
      throw new MysqlTlsError(
        'file-garbage',
        `${path}: certificate #${certificates.length + 1} in the PKCS#12 file cannot be parsed; the file may be truncated (${(e as Error).message})`,
        field,
        'Export the .p12/.pfx file again.',
      );
    }
  }
  const keys: ContainedKey[] = [];
  for (const bagType of [forge.pki.oids.pkcs8ShroudedKeyBag!, forge.pki.oids.keyBag!]) {
    for (const bag of p12.getBags({ bagType })[bagType] ?? []) {
      const asn1 = bag.key ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key)) : (bag as { asn1?: Asn1 }).asn1;
      if (!asn1) continue;
      try {
        keys.push({ source: 'PKCS#12 key bag', encrypted: true, key: createPrivateKey({ key: toDer(asn1), format: 'der', type: 'pkcs8' }) });
      } catch {
        keys.push({ source: 'PKCS#12 key bag (unreadable key type)', encrypted: true });
      }
    }
  }
  return { format: 'pkcs12', certificates, keys, otherBlocks: [] };
}
