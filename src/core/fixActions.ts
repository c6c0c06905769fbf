import type { Cause } from './errors';

/**
 * The command that fixes a failure, as a typed value: the error notification's button runs it and its label
 * says what it does ("Set Password…"), instead of a second notification that repeats the fix in words.
 * Command ids are plain strings here (src/core does not know VS Code); a test checks each is contributed.
 */
export interface FixAction {
  /** An extension command id (or a VS Code one, e.g. workbench.trust.manage). */
  command: string;
  /** The button text. */
  label: string;
  /** What the command receives: the connection (and the setting to open at), or nothing. */
  target: 'connection' | 'none';
  /** The setting the fix is about: Edit Connection opens at it. */
  field?: string;
}

/** Edit Connection with the setting to open at ({ field } as its second argument). */
function edit(field: string, label = 'Edit Connection…'): FixAction {
  return { command: 'mysqlTls.editConnection', label, target: 'connection', field };
}

export const SHOW_PRESENTED_CERTIFICATE: FixAction = {
  command: 'mysqlTls.showPresentedCertificate',
  label: 'Show Server Certificate…',
  target: 'connection',
};
const SET_PASSWORD: FixAction = { command: 'mysqlTls.setPassword', label: 'Set Password…', target: 'connection' };
const SET_PASSPHRASE: FixAction = { command: 'mysqlTls.setKeyPassphrase', label: 'Set Key Passphrase…', target: 'connection' };
const SET_SSH_SECRET: FixAction = { command: 'mysqlTls.setSshSecret', label: 'Set SSH Key Passphrase or Password…', target: 'connection' };
const IMPORT_CA: FixAction = { command: 'mysqlTls.importCaBundle', label: 'Import CA Bundle…', target: 'none' };
const GENERATE: FixAction = { command: 'mysqlTls.generateCertificates', label: 'Generate Certificates…', target: 'none' };

/**
 * One fix per cause where a command can do it. Partial: a cause without an entry gets only "Details" (the fix
 * text is in the message). Causes that name a field in the error (error.field) open Edit Connection there.
 */
const FIX_ACTIONS: Partial<Record<Cause, FixAction>> = {
  'config-missing-ca': IMPORT_CA,
  'ssh-key-passphrase': SET_SSH_SECRET,
  'config-incomplete-client-cert': edit('ssl.cert'),
  'file-der-not-pem': IMPORT_CA,
  'key-needs-passphrase': SET_PASSPHRASE,
  'key-wrong-passphrase': SET_PASSPHRASE,
  'key-cert-mismatch': edit('ssl.key'),
  'client-cert-expired': GENERATE,
  'client-cert-not-yet-valid': edit('ssl.cert'),
  'server-no-tls': edit('ssl.mode'),
  // The certificate the server presented says which of the fixes applies (CA, host name, renewal, or its own CA).
  'tls-ca-mismatch': SHOW_PRESENTED_CERTIFICATE,
  'tls-self-signed-no-ca': SHOW_PRESENTED_CERTIFICATE,
  'tls-hostname-mismatch': SHOW_PRESENTED_CERTIFICATE,
  'tls-cert-expired': SHOW_PRESENTED_CERTIFICATE,
  'tls-cert-not-yet-valid': SHOW_PRESENTED_CERTIFICATE,
  'tls-protocol-mismatch': edit('ssl.minVersion'),
  'tls-cipher-mismatch': edit('ssl.ciphers'),
  'tls-legacy-server': edit('ssl.minVersion'),
  'tls-client-cert-rejected': edit('ssl.cert'),
  'account-requires-tls': edit('ssl.mode'),
  'account-requires-x509': edit('ssl.cert'),
  'server-requires-tls': edit('ssl.mode'),
  'access-denied': SET_PASSWORD,
  'password-expired': SET_PASSWORD,
  'account-blocked-failed-logins': SET_PASSWORD,
  'auth-needs-tls': edit('ssl.mode'),
  'clear-password-needs-tls': edit('ssl.mode'),
  'host-unreachable': edit('host'),
  'host-not-found': edit('host'),
  'connect-timeout': edit('connectTimeoutMs'),
  'workspace-untrusted': { command: 'workbench.trust.manage', label: 'Manage Workspace Trust…', target: 'none' },
};

/** The fix of an error: the cause's command, or Edit Connection at the field the error names. */
export function fixActionFor(error: { code: Cause | string; field?: string }): FixAction | undefined {
  const byCause = FIX_ACTIONS[error.code as Cause];
  if (byCause) return byCause;
  if (error.field && /^(ssl\.|host$|port$|user$|connectTimeoutMs$|serverPublicKey$)/.test(error.field)) return edit(error.field);
  return undefined;
}

/** The arguments the command is run with. */
export function fixCommandArgs(action: FixAction, connectionId: string): unknown[] {
  if (action.target === 'none') return [];
  return action.field ? [connectionId, { field: action.field }] : [connectionId];
}
