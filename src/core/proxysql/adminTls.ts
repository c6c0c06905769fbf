import { X509Certificate } from 'node:crypto';
import { describeCertificate, type CertificateInfo } from '../certificates/certificateInfo';
import { CERTIFICATE_FILE_LIMIT, readBoundedFile } from '../files/boundedFile';
import { MysqlTlsError } from '../errors';
import type { SslSettings } from '../profile';
import type { SslMode } from '../tls/sslMode';

/**
 * TLS on ProxySQL's admin interface. Since 2.6.0 `mysql-have_ssl` defaults to true and covers the admin port
 * (6032) as well as the client port (6033). ProxySQL then creates its own CA and server certificate in its data
 * directory (proxysql-ca.pem, proxysql-cert.pem, proxysql-key.pem): the server certificate is
 * CN=ProxySQL_Auto_Generated_Server_Certificate with no subject alternative name, valid for 10 years
 * (observed on 2.7.1). VERIFY_CA with proxysql-ca.pem works; VERIFY_IDENTITY cannot, because no host name is
 * in that certificate.
 */

export const PROXYSQL_CA_FILE_NAME = 'proxysql-ca.pem';
/** The data directory of the packaged ProxySQL (Debian/RPM); `datadir` in proxysql.cnf can move it. */
export const PROXYSQL_DEFAULT_DATA_DIR = '/var/lib/proxysql';
export const PROXYSQL_AUTO_SERVER_CERT_CN = 'ProxySQL_Auto_Generated_Server_Certificate';

export const AUTO_CERTIFICATE_EXPLANATION =
  "This is ProxySQL's auto-generated certificate (CN=ProxySQL_Auto_Generated_Server_Certificate). It names no host, so VERIFY_IDENTITY cannot pass with it. Use VERIFY_CA with ProxySQL's own CA (proxysql-ca.pem in its data directory, usually /var/lib/proxysql), or install a certificate for this host name in ProxySQL.";

/** Whether a certificate subject is ProxySQL's auto-generated server certificate. */
export function isProxysqlAutoCertificate(cert: Pick<CertificateInfo, 'subject'> | undefined): boolean {
  return cert !== undefined && cert.subject.split(/,\s*|\n/).some((part) => part === `CN=${PROXYSQL_AUTO_SERVER_CERT_CN}`);
}

/**
 * The default TLS of a new proxysqlAdmin connection: VERIFY_CA when ProxySQL's CA file is at hand (the admin
 * runs on this machine, or the file was copied here), REQUIRED otherwise (encrypted, server not verified;
 * still better than the plaintext the kind used to assume).
 */
export function defaultAdminSsl(caFile: string | undefined): SslSettings & { mode: SslMode } {
  return caFile ? { mode: 'VERIFY_CA', ca: caFile } : { mode: 'REQUIRED' };
}

/** The mode a proxysqlAdmin entry gets when its settings name none. */
export function defaultAdminMode(ssl: SslSettings | undefined): SslMode {
  return ssl?.ca ? 'VERIFY_CA' : 'REQUIRED';
}

/** A CA file the user picked for "Trust ProxySQL's Own CA": what to show before trusting it. */
export interface ProxysqlCaCandidate {
  path: string;
  certificate: CertificateInfo;
  /** ProxySQL names its CA "ProxySQL_Auto_Generated_CA_Certificate" (as far as known; shown, not required). */
  looksLikeProxysqlCa: boolean;
  warnings: string[];
}

/** Reads (bounded) and describes the first certificate of a picked CA file; refuses what is not a CA. */
export async function inspectProxysqlCa(path: string): Promise<ProxysqlCaCandidate> {
  const pem = (await readBoundedFile(path, 'ssl.ca', CERTIFICATE_FILE_LIMIT)).toString('utf8');
  const match = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(pem);
  if (!match)
    throw new MysqlTlsError('config-invalid', `${path} holds no PEM certificate`, 'ssl.ca', `Pick ${PROXYSQL_CA_FILE_NAME} from ProxySQL's data directory.`);
  let certificate: CertificateInfo;
  try {
    certificate = describeCertificate(new X509Certificate(match[0]));
  } catch (e) {
    throw new MysqlTlsError(
      'config-invalid',
      `${path}: the certificate cannot be read (${(e as Error).message})`,
      'ssl.ca',
      `Pick ${PROXYSQL_CA_FILE_NAME} from ProxySQL's data directory.`,
    );
  }
  const warnings: string[] = [];
  if (!certificate.isCA)
    warnings.push(
      'This certificate is not a CA (basicConstraints CA:FALSE): it cannot verify the admin port. proxysql-cert.pem is the server certificate; pick proxysql-ca.pem.',
    );
  if (certificate.daysLeft < 0) warnings.push(`This CA expired ${-certificate.daysLeft} days ago.`);
  const looksLikeProxysqlCa = /ProxySQL_Auto_Generated_CA_Certificate/.test(certificate.subject);
  if (!looksLikeProxysqlCa) warnings.push('This is not the CA ProxySQL generates itself; trust it only if it signed the certificate your ProxySQL presents.');
  return { path, certificate, looksLikeProxysqlCa, warnings };
}

/**
 * A failed VERIFY_IDENTITY on a ProxySQL admin connection: the usual fix (a host name the certificate lists)
 * cannot work with ProxySQL's auto-generated certificate, which lists none. Other errors pass unchanged.
 */
export function explainAdminConnectError(kind: string | undefined, error: MysqlTlsError): MysqlTlsError {
  if (kind !== 'proxysqlAdmin' || error.code !== 'tls-hostname-mismatch') return error;
  return new MysqlTlsError(error.code, error.detail, error.field ?? 'ssl.mode', AUTO_CERTIFICATE_EXPLANATION);
}
