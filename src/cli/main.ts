#!/usr/bin/env node
/**
 * Command line front end over the same engine the extension uses.
 *   mysql-tls probe --host H --port P --user U --ssl-mode VERIFY_IDENTITY --ssl-ca ca.pem [--json]
 * The password comes from --password-env NAME, MYSQL_PWD, or a prompt on a terminal; never an argument.
 */
import { parseArgs } from 'node:util';
import { serverViewWithProxy } from '../core/proxysql/clientPort';
import { isMysqlTlsError, MysqlTlsError } from '../core/errors';
import { connectTimeoutOf, openSession } from '../core/mysql/session';
import {
  MAX_TIMEOUT_MS,
  type ConnectionProfile,
  type ConnectionSecrets,
  type SshAuth,
  type SshHopSettings,
  type SshSettings,
  type SslSettings,
} from '../core/profile';
import { describeSshRoute } from '../core/presentation/sshRoute';
import { TunnelManager } from '../core/ssh/tunnel';
import { formatReport } from '../core/tls/formatReport';
import { effectiveSslMode, parseSslMode, parseTlsVersion, type TlsVersion } from '../core/tls/sslMode';
import { parseAuthSettings, type AuthSettings, type TokenAuthMethod } from '../core/cloudAuth/authSettings';

const USAGE = `usage: mysql-tls probe [options]
  --host H               server host (default 127.0.0.1)
  --port P               server port (default 3306)
  --user U               account name
  --database D           default database
  --ssl-mode M           DISABLED | PREFERRED | REQUIRED | VERIFY_CA | VERIFY_IDENTITY
  --ssl-ca FILE          CA certificate or bundle (PEM)
  --ssl-ca-system        verify against the system's public roots instead of a CA file
  --ssl-cert FILE        client certificate (PEM)
  --ssl-key FILE         client private key (PEM)
  --ssl-pfx FILE         client certificate and key as PKCS#12
  --tls-version LIST     allowed versions, e.g. TLSv1.2,TLSv1.3
  --ssl-cipher LIST      OpenSSL cipher list
  --servername NAME      name to verify instead of the host (VERIFY_IDENTITY)
  --password-env NAME    read the password from environment variable NAME (default MYSQL_PWD)
  --passphrase-env NAME  read the key passphrase from environment variable NAME
  --no-password          do not prompt for a password
  --sandbox SERVER[:ACCOUNT]  take host, port, account and certificates from the running sandbox
  --timeout MS           connect timeout in whole milliseconds, 1 to 2147483647 (default 10000)
  --auth METHOD          password (default) | aws-iam | azure-entra | gcp-iam: log in with a cloud identity token
                         (needs --ssl-mode VERIFY_CA or VERIFY_IDENTITY; no password is read)
  --aws-region R         aws-iam: the database's region (default: the profile's or AWS_REGION)
  --aws-profile P        aws-iam: named profile of ~/.aws/config
  --azure-tenant T       azure-entra: tenant id or domain
  --azure-client-id C    azure-entra: client id of a user-assigned managed identity
  --gcp-impersonate SA   gcp-iam: service account to impersonate
  --ssh USER@HOST[:PORT] reach the server through this SSH bastion (--host/--port as the bastion sees them)
  --ssh-key FILE         SSH private key (passphrase from env MYSQL_TLS_SSH_PASSPHRASE); without it the SSH
                         agent (SSH_AUTH_SOCK) is used, or the password in env MYSQL_TLS_SSH_PASSWORD
  --ssh-known-hosts FILE known_hosts to check host keys against (default ~/.ssh/known_hosts)
  --ssh-jump USER@HOST[:PORT]  reach the bastion through this jump host (same authentication)
  --ssh-accept-new       accept an unknown SSH host key for this run (never a changed one); default: refuse
  --json                 print the report (or the error) as JSON
Exit status: 0 connected, 1 connection failed (the cause is printed), 2 usage error.`;

function versionRange(list: string): { minVersion?: TlsVersion; maxVersion?: TlsVersion } {
  const versions = list.split(',').map((v) => {
    const parsed = parseTlsVersion(v);
    if (!parsed) throw new MysqlTlsError('config-invalid', `"${v}" is not a TLS version`, '--tls-version', 'Use TLSv1.2, TLSv1.3 (or TLSv1, TLSv1.1).');
    return parsed;
  });
  const order = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
  versions.sort((a, b) => order.indexOf(a) - order.indexOf(b));
  return { minVersion: versions[0], maxVersion: versions[versions.length - 1] };
}

export { MAX_TIMEOUT_MS };

/** A TCP port: decimal digits only (no sign, spaces, hex, exponent or fraction), 1 to 65535. */
export function parsePort(value: string): number {
  const port = /^[0-9]{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw new MysqlTlsError(
      'config-invalid',
      `${JSON.stringify(value)} is not a port`,
      '--port',
      'Give the port as a decimal number from 1 to 65535, e.g. --port 3306.',
    );
  }
  return port;
}

