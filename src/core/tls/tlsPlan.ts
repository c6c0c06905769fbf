import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import * as net from 'node:net';
import { createSecureContext } from 'node:tls';
import { describeCertificate, validityState, type CertificateInfo } from '../certificates/certificateInfo';
import { parseCertificates, parsePrivateKey, readSettingFile } from '../certificates/pemFiles';
import { openPkcs12 } from '../certificates/pkcs12';
import { MysqlTlsError } from '../errors';
import { publicKeyRetrievalIsInsecure } from '../mysql/authSha2';
import { asWritten, expandPath, PathExpansionError, type PathContext } from '../paths';
import { DEFAULT_PORT, type ConnectionProfile, type ConnectionSecrets } from '../profile';
import { effectiveSslMode, parseSslMode, parseTlsVersion, SSL_MODE_RULES, TLS_VERSIONS, type SslMode, type SslModeRules, type TlsVersion } from './sslMode';

/** The options object mysql2 reads (only these keys reach Node's TLS layer, see notes/mysql2-tls.md). */
export interface DriverSslOptions {
  ca?: string[];
  cert?: string;
  key?: string;
  ciphers?: string;
  minVersion?: TlsVersion;
  maxVersion?: TlsVersion;
  rejectUnauthorized: boolean;
  verifyIdentity: boolean;
}

/** The label of the explicit override for TLS 1.0/1.1 servers (ssl.ciphers with @SECLEVEL=0). */
export const LEGACY_OVERRIDE_HINT =
  "INSECURE LEGACY OVERRIDE: ssl.ciphers lowers OpenSSL's security level to 0 (SHA-1 signatures, short keys and TLS 1.0/1.1 are accepted). Meant only for servers that speak nothing better (MySQL 5.7 yaSSL builds up to 5.7.27, MySQL 5.6): upgrade the server to 5.7.28+ and remove the override.";

/** Everything decided before a socket is opened: validated settings, loaded material, and the driver options. */
export interface TlsPlan {
  mode: SslMode;
  rules: SslModeRules;
  host: string;
  port: number;
  /** The name the certificate must carry in VERIFY_IDENTITY: ssl.servername or the host. */
  verifyName: string;
  servername?: string;
  caSource: 'file' | 'system' | 'none';
  caCertificates: CertificateInfo[];
  clientCertificate?: CertificateInfo;
  /** Undefined in DISABLED. A fresh object per plan: mysql2 mutates it and keys TLS session reuse on it. */
  driverSsl?: DriverSslOptions;
  /** Advice shown next to the result, e.g. "REQUIRED with a CA does no verification". */
  hints: string[];
  /** The pinned RSA key for caching_sha2/sha256 full authentication without TLS (profile.serverPublicKey). */
  serverPublicKey?: KeyObject;
  /** profile.getServerPublicKey: the server may hand out the key the password is encrypted to. */
  getServerPublicKey: boolean;
}

export interface PlanInput {
  profile: ConnectionProfile;
  secrets?: ConnectionSecrets;
  paths?: PathContext;
  now?: Date;
}

function configError(field: string, detail: string, fix?: string): MysqlTlsError {
  return new MysqlTlsError('config-invalid', detail, field, fix);
}

function expand(value: string, field: string, paths: PathContext | undefined): string {
  try {
    return expandPath(value, paths);
  } catch (e) {
    if (e instanceof PathExpansionError) throw configError(field, e.message);
    throw e;
  }
}

function checkClientValidity(cert: X509Certificate, path: string, field: string, now: Date): void {
  const state = validityState(cert, now);
  if (state === 'expired') throw new MysqlTlsError('client-cert-expired', `${path} expired on ${new Date(cert.validTo).toISOString()}`, field);
  if (state === 'not-yet-valid') throw new MysqlTlsError('client-cert-not-yet-valid', `${path} is valid from ${new Date(cert.validFrom).toISOString()}`, field);
}

/** A certificate whose public key OpenSSL cannot load fails every handshake the same way: a settings error. */
function requireLoadableKeys(certs: X509Certificate[], path: string, field: string): void {
  certs.forEach((c, i) => {
    try {
      void c.publicKey;
    } catch (e) {
      throw new MysqlTlsError(
        'file-garbage',
        `${path}: certificate #${i + 1} (${c.subject.split('\n').join(', ')}) has a public key that cannot be loaded (${(e as { code?: string }).code ?? (e as Error).message})`,
        field,
        `Replace ${field} with a certificate whose key this system can use (RSA, ECDSA P-256/P-384/P-521 or Ed25519), issued again if needed.`,
      );
    }
  });
}

