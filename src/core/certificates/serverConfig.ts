/**
 * The server side of a certificate set: the values mysqld needs, as a `[mysqld]` option-file snippet
 * and as command-line flags (the same values, so a test can start a server from exactly what the user
 * is told to paste).
 */

export interface ServerTlsConfig {
  sslCa: string;
  sslCert: string;
  sslKey: string;
  /** Comma-separated, e.g. "TLSv1.2,TLSv1.3". */
  tlsVersion: string;
  requireSecureTransport: boolean;
}

export const DEFAULT_TLS_VERSIONS = 'TLSv1.2,TLSv1.3';

/** Option-file values may be quoted; quote when the value would otherwise be cut or misread. */
function optionValue(value: string): string {
  if (!/[\s#;"'\\]/.test(value)) return value;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The snippet to paste into my.cnf / a file in conf.d (then restart, or FLUSH SSL / ALTER INSTANCE RELOAD TLS). */
export function renderServerConfig(config: ServerTlsConfig): string {
  const lines = [
    '[mysqld]',
    `ssl_ca = ${optionValue(config.sslCa)}`,
    `ssl_cert = ${optionValue(config.sslCert)}`,
    `ssl_key = ${optionValue(config.sslKey)}`,
    `tls_version = ${config.tlsVersion}`,
  ];
  if (config.requireSecureTransport) lines.push('require_secure_transport = ON');
  return lines.join('\n') + '\n';
}

/** The same settings as mysqld/mariadbd command-line options. */
export function serverConfigArgs(config: ServerTlsConfig): string[] {
  return [
    `--ssl-ca=${config.sslCa}`,
    `--ssl-cert=${config.sslCert}`,
    `--ssl-key=${config.sslKey}`,
    `--tls-version=${config.tlsVersion}`,
    ...(config.requireSecureTransport ? ['--require-secure-transport=ON'] : []),
  ];
}
