import { X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { MysqlTlsError } from '../errors';
import type { ConnectionProfile } from '../profile';
import { describeCertificate, type CertificateInfo } from './certificateInfo';
import { createCa, createPkcs12, distinguishedName, encryptPrivateKeyPem, issueCertificate, type KeySpec } from './generate';
import { writeFileAtomic } from '../files/atomicWrite';
import { DEFAULT_TLS_VERSIONS, renderServerConfig, type ServerTlsConfig } from './serverConfig';

/**
 * "Generate a certificate set": what mysql_ssl_rsa_setup or the openssl recipe in the manual do, done
 * right by construction: distinct CNs, CA:TRUE only on the CA, serverAuth/clientAuth, SANs for every
 * name the clients use, keys 0600, nothing overwritten unless asked.
 */

export interface CertificateSetOptions {
  /** Folder the files are written to (created if missing). */
  outputDir: string;
  /** Host names clients use to reach the server (subjectAltName DNS entries). */
  dnsNames?: string[];
  /** IP addresses clients use to reach the server (subjectAltName IP entries). */
  ipAddresses?: string[];
  caCommonName?: string;
  /** Defaults to the first DNS name (or IP address). */
  serverCommonName?: string;
  /** Defaults to the profile user, else "mysql-client". */
  clientCommonName?: string;
  organization?: string;
  key?: KeySpec;
  /** Validity of the server and client certificates (default 825 days). */
  validityDays?: number;
  /** Validity of the CA (default 3650 days). */
  caValidityDays?: number;
  /** Encrypts the client key as PKCS#8 (AES-256-CBC). The server key stays plain: mysqld cannot prompt for it. */
  clientKeyPassphrase?: string;
  /** Encrypts the CA key; keep the CA key off the database server in any case. */
  caKeyPassphrase?: string;
  /** Also write the client certificate + key (+ CA) as PKCS#12 (RSA keys only). */
  pkcs12?: { passphrase: string; fileName?: string };
  /** Add require_secure_transport=ON to the server snippet. */
  requireSecureTransport?: boolean;
  /** The server snippet's tls_version (default TLSv1.2,TLSv1.3). */
  tlsVersion?: string;
  /**
   * Replace existing files: true for all of them, or exactly the listed paths (what the confirmation showed):
   * a file that appeared since is an error, never silently replaced.
   */
  overwrite?: boolean | readonly string[];
  /** Fills in the suggested connection profile. */
  profile?: { host?: string; port?: number; user?: string; name?: string };
}

export interface CertificateSetFiles {
  ca: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  clientPkcs12?: string;
  serverConfig: string;
}

export interface CertificateSet {
  files: CertificateSetFiles;
  certificates: { ca: CertificateInfo; server: CertificateInfo; client: CertificateInfo };
  /** OpenSSL one-line subjects, as REQUIRE SUBJECT / ISSUER compare them. */
  subjects: { ca: string; server: string; client: string };
  serverConfig: ServerTlsConfig;
  /** The `[mysqld]` snippet (also written to files.serverConfig). */
  serverConfigText: string;
  /** A profile that connects in VERIFY_IDENTITY with the client certificate (PEM files). */
  profile: ConnectionProfile;
  /** The same with the PKCS#12 file, when one was written. */
  pfxProfile?: ConnectionProfile;
  notes: string[];
}

const DNS_NAME = /^(\*\.)?([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

function invalid(field: string, detail: string, fix: string): MysqlTlsError {
  return new MysqlTlsError('config-invalid', detail, field, fix);
}

/** Checks the options before any key is generated; every problem names its field. */
export function validateCertificateSetOptions(opts: CertificateSetOptions): void {
  if (!opts.outputDir) throw invalid('outputDir', 'no output folder was given', 'Choose the folder the certificates are written to.');
  const dns = opts.dnsNames ?? [];
  const ips = opts.ipAddresses ?? [];
  if (dns.length === 0 && ips.length === 0) {
    throw invalid(
      'dnsNames',
      'the server certificate would name no host',
      'Give the host names and/or IP addresses clients use to reach the server; VERIFY_IDENTITY checks them.',
    );
  }
  for (const d of dns) {
    if (net.isIP(d)) throw invalid('dnsNames', `"${d}" is an IP address`, 'Put IP addresses in ipAddresses, not dnsNames.');
    if (d.length > 253 || !DNS_NAME.test(d))
      throw invalid('dnsNames', `"${d}" is not a valid host name`, 'Use host names like db.example.com (a leading *. wildcard is allowed).');
  }
  for (const ip of ips) if (!net.isIP(ip)) throw invalid('ipAddresses', `"${ip}" is not an IP address`, 'Use IPv4 (10.0.0.5) or IPv6 (::1) addresses.');
  for (const [field, days] of [
    ['validityDays', opts.validityDays],
    ['caValidityDays', opts.caValidityDays],
  ] as const) {
    if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 36500))
      throw invalid(field, `${String(days)} is not a number of days`, 'Use a whole number of days from 1 to 36500.');
  }
  if ((opts.validityDays ?? 825) > (opts.caValidityDays ?? 3650)) {
    throw invalid('validityDays', 'the certificates would outlive their CA', 'Make validityDays shorter than caValidityDays.');
  }
  const key = opts.key;
  if (key && !((key.type === 'rsa' && [2048, 3072, 4096].includes(key.bits)) || (key.type === 'ecdsa' && ['P-256', 'P-384'].includes(key.curve)))) {
    throw invalid('key', `unsupported key ${JSON.stringify(key)}`, 'Use RSA 2048/3072/4096 or ECDSA P-256/P-384.');
  }
  if (opts.pkcs12 && key?.type === 'ecdsa') {
    throw invalid('pkcs12', 'PKCS#12 output is available for RSA keys only', 'Choose an RSA key, or use the PEM client certificate and key files.');
  }
  if (opts.pkcs12 && !opts.pkcs12.passphrase)
    throw invalid('pkcs12.passphrase', 'a PKCS#12 file needs a passphrase', 'Give the passphrase that protects the .p12 file.');
  const names = commonNames(opts);
  const seen = new Map<string, string>();
  for (const [role, cn] of Object.entries(names)) {
    if (!cn.trim()) throw invalid(`${role}CommonName`, `the ${role} common name is empty`, 'Give every certificate a common name.');
    const k = cn.trim().toLowerCase();
    const other = seen.get(k);
    if (other) {
      throw new MysqlTlsError('certificate-names-clash', `the ${other} and ${role} certificates would both have CN "${cn}"`, `${role}CommonName`);
    }
    seen.set(k, role);
  }
}

function commonNames(opts: CertificateSetOptions): { ca: string; server: string; client: string } {
  return {
    ca: opts.caCommonName ?? `${opts.organization ?? 'MySQL TLS'} CA`,
    server: opts.serverCommonName ?? opts.dnsNames?.[0] ?? opts.ipAddresses?.[0] ?? 'mysql-server',
    client: opts.clientCommonName ?? opts.profile?.user ?? 'mysql-client',
  };
}

/** OpenSSL's one-line form of a Node subject ("O=a\nCN=b" -> "/O=a/CN=b"), which REQUIRE SUBJECT/ISSUER compare. */
export function opensslSubject(cert: X509Certificate, which: 'subject' | 'issuer' = 'subject'): string {
  return cert[which]
    .split('\n')
    .filter(Boolean)
    .map((p) => `/${p}`)
    .join('');
}

export function certificateSetFiles(outputDir: string, pkcs12FileName?: string): CertificateSetFiles {
  const p = (f: string): string => path.join(path.resolve(outputDir), f);
  return {
    ca: p('ca.pem'),
    caKey: p('ca-key.pem'),
    serverCert: p('server-cert.pem'),
    serverKey: p('server-key.pem'),
    clientCert: p('client-cert.pem'),
    clientKey: p('client-key.pem'),
    ...(pkcs12FileName ? { clientPkcs12: p(pkcs12FileName) } : {}),
    serverConfig: p('mysqld-tls.cnf'),
  };
}

async function existing(files: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const f of files) {
    try {
      await fs.lstat(f);
      found.push(f);
    } catch {
      // absent: fine
    }
  }
  return found;
}

