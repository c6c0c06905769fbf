import * as path from 'node:path';
import * as vscode from 'vscode';
import { TunnelManager } from '../core/ssh/tunnel';

/** The extension's own known_hosts: accepted SSH host keys go here, never into ~/.ssh/known_hosts. */
export function ownKnownHostsFile(context: Pick<vscode.ExtensionContext, 'globalStorageUri'>): string {
  return path.join(context.globalStorageUri.fsPath, 'known_hosts');
}

/**
 * Asks about an unknown SSH host key in a modal: key type and SHA256 fingerprint, as OpenSSH shows them. Cancel is
 * what Escape and closing the dialog mean; only "Accept and Remember" trusts the key. A changed key is never asked
 * about: it is refused by the tunnel manager before this is called.
 */
export async function askUnknownHostKey(host: string, port: number, keyType: string, fingerprint: string, knownHostsFile: string): Promise<boolean> {
  const accept = 'Accept and Remember';
  const name = port === 22 ? host : `[${host}]:${port}`;
  // Escape and closing the dialog mean Cancel. (VS Code's modal focuses its first action button whatever the
  // order of the items, so Enter accepts: the fingerprint is in the message, above that button.)
  const answer = await vscode.window.showWarningMessage(
    `The SSH host ${name} is not known.`,
    {
      modal: true,
      detail: `Its ${keyType} key fingerprint is ${fingerprint}.\n\nCheck it with the administrator of the host (ssh-keygen -lf on the host's key) before accepting. An accepted key is recorded in ${knownHostsFile} (the extension's own known_hosts; ~/.ssh/known_hosts is not changed).`,
    },
    { title: 'Cancel', isCloseAffordance: true },
    { title: accept },
  );
  return answer?.title === accept;
}

/** The tunnels of the extension's connections: the modal for unknown keys, the own known_hosts file. */
export function createSshTunnels(context: Pick<vscode.ExtensionContext, 'globalStorageUri'>): TunnelManager {
  // VS Code always gives a global storage folder; without one (a test host) an accepted key holds for the session.
  const file = (context.globalStorageUri as vscode.Uri | undefined) ? ownKnownHostsFile(context) : undefined;
  return new TunnelManager({
    ownKnownHostsFile: file,
    onUnknownHostKey: (host, port, type, fp) => askUnknownHostKey(host, port, type, fp, file ?? 'memory (this session only)'),
  });
}