/** A connect timeout: whole milliseconds from 1 to 2^31-1 (0 would mean no timeout at all). */
export function parseTimeoutMs(value: string): number {
  const ms = /^[0-9]{1,10}$/.test(value) ? Number(value) : NaN;
  if (!(ms >= 1 && ms <= MAX_TIMEOUT_MS)) {
    throw new MysqlTlsError(
      'config-invalid',
      `${JSON.stringify(value)} is not a timeout`,
      '--timeout',
      `Give the connect timeout as whole milliseconds from 1 to ${MAX_TIMEOUT_MS}, e.g. --timeout 10000.`,
    );
  }
  return ms;
}

/** parseArgs' own errors (unknown option, missing value) as a usage error naming the option. */
function usageErrorOf(e: unknown): MysqlTlsError | undefined {
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_')) return undefined;
  const message = (e as Error).message;
  const option = /'(-[^'\s]*)/.exec(message)?.[1];
  return new MysqlTlsError('config-invalid', message, option ?? 'arguments', 'Run "mysql-tls probe --help" for the options and their values.');
}

function printError(e: MysqlTlsError, json: boolean): void {
  if (json) process.stdout.write(JSON.stringify({ ok: false, error: e.toJSON() }, null, 2) + '\n');
  else process.stderr.write(`error [${e.code}]: ${e.title}${e.field ? ` (${e.field})` : ''}\n  detail: ${e.detail}\n  fix:    ${e.fix}\n`);
}

