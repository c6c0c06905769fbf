import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { MysqlTlsError } from '../errors';
import { CA_BUNDLE_FILE_LIMIT, CERTIFICATE_FILE_LIMIT, readBoundedFile } from '../files/boundedFile';
import { KeyDerivationBudget, checkCertificateCount, checkEncryptedPrivateKey, derOfPemBlock } from './containerLimits';

/**
 * Reading the certificate and key files a profile names, with an error for every way they go wrong
 * (missing, unreadable, not a regular file, too large, empty, DER, garbage, wrong kind, encrypted without
 * passphrase, wrong passphrase). `field` names the setting so the message tells the user which one to fix.
 */

export interface PemBlock {
  label: string;
  text: string;
}

const BEGIN = '-----BEGIN ';
const END = '-----END ';
const DASHES = '-----';

/** A PEM label: capital letters, digits and spaces. */
function isLabelChar(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x20;
}

/** The label at `from` when it is followed by "-----", else undefined. */
function labelAt(text: string, from: number): { label: string; end: number } | undefined {
  let i = from;
  while (i < text.length && isLabelChar(text.charCodeAt(i))) i++;
  if (i === from || !text.startsWith(DASHES, i)) return undefined;
  return { label: text.slice(from, i), end: i + DASHES.length };
}

/**
 * The PEM blocks of a text: "-----BEGIN L-----", a line break, anything, then the first "-----END L-----"
 * after it; text between blocks is ignored. The same blocks as the regular expression
 * /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g finds, in linear time: that expression
 * re-scans to the end of the text for every BEGIN without its END, which is quadratic on a file of BEGIN lines
 * (a 0.9 MB one blocked the extension host for 12 s). Here every END marker is found once, up front, and each
 * label's list of END positions is walked forward only.
 */
export function pemBlocks(text: string): PemBlock[] {
  const ends = new Map<string, { at: number[]; next: number }>();
  for (let i = text.indexOf(END); i !== -1; i = text.indexOf(END, i + 1)) {
    const l = labelAt(text, i + END.length);
    if (!l) continue;
    let list = ends.get(l.label);
    if (!list) ends.set(l.label, (list = { at: [], next: 0 }));
    list.at.push(i);
  }
  const blocks: PemBlock[] = [];
  let from = 0;
  for (let i = text.indexOf(BEGIN); i !== -1; i = text.indexOf(BEGIN, Math.max(i + 1, from))) {
    if (i < from) continue;
    const l = labelAt(text, i + BEGIN.length);
    if (!l) continue;
    let body = l.end;
    if (text.charCodeAt(body) === 0x0d) body++;
    if (text.charCodeAt(body) !== 0x0a) continue;
    body++;
    const list = ends.get(l.label);
    if (!list) continue;
    // BEGIN positions only increase, so an END before this body is before every later body too.
    while (list.next < list.at.length && list.at[list.next]! < body) list.next++;
    if (list.next === list.at.length) continue;
    const stop = list.at[list.next]! + END.length + l.label.length + DASHES.length;
    blocks.push({ label: l.label, text: text.slice(i, stop) });
    from = stop;
  }
  return blocks;
}

/**
 * Reads a file a setting names: a regular file of at most `limit` bytes (CA_BUNDLE_FILE_LIMIT for ssl.ca,
 * CERTIFICATE_FILE_LIMIT otherwise), never blocking on a FIFO or device. Refusals name `field`.
 */
export async function readSettingFile(
  path: string,
  field: string,
  limit: number = field === 'ssl.ca' ? CA_BUNDLE_FILE_LIMIT : CERTIFICATE_FILE_LIMIT,
): Promise<Buffer> {
  const data = await readBoundedFile(path, field, limit);
  if (data.length === 0 || data.toString('utf8').trim() === '') {
    throw new MysqlTlsError('file-empty', `${path} is empty`, field);
  }
  return data;
}

/** DER starts with a SEQUENCE tag and is not text. */
export function looksLikeDer(data: Buffer): boolean {
  return data[0] === 0x30 && data.subarray(0, 64).some((b) => b < 0x09 || (b > 0x0d && b < 0x20) || b > 0x7e);
}

function requirePem(data: Buffer, path: string, field: string, want: string): PemBlock[] {
  const blocks = pemBlocks(data.toString('utf8'));
  if (blocks.length === 0) {
    if (looksLikeDer(data)) throw new MysqlTlsError('file-der-not-pem', `${path} is DER (binary)`, field);
    throw new MysqlTlsError('file-garbage', `${path} contains no PEM block (expected ${want})`, field);
  }
  return blocks;
}

/** One or more certificates (a CA bundle, or a leaf followed by its intermediates). */
export function parseCertificates(data: Buffer, path: string, field: string): X509Certificate[] {
  const blocks = requirePem(data, path, field, 'BEGIN CERTIFICATE');
  const certs = blocks.filter((b) => b.label === 'CERTIFICATE' || b.label === 'TRUSTED CERTIFICATE');
  if (certs.length === 0) {
    const labels = [...new Set(blocks.map((b) => b.label))].join(', ');
    throw new MysqlTlsError('file-wrong-kind', `${path} holds ${labels}, not CERTIFICATE`, field);
  }
  checkCertificateCount(certs.length, path, field);
  return certs.map((b, i) => {
    try {
      return new X509Certificate(b.text);
    } catch (e) {
      throw new MysqlTlsError('file-garbage', `${path}: certificate #${i + 1} cannot be parsed (${(e as Error).message})`, field);
    }
  });
}

const KEY_LABELS = ['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'ENCRYPTED PRIVATE KEY'];

function isEncryptedPem(text: string): boolean {
  return /BEGIN ENCRYPTED PRIVATE KEY/.test(text) || /Proc-Type:\s*4,ENCRYPTED/.test(text);
}

/** A private key, decrypted when it needs a passphrase. Never echoes key material or the passphrase. */
export function parsePrivateKey(data: Buffer, path: string, field: string, passphrase: string | undefined): KeyObject {
  const blocks = requirePem(data, path, field, 'BEGIN PRIVATE KEY');
  const keyBlock = blocks.find((b) => KEY_LABELS.includes(b.label));
  if (!keyBlock) {
    const labels = [...new Set(blocks.map((b) => b.label))].join(', ');
    throw new MysqlTlsError('file-wrong-kind', `${path} holds ${labels}, not a PRIVATE KEY`, field);
  }
  const encrypted = isEncryptedPem(keyBlock.text);
  // OpenSSL derives with the PBKDF2 count the key names, synchronously: refuse a costly one before asking for a
  // passphrase. The legacy Proc-Type encryption derives with one MD5 round and names no count.
  if (keyBlock.label === 'ENCRYPTED PRIVATE KEY') checkEncryptedPrivateKey(derOfPemBlock(keyBlock.text), new KeyDerivationBudget('pkcs8', path, field));
  if (encrypted && !passphrase) {
    throw new MysqlTlsError('key-needs-passphrase', `${path} is encrypted`, field);
  }
  try {
    return createPrivateKey(encrypted ? { key: keyBlock.text, passphrase } : { key: keyBlock.text });
  } catch (e) {
    if (encrypted) throw new MysqlTlsError('key-wrong-passphrase', `${path} could not be decrypted with the stored passphrase`, field);
    throw new MysqlTlsError('file-garbage', `${path}: the private key cannot be parsed (${(e as Error).message})`, field);
  }
}
