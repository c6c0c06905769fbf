import { MysqlTlsError } from '../errors';
import { checkCertificateCount, checkPkcs12 } from './containerLimits';

export interface Pkcs12Contents {
  keyPem: string;
  certPem: string;
  /** Further certificates in the bundle (usually the issuing chain). */
  chainPems: string[];
}

/**
 * mysql2 ignores `pfx`, so a PKCS#12 bundle is opened here and handed over as PEM key + certificate.
 * node-forge is loaded only when a profile uses PKCS#12.
 */
export function openPkcs12(der: Buffer, passphrase: string | undefined, path: string, field: string): Pkcs12Contents {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const forge = require('node-forge') as typeof import('node-forge');
  let p12: import('node-forge').pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
    // forge derives keys with the counts the file names, synchronously: check them all first
    checkPkcs12(asn1, passphrase ?? '', path, field);
    try {
      p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, passphrase ?? '');
    } catch (e) {
      const msg = (e as Error).message ?? '';
      if (/mac|password|invalid/i.test(msg)) {
        if (!passphrase) throw new MysqlTlsError('key-needs-passphrase', `${path} is protected by a passphrase`, field);
        throw new MysqlTlsError('key-wrong-passphrase', `${path} could not be opened with the stored passphrase`, field);
      }
      throw e;
    }
  } catch (e) {
    if (e instanceof MysqlTlsError) throw e;
    throw new MysqlTlsError('file-garbage', `${path} is not a PKCS#12 (.p12/.pfx) file`, field);
  }
  const keyBags = [
    ...(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag] ?? []),
    ...(p12.getBags({ bagType: forge.pki.oids.keyBag })[forge.pki.oids.keyBag] ?? []),
  ];
  const certBags = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [];
  checkCertificateCount(certBags.length, path, field);
  const key = keyBags.find((b) => b.key)?.key;
  if (!key) throw new MysqlTlsError('file-garbage', `${path} holds no private key`, field);
  const certs = certBags.filter((b) => b.cert).map((b) => b.cert!);
  if (certs.length === 0) throw new MysqlTlsError('file-garbage', `${path} holds no certificate`, field);
  const keyPem = forge.pki.privateKeyToPem(key);
  // The leaf is the certificate whose public key matches the private key.
  const modulus = (key as import('node-forge').pki.rsa.PrivateKey).n?.toString(16);
  const leafIndex = Math.max(
    0,
    certs.findIndex((c) => (c.publicKey as import('node-forge').pki.rsa.PublicKey).n?.toString(16) === modulus),
  );
  const certPem = forge.pki.certificateToPem(certs[leafIndex]!);
  const chainPems = certs.filter((_, i) => i !== leafIndex).map((c) => forge.pki.certificateToPem(c));
  return { keyPem, certPem, chainPems };
}