async function promptHidden(question: string): Promise<string> {
  process.stderr.write(question);
  const stdin = process.stdin;
  stdin.setRawMode?.(true);
  stdin.resume();
  let value = '';
  return new Promise((resolve, reject) => {
    const onData = (buf: Buffer): void => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          stdin.off('data', onData);
          stdin.setRawMode?.(false);
          stdin.pause();
          process.stderr.write('\n');
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          stdin.setRawMode?.(false);
          reject(new MysqlTlsError('cancelled', 'interrupted'));
          return;
        }
        if (ch === '\u007f') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function sandboxProfile(spec: string): Promise<{ profile: Partial<ConnectionProfile>; ssl: SslSettings; password?: string }> {
  const [server = 'tls', account = 'app_none'] = spec.split(':');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sandbox = require('../../scripts/sandbox') as typeof import('../../scripts/sandbox');
  const desc = await sandbox.status();
  if (!desc) {
    throw new MysqlTlsError(
      'config-invalid',
      `no sandbox description in ${sandbox.defaultSandboxDir()}`,
      '--sandbox',
      'Start the sandbox first: npm run sandbox -- start',
    );
  }
  const s = (desc.servers as Record<string, { port: number } | undefined>)[server];
  const a = (desc.accounts as Record<string, { user: string; password: string; require: string } | undefined>)[account];
  if (!s)
    throw new MysqlTlsError('config-invalid', `the sandbox has no server "${server}"`, '--sandbox', `Use one of ${Object.keys(desc.servers).join(', ')}.`);
  if (!a)
    throw new MysqlTlsError('config-invalid', `the sandbox has no account "${account}"`, '--sandbox', `Use one of ${Object.keys(desc.accounts).join(', ')}.`);
  const needsCert = a.require === 'X509' || a.require === 'ISSUER+SUBJECT';
  return {
    profile: { host: desc.host, port: s.port, user: a.user },
    ssl: { ca: desc.certs.ca, ...(needsCert ? { cert: desc.certs.clientCert, key: desc.certs.clientKey } : {}) },
    password: a.password,
  };
}

/** `user@host[:port]` (IPv6 in brackets) of --ssh / --ssh-jump. */
export function parseSshTarget(value: string, flag: string): { user: string; host: string; port?: number } {
  const m = /^([^@\s]+)@(\[[^\]\s]+\]|[^:@\s[\]]+)(?::(\d+))?$/.exec(value);
  if (!m)
    throw new MysqlTlsError(
      'config-invalid',
      `"${value}" is not user@host[:port]`,
      flag,
      `Write ${flag} deploy@bastion.example.com or deploy@bastion.example.com:2222.`,
    );
  const host = m[2]!.replace(/^\[|\]$/g, '');
  const port = m[3] !== undefined ? Number(m[3]) : undefined;
  if (port !== undefined && (port < 1 || port > 65535))
    throw new MysqlTlsError('config-invalid', `${m[3]} is not a port from 1 to 65535`, flag, `Write ${flag} user@host:22.`);
  return { user: m[1]!, host, ...(port !== undefined ? { port } : {}) };
}

/** The ssh block from the --ssh flags; secrets only from the environment (never argv). */
function sshSettingsOf(flags: { ssh?: string; key?: string; knownHosts?: string; jump?: string }, secrets: ConnectionSecrets): SshSettings | undefined {
  if (flags.ssh === undefined) {
    for (const [name, v] of [
      ['--ssh-key', flags.key],
      ['--ssh-known-hosts', flags.knownHosts],
      ['--ssh-jump', flags.jump],
    ] as const)
      if (v !== undefined) throw new MysqlTlsError('config-invalid', `${name} needs --ssh`, name, 'Add --ssh user@bastion[:port].');
    return undefined;
  }
  const passphrase = process.env.MYSQL_TLS_SSH_PASSPHRASE;
  const password = process.env.MYSQL_TLS_SSH_PASSWORD;
  if (passphrase !== undefined) secrets.sshPassphrase = passphrase;
  if (password !== undefined) secrets.sshPassword = password;
  const auth: SshAuth = flags.key !== undefined ? 'key' : password !== undefined ? 'password' : 'agent';
  const hop = (t: { user: string; host: string; port?: number }): SshHopSettings => ({
    ...t,
    auth,
    ...(flags.key !== undefined ? { keyFile: flags.key } : {}),
  });
  const ssh: SshSettings = hop(parseSshTarget(flags.ssh, '--ssh'));
  if (flags.knownHosts !== undefined) ssh.knownHosts = flags.knownHosts;
  if (flags.jump !== undefined) ssh.jump = hop(parseSshTarget(flags.jump, '--ssh-jump'));
  return ssh;
}

export async function probe(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        user: { type: 'string', short: 'u' },
        database: { type: 'string', short: 'D' },
        'ssl-mode': { type: 'string' },
        'ssl-ca': { type: 'string' },
        'ssl-ca-system': { type: 'boolean' },
        'ssl-cert': { type: 'string' },
        'ssl-key': { type: 'string' },
        'ssl-pfx': { type: 'string' },
        'tls-version': { type: 'string' },
        'ssl-cipher': { type: 'string' },
        servername: { type: 'string' },
        'password-env': { type: 'string' },
        'passphrase-env': { type: 'string' },
        'no-password': { type: 'boolean' },
        sandbox: { type: 'string' },
        timeout: { type: 'string' },
        auth: { type: 'string' },
        'aws-region': { type: 'string' },
        'aws-profile': { type: 'string' },
        'azure-tenant': { type: 'string' },
        'azure-client-id': { type: 'string' },
        'gcp-impersonate': { type: 'string' },
        ssh: { type: 'string' },
        'ssh-key': { type: 'string' },
        'ssh-known-hosts': { type: 'string' },
        'ssh-jump': { type: 'string' },
        'ssh-accept-new': { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
  } catch (e) {
    const usage = usageErrorOf(e);
    if (!usage) throw e;
    printError(usage, argv.includes('--json'));
    return 2;
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const json = values.json === true;
  try {
    // Checked first: a usage error needs no sandbox lookup and no password prompt.
    const explicitPort = values.port !== undefined ? parsePort(values.port) : undefined;
    const connectTimeoutMs = values.timeout !== undefined ? parseTimeoutMs(values.timeout) : undefined;
    const fromSandbox = values.sandbox ? await sandboxProfile(values.sandbox) : undefined;
    const ssl: SslSettings = { ...fromSandbox?.ssl };
    if (values['ssl-mode'] !== undefined) {
      const mode = parseSslMode(values['ssl-mode']);
      if (!mode)
        throw new MysqlTlsError(
          'config-invalid',
          `"${values['ssl-mode']}" is not an ssl mode`,
          '--ssl-mode',
          'Use DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY.',
        );
      ssl.mode = mode;
    }
    if (values['ssl-ca'] !== undefined) ssl.ca = values['ssl-ca'];
    if (values['ssl-ca-system']) ssl.caSource = 'system';
    if (values['ssl-cert'] !== undefined) ssl.cert = values['ssl-cert'];
    if (values['ssl-key'] !== undefined) ssl.key = values['ssl-key'];
    if (values['ssl-pfx'] !== undefined) {
      ssl.pfx = values['ssl-pfx'];
      delete ssl.cert;
      delete ssl.key;
    }
    if (values['tls-version'] !== undefined) Object.assign(ssl, versionRange(values['tls-version']));
    if (values['ssl-cipher'] !== undefined) ssl.ciphers = values['ssl-cipher'];
    if (values.servername !== undefined) ssl.servername = values.servername;
    const port = explicitPort ?? fromSandbox?.profile.port;
    const profile: ConnectionProfile = {
      host: values.host ?? fromSandbox?.profile.host ?? '127.0.0.1',
      port,
      user: values.user ?? fromSandbox?.profile.user ?? '',
      database: values.database,
      ssl,
      connectTimeoutMs,
    };
    const auth = authFromArgs(values, ssl);
    if (auth) profile.auth = auth;
    const secrets: ConnectionSecrets = {};
    const pwEnv = values['password-env'] ?? 'MYSQL_PWD';
    if (process.env[pwEnv] !== undefined) secrets.password = process.env[pwEnv];
    else if (fromSandbox?.password !== undefined) secrets.password = fromSandbox.password;
    else if (!auth && !values['no-password'] && process.stdin.isTTY) secrets.password = await promptHidden(`Password for ${profile.user}: `);
    if (values['passphrase-env']) {
      const p = process.env[values['passphrase-env']];
      if (p === undefined) throw new MysqlTlsError('config-invalid', `environment variable ${values['passphrase-env']} is not set`, '--passphrase-env');
      secrets.passphrase = p;
    }
    const sshFlags = { ssh: values.ssh, key: values['ssh-key'], knownHosts: values['ssh-known-hosts'], jump: values['ssh-jump'] };
    profile.ssh = sshSettingsOf(sshFlags, secrets);
    // The CLI never prompts about a host key: unknown is an error unless --ssh-accept-new (for this run only).
    const tunnels = profile.ssh ? new TunnelManager(values['ssh-accept-new'] ? { onUnknownHostKey: async () => true } : {}) : undefined;
    const session = await openSession({ profile, secrets, tunnels, sshKnownHostsTrusted: true });
    if (session.report.ssh && !json) process.stdout.write(`${describeSshRoute(session.report.ssh)}\n`);
    // The probe prints the whole report, the server's own view included.
    // The server's view is bounded by the same timeout as the connect: a server that logs in and then never
    // answers does not hang the probe.
    const report = await serverViewWithProxy(session, undefined, { timeoutMs: connectTimeoutOf(profile) }).finally(() => session.close());
    process.stdout.write(json ? JSON.stringify({ ok: true, report }, null, 2) + '\n' : formatReport(report, profile.user) + '\n');
    return 0;
  } catch (e) {
    if (isMysqlTlsError(e)) {
      printError(e, json);
      return e.code === 'config-invalid' && /^--/.test(e.field ?? '') ? 2 : 1;
    }
    throw e;
  }
}

const CLI_AUTH: Record<string, TokenAuthMethod> = { 'aws-iam': 'awsIam', 'azure-entra': 'azureEntra', 'gcp-iam': 'gcpIam' };
const CLI_AUTH_FIELDS: Record<string, [TokenAuthMethod, keyof AuthSettings]> = {
  'aws-region': ['awsIam', 'region'],
  'aws-profile': ['awsIam', 'profile'],
  'azure-tenant': ['azureEntra', 'tenantId'],
  'azure-client-id': ['azureEntra', 'clientId'],
  'gcp-impersonate': ['gcpIam', 'impersonate'],
};

/** --auth and its options as profile.auth, validated like the settings (a token needs a verifying --ssl-mode). */
function authFromArgs(values: Record<string, string | boolean | undefined>, ssl: SslSettings): AuthSettings | undefined {
  const given = values.auth;
  const method = typeof given === 'string' ? (given === 'password' ? 'password' : CLI_AUTH[given]) : undefined;
  if (typeof given === 'string' && !method) {
    throw new MysqlTlsError('config-invalid', `"${given}" is not an auth method`, '--auth', 'Use password, aws-iam, azure-entra or gcp-iam.');
  }
  const raw: Record<string, unknown> = { method: method ?? 'password' };
  for (const [flag, [owner, field]] of Object.entries(CLI_AUTH_FIELDS)) {
    const v = values[flag];
    if (typeof v !== 'string') continue;
    if (owner !== method)
      throw new MysqlTlsError('config-invalid', `--${flag} belongs to --auth ${Object.keys(CLI_AUTH).find((k) => CLI_AUTH[k] === owner)}`, `--${flag}`);
    raw[field] = v;
  }
  if (!method || method === 'password') return undefined;
  const checked = parseAuthSettings(raw, effectiveSslMode(ssl));
  const problem = checked.errors[0];
  if (problem) {
    const flag =
      problem.field === 'auth.method'
        ? '--ssl-mode'
        : `--${Object.keys(CLI_AUTH_FIELDS).find((f) => `auth.${CLI_AUTH_FIELDS[f]![1]}` === problem.field) ?? 'auth'}`;
    throw new MysqlTlsError('config-invalid', problem.message, flag);
  }
  return checked.auth;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === 'probe') return probe(rest);
  process.stderr.write(USAGE + '\n');
  return cmd === '--help' || cmd === '-h' ? 0 : 2;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`mysql-tls: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(2);
    },
  );
}