/** Keys and PKCS#12 files: 0600 from the first byte, never written through a link (see writeFileAtomic). */
function writeSecretFile(file: string, content: string | Buffer, overwrite: boolean): Promise<void> {
  return writeFileAtomic(file, content, { mode: 0o600, overwrite, field: 'outputDir' });
}

function writePublicFile(file: string, content: string | Buffer, overwrite: boolean, field: string): Promise<void> {
  return writeFileAtomic(file, content, { mode: 0o644, overwrite, field });
}

export async function generateCertificateSet(opts: CertificateSetOptions): Promise<CertificateSet> {
  validateCertificateSetOptions(opts);
  const confirmed = Array.isArray(opts.overwrite) ? new Set(opts.overwrite.map((f) => path.resolve(f))) : undefined;
  const may = (file: string): boolean => opts.overwrite === true || (confirmed?.has(path.resolve(file)) ?? false);
  const files = certificateSetFiles(opts.outputDir, opts.pkcs12 ? (opts.pkcs12.fileName ?? 'client.p12') : undefined);
  const targets = Object.values(files).filter((f): f is string => typeof f === 'string');
  {
    const clash = (await existing(targets)).filter((f) => !may(f));
    if (clash.length) throw new MysqlTlsError('file-exists', `these files already exist: ${clash.join(', ')}`, 'outputDir');
  }
  const cn = commonNames(opts);
  const key = opts.key ?? { type: 'rsa', bits: 2048 };
  const org = opts.organization ? { organization: opts.organization } : {};
  const ca = await createCa({ subject: distinguishedName({ ...org, commonName: cn.ca }), key, days: opts.caValidityDays ?? 3650 });
  const days = opts.validityDays ?? 825;
  const [server, client] = await Promise.all([
    issueCertificate({
      issuer: ca,
      subject: distinguishedName({ ...org, commonName: cn.server }),
      usage: 'server',
      dnsNames: opts.dnsNames,
      ipAddresses: opts.ipAddresses,
      key,
      days,
    }),
    issueCertificate({ issuer: ca, subject: distinguishedName({ ...org, commonName: cn.client }), usage: 'client', key, days }),
  ]);

  const notes: string[] = ['Keep ca-key.pem off the database server: whoever holds it can issue certificates your server and clients trust.'];
  await fs.mkdir(path.resolve(opts.outputDir), { recursive: true, mode: 0o700 });
  await writePublicFile(files.ca, ca.certPem, may(files.ca), 'outputDir');
  await writeSecretFile(files.caKey, opts.caKeyPassphrase ? encryptPrivateKeyPem(ca.keyPem, opts.caKeyPassphrase) : ca.keyPem, may(files.caKey));
  await writePublicFile(files.serverCert, server.certPem, may(files.serverCert), 'outputDir');
  await writeSecretFile(files.serverKey, server.keyPem, may(files.serverKey));
  await writePublicFile(files.clientCert, client.certPem, may(files.clientCert), 'outputDir');
  await writeSecretFile(
    files.clientKey,
    opts.clientKeyPassphrase ? encryptPrivateKeyPem(client.keyPem, opts.clientKeyPassphrase) : client.keyPem,
    may(files.clientKey),
  );
  if (opts.clientKeyPassphrase) notes.push('client-key.pem is encrypted: store its passphrase with the connection (it is kept in the OS keychain).');
  if (files.clientPkcs12 && opts.pkcs12) {
    const p12 = createPkcs12({
      certPem: client.certPem,
      keyPem: client.keyPem,
      chainPems: [ca.certPem],
      passphrase: opts.pkcs12.passphrase,
      friendlyName: cn.client,
    });
    await writeSecretFile(files.clientPkcs12, p12, may(files.clientPkcs12));
  }

  const serverConfig: ServerTlsConfig = {
    sslCa: files.ca,
    sslCert: files.serverCert,
    sslKey: files.serverKey,
    tlsVersion: opts.tlsVersion ?? DEFAULT_TLS_VERSIONS,
    requireSecureTransport: opts.requireSecureTransport === true,
  };
  const serverConfigText = renderServerConfig(serverConfig);
  await writePublicFile(files.serverConfig, serverConfigText, may(files.serverConfig), 'outputDir');
  notes.push(
    'Copy ca.pem, server-cert.pem and server-key.pem to the server (server-key.pem readable only by the mysql user), adjust the paths in the snippet, then restart the server or run FLUSH SSL (MariaDB) / ALTER INSTANCE RELOAD TLS (MySQL 8).',
  );

  const host = opts.profile?.host ?? opts.dnsNames?.[0] ?? opts.ipAddresses?.[0] ?? 'localhost';
  const base = {
    ...(opts.profile?.name ? { name: opts.profile.name } : {}),
    host,
    ...(opts.profile?.port ? { port: opts.profile.port } : {}),
    user: opts.profile?.user ?? cn.client,
  };
  const profile: ConnectionProfile = { ...base, ssl: { mode: 'VERIFY_IDENTITY', ca: files.ca, cert: files.clientCert, key: files.clientKey } };
  const pfxProfile: ConnectionProfile | undefined = files.clientPkcs12
    ? { ...base, ssl: { mode: 'VERIFY_IDENTITY', ca: files.ca, pfx: files.clientPkcs12 } }
    : undefined;

  const x = (pem: string): X509Certificate => new X509Certificate(pem);
  const [caX, serverX, clientX] = [x(ca.certPem), x(server.certPem), x(client.certPem)];
  return {
    files,
    certificates: { ca: describeCertificate(caX), server: describeCertificate(serverX), client: describeCertificate(clientX) },
    subjects: { ca: opensslSubject(caX), server: opensslSubject(serverX), client: opensslSubject(clientX) },
    serverConfig,
    serverConfigText,
    profile,
    ...(pfxProfile ? { pfxProfile } : {}),
    notes,
  };
}
