/**
 * Starts code-server 4.100.3 (VS Code 1.100.3 in the browser) with the extension's VSIX installed and a
 * workspace folder open, for the e2e tests and the demo. State (user data, extensions, XDG folders, log)
 * lives in one folder per run, so $HOME stays clean and runs do not see each other.
 *
 *   node out/scripts/e2e/codeServer.js serve --workspace DIR [--port 8080] [--vsix FILE] [--state DIR]
 *     starts it, prints the URL, and keeps it running until SIGINT/SIGTERM.
 *
 * Secrets: code-server inherits DBUS_SESSION_BUS_ADDRESS, so run it inside scripts/e2e/with-keyring.sh
 * (a private D-Bus session with an unlocked gnome-keyring) for the extension's keytar backend.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const CODE_SERVER_BIN = path.join(ROOT, '.tools', 'code-server', 'node_modules', '.bin', 'code-server');
export const EXTENSION_ID = 'mysql-tls.mysql-tls';

/** User settings for a quiet, deterministic start (no welcome page, no trust prompt, no telemetry). */
export const QUIET_USER_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'git.enabled': false,
  'chat.disableAIFeatures': true,
  'window.commandCenter': false,
};

export interface CodeServerOptions {
  workspace: string;
  /** 0 or undefined: a free port. */
  port?: number;
  /** The VSIX to install; default: the newest mysql-tls-*.vsix in the project root. */
  vsix?: string;
  /** Folder for user data, extensions, XDG folders and the log; default: a new temp folder. */
  stateDir?: string;
  userSettings?: Record<string, unknown>;
  /** Extra environment for code-server (and so for the extension host). */
  env?: NodeJS.ProcessEnv;
  healthTimeoutMs?: number;
}

export interface CodeServer {
  url: string;
  port: number;
  pid: number;
  stateDir: string;
  userDataDir: string;
  extensionsDir: string;
  logFile: string;
  /** The extensions code-server lists as installed (`--list-extensions`). */
  listExtensions(): string[];
  stop(): Promise<void>;
}

export function findVsix(): string {
  const candidates = readdirSync(ROOT).filter((f) => /^mysql-tls-.*\.vsix$/.test(f));
  if (candidates.length === 0) throw new Error(`No VSIX in ${ROOT}: run npm run package`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const version = (require(path.join(ROOT, 'package.json')) as { version: string }).version;
  const exact = candidates.find((f) => f === `mysql-tls-${version}-linux-x64.vsix`);
  return path.join(ROOT, exact ?? candidates.sort().at(-1)!);
}

import { anyFreePort as freePort } from '../sandbox';

export { freePort };

function httpOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every process group started here, so a crash handler can still stop them. */
const liveGroups = new Set<number>();
function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}
process.on('exit', () => {
  for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
});
// A signal would otherwise end the process without 'exit' handlers; only the serve CLI handles its own.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (process.listenerCount(signal) > 1) return;
    for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
  });
}

export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  if (!existsSync(CODE_SERVER_BIN)) throw new Error(`code-server is not installed: run bash scripts/e2e/install-tools.sh`);
  const stateDir = opts.stateDir ?? path.join(os.tmpdir(), `mysql-tls-code-server-${process.pid}-${Date.now()}`);
  const userDataDir = path.join(stateDir, 'user-data');
  const extensionsDir = path.join(stateDir, 'extensions');
  const xdg = {
    XDG_CONFIG_HOME: path.join(stateDir, 'xdg-config'),
    XDG_DATA_HOME: path.join(stateDir, 'xdg-data'),
    XDG_CACHE_HOME: path.join(stateDir, 'xdg-cache'),
  };
  for (const d of [path.join(userDataDir, 'User'), extensionsDir, ...Object.values(xdg)]) mkdirSync(d, { recursive: true });
  writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...QUIET_USER_SETTINGS, ...opts.userSettings }, null, 2));
  const env: NodeJS.ProcessEnv = { ...process.env, ...xdg, ...opts.env };
  delete env.VSCODE_IPC_HOOK_CLI; // when started from a VS Code terminal, do not talk to that instance
  const dirArgs = ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];

  const vsix = opts.vsix ?? process.env.MYSQL_TLS_VSIX ?? findVsix();
  const install = spawnSync(CODE_SERVER_BIN, [...dirArgs, '--install-extension', vsix, '--force'], { env, encoding: 'utf8', timeout: 120_000 });
  const listExtensions = (): string[] =>
    spawnSync(CODE_SERVER_BIN, [...dirArgs, '--list-extensions'], { env, encoding: 'utf8', timeout: 60_000 })
      .stdout.split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  if (install.status !== 0 || !listExtensions().includes(EXTENSION_ID)) {
    throw new Error(`installing ${vsix} failed (exit ${install.status}):\n${install.stdout}\n${install.stderr}`);
  }

  const port = opts.port || (await freePort());
  const logFile = path.join(stateDir, 'code-server.log');
  const log = openSync(logFile, 'a');
  const child: ChildProcess = spawn(
    CODE_SERVER_BIN,
    [
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      ...dirArgs,
      opts.workspace,
    ],
    { env, stdio: ['ignore', log, log], detached: true }, // detached: own process group, stopped as a whole
  );
  closeSync(log);
  const pid = child.pid!;
  liveGroups.add(pid);
  // scripts/e2e.sh stops whatever is listed here if a test process dies without cleaning up.
  const pidFile = process.env.MYSQL_TLS_E2E_PIDS ? path.join(process.env.MYSQL_TLS_E2E_PIDS, `code-server-${pid}`) : undefined;
  if (pidFile) writeFileSync(pidFile, String(pid));
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));

  const stop = async (): Promise<void> => {
    if (!liveGroups.has(pid)) return;
    killGroup(pid, 'SIGTERM');
    for (let i = 0; i < 50 && exited === undefined; i++) await sleep(100);
    killGroup(pid, 'SIGKILL'); // stragglers in the group (extension host, file watcher, pty host)
    liveGroups.delete(pid);
    if (pidFile) rmSync(pidFile, { force: true });
  };

  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + (opts.healthTimeoutMs ?? 30_000);
  while (!(await httpOk(`${url}healthz`))) {
    if (exited !== undefined || Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not come up on ${url} (${exited !== undefined ? `exited ${exited}` : 'timeout'}); log: ${logFile}`);
    }
    await sleep(200);
  }
  return { url, port, pid, stateDir, userDataDir, extensionsDir, logFile, listExtensions, stop };
}

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function serve(args: string[]): Promise<void> {
  const workspace = argValue(args, '--workspace');
  if (!workspace) throw new Error('usage: codeServer.js serve --workspace DIR [--port P] [--vsix FILE] [--state DIR]');
  const server = await startCodeServer({
    workspace: path.resolve(workspace),
    port: Number(argValue(args, '--port') ?? 8080),
    vsix: argValue(args, '--vsix'),
    stateDir: argValue(args, '--state'),
  });
  console.log(`code-server: ${server.url} (workspace ${workspace}; log ${server.logFile})`);
  const done = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await done;
  await server.stop();
  console.log('code-server: stopped');
}

if (require.main === module) {
  const [cmd, ...rest] = process.argv.slice(2);
  if (cmd !== 'serve') {
    console.error('usage: node out/scripts/e2e/codeServer.js serve --workspace DIR [--port 8080] [--vsix FILE] [--state DIR]');
    process.exit(2);
  }
  serve(rest).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
