/**
 * The sandbox: real MariaDB servers on 127.0.0.1 with freshly generated certificates and temporary data
 * directories, for the tests, the demo, and anyone who wants to try the extension.
 *
 *   node out/scripts/sandbox.js start [--dir DIR]   start (idempotent) and print the JSON description
 *   node out/scripts/sandbox.js status              print the description with a running flag per server
 *   node out/scripts/sandbox.js stop                stop every server and remove the data directories
 *
 * Servers: tls (TLS on), plain (no TLS), strict (require_secure_transport=ON), wrongca (certificate
 * from an unrelated CA), wronghost (certificate for another host name), expired (expired certificate).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createCa, distinguishedName, issueCertificate, type Issued } from '../src/core/certificates/generate';
import { certificateSetFiles, type CertificateSetFiles } from '../src/core/certificates/generateSet';
import { restartSshd, startSsh, stopSsh, type SandboxSsh } from './sandboxSsh';

export const SERVER_NAMES = ['tls', 'plain', 'strict', 'wrongca', 'wronghost', 'expired'] as const;
export type ServerName = (typeof SERVER_NAMES)[number];
export const ACCOUNT_NAMES = ['app_none', 'app_ssl', 'app_x509', 'app_subject', 'app_ed25519', 'app_pam'] as const;
export type AccountName = (typeof ACCOUNT_NAMES)[number];

export interface SandboxServer {
  port: number;
  pid: number;
  socket: string;
  datadir: string;
  tls: boolean;
  requireSecureTransport: boolean;
  /** Which certificate the server presents. */
  certificate?: 'server' | 'other-ca' | 'wrong-host' | 'expired';
  running?: boolean;
}

export interface SandboxAccount {
  user: string;
  password: string;
  host: '%';
  require: 'NONE' | 'SSL' | 'X509' | 'ISSUER+SUBJECT';
  /** pam: MariaDB auth_pam with the cleartext plugin (mysql_clear_password), checked by pam_exec; see pamService(). */
  plugin: 'mysql_native_password' | 'ed25519' | 'pam';
}

export interface SandboxDescription {
  version: 1;
  host: '127.0.0.1';
  dir: string;
  runDir: string;
  mariadbVersion: string;
  /** The CA/server/client files under the toolkit's names, plus the sandbox's extra certificates. */
  certs: Pick<CertificateSetFiles, 'ca' | 'caKey' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey'> & {
    clientSubject: string;
    caSubject: string;
    otherCa: string;
    otherServerCert: string;
    otherServerKey: string;
    otherClientCert: string;
    otherClientKey: string;
    wrongHostCert: string;
    wrongHostKey: string;
    wrongHostName: string;
    expiredServerCert: string;
    expiredServerKey: string;
  };
  servers: Record<ServerName, SandboxServer>;
  accounts: Partial<Record<AccountName, SandboxAccount>>;
  /** The root account, for tests that reconfigure the server (unix socket and TCP). */
  admin: { user: 'root'; password: string };
  /** Two sshd (bastion, jump host) for the SSH tunnel tests; absent when OpenSSH is not installed. */
  ssh?: SandboxSsh;
}

const PREFERRED_PORT_BASE = Number(process.env.MYSQL_TLS_SANDBOX_PORT_BASE ?? 13306);
const WRONG_HOST = 'db.wrong-host.invalid';

export function defaultSandboxDir(): string {
  return process.env.MYSQL_TLS_SANDBOX_DIR ?? path.resolve(__dirname, '..', '..', '.sandbox');
}

function stateFile(dir: string): string {
  return path.join(dir, 'sandbox.json');
}

export function findBinary(names: string[]): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin', '/usr/bin'];
  for (const name of names) for (const d of dirs) if (d && existsSync(path.join(d, name))) return path.join(d, name);
  return undefined;
}

class SandboxError extends Error {}

export function binaries(): { mariadbd: string; installDb: string } {
  const mariadbd = findBinary(['mariadbd', 'mysqld']);
  const installDb = findBinary(['mariadb-install-db', 'mysql_install_db']);
  if (!mariadbd || !installDb) {
    throw new SandboxError(
      "The MariaDB server binaries (mariadbd, mariadb-install-db) were not found. Install them with: sudo apt-get install mariadb-server (the project's scripts/setup.sh does this).",
    );
  }
  return { mariadbd, installDb };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A port the kernel hands out on 127.0.0.1 (free at the time of asking). */
export function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
}

