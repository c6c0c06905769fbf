/**
 * Writes a sample workspace whose .vscode/settings.json defines ready connections to the running sandbox,
 * one per --ssl-mode plus two that fail on purpose, and (with --seed-keychain) stores their passwords in
 * the keychain (keytar: service `mysql-tls`, account `workspace:<id>/password`, bound to the connection's
 * endpoint as the extension binds what it stores). Passwords never go into settings.
 *
 *   node out/scripts/demo/workspace.js DIR [--seed-keychain]
 *
 * Run --seed-keychain inside the same D-Bus session as code-server (scripts/e2e/with-keyring.sh).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ConnectionProfile } from '../../src/core/profile';
import { vaultAccountId } from '../../src/core/secrets/connectionVault';
import { bindingOf, encodeBoundSecret } from '../../src/core/secrets/secretBinding';
import { defaultSandboxDir, type AccountName, type SandboxDescription, type ServerName } from '../sandbox';

export const KEYCHAIN_SERVICE = 'mysql-tls';

export interface DemoConnection {
  profile: ConnectionProfile & { id: string; name: string };
  /** Which sandbox account, so callers can look up its password. */
  account: AccountName;
  server: ServerName;
}

export function loadSandboxDescription(dir = defaultSandboxDir()): SandboxDescription {
  const file = path.join(dir, 'sandbox.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SandboxDescription;
  } catch {
    throw new Error(`No sandbox description at ${file}: start one with node out/scripts/sandbox.js start`);
  }
}

/** The demo connections, in the order they appear in the Connections view. */
export function demoConnections(sb: SandboxDescription): DemoConnection[] {
  const make = (id: string, name: string, server: ServerName, account: AccountName, ssl: NonNullable<ConnectionProfile['ssl']>): DemoConnection => {
    const user = sb.accounts[account]?.user;
    if (!user) throw new Error(`the sandbox has no account ${account}`);
    return { server, account, profile: { id, name, host: sb.host, port: sb.servers[server].port, user, database: '', ssl } };
  };
  const ca = { ca: sb.certs.ca, caSource: 'file' as const };
  return [
    make('sandbox-disabled', 'Sandbox DISABLED', 'tls', 'app_none', { mode: 'DISABLED' }),
    make('sandbox-preferred', 'Sandbox PREFERRED', 'tls', 'app_ssl', { mode: 'PREFERRED' }),
    make('sandbox-required', 'Sandbox REQUIRED', 'tls', 'app_ssl', { mode: 'REQUIRED' }),
    make('sandbox-verify-ca', 'Sandbox VERIFY_CA', 'tls', 'app_ssl', { mode: 'VERIFY_CA', ...ca }),
    make('sandbox-verify-identity', 'Sandbox VERIFY_IDENTITY', 'tls', 'app_x509', {
      mode: 'VERIFY_IDENTITY',
      ...ca,
      cert: sb.certs.clientCert,
      key: sb.certs.clientKey,
    }),
    make('sandbox-wrong-ca', 'Sandbox wrong CA', 'wrongca', 'app_ssl', { mode: 'VERIFY_IDENTITY', ...ca }),
    make('sandbox-plaintext', 'Sandbox plaintext server', 'plain', 'app_none', { mode: 'PREFERRED' }),
  ];
}

export function passwordFor(sb: SandboxDescription, c: DemoConnection): string {
  const pw = sb.accounts[c.account]?.password;
  if (pw === undefined) throw new Error(`the sandbox has no account ${c.account}`);
  return pw;
}

/** Writes DIR/.vscode/settings.json and a short README; returns the connections written. */
export function writeDemoWorkspace(dir: string, sb: SandboxDescription): DemoConnection[] {
  const connections = demoConnections(sb);
  mkdirSync(path.join(dir, '.vscode'), { recursive: true });
  const settings = {
    'mysqlTls.secretStorage': 'keychain',
    'mysqlTls.connections': connections.map((c) => c.profile),
  };
  writeFileSync(path.join(dir, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2) + '\n');
  const lines = [
    '# MySQL TLS sandbox workspace',
    '',
    `Generated from ${path.join(sb.dir, 'sandbox.json')} (MariaDB ${sb.mariadbVersion}).`,
    'Open the MySQL TLS view in the activity bar and connect to any of these:',
    '',
    ...connections.map((c) => `- **${c.profile.name}**: ${c.server} server on port ${c.profile.port}, user ${c.profile.user}, ssl-mode ${c.profile.ssl?.mode}`),
    '',
    '"Sandbox wrong CA" fails on purpose (the server certificate comes from another CA), and',
    '"Sandbox plaintext server" shows what PREFERRED does when the server has no TLS.',
    'Passwords are in the keychain (service mysql-tls), not in .vscode/settings.json.',
    '',
  ];
  writeFileSync(path.join(dir, 'README.md'), lines.join('\n'));
  return connections;
}

/** The keychain account of a workspace connection's password (see src/core/secrets/connectionVault.ts). */
export function workspacePasswordAccount(id: string): string {
  return `${vaultAccountId({ scope: 'workspace', id })}/password`;
}

/** Stores a connection's password as the extension does: in its scope's namespace, bound to its endpoint, mode and CA. */
export async function storeBoundPassword(scope: 'user' | 'workspace', profile: ConnectionProfile & { id: string }, password: string): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const keytar = require('keytar') as typeof import('keytar');
  const binding = await bindingOf(profile, scope, undefined);
  await keytar.setPassword(KEYCHAIN_SERVICE, `${vaultAccountId({ scope, id: profile.id })}/password`, encodeBoundSecret(password, binding));
}

export function storeWorkspacePassword(profile: ConnectionProfile & { id: string }, password: string): Promise<void> {
  return storeBoundPassword('workspace', profile, password);
}

/**
 * Stores each connection's password in the keychain the way the extension stores what the user enters:
 * in the workspace namespace, bound to the connection's endpoint, mode and CA.
 */
export async function seedKeychain(sb: SandboxDescription, connections: DemoConnection[]): Promise<void> {
  for (const c of connections) await storeWorkspacePassword({ ...c.profile, id: c.profile.id! }, passwordFor(sb, c));
}

async function main(args: string[]): Promise<void> {
  const dir = args.find((a) => !a.startsWith('--'));
  if (!dir) {
    console.error('usage: node out/scripts/demo/workspace.js DIR [--seed-keychain]');
    process.exit(2);
  }
  const sb = loadSandboxDescription();
  const connections = writeDemoWorkspace(path.resolve(dir), sb);
  if (args.includes('--seed-keychain')) await seedKeychain(sb, connections);
  console.log(
    `demo: workspace ${path.resolve(dir)} with ${connections.length} connections${args.includes('--seed-keychain') ? ', passwords in the keychain' : ''}`,
  );
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(`demo: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
