import type { PathContext } from '../paths';
import { expandPath } from '../paths';
import { DEFAULT_PORT, type ConnectionProfile } from '../profile';

/** POSIX shell quoting: plain words stay as they are, anything else goes in single quotes. */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function expandOrKeep(value: string, paths: PathContext | undefined): string {
  try {
    return expandPath(value, paths);
  } catch {
    return value;
  }
}

/**
 * The equivalent `mysql` (MySQL 8 client) command line. Never contains the password: `-p` makes the
 * client prompt for it. A PKCS#12 file has no mysql client option, so it is named in a comment instead.
 */
export function mysqlCommandLine(profile: ConnectionProfile, paths?: PathContext): string {
  const ssl = profile.ssl ?? {};
  const args = ['mysql', `--host=${shellQuote(profile.host)}`, `--port=${profile.port ?? DEFAULT_PORT}`, `--user=${shellQuote(profile.user)}`, '-p'];
  const mode = ssl.mode ?? (ssl.ca ? 'VERIFY_CA' : 'PREFERRED');
  args.push(`--ssl-mode=${mode}`);
  if (mode !== 'DISABLED') {
    if (ssl.caSource === 'system') args.push('--ssl-capath=/etc/ssl/certs');
    else if (ssl.ca) args.push(`--ssl-ca=${shellQuote(expandOrKeep(ssl.ca, paths))}`);
    if (ssl.cert) args.push(`--ssl-cert=${shellQuote(expandOrKeep(ssl.cert, paths))}`);
    if (ssl.key) args.push(`--ssl-key=${shellQuote(expandOrKeep(ssl.key, paths))}`);
    const versions = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
    if (ssl.minVersion || ssl.maxVersion) {
      const lo = versions.indexOf(ssl.minVersion ?? 'TLSv1');
      const hi = versions.indexOf(ssl.maxVersion ?? 'TLSv1.3');
      args.push(`--tls-version=${versions.slice(lo, hi + 1).join(',')}`);
    }
    if (ssl.ciphers) args.push(`--ssl-cipher=${shellQuote(ssl.ciphers)}`);
  }
  if (profile.connectTimeoutMs) args.push(`--connect-timeout=${Math.max(1, Math.ceil(profile.connectTimeoutMs / 1000))}`);
  if (profile.database) args.push(shellQuote(profile.database));
  let line = args.join(' ');
  if (ssl.servername && mode === 'VERIFY_IDENTITY') line += `  # the certificate must name ${ssl.servername}; the mysql client checks --host`;
  if (ssl.pfx) line += `  # ssl.pfx (${ssl.pfx}) has no mysql option: export cert and key to PEM for --ssl-cert/--ssl-key`;
  return line;
}