function checkKeyMatches(cert: X509Certificate, key: KeyObject, certPath: string, field: string): void {
  if (!cert.checkPrivateKey(key)) throw new MysqlTlsError('key-cert-mismatch', `the key does not match the certificate in ${certPath}`, field);
}

/** Validates the profile, reads every file it names and decides the driver options for its mode. */
export async function planTls(input: PlanInput): Promise<TlsPlan> {
  // Errors and hints name a path setting as written when it uses ${env:NAME}: the variable's value (it may be
  // a secret) is not shown on screen or written to the log.
  const written = writtenForms(input.profile, input.paths);
  try {
    const plan = await planWithExpandedPaths(input);
    return written.length ? { ...plan, hints: plan.hints.map((h) => asWritten(h, written)) } : plan;
  } catch (e) {
    if (!written.length || !(e instanceof MysqlTlsError)) throw e;
    const detail = asWritten(e.detail, written);
    if (detail === e.detail) throw e;
    const rewritten = new MysqlTlsError(e.code, detail, e.field, e.fix);
    throw rewritten;
  }
}

/** [expanded, as written] for each path setting that uses ${env:NAME}. */
function writtenForms(profile: ConnectionProfile, paths: PathContext | undefined): [string, string][] {
  const values = [profile.ssl?.ca, profile.ssl?.cert, profile.ssl?.key, profile.ssl?.pfx, profile.serverPublicKey];
  const out: [string, string][] = [];
  for (const v of values) {
    if (typeof v !== 'string' || !v.includes('${env:')) continue;
    try {
      out.push([expandPath(v, paths), v]);
    } catch {
      // not expandable: the error names the setting as written already
    }
  }
  // Longest first, so a path that contains another is replaced whole.
  return out.sort((a, b) => b[0].length - a[0].length);
}

