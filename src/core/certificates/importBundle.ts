import { writeFileAtomic } from '../files/atomicWrite';
import type { X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { MysqlTlsError } from '../errors';
import { CA_BUNDLE_FILE_LIMIT } from '../files/boundedFile';
import { describeCertificate, validityState, type CertificateInfo } from './certificateInfo';
import { readCertificateContainer, type ContainerFormat } from './certificateContainer';
import { readSettingFile } from './pemFiles';

/**
 * Importing a CA bundle: whatever the provider or the DBA handed over (a PEM bundle, a DER .cer, a
 * Windows .p7b, a PKCS#12 truststore) becomes one normalized PEM file that ssl.ca and mysqld's ssl_ca read.
 */

export interface ImportWarning {
  code: 'expired' | 'not-yet-valid' | 'not-ca' | 'duplicate' | 'keys-ignored' | 'other-blocks-ignored';
  /** Index into `certificates` when the warning is about one certificate. */
  certificate?: number;
  message: string;
}

export interface ImportedBundle {
  format: ContainerFormat;
  certificates: CertificateInfo[];
  /** The normalized bundle: each certificate as PEM, preceded by a comment with its subject and expiry. */
  pem: string;
  warnings: ImportWarning[];
  /** Set when a destination was given and the file was written. */
  written?: string;
}

export interface ImportOptions {
  /** The file to import, or its bytes with a display name. */
  source: string | { data: Buffer; name: string };
  /** For PKCS#12 files. */
  passphrase?: string;
  /** Where to write the normalized PEM bundle (mode 0644). Nothing is written when omitted. */
  destination?: string;
  overwrite?: boolean;
  /** The setting the user is filling in, named in errors (default ssl.ca). */
  field?: string;
  now?: Date;
}

/**
 * A PEM bundle of the given certificates, with OpenSSL-ignored comment lines naming each one. `infos` are their
 * descriptions when already made (describing parses every certificate's key and checks self-signatures).
 */
export function toPemBundle(certs: X509Certificate[], now: Date = new Date(), infos?: CertificateInfo[]): string {
  return certs
    .map((c, i) => {
      const info = infos?.[i] ?? describeCertificate(c, now);
      return `# Subject: ${info.subject}\n# Issuer: ${info.issuer}\n# Expires: ${info.validTo}\n# SHA-256: ${info.fingerprintSha256}\n${c.toString().trim()}\n`;
    })
    .join('\n');
}

export async function importCaBundle(opts: ImportOptions): Promise<ImportedBundle> {
  const field = opts.field ?? 'ssl.ca';
  const now = opts.now ?? new Date();
  const name = typeof opts.source === 'string' ? opts.source : opts.source.name;
  const data = typeof opts.source === 'string' ? await readSettingFile(opts.source, field, CA_BUNDLE_FILE_LIMIT) : opts.source.data;
  const container = readCertificateContainer(data, name, field, opts.passphrase);
  const warnings: ImportWarning[] = [];
  if (container.certificates.length === 0) {
    const what = container.keys.length ? 'only a private key' : `only ${container.otherBlocks.join(', ') || 'unknown content'}`;
    throw new MysqlTlsError(
      'file-wrong-kind',
      `${name} holds ${what}, no certificate`,
      field,
      'Choose the CA certificate file (BEGIN CERTIFICATE), not a key or request.',
    );
  }
  if (container.keys.length) {
    warnings.push({
      code: 'keys-ignored',
      message: `${container.keys.length} private key(s) in ${path.basename(name)} were ignored: a CA bundle holds certificates only.`,
    });
  }
  if (container.otherBlocks.length) {
    warnings.push({
      code: 'other-blocks-ignored',
      message: `Blocks that are not certificates were ignored: ${[...new Set(container.otherBlocks)].join(', ')}.`,
    });
  }
  // Linear: duplicates are found by fingerprint in a set; the count was capped before parsing (containerLimits).
  const unique: X509Certificate[] = [];
  const seen = new Set<string>();
  for (const c of container.certificates) {
    const fingerprint = c.fingerprint256;
    if (seen.has(fingerprint)) {
      warnings.push({ code: 'duplicate', message: `A duplicate of ${c.subject.split('\n').join(', ')} was dropped.` });
      continue;
    }
    seen.add(fingerprint);
    unique.push(c);
  }
  const certificates = unique.map((c) => describeCertificate(c, now));
  unique.forEach((c, i) => {
    const info = certificates[i]!;
    const state = validityState(c, now);
    if (state === 'expired')
      warnings.push({ code: 'expired', certificate: i, message: `${info.subject} expired on ${info.validTo}: servers it issued will not verify.` });
    if (state === 'not-yet-valid') warnings.push({ code: 'not-yet-valid', certificate: i, message: `${info.subject} is not valid before ${info.validFrom}.` });
    if (!info.isCA) {
      warnings.push({
        code: 'not-ca',
        certificate: i,
        message: `${info.subject} is not a CA certificate (no basicConstraints CA:TRUE): it cannot verify other certificates. Did you pick the server certificate instead of its CA?`,
      });
    }
  });
  const pem = toPemBundle(unique, now, certificates);
  let written: string | undefined;
  if (opts.destination) {
    await writePublicFile(opts.destination, pem, opts.overwrite === true, field);
    written = opts.destination;
  }
  return { format: container.format, certificates, pem, warnings, written };
}

/**
 * Writes the bundle exactly as it was previewed (the certificates the user saw, not a second read of a file
 * that may have changed since), as a new 0644 file that never follows a link.
 */
export async function writeImportedBundle(bundle: ImportedBundle, destination: string, overwrite: boolean, field = 'ssl.ca'): Promise<ImportedBundle> {
  await writePublicFile(destination, bundle.pem, overwrite, field);
  return { ...bundle, written: destination };
}

/** Writes a non-secret file (certificate, bundle, config) as 0644; refuses to replace one unless asked. */
async function writePublicFile(file: string, content: string | Buffer, overwrite: boolean, field?: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, content, { mode: 0o644, overwrite, ...(field ? { field } : {}) });
}
