import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ConnectionProfile, ConnectionSecrets, SslSettings } from '../../src/core/profile';
import { defaultSandboxDir, type AccountName, type SandboxDescription, type ServerName } from '../../scripts/sandbox';

/** The running sandbox (started by scripts/test.sh, or by hand with `npm run sandbox -- start`). */
export function loadSandbox(): SandboxDescription {
  const file = path.join(defaultSandboxDir(), 'sandbox.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SandboxDescription;
  } catch {
    throw new Error(`No sandbox description at ${file}. Run the tests with scripts/test.sh, or start one: npm run sandbox -- start`);
  }
}

/** A profile for one sandbox server and account; `ssl` overrides the defaults (sandbox CA, no client cert). */
export function sandboxProfile(
  sb: SandboxDescription,
  server: ServerName,
  account: AccountName,
  ssl: SslSettings = {},
): { profile: ConnectionProfile; secrets: ConnectionSecrets } {
  const a = sb.accounts[account];
  if (!a) throw new Error(`sandbox has no account ${account}`);
  return {
    profile: { host: sb.host, port: sb.servers[server].port, user: a.user, ssl: { ca: sb.certs.ca, ...ssl } },
    secrets: { password: a.password },
  };
}

/** Client certificate settings of the sandbox client (issued by the sandbox CA). */
export function clientCert(sb: SandboxDescription): SslSettings {
  return { cert: sb.certs.clientCert, key: sb.certs.clientKey };
}
