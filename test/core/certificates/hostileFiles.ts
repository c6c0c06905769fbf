import { createPrivateKey, webcrypto } from 'node:crypto';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type * as forgeTypes from 'node-forge';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const forge = require('node-forge') as typeof forgeTypes;

/**
 * Hostile key containers and bundles, generated at test time (never committed blobs): PKCS#12 files and
 * encrypted PKCS#8 keys whose iteration counts would block a synchronous key derivation for hours, and
 * bundles with many distinct certificates.
 */

type Asn1 = forgeTypes.asn1.Asn1;
const { asn1, pki } = forge;
const U = asn1.Class.UNIVERSAL;

/** 2^31-1: the count the review used; hours in node-forge, about 20 minutes in OpenSSL. */
export const COUNT_2_31 = Buffer.from('7fffffff', 'hex');
/** An 8-byte INTEGER (2^63-1): never ends, and is not exact as a JS number. */
export const COUNT_8_BYTES = Buffer.from('7fffffffffffffff', 'hex');

const seq = (items: Asn1[]): Asn1 => asn1.create(U, asn1.Type.SEQUENCE, true, items);
const oid = (o: string): Asn1 => asn1.create(U, asn1.Type.OID, false, asn1.oidToDer(o).getBytes());
const octets = (bytes: string): Asn1 => asn1.create(U, asn1.Type.OCTETSTRING, false, bytes);
const integer = (bytes: Buffer): Asn1 => asn1.create(U, asn1.Type.INTEGER, false, bytes.toString('binary'));
const explicit0 = (inner: Asn1): Asn1 => asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [inner]);
const der = (node: Asn1): string => asn1.toDer(node).getBytes();
const intBytes = (n: number): Buffer => Buffer.from(asn1.integerToDer(n).getBytes(), 'binary');

function child(node: Asn1, ...path: number[]): Asn1 {
  return path.reduce((n, i) => (n.value as Asn1[])[i]!, node);
}

/** An RSA key in forge form (forge writes PKCS#12 for RSA keys only). */
export function forgeRsaKey(keyPem: string): forgeTypes.pki.rsa.PrivateKey {
  return pki.privateKeyFromPem(createPrivateKey(keyPem).export({ type: 'pkcs1', format: 'pem' }).toString()) as forgeTypes.pki.rsa.PrivateKey;
}

/** EncryptedPrivateKeyInfo (PBES2, PBKDF2, AES-256-CBC, 2,048 iterations) with its PBKDF2 count replaced by `count`. */
function shroudedKey(keyPem: string, password: string, count?: Buffer): Asn1 {
  const epki = pki.encryptPrivateKeyInfo(pki.wrapRsaPrivateKey(pki.privateKeyToAsn1(forgeRsaKey(keyPem))), password, { algorithm: 'aes256', count: 2048 });
  // EncryptedPrivateKeyInfo { AlgorithmIdentifier { PBES2, PBES2-params { kdf { PBKDF2, { salt, iterationCount } }, enc } }, data }
  if (count) child(epki, 0, 1, 0, 1, 1).value = count.toString('binary');
  return epki;
}

function certBag(certPem: string): Asn1 {
  const certDer = der(pki.certificateToAsn1(pki.certificateFromPem(certPem)));
  // SafeBag { certBag, [0] CertBag { x509Certificate, [0] OCTET STRING } }
  return seq([oid(pki.oids.certBag!), explicit0(seq([oid(pki.oids.x509Certificate!), explicit0(octets(certDer))]))]);
}

function keyBag(keyPem: string, password: string, count?: Buffer): Asn1 {
  return seq([oid(pki.oids.pkcs8ShroudedKeyBag!), explicit0(shroudedKey(keyPem, password, count))]);
}

function dataContentInfo(bags: Asn1[]): Asn1 {
  return seq([oid(pki.oids.data!), explicit0(octets(der(seq(bags))))]);
}

/** EncryptedData of the bags (PBES2, 2,048 iterations): how OpenSSL stores the certificates of a .p12. */
function encryptedContentInfo(bags: Asn1[], password: string): Asn1 {
  // encryptPrivateKeyInfo encrypts the DER of any ASN.1 value: here the SafeContents
  const enc = pki.encryptPrivateKeyInfo(seq(bags), password, { algorithm: 'aes256', count: 2048 });
  const [algorithm, data] = enc.value as Asn1[];
  const encryptedContent = asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, false, data!.value as string);
  return seq([oid('1.2.840.113549.1.7.6'), explicit0(seq([integer(intBytes(0)), seq([oid(pki.oids.data!), algorithm!, encryptedContent])]))]);
}

