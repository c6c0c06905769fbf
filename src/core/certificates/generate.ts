import { KeyObject, randomBytes, webcrypto } from 'node:crypto';
import type * as X509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
type RsaHashedKeyGenParams = webcrypto.RsaHashedKeyGenParams;
type EcKeyGenParams = webcrypto.EcKeyGenParams;
type Algorithm = webcrypto.Algorithm;

/**
 * Certificate authority, server and client certificates, made with @peculiar/x509 over WebCrypto
 * (no openssl binary needed). Loaded lazily: only certificate commands and the sandbox use it.
 */
type X509Lib = typeof X509;
let lib: X509Lib | undefined;
function x509(): X509Lib {
  if (!lib) {
    // @peculiar/x509 uses tsyringe, which needs the Reflect metadata polyfill loaded first.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('reflect-metadata');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    lib = require('@peculiar/x509') as X509Lib;
    lib.cryptoProvider.set(webcrypto as unknown as Parameters<X509Lib['cryptoProvider']['set']>[0]);
  }
  return lib;
}

export type KeySpec = { type: 'rsa'; bits: 2048 | 3072 | 4096 } | { type: 'ecdsa'; curve: 'P-256' | 'P-384' };

export interface Issued {
  certPem: string;
  keyPem: string;
  subject: string;
  /** Kept for signing further certificates; not serialised. */
  readonly keys: CryptoKeyPair;
  readonly algorithm: RsaHashedKeyGenParams | EcKeyGenParams;
  readonly cert: X509.X509Certificate;
}

export interface Validity {
  days?: number;
  notBefore?: Date;
  notAfter?: Date;
}

function algorithmFor(spec: KeySpec): RsaHashedKeyGenParams | EcKeyGenParams {
  if (spec.type === 'rsa') return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: spec.bits };
  return { name: 'ECDSA', namedCurve: spec.curve, hash: spec.curve === 'P-384' ? 'SHA-384' : 'SHA-256' } as EcKeyGenParams;
}

function signingAlgorithm(alg: RsaHashedKeyGenParams | EcKeyGenParams): Algorithm {
  return alg.name === 'ECDSA' ? ({ name: 'ECDSA', hash: (alg as unknown as { hash: string }).hash } as Algorithm) : alg;
}

function period(v: Validity): { notBefore: Date; notAfter: Date } {
  // Back-date by an hour so a client whose clock is slightly behind still accepts a fresh certificate.
  const notBefore = v.notBefore ?? new Date(Date.now() - 3_600_000);
  const notAfter = v.notAfter ?? new Date(notBefore.getTime() + (v.days ?? 365) * 86_400_000);
  return { notBefore, notAfter };
}

function serial(): string {
  const b = randomBytes(16);
  b[0]! &= 0x7f; // positive INTEGER
  return b.toString('hex');
}

