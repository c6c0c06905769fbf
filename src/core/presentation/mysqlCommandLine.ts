import { MysqlTlsError } from '../errors';
import type { PathContext } from '../paths';
import { expandPath } from '../paths';
import { DEFAULT_PORT, type ConnectionProfile } from '../profile';
import { effectiveSslMode, type SslMode } from '../tls/sslMode';

/** Which command line client the line is for: their TLS options differ (MariaDB's client has no --ssl-mode). */
export type ClientFlavour = 'mysql' | 'mariadb';

export const CLIENT_FLAVOURS: readonly { flavour: ClientFlavour; label: string; description: string }[] = [
  { flavour: 'mysql', label: 'MySQL 8 client', description: 'mysql --ssl-mode=…' },
  { flavour: 'mariadb', label: 'MariaDB client', description: 'mariadb --ssl --ssl-verify-server-cert …' },
];

/** POSIX shell quoting: plain words stay as they are, anything else goes in single quotes. */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * C0 controls, DEL and C1 controls. Quoted they are inert to the shell, but the line is pasted into a
 * terminal first, and the terminal's line editor acts on them (Ctrl-A moves to the start of the line, a
 * carriage return runs what is there so far, a tab completes), so a value carrying them is refused.
 */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

function checked(value: string, field: string): string {
  if (CONTROL_CHARACTER.test(value)) {
    throw new MysqlTlsError(
      'config-invalid',
      `${field} contains a control character (such as a line break), which cannot be pasted into a terminal safely`,
      field,
      `Remove the control characters from ${field}.`,
    );
  }
  return value;
}

/**
 * A path setting as one shell word: `${workspaceFolder}`, `~` and the like are expanded, but `${env:NAME}` is
 * written as the shell's own `"${NAME}"`, so the variable's value (it may be a secret) never appears in the
 * copied line, and the shell still finds the same file when the line runs.
 */
function pathWord(value: string, field: string, paths: PathContext | undefined): string {
  checked(value, field);
  const names: string[] = [];
  const marker = (i: number): string => `@@mysql-tls-env-${i}@@`;
  const withMarkers = value.replace(/\$\{env:([^}]*)\}/g, (_m, name: string) => marker(names.push(name) - 1));
  let expanded = withMarkers;
  // A path that starts with the variable is resolved by the shell; anything else is expanded here.
  if (!withMarkers.startsWith(marker(0))) {
    try {
      expanded = expandPath(withMarkers, paths);
    } catch {
      // kept as written: the client reports the missing file
    }
  }
  return expanded
    .split(/(@@mysql-tls-env-\d+@@)/)
    .filter((part) => part !== '')
    .map((part) => {
      const m = /^@@mysql-tls-env-(\d+)@@$/.exec(part);
      if (!m) return shellQuote(part);
      const name = names[Number(m[1])]!;
      return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `"\${${name}}"` : shellQuote(`\${env:${name}}`);
    })
    .join('');
}

/** `--name=value`, the value quoted. Only this form: a value can never be read as an option of its own. */
function option(name: string, value: string, field: string): string {
  return `--${name}=${shellQuote(checked(value, field))}`;
}

const TLS_VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/**
 * The equivalent command line for the MySQL 8 client (`mysql --ssl-mode=…`) or the MariaDB client
 * (`mariadb --ssl …`). Built for pasting into a POSIX shell: every value is a quoted `--option=value`
 * word, nothing from the settings goes into a comment, and values with control characters are refused.
 * Never contains the password: `-p` makes the client prompt for it.
 */
export function mysqlCommandLine(profile: ConnectionProfile, paths: PathContext | undefined, flavour: ClientFlavour): string {
  const ssl = profile.ssl ?? {};
  const mode: SslMode = effectiveSslMode(ssl);
  const args = [flavour, option('host', profile.host, 'host'), `--port=${profile.port ?? DEFAULT_PORT}`, option('user', profile.user, 'user'), '-p'];
  const notes: string[] = [];

  if (flavour === 'mysql') {
    args.push(option('ssl-mode', mode, 'ssl.mode'));
  } else if (mode === 'DISABLED') {
    args.push('--skip-ssl');
  } else {
    // The MariaDB client (10.x) has --ssl, which uses TLS when the server offers it and plaintext otherwise
    // (PREFERRED), and --ssl-verify-server-cert, which requires TLS and checks chain and host name together
    // (VERIFY_IDENTITY). REQUIRED and VERIFY_CA have no option of their own: the line asks for the stricter
    // behaviour, never for one that could end in plaintext.
    args.push('--ssl');
    if (mode !== 'PREFERRED') args.push('--ssl-verify-server-cert');
    if (mode === 'REQUIRED')
      notes.push(
        'REQUIRED has no MariaDB client option: --ssl alone falls back to plaintext, so the server certificate is verified too (needs the CA in --ssl-ca)',
      );
    if (mode === 'VERIFY_CA') notes.push('VERIFY_CA has no MariaDB client option: --ssl-verify-server-cert also checks the host name');
  }

  if (mode !== 'DISABLED') {
    if (ssl.caSource === 'system') args.push('--ssl-capath=/etc/ssl/certs');
    else if (ssl.ca) args.push(`--ssl-ca=${pathWord(ssl.ca, 'ssl.ca', paths)}`);
    if (ssl.cert) args.push(`--ssl-cert=${pathWord(ssl.cert, 'ssl.cert', paths)}`);
    if (ssl.key) args.push(`--ssl-key=${pathWord(ssl.key, 'ssl.key', paths)}`);
    if (ssl.minVersion || ssl.maxVersion) {
      const lo = TLS_VERSIONS.indexOf(ssl.minVersion ?? 'TLSv1');
      const hi = TLS_VERSIONS.indexOf(ssl.maxVersion ?? 'TLSv1.3');
      args.push(`--tls-version=${TLS_VERSIONS.slice(Math.max(0, lo), hi < 0 ? undefined : hi + 1).join(',')}`);
    }
    if (ssl.ciphers) args.push(option('ssl-cipher', ssl.ciphers, 'ssl.ciphers'));
    // Fixed words only: a setting's value in a comment would be pasted into the shell unquoted.
    if (ssl.servername && mode === 'VERIFY_IDENTITY')
      notes.push('ssl.servername is set, but the client checks the certificate against --host: connect with that name as the host');
    if (ssl.pfx) notes.push('ssl.pfx has no client option: export its certificate and key to PEM for --ssl-cert and --ssl-key');
  }
  if (profile.connectTimeoutMs) args.push(`--connect-timeout=${Math.max(1, Math.ceil(profile.connectTimeoutMs / 1000))}`);
  if (profile.database) args.push(option('database', profile.database, 'database'));
  return [args.join(' '), ...notes.map((n) => `# ${n}`)].join('  ');
}