/** A PFX with a SHA-1 MAC: computed with 2,048 iterations, then the stored count replaced by `macCount` when given. */
function pfx(contents: Asn1[], password: string, macCount?: Buffer): Buffer {
  const authSafe = der(seq(contents));
  const salt = forge.random.getBytesSync(8);
  const key = forge.pkcs12.generateKey(password, forge.util.createBuffer(salt), 3, 2048, 20);
  const hmac = forge.hmac.create();
  hmac.start('sha1', key);
  hmac.update(authSafe);
  const mac = hmac.digest().getBytes();
  const macData = seq([
    seq([seq([oid(pki.oids.sha1!), asn1.create(U, asn1.Type.NULL, false, '')]), octets(mac)]),
    octets(salt),
    integer(macCount ?? intBytes(2048)),
  ]);
  const root = seq([integer(intBytes(3)), seq([oid(pki.oids.data!), explicit0(octets(authSafe))]), macData]);
  return Buffer.from(der(root), 'binary');
}

export interface HostilePkcs12Options {
  certPem: string;
  keyPem: string;
  /** Empty by default: forge tries the empty passphrase before any is asked for. */
  password?: string;
  macCount?: Buffer;
  keyCount?: Buffer;
  /** Put the shrouded key bag inside an encrypted SafeContents (forge decrypts it, then the key). */
  keyInEncryptedContents?: boolean;
}

/** A .p12 that opens with `password` (a valid MAC) except for the replaced count(s). */
export function hostilePkcs12(o: HostilePkcs12Options): Buffer {
  const password = o.password ?? '';
  const key = keyBag(o.keyPem, password, o.keyCount);
  const cert = certBag(o.certPem);
  const contents = o.keyInEncryptedContents ? [encryptedContentInfo([cert, key], password)] : [encryptedContentInfo([cert], password), dataContentInfo([key])];
  return pfx(contents, password, o.macCount);
}

/** An ENCRYPTED PRIVATE KEY PEM (made by Node: PBES2, PBKDF2, AES-256-CBC) with its PBKDF2 count replaced. */
export function encryptedPkcs8Pem(keyPem: string, passphrase: string, count: Buffer): string {
  const der0 = createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'der', cipher: 'aes-256-cbc', passphrase });
  const root = asn1.fromDer(forge.util.createBuffer(der0.toString('binary')));
  child(root, 0, 1, 0, 1, 1).value = count.toString('binary');
  const b64 = Buffer.from(der(root), 'binary')
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${b64.trim()}\n-----END ENCRYPTED PRIVATE KEY-----\n`;
}

/**
 * `n` distinct certificates as one PEM text, all issued by one CA that is not included (so an inspector finds
 * no certificate issued by the next one, and no two are duplicates). EC P-256, one key for all, for speed.
 */
export async function distinctCertificatesPem(n: number): Promise<string> {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const caKeys = (await webcrypto.subtle.generateKey(alg, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const leafKeys = (await webcrypto.subtle.generateKey(alg, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: (0x1000 + i).toString(16),
      subject: `CN=bundle member ${i}`,
      issuer: 'CN=Absent CA',
      notBefore: new Date(Date.now() - 86_400_000),
      notAfter: new Date(Date.now() + 365 * 86_400_000),
      signingAlgorithm: alg,
      publicKey: leafKeys.publicKey,
      signingKey: caKeys.privateKey,
    });
    out.push(cert.toString('pem'));
  }
  return out.join('\n') + '\n';
}

/**
 * Runs `fn` of the compiled module `modulePath` (relative to out/test/core/certificates) in a child process and
 * returns what it resolved to or threw, so that a regression that hangs in a synchronous key derivation fails the
 * test after `timeoutMs` instead of hanging the suite. Not a timing assertion: the limit is minutes above the
 * expected milliseconds and only stands for "never ends".
 */
export function inChild(
  script: string,
  timeoutMs = 60_000,
): Promise<
  { ok: true; value: unknown } | { ok: false; error: { name?: string; code?: string; field?: string; message: string; fix?: string } } | { hung: true }
> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { cwd: path.resolve(__dirname), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ hung: true });
    }, timeoutMs);
    child.on('close', () => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (line) resolve(JSON.parse(line.slice(7)));
      else if (!child.killed) reject(new Error(`child failed: ${err || out}`));
    });
  });
}

/**
 * The body of a child script: `expr` is an async expression using the compiled modules under out/src
 * (available as `m(relativePath)`); prints its outcome as one RESULT line.
 */
export function childScript(expr: string): string {
  return `
const path = require('node:path');
const m = (p) => require(path.resolve(${JSON.stringify(path.resolve(__dirname, '../../../src'))}, p));
(async () => ${expr})().then(
  (value) => console.log('RESULT ' + JSON.stringify({ ok: true, value: value === undefined ? null : value })),
  (e) => console.log('RESULT ' + JSON.stringify({ ok: false, error: { name: e.name, code: e.code, field: e.field, message: e.message, fix: e.fix } })),
);`;
}