async function freePort(preferred: number, taken: Set<number>): Promise<number> {
  if (!taken.has(preferred) && (await portFree(preferred))) return preferred;
  for (;;) {
    const port = await anyFreePort();
    if (!taken.has(port)) return port;
  }
}

async function writeSecret(file: string, content: string): Promise<void> {
  await fs.writeFile(file, content, { mode: 0o600 });
  await fs.chmod(file, 0o600);
}

async function generateCertificates(dir: string): Promise<SandboxDescription['certs']> {
  const certDir = path.join(dir, 'certs');
  await fs.mkdir(certDir, { recursive: true, mode: 0o700 });
  const caSubject = distinguishedName({ organization: 'mysql-tls sandbox', commonName: 'mysql-tls sandbox CA' });
  const otherCaSubject = distinguishedName({ organization: 'unrelated', commonName: 'unrelated CA' });
  const clientSubject = distinguishedName({ organization: 'mysql-tls sandbox', commonName: 'mysql-tls sandbox client' });
  const [ca, otherCa] = await Promise.all([createCa({ subject: caSubject }), createCa({ subject: otherCaSubject })]);
  const local = { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] };
  const day = 86_400_000;
  const [server, client, otherServer, otherClient, wrongHost, expired] = await Promise.all([
    issueCertificate({
      issuer: ca,
      subject: distinguishedName({ organization: 'mysql-tls sandbox', commonName: 'mysql-tls sandbox server' }),
      usage: 'server',
      ...local,
    }),
    issueCertificate({ issuer: ca, subject: clientSubject, usage: 'client' }),
    issueCertificate({ issuer: otherCa, subject: distinguishedName({ organization: 'unrelated', commonName: 'unrelated server' }), usage: 'server', ...local }),
    issueCertificate({ issuer: otherCa, subject: distinguishedName({ organization: 'unrelated', commonName: 'unrelated client' }), usage: 'client' }),
    issueCertificate({ issuer: ca, subject: distinguishedName({ commonName: WRONG_HOST }), usage: 'server', dnsNames: [WRONG_HOST] }),
    issueCertificate({
      issuer: ca,
      subject: distinguishedName({ commonName: 'mysql-tls sandbox expired server' }),
      usage: 'server',
      ...local,
      notBefore: new Date(Date.now() - 60 * day),
      notAfter: new Date(Date.now() - 2 * day),
    }),
  ]);
  const files: [string, Issued, boolean][] = [
    ['ca', ca, true],
    ['server', server, false],
    ['client', client, false],
    ['other-ca', otherCa, true],
    ['other-server', otherServer, false],
    ['other-client', otherClient, false],
    ['wrong-host', wrongHost, false],
    ['expired-server', expired, false],
  ];
  for (const [name, issued, isCa] of files) {
    const certName = isCa ? `${name}.pem` : `${name}-cert.pem`;
    await fs.writeFile(path.join(certDir, certName), issued.certPem, { mode: 0o644 });
    await writeSecret(path.join(certDir, `${name}-key.pem`), issued.keyPem);
  }
  const p = (f: string): string => path.join(certDir, f);
  const set = certificateSetFiles(certDir); // the same file names the certificate toolkit writes
  return {
    ca: set.ca,
    caKey: set.caKey,
    serverCert: set.serverCert,
    serverKey: set.serverKey,
    clientCert: set.clientCert,
    clientKey: set.clientKey,
    // MariaDB compares REQUIRE SUBJECT/ISSUER with OpenSSL's one-line form.
    clientSubject: '/O=mysql-tls sandbox/CN=mysql-tls sandbox client',
    caSubject: '/O=mysql-tls sandbox/CN=mysql-tls sandbox CA',
    otherCa: p('other-ca.pem'),
    otherServerCert: p('other-server-cert.pem'),
    otherServerKey: p('other-server-key.pem'),
    otherClientCert: p('other-client-cert.pem'),
    otherClientKey: p('other-client-key.pem'),
    wrongHostCert: p('wrong-host-cert.pem'),
    wrongHostKey: p('wrong-host-key.pem'),
    wrongHostName: WRONG_HOST,
    expiredServerCert: p('expired-server-cert.pem'),
    expiredServerKey: p('expired-server-key.pem'),
  };
}