async function planWithExpandedPaths(input: PlanInput): Promise<TlsPlan> {
  const { profile, secrets = {}, paths } = input;
  const now = input.now ?? new Date();
  const ssl = profile.ssl ?? {};
  const hints: string[] = [];

  if (typeof profile.host !== 'string' || profile.host.trim() === '')
    throw configError('host', 'the host is empty', 'Set host to the server name or IP address.');
  if (typeof profile.user !== 'string' || profile.user === '') throw configError('user', 'the user is empty', 'Set user to the MySQL account name.');
  const port = profile.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw configError('port', `${String(profile.port)} is not a TCP port`, 'Use a whole number from 1 to 65535 (MySQL listens on 3306 by default).');

  let mode: SslMode;
  if (ssl.mode === undefined) {
    // MySQL 8 clients: no mode but a CA means VERIFY_CA. Say so instead of doing it silently.
    mode = effectiveSslMode(ssl);
    if (ssl.ca)
      hints.push(
        'No ssl.mode is set and a CA is: VERIFY_CA is used, as MySQL 8 clients do. Set ssl.mode explicitly (VERIFY_IDENTITY also checks the host name).',
      );
  } else {
    const parsed = typeof ssl.mode === 'string' ? parseSslMode(ssl.mode) : undefined;
    if (!parsed) throw configError('ssl.mode', `"${String(ssl.mode)}" is not an ssl mode`, 'Use DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY.');
    mode = parsed;
  }
  const rules = SSL_MODE_RULES[mode];

  const versions: { minVersion?: TlsVersion; maxVersion?: TlsVersion } = {};
  for (const field of ['minVersion', 'maxVersion'] as const) {
    const raw = ssl[field];
    if (raw === undefined) continue;
    const v = typeof raw === 'string' ? parseTlsVersion(raw) : undefined;
    if (!v) throw configError(`ssl.${field}`, `"${String(raw)}" is not a TLS version`, `Use one of ${TLS_VERSIONS.join(', ')}.`);
    versions[field] = v;
  }
  if (versions.minVersion && versions.maxVersion && TLS_VERSIONS.indexOf(versions.minVersion) > TLS_VERSIONS.indexOf(versions.maxVersion)) {
    throw configError(
      'ssl.minVersion',
      `minVersion ${versions.minVersion} is above maxVersion ${versions.maxVersion}`,
      'Make minVersion lower than or equal to maxVersion.',
    );
  }
  if (versions.minVersion === 'TLSv1' || versions.minVersion === 'TLSv1.1')
    hints.push(`${versions.minVersion} is deprecated and removed from MySQL 8.0.28; prefer TLSv1.2 or later.`);
  // The legacy-server override (MySQL 5.7 yaSSL builds up to 5.7.27, 5.6): allowed because the user wrote it
  // explicitly, never silently: every report of such a session carries this label.
  if (typeof ssl.ciphers === 'string' && /@SECLEVEL=0/i.test(ssl.ciphers)) hints.push(LEGACY_OVERRIDE_HINT);

  let servername: string | undefined;
  if (ssl.servername !== undefined && ssl.servername !== '') {
    if (net.isIP(ssl.servername))
      throw configError(
        'ssl.servername',
        `"${ssl.servername}" is an IP address`,
        'ssl.servername takes a DNS name; to verify an IP address, connect to it as the host.',
      );
    servername = ssl.servername;
  }

  const auth = await planPasswordKey(profile, paths, hints);

  if (mode === 'DISABLED') {
    if (ssl.ca || ssl.cert || ssl.key || ssl.pfx)
      hints.push('ssl.mode is DISABLED, so the CA and client certificate settings are not used and nothing is encrypted.');
    return { mode, rules, host: profile.host, port, verifyName: servername ?? profile.host, servername, caSource: 'none', caCertificates: [], hints, ...auth };
  }

  // CA
  let caSource: TlsPlan['caSource'] = 'none';
  let caPems: string[] | undefined;
  let caCertificates: CertificateInfo[] = [];
  if (ssl.caSource === 'system') {
    caSource = 'system';
    if (ssl.ca) hints.push('ssl.caSource is "system": the public roots are used and ssl.ca is ignored.');
  } else if (ssl.caSource !== undefined && ssl.caSource !== 'file') {
    throw configError('ssl.caSource', `"${String(ssl.caSource)}" is not a CA source`, 'Use "file" (with ssl.ca) or "system".');
  } else if (ssl.ca) {
    const caPath = expand(ssl.ca, 'ssl.ca', paths);
    const certs = parseCertificates(await readSettingFile(caPath, 'ssl.ca'), caPath, 'ssl.ca');
    requireLoadableKeys(certs, caPath, 'ssl.ca');
    caPems = certs.map((c) => c.toString());
    caCertificates = certs.map((c) => describeCertificate(c, now));
    caSource = 'file';
    const expired = caCertificates.filter((c) => c.daysLeft < 0);
    if (expired.length === certs.length) hints.push(`Every certificate in ${caPath} has expired; verification will fail.`);
  }
  if (rules.verifyChain && caSource === 'none') {
    throw new MysqlTlsError('config-missing-ca', `${mode} needs a CA to verify the server against`, 'ssl.ca');
  }
  if (!rules.verifyChain && caSource !== 'none') {
    hints.push(
      `${mode} encrypts but does not verify the server, so the configured CA is only used for the report. Use VERIFY_IDENTITY (or VERIFY_CA) to enforce it.`,
    );
  }

  // Client certificate: key+cert files, a PKCS#12 bundle, or a key kept in the keychain.
  let certPem: string | undefined;
  let keyPem: string | undefined;
  let clientCertificate: CertificateInfo | undefined;
  if (ssl.pfx) {
    if (ssl.cert || ssl.key) throw configError('ssl.pfx', 'ssl.pfx is set together with ssl.cert/ssl.key', 'Use either ssl.pfx or ssl.cert + ssl.key.');
    const pfxPath = expand(ssl.pfx, 'ssl.pfx', paths);
    const bundle = openPkcs12(await readSettingFile(pfxPath, 'ssl.pfx'), secrets.passphrase, pfxPath, 'ssl.pfx');
    const cert = new X509Certificate(bundle.certPem);
    requireLoadableKeys([cert], pfxPath, 'ssl.pfx');
    checkClientValidity(cert, pfxPath, 'ssl.pfx', now);
    const key = parsePrivateKey(Buffer.from(bundle.keyPem), pfxPath, 'ssl.pfx', undefined);
    checkKeyMatches(cert, key, pfxPath, 'ssl.pfx');
    certPem = [bundle.certPem, ...bundle.chainPems].join('');
    keyPem = bundle.keyPem;
    clientCertificate = describeCertificate(cert, now);
  } else if (ssl.cert || ssl.key || secrets.keyPem) {
    if (!ssl.cert) throw new MysqlTlsError('config-incomplete-client-cert', 'a client key is set but ssl.cert is not', 'ssl.cert');
    const certPath = expand(ssl.cert, 'ssl.cert', paths);
    const certs = parseCertificates(await readSettingFile(certPath, 'ssl.cert'), certPath, 'ssl.cert');
    requireLoadableKeys(certs, certPath, 'ssl.cert');
    const leaf = certs[0]!;
    let key: KeyObject;
    let keyLabel: string;
    if (ssl.key) {
      const keyPath = expand(ssl.key, 'ssl.key', paths);
      key = parsePrivateKey(await readSettingFile(keyPath, 'ssl.key'), keyPath, 'ssl.key', secrets.passphrase);
      keyLabel = 'ssl.key';
    } else if (secrets.keyPem) {
      key = parsePrivateKey(Buffer.from(secrets.keyPem), 'the key stored in the keychain', 'keyPem', secrets.passphrase);
      keyLabel = 'keyPem';
    } else {
      throw new MysqlTlsError('config-incomplete-client-cert', 'ssl.cert is set but ssl.key is not', 'ssl.key');
    }
    checkClientValidity(leaf, certPath, 'ssl.cert', now);
    checkKeyMatches(leaf, key, certPath, keyLabel);
    certPem = certs.map((c) => c.toString()).join('');
    keyPem = key.export({ type: 'pkcs8', format: 'pem' }).toString();
    clientCertificate = describeCertificate(leaf, now);
  }

  if (ssl.ciphers !== undefined && (typeof ssl.ciphers !== 'string' || ssl.ciphers.trim() === '')) {
    throw configError('ssl.ciphers', 'the cipher list is empty', 'Remove ssl.ciphers or give an OpenSSL cipher list such as "ECDHE-RSA-AES256-GCM-SHA384".');
  }
  if (ssl.ciphers) {
    try {
      createSecureContext({ ciphers: ssl.ciphers });
    } catch {
      throw configError(
        'ssl.ciphers',
        `"${ssl.ciphers}" names no cipher this client knows`,
        'Use OpenSSL cipher names separated by colons, e.g. "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256" (TLS 1.3 suites are always enabled).',
      );
    }
  }

  const driverSsl: DriverSslOptions = {
    // The CA is passed in every TLS mode so the report can say whether the chain would verify;
    // only VERIFY_CA / VERIFY_IDENTITY make the handshake fail on it.
    ...(caPems ? { ca: caPems } : {}),
    ...(certPem && keyPem ? { cert: certPem, key: keyPem } : {}),
    ...(ssl.ciphers ? { ciphers: ssl.ciphers } : {}),
    ...versions,
    rejectUnauthorized: rules.verifyChain,
    verifyIdentity: rules.verifyHost,
  };
  return {
    mode,
    rules,
    host: profile.host,
    port,
    verifyName: servername ?? profile.host,
    servername,
    caSource,
    caCertificates,
    clientCertificate,
    driverSsl,
    hints,
    ...auth,
  };
}

