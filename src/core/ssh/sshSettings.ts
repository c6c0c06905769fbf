import { SSH_AUTH_METHODS, type SshAuth, type SshHopSettings, type SshSettings } from '../profile';

/**
 * Validation of a connection's `ssh` block (called by src/core/settings/connectionSettings.ts). Every field is
 * checked and named in its problem with the fix. Workspace settings are untrusted: `ssh.knownHosts` there is
 * ignored (with a warning), so a repository can never choose which host keys count as known.
 */
export interface SshSettingsCheck {
  ssh?: SshSettings;
  errors: { field: string; message: string }[];
  warnings: { field: string; message: string }[];
}

const HOP_KEYS = ['host', 'port', 'user', 'auth', 'keyFile'];
const SSH_KEYS = new Set([...HOP_KEYS, 'knownHosts', 'jump', 'keepaliveSeconds']);
const SECRET_KEYS = ['password', 'passphrase'];
export const MAX_SSH_KEEPALIVE_SECONDS = 3600;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * @param text checks a string field (type, emptiness, control characters) and returns it, or undefined after
 *   recording a problem; the same helper the rest of the entry uses.
 * @param pathOk checks a path field (expansion, `${env:}` only in user settings).
 */
export function checkSshSettings(
  raw: unknown,
  fromUserSettings: boolean,
  text: (field: string, value: unknown, required: boolean) => string | undefined,
  pathOk: (field: string, value: string) => boolean,
): SshSettingsCheck {
  const errors: SshSettingsCheck['errors'] = [];
  const warnings: SshSettingsCheck['warnings'] = [];
  if (raw === undefined || raw === null) return { errors, warnings };
  if (!isRecord(raw)) {
    errors.push({ field: 'ssh', message: 'ssh must be an object such as {"host": "bastion.example.com", "user": "deploy"}' });
    return { errors, warnings };
  }
  const hop = (r: Record<string, unknown>, prefix: string, allowed: Set<string>): SshHopSettings | undefined => {
    for (const key of Object.keys(r)) {
      if (SECRET_KEYS.includes(key)) {
        errors.push({
          field: `${prefix}.${key}`,
          message: `${prefix}.${key} must not be in settings (settings files are shared and synced); remove it and store the SSH ${key} for this connection, which keeps it in the OS keychain`,
        });
      } else if (!allowed.has(key)) warnings.push({ field: `${prefix}.${key}`, message: `"${prefix}.${key}" is not an SSH setting and is ignored` });
    }
    const host = text(`${prefix}.host`, r.host, true);
    if (host !== undefined && /\s/.test(host))
      errors.push({ field: `${prefix}.host`, message: `${prefix}.host must be a host name or IP address without spaces` });
    const user = text(`${prefix}.user`, r.user, true);
    let port: number | undefined;
    if (r.port !== undefined) {
      if (typeof r.port !== 'number' || !Number.isInteger(r.port) || r.port < 1 || r.port > 65535)
        errors.push({ field: `${prefix}.port`, message: `${prefix}.port must be a whole number from 1 to 65535 (default 22), not ${JSON.stringify(r.port)}` });
      else port = r.port;
    }
    let auth: SshAuth | undefined;
    if (r.auth !== undefined) {
      if (typeof r.auth !== 'string' || !(SSH_AUTH_METHODS as readonly string[]).includes(r.auth))
        errors.push({
          field: `${prefix}.auth`,
          message: `${prefix}.auth ${JSON.stringify(r.auth)} must be one of ${SSH_AUTH_METHODS.join(', ')} (default agent)`,
        });
      else auth = r.auth as SshAuth;
    }
    const keyFile = text(`${prefix}.keyFile`, r.keyFile, false);
    if (keyFile !== undefined && keyFile !== '') {
      if (auth !== 'key')
        warnings.push({ field: `${prefix}.keyFile`, message: `${prefix}.keyFile is used only with ${prefix}.auth "key"; set auth to "key" or remove keyFile` });
      pathOk(`${prefix}.keyFile`, keyFile);
    } else if (auth === 'key') {
      errors.push({
        field: `${prefix}.keyFile`,
        message: `${prefix}.auth is "key" but ${prefix}.keyFile is missing; set it to your private key, e.g. "~/.ssh/id_ed25519"`,
      });
    }
    if (host === undefined || user === undefined) return undefined;
    const out: SshHopSettings = { host, user };
    if (port !== undefined) out.port = port;
    if (auth !== undefined) out.auth = auth;
    if (keyFile) out.keyFile = keyFile;
    return out;
  };
  const bastion = hop(raw, 'ssh', SSH_KEYS);
  let knownHosts: string | undefined;
  const kh = text('ssh.knownHosts', raw.knownHosts, false);
  if (kh) {
    if (!fromUserSettings) {
      warnings.push({
        field: 'ssh.knownHosts',
        message:
          'ssh.knownHosts is ignored in workspace settings (a repository must not choose which SSH host keys count as known); ~/.ssh/known_hosts is used. Move the setting to your user settings to use another file.',
      });
    } else if (pathOk('ssh.knownHosts', kh)) knownHosts = kh;
  }
  let jump: SshHopSettings | undefined;
  if (raw.jump !== undefined && raw.jump !== null) {
    if (!isRecord(raw.jump)) errors.push({ field: 'ssh.jump', message: 'ssh.jump must be an object such as {"host": "jump.example.com", "user": "deploy"}' });
    else jump = hop(raw.jump, 'ssh.jump', new Set(HOP_KEYS));
  }
  let keepaliveSeconds: number | undefined;
  if (raw.keepaliveSeconds !== undefined) {
    const k = raw.keepaliveSeconds;
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k > MAX_SSH_KEEPALIVE_SECONDS)
      errors.push({
        field: 'ssh.keepaliveSeconds',
        message: `ssh.keepaliveSeconds must be a whole number of seconds from 0 (off) to ${MAX_SSH_KEEPALIVE_SECONDS} (default 15), not ${JSON.stringify(k)}`,
      });
    else keepaliveSeconds = k;
  }
  if (errors.length > 0 || !bastion) return { errors, warnings };
  const ssh: SshSettings = { ...bastion };
  if (knownHosts) ssh.knownHosts = knownHosts;
  if (jump) ssh.jump = jump;
  if (keepaliveSeconds !== undefined) ssh.keepaliveSeconds = keepaliveSeconds;
  return { ssh, errors, warnings };
}