const SERVER_CONFIG: Record<ServerName, { tls: boolean; strict: boolean; cert?: SandboxServer['certificate'] }> = {
  tls: { tls: true, strict: false, cert: 'server' },
  plain: { tls: false, strict: false },
  strict: { tls: true, strict: true, cert: 'server' },
  wrongca: { tls: true, strict: false, cert: 'other-ca' },
  wronghost: { tls: true, strict: false, cert: 'wrong-host' },
  expired: { tls: true, strict: false, cert: 'expired' },
};

function certArgs(certs: SandboxDescription['certs'], which: SandboxServer['certificate']): string[] {
  const pair: Record<NonNullable<SandboxServer['certificate']>, [string, string]> = {
    server: [certs.serverCert, certs.serverKey],
    'other-ca': [certs.otherServerCert, certs.otherServerKey],
    'wrong-host': [certs.wrongHostCert, certs.wrongHostKey],
    expired: [certs.expiredServerCert, certs.expiredServerKey],
  };
  if (!which) return [];
  const [cert, key] = pair[which];
  // The server trusts the sandbox CA for client certificates (REQUIRE X509 accounts).
  return [`--ssl-ca=${certs.ca}`, `--ssl-cert=${cert}`, `--ssl-key=${key}`];
}

/** The mariadbd options every sandbox-style server uses: loopback only, small footprint, files in `dir`. */
export function baseServerArgs(server: { datadir: string; socket: string; port: number; dir?: string }): string[] {
  const dir = server.dir ?? path.dirname(server.datadir);
  return [
    '--no-defaults',
    ...(process.getuid?.() === 0 ? ['--user=root'] : []),
    `--datadir=${server.datadir}`,
    `--socket=${server.socket}`,
    `--port=${server.port}`,
    '--bind-address=127.0.0.1',
    `--pid-file=${path.join(dir, 'mariadbd.pid')}`,
    `--log-error=${path.join(dir, 'error.log')}`,
    '--skip-name-resolve',
    '--skip-log-bin',
    '--innodb-buffer-pool-size=16M',
    '--innodb-log-file-size=8M',
    '--performance-schema=OFF',
  ];
}

/**
 * A real server-side check for mysql_clear_password logins (PAM, like LDAP or cloud IAM tokens): MariaDB's
 * auth_pam asks the client for the cleartext password, and /etc/pam.d/<service> hands it to a script that
 * compares it with the app_pam password kept in the sandbox folder. Only when running as root with
 * /etc/pam.d writable (a service file is the only way to configure PAM); otherwise app_pam is left out.
 */
export function pamService(dir: string): { name: string; file: string; script: string; secret: string } {
  const name = `mysql-tls-sandbox-${createHash('sha256').update(path.resolve(dir)).digest('hex').slice(0, 12)}`;
  return { name, file: path.join('/etc/pam.d', name), script: path.join(dir, 'pam-check.sh'), secret: path.join(dir, 'pam-password') };
}

async function installPamService(dir: string, password: string): Promise<boolean> {
  if (process.getuid?.() !== 0 || !existsSync('/etc/pam.d')) return false;
  const pam = pamService(dir);
  try {
    await writeSecret(pam.secret, password);
    // pam_exec gives the password on stdin without a newline; `read` still fills the variable at EOF.
    await fs.writeFile(
      pam.script,
      `#!/bin/sh
IFS= read -r given || true
[ "$given" = "$(cat '${pam.secret}')" ]
`,
      { mode: 0o700 },
    );
    await fs.writeFile(
      pam.file,
      `auth required pam_exec.so expose_authtok quiet ${pam.script}
account required pam_permit.so
`,
    );
    return true;
  } catch {
    return false;
  }
}

export function serverArgs(
  desc: Pick<SandboxDescription, 'certs'>,
  name: ServerName,
  server: Pick<SandboxServer, 'datadir' | 'socket' | 'port'>,
  extra: string[] = [],
): string[] {
  const cfg = SERVER_CONFIG[name];
  return [
    ...baseServerArgs(server),
    '--max-connections=300',
    // auth_pam for app_pam; `loose-` keeps the server starting where the plugin is missing.
    '--plugin-load-add=auth_pam',
    '--loose-pam-use-cleartext-plugin=ON',
    ...(cfg.tls ? certArgs(desc.certs, cfg.cert) : []),
    ...(cfg.strict ? ['--require-secure-transport=ON'] : []),
    ...extra,
  ];
}