/** Distinguished name from parts; values are escaped for the RFC 4514 string the library parses. */
export function distinguishedName(parts: { commonName: string; organization?: string; organizationalUnit?: string; country?: string }): string {
  const esc = (s: string): string => s.replace(/([,+"\\<>;=])/g, '\\$1');
  return [
    parts.country && `C=${esc(parts.country)}`,
    parts.organization && `O=${esc(parts.organization)}`,
    parts.organizationalUnit && `OU=${esc(parts.organizationalUnit)}`,
    `CN=${esc(parts.commonName)}`,
  ]
    .filter(Boolean)
    .join(', ');
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  return KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }).toString();
}

export async function createCa(opts: { subject: string; key?: KeySpec } & Validity): Promise<Issued> {
  const X = x509();
  const algorithm = algorithmFor(opts.key ?? { type: 'rsa', bits: 2048 });
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await X.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: opts.subject,
    ...period({ days: 3650, ...opts }),
    signingAlgorithm: signingAlgorithm(algorithm),
    keys,
    extensions: [
      new X.BasicConstraintsExtension(true, undefined, true),
      new X.KeyUsagesExtension(X.KeyUsageFlags.keyCertSign | X.KeyUsageFlags.cRLSign | X.KeyUsageFlags.digitalSignature, true),
      await X.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await exportKeyPem(keys.privateKey), subject: opts.subject, keys, algorithm, cert };
}

export interface LeafOptions extends Validity {
  issuer: Issued;
  subject: string;
  usage: 'server' | 'client';
  dnsNames?: string[];
  ipAddresses?: string[];
  key?: KeySpec;
}

export async function issueCertificate(opts: LeafOptions): Promise<Issued> {
  const X = x509();
  const algorithm = algorithmFor(opts.key ?? { type: 'rsa', bits: 2048 });
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
  const sans = [
    ...(opts.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(opts.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const keyUsage =
    opts.issuer.algorithm.name === 'ECDSA' || algorithm.name === 'ECDSA'
      ? X.KeyUsageFlags.digitalSignature | X.KeyUsageFlags.keyAgreement
      : X.KeyUsageFlags.digitalSignature | X.KeyUsageFlags.keyEncipherment;
  const cert = await X.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: opts.subject,
    issuer: opts.issuer.cert.subject,
    ...period(opts),
    signingAlgorithm: signingAlgorithm(opts.issuer.algorithm),
    publicKey: keys.publicKey,
    signingKey: opts.issuer.keys.privateKey,
    extensions: [
      new X.BasicConstraintsExtension(false, undefined, true),
      new X.KeyUsagesExtension(keyUsage, true),
      new X.ExtendedKeyUsageExtension([opts.usage === 'server' ? X.ExtendedKeyUsage.serverAuth : X.ExtendedKeyUsage.clientAuth]),
      ...(sans.length ? [new X.SubjectAlternativeNameExtension(sans)] : []),
      await X.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await X.AuthorityKeyIdentifierExtension.create(opts.issuer.cert),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await exportKeyPem(keys.privateKey), subject: opts.subject, keys, algorithm, cert };
}

/** The private key as encrypted PKCS#8 (AES-256-CBC, PBKDF2), for keys the user wants protected at rest. */
export function encryptPrivateKeyPem(keyPem: string, passphrase: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createPrivateKey } = require('node:crypto') as typeof import('node:crypto');
  return createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }).toString();
}

/**
 * A PKCS#12 (.p12/.pfx) bundle of a certificate, its private key and optional chain, encrypted with
 * AES-256 (PBES2; node-forge writes the integrity MAC with SHA-1, which OpenSSL and Java accept). node-forge only handles RSA keys in PKCS#12, which is also all that
 * openPkcs12 reads back, so other key types are refused here rather than producing a file that cannot be used.
 */
export function createPkcs12(opts: { certPem: string; keyPem: string; chainPems?: string[]; passphrase: string; friendlyName?: string }): Buffer {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const forge = require('node-forge') as typeof import('node-forge');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createPrivateKey } = require('node:crypto') as typeof import('node:crypto');
  const keyObject = createPrivateKey(opts.keyPem);
  if (keyObject.asymmetricKeyType !== 'rsa') {
    throw new Error(`PKCS#12 output needs an RSA key (this key is ${keyObject.asymmetricKeyType ?? 'unknown'}); use the PEM certificate and key files instead`);
  }
  const key = forge.pki.privateKeyFromPem(keyObject.export({ type: 'pkcs1', format: 'pem' }).toString()) as import('node-forge').pki.rsa.PrivateKey;
  const certs = [opts.certPem, ...(opts.chainPems ?? [])].map((p) => forge.pki.certificateFromPem(p));
  const asn1 = forge.pkcs12.toPkcs12Asn1(key, certs, opts.passphrase, {
    algorithm: 'aes256',
    generateLocalKeyId: true,
    ...(opts.friendlyName ? { friendlyName: opts.friendlyName } : {}),
  });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}