/** serverPublicKey (read and parsed now, so a bad file fails before any socket) and getServerPublicKey. */
async function planPasswordKey(
  profile: ConnectionProfile,
  paths: PathContext | undefined,
  hints: string[],
): Promise<Pick<TlsPlan, 'serverPublicKey' | 'getServerPublicKey'>> {
  const get = profile.getServerPublicKey;
  if (get !== undefined && typeof get !== 'boolean')
    throw configError('getServerPublicKey', `${JSON.stringify(get)} is not true or false`, 'Set getServerPublicKey to true or false (or remove it).');
  const file = profile.serverPublicKey;
  if (file === undefined || file === '') {
    if (publicKeyRetrievalIsInsecure(profile))
      hints.push(
        'getServerPublicKey is on: without TLS, the server (or anyone pretending to be it) chooses the key the password is encrypted to. Use TLS or pin the key with serverPublicKey.',
      );
    return { getServerPublicKey: get === true };
  }
  if (typeof file !== 'string')
    throw configError('serverPublicKey', 'the value is not a file path', "Set serverPublicKey to the path of the server's RSA public key (PEM).");
  const keyPath = expand(file, 'serverPublicKey', paths);
  const data = await readSettingFile(keyPath, 'serverPublicKey');
  let key: KeyObject;
  try {
    key = createPublicKey(data.toString('latin1'));
  } catch {
    throw new MysqlTlsError(
      'file-garbage',
      `${keyPath} holds no PEM public key`,
      'serverPublicKey',
      "Point serverPublicKey at the server's RSA public key, e.g. the public_key.pem in a MySQL 8 data directory (caching_sha2_password_public_key_path).",
    );
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new MysqlTlsError(
      'file-wrong-kind',
      `${keyPath} holds a ${String(key.asymmetricKeyType)} key, not an RSA key`,
      'serverPublicKey',
      "MySQL encrypts passwords with RSA: use the server's RSA public key (PEM).",
    );
  }
  // A pinned key is used instead of asking, so getServerPublicKey changes nothing then.
  return { serverPublicKey: key, getServerPublicKey: get === true };
}
