import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { MysqlTlsError } from '../errors';

/**
 * Reading the certificate and key files a profile names, with an error for every way they go wrong
 * (missing, unreadable, empty, DER, garbage, wrong kind, encrypted without passphrase, wrong passphrase).
 * `field` names the setting so the message tells the user which one to fix.
 */

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

export interface PemBlock {
  label: string;
  text: string;
}

export function pemBlocks(text: string): PemBlock[] {
  return [...text.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1]!, text: m[0] }));
}

export async function readSettingFile(path: string, field: string): Promise<Buffer> {
  let data: Buffer;
  try {
    data = await fs.readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new MysqlTlsError('file-missing', `${path} does not exist`, field);
    if (code === 'EISDIR') throw new MysqlTlsError('file-unreadable', `${path} is a folder, not a file`, field);
    throw new MysqlTlsError('file-unreadable', `${path}: ${(e as Error).message}`, field);
  }
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
