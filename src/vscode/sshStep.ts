import * as vscode from 'vscode';
import { DEFAULT_SSH_PORT, SSH_AUTH_METHODS, type SshAuth, type SshSettings } from '../core/profile';
import { describeSshSettings } from '../core/presentation/sshRoute';

/** "Connect through SSH": undefined = no SSH (the connection goes direct), else the ssh block. */
export type SshStepAnswer = { ssh?: SshSettings };

const AUTH_WORDS: Record<SshAuth, string> = {
  agent: 'SSH agent (SSH_AUTH_SOCK): keys loaded with ssh-add',
  key: 'Private key file (its passphrase goes to the OS keychain)',
  password: 'Password (kept in the OS keychain)',
};

/** user@host[:port] of the bastion, or why not. */
export function parseBastion(value: string): { user: string; host: string; port?: number } | string {
  const m = /^([^@\s]+)@(\[[^\]\s]+\]|[^:@\s[\]]+)(?::(\d+))?$/.exec(value.trim());
  if (!m) return 'Write user@host or user@host:port, e.g. deploy@bastion.example.com';
  const port = m[3] === undefined ? undefined : Number(m[3]);
  if (port !== undefined && (port < 1 || port > 65535)) return 'The port must be from 1 to 65535';
  return { user: m[1]!, host: m[2]!.replace(/^\[|\]$/g, ''), ...(port !== undefined ? { port } : {}) };
}

/**
 * The wizard's "Connect through SSH" step: direct, or through a bastion (user@host[:port], authentication, key
 * file). The connection's host and port are then the database as the bastion sees it. A jump host, knownHosts and
 * keepalive are kept from the entry (edit them in settings.json). Returns undefined when the user cancels.
 */
export async function sshStep(title: string, initial: SshSettings | undefined): Promise<SshStepAnswer | undefined> {
  const direct = { label: 'Direct connection', detail: 'The database host is reachable from this machine' };
  const through = {
    label: 'Connect through SSH',
    detail: 'Through a bastion: TLS still runs end to end with the database, and VERIFY_IDENTITY checks its name as the bastion sees it',
    description: initial ? describeSshSettings(initial) : undefined,
  };
  const pick = await vscode.window.showQuickPick(initial ? [through, direct] : [direct, through], {
    title,
    placeHolder: 'How is the database reached?',
    ignoreFocusOut: true,
  });
  if (!pick) return undefined;
  if (pick === direct) return {};
  const bastionText = await vscode.window.showInputBox({
    title,
    prompt: 'SSH bastion as user@host or user@host:port',
    placeHolder: 'deploy@bastion.example.com',
    value: initial ? `${initial.user}@${initial.host}${initial.port && initial.port !== DEFAULT_SSH_PORT ? `:${initial.port}` : ''}` : '',
    ignoreFocusOut: true,
    validateInput: (v) => {
      const r = parseBastion(v);
      return typeof r === 'string' ? r : undefined;
    },
  });
  if (bastionText === undefined) return undefined;
  const bastion = parseBastion(bastionText) as { user: string; host: string; port?: number };
  const authPick = await vscode.window.showQuickPick(
    SSH_AUTH_METHODS.map((auth) => ({ label: auth, auth, detail: AUTH_WORDS[auth], description: auth === (initial?.auth ?? 'agent') ? 'current' : undefined })),
    { title, placeHolder: 'SSH authentication', ignoreFocusOut: true },
  );
  if (!authPick) return undefined;
  const ssh: SshSettings = { ...initial, ...bastion, auth: authPick.auth };
  if (bastion.port === undefined) delete ssh.port;
  if (authPick.auth === 'key') {
    const keyFile = await vscode.window.showInputBox({
      title,
      prompt: 'Private key file for SSH',
      placeHolder: '~/.ssh/id_ed25519',
      value: initial?.keyFile ?? '~/.ssh/id_ed25519',
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() === '' ? 'Give the path of the private key (not the .pub file)' : undefined),
    });
    if (keyFile === undefined) return undefined;
    ssh.keyFile = keyFile.trim();
  } else delete ssh.keyFile;
  return { ssh };
}