/** mariadb-install-db into `datadir`, root reachable without password over the socket. */
export function installDataDirectory(datadir: string, timeoutMs = 120_000): void {
  const { installDb } = binaries();
  const r = spawnSync(
    installDb,
    [
      '--no-defaults',
      `--datadir=${datadir}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      ...(process.getuid?.() === 0 ? ['--user=root'] : []),
    ],
    {
      encoding: 'utf8',
      timeout: timeoutMs,
    },
  );
  if (r.status !== 0) throw new SandboxError(`mariadb-install-db failed:\n${r.stderr || r.stdout}`);
}

type Mysql2Promise = typeof import('mysql2/promise');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const mysql = (): Mysql2Promise => require('mysql2/promise') as Mysql2Promise;

export async function adminConnection(server: Pick<SandboxServer, 'socket'>, password: string): Promise<import('mysql2/promise').Connection> {
  return mysql().createConnection({ socketPath: server.socket, user: 'root', password, multipleStatements: true });
}

async function waitReady(server: SandboxServer, name: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (!isAlive(server.pid)) break;
    try {
      const c = await mysql().createConnection({ socketPath: server.socket, user: 'root', password: '' });
      await c.end();
      return;
    } catch (e) {
      lastError = e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const log = await fs.readFile(path.join(path.dirname(server.datadir), 'error.log'), 'utf8').catch(() => '');
  throw new SandboxError(
    `Server "${name}" did not become ready (${String((lastError as Error)?.message ?? 'exited')}).\nLast lines of its error log:\n${log.split('\n').slice(-15).join('\n')}`,
  );
}

export function startServerProcess(mariadbd: string, args: string[]): number {
  const child = spawn(mariadbd, args, { detached: true, stdio: 'ignore' });
  child.unref();
  if (!child.pid) throw new SandboxError(`could not start ${mariadbd}`);
  return child.pid;
}

async function setupAccounts(
  server: SandboxServer,
  certs: SandboxDescription['certs'],
  accounts: Partial<Record<AccountName, SandboxAccount>>,
  rootPassword: string,
  pamServiceName: string | undefined,
): Promise<{ ed25519: boolean; pam: boolean }> {
  const c = await mysql().createConnection({ socketPath: server.socket, user: 'root', password: '', multipleStatements: true });
  try {
    let ed25519 = true;
    try {
      await c.query("INSTALL SONAME 'auth_ed25519'");
    } catch (e) {
      ed25519 = /already/i.test((e as Error).message);
    }
    const [pamRows] = await c.query("SELECT PLUGIN_STATUS AS s FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'pam'");
    const pam = pamServiceName !== undefined && (pamRows as { s: string }[])[0]?.s === 'ACTIVE';
    const stmts: string[] = ["DELETE FROM mysql.global_priv WHERE User=''"];
    for (const a of Object.values(accounts)) {
      if (!a || (a.plugin === 'ed25519' && !ed25519) || (a.plugin === 'pam' && !pam)) continue;
      const ident =
        a.plugin === 'ed25519'
          ? `IDENTIFIED VIA ed25519 USING PASSWORD(${c.escape(a.password)})`
          : a.plugin === 'pam'
            ? `IDENTIFIED VIA pam USING ${c.escape(pamServiceName)}`
            : `IDENTIFIED BY ${c.escape(a.password)}`;
      const req =
        a.require === 'ISSUER+SUBJECT' ? `REQUIRE ISSUER ${c.escape(certs.caSubject)} AND SUBJECT ${c.escape(certs.clientSubject)}` : `REQUIRE ${a.require}`;
      stmts.push(`CREATE OR REPLACE USER '${a.user}'@'%' ${ident} ${req}`, `GRANT ALL PRIVILEGES ON *.* TO '${a.user}'@'%'`);
    }
    stmts.push(
      'CREATE DATABASE IF NOT EXISTS sandbox',
      'CREATE TABLE IF NOT EXISTS sandbox.greetings (id INT PRIMARY KEY AUTO_INCREMENT, text VARCHAR(100) NOT NULL)',
    );
    stmts.push("INSERT INTO sandbox.greetings (text) VALUES ('hello over TLS'), ('hola'), ('bonjour')");
    stmts.push(
      `ALTER USER 'root'@'localhost' IDENTIFIED BY ${c.escape(rootPassword)}`,
      `CREATE OR REPLACE USER 'root'@'127.0.0.1' IDENTIFIED BY ${c.escape(rootPassword)}`,
      "GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION",
      'FLUSH PRIVILEGES',
    );
    await c.query(stmts.join(';\n'));
    return { ed25519, pam };
  } finally {
    await c.end();
  }
}

async function readState(dir: string): Promise<SandboxDescription | undefined> {
  try {
    return JSON.parse(await fs.readFile(stateFile(dir), 'utf8')) as SandboxDescription;
  } catch {
    return undefined;
  }
}

function withRunning(desc: SandboxDescription): SandboxDescription {
  const servers = Object.fromEntries(Object.entries(desc.servers).map(([k, s]) => [k, { ...s, running: isAlive(s.pid) }])) as SandboxDescription['servers'];
  return { ...desc, servers };
}

export async function status(dir = defaultSandboxDir()): Promise<SandboxDescription | undefined> {
  const desc = await readState(dir);
  return desc && withRunning(desc);
}

export async function stop(dir = defaultSandboxDir()): Promise<void> {
  const desc = await readState(dir);
  if (!desc) return;
  const pids = Object.values(desc.servers).map((s) => s.pid);
  for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 20_000;
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  await stopSsh(desc.ssh);
  await fs.rm(desc.runDir, { recursive: true, force: true });
  if (desc.accounts.app_pam) await fs.rm(pamService(dir).file, { force: true });
  await fs.rm(stateFile(dir), { force: true });
}

export async function start(dir = defaultSandboxDir()): Promise<SandboxDescription> {
  const existing = await status(dir);
  if (
    existing &&
    Object.values(existing.servers).every((s) => s.running) &&
    (!existing.ssh || [existing.ssh.bastion, existing.ssh.jump].every((s) => isAlive(s.pid)))
  )
    return existing;
  if (existing) await stop(dir); // half-running: start clean
  const { mariadbd } = binaries();
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const certs = await generateCertificates(dir);
  const runDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mysql-tls-sandbox-'));
  const template = path.join(runDir, 'template');
  try {
    installDataDirectory(template);
  } catch (e) {
    await fs.rm(runDir, { recursive: true, force: true });
    throw e;
  }
  const version = spawnSync(mariadbd, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const rootPassword = randomBytes(12).toString('base64url');
  const pw = (): string => randomBytes(12).toString('base64url');
  const accounts: Partial<Record<AccountName, SandboxAccount>> = {
    app_none: { user: 'app_none', password: pw(), host: '%', require: 'NONE', plugin: 'mysql_native_password' },
    app_ssl: { user: 'app_ssl', password: pw(), host: '%', require: 'SSL', plugin: 'mysql_native_password' },
    app_x509: { user: 'app_x509', password: pw(), host: '%', require: 'X509', plugin: 'mysql_native_password' },
    app_subject: { user: 'app_subject', password: pw(), host: '%', require: 'ISSUER+SUBJECT', plugin: 'mysql_native_password' },
    app_ed25519: { user: 'app_ed25519', password: pw(), host: '%', require: 'NONE', plugin: 'ed25519' },
    app_pam: { user: 'app_pam', password: pw(), host: '%', require: 'NONE', plugin: 'pam' },
  };
  const pamReady = await installPamService(dir, accounts.app_pam!.password);
  const servers = {} as Record<ServerName, SandboxServer>;
  const taken = new Set<number>();
  try {
    for (const [i, name] of SERVER_NAMES.entries()) {
      const base = path.join(runDir, name);
      const datadir = path.join(base, 'data');
      await fs.mkdir(base, { recursive: true });
      await fs.cp(template, datadir, { recursive: true });
      const port = await freePort(PREFERRED_PORT_BASE + i, taken);
      taken.add(port);
      const cfg = SERVER_CONFIG[name];
      const server: SandboxServer = {
        port,
        pid: 0,
        socket: path.join(base, 'mariadb.sock'),
        datadir,
        tls: cfg.tls,
        requireSecureTransport: cfg.strict,
        certificate: cfg.cert,
      };
      server.pid = startServerProcess(mariadbd, serverArgs({ certs }, name, server));
      servers[name] = server;
    }
    await Promise.all(SERVER_NAMES.map((n) => waitReady(servers[n], n)));
    const plugins = await Promise.all(
      SERVER_NAMES.map((n) => setupAccounts(servers[n], certs, accounts, rootPassword, pamReady ? pamService(dir).name : undefined)),
    );
    if (!plugins.every((p) => p.ed25519)) delete accounts.app_ed25519;
    if (!plugins.every((p) => p.pam)) {
      delete accounts.app_pam;
      if (pamReady) await fs.rm(pamService(dir).file, { force: true });
    }
  } catch (e) {
    for (const s of Object.values(servers)) if (s.pid && isAlive(s.pid)) process.kill(s.pid, 'SIGKILL');
    await fs.rm(runDir, { recursive: true, force: true });
    throw e;
  }
  await fs.rm(template, { recursive: true, force: true });
  const ssh = await startSsh(runDir);
  const desc: SandboxDescription = {
    version: 1,
    host: '127.0.0.1',
    dir,
    runDir,
    mariadbVersion: version,
    certs,
    servers,
    accounts,
    admin: { user: 'root', password: rootPassword },
    ...(ssh ? { ssh } : {}),
  };
  await writeSecret(stateFile(dir), JSON.stringify(desc, null, 2) + '\n');
  return withRunning(desc);
}

/**
 * Stops one server of the sandbox (SIGTERM, as an administrator's restart does) and starts it again with the
 * same arguments plus `extraArgs`; records the new pid. For the resilience tests. Bounded: 20 s to stop,
 * 30 s to come back.
 */
export async function restartServer(name: ServerName, options: { dir?: string; extraArgs?: string[]; downMs?: number } = {}): Promise<SandboxServer> {
  const dir = options.dir ?? defaultSandboxDir();
  const desc = await readState(dir);
  if (!desc) throw new SandboxError(`no sandbox at ${dir}`);
  const server = desc.servers[name];
  if (isAlive(server.pid)) process.kill(server.pid, 'SIGTERM');
  const stopBy = Date.now() + 20_000;
  while (isAlive(server.pid) && Date.now() < stopBy) await new Promise((r) => setTimeout(r, 50));
  if (isAlive(server.pid)) process.kill(server.pid, 'SIGKILL');
  if (options.downMs) await new Promise((r) => setTimeout(r, options.downMs));
  server.pid = startServerProcess(binaries().mariadbd, serverArgs(desc, name, server, options.extraArgs));
  await writeSecret(stateFile(dir), JSON.stringify(desc, null, 2) + '\n');
  const readyBy = Date.now() + 30_000;
  for (;;) {
    try {
      const c = await adminConnection(server, desc.admin.password);
      await c.end();
      return { ...server, running: true };
    } catch (e) {
      if (!isAlive(server.pid) || Date.now() > readyBy) throw new SandboxError(`server "${name}" did not come back: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Restarts the sandbox's bastion or jump sshd, cutting every SSH connection through it (for the tunnel tests). */
export async function restartSandboxSshd(name: 'bastion' | 'jump', dir = defaultSandboxDir()): Promise<void> {
  const desc = await readState(dir);
  if (!desc?.ssh) throw new SandboxError(`no sandbox sshd at ${dir}`);
  desc.ssh[name].pid = await restartSshd(desc.ssh[name], desc.ssh.dir, name);
  await writeSecret(stateFile(dir), JSON.stringify(desc, null, 2) + '\n');
}

async function main(argv: string[]): Promise<number> {
  const [cmd = 'status', ...rest] = argv;
  const dirIdx = rest.indexOf('--dir');
  const dir = dirIdx >= 0 && rest[dirIdx + 1] ? path.resolve(rest[dirIdx + 1]!) : defaultSandboxDir();
  switch (cmd) {
    case 'start': {
      const desc = await start(dir);
      process.stdout.write(JSON.stringify(desc, null, 2) + '\n');
      return 0;
    }
    case 'status': {
      const desc = await status(dir);
      if (!desc) {
        process.stderr.write(`No sandbox is running (state file ${stateFile(dir)} not found). Start one with: npm run sandbox -- start\n`);
        return 3;
      }
      process.stdout.write(JSON.stringify(desc, null, 2) + '\n');
      return Object.values(desc.servers).every((s) => s.running) ? 0 : 1;
    }
    case 'stop':
      await stop(dir);
      process.stderr.write('sandbox stopped\n');
      return 0;
    default:
      process.stderr.write('usage: sandbox start|status|stop [--dir DIR]\n');
      return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`sandbox: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
