/**
 * Every command the extension contributes, with its palette title. No `vscode` import, so a plain node
 * test can check that package.json declares exactly these (and the command table registers exactly these).
 */
export const COMMAND_TITLES = {
  'mysqlTls.addConnection': 'Add Connection',
  'mysqlTls.editConnection': 'Edit Connection',
  'mysqlTls.duplicateConnection': 'Duplicate Connection',
  'mysqlTls.removeConnection': 'Remove Connection',
  'mysqlTls.connect': 'Connect',
  'mysqlTls.disconnect': 'Disconnect',
  'mysqlTls.testConnection': 'Test Connection',
  'mysqlTls.showTlsDetails': 'Show TLS Details',
  'mysqlTls.selectActiveConnection': 'Select Active Connection',
  'mysqlTls.copyAsMysqlCommand': 'Copy as mysql Command Line',
  'mysqlTls.setPassword': 'Set Password',
  'mysqlTls.setKeyPassphrase': 'Set Key Passphrase',
  'mysqlTls.setSshSecret': 'Set SSH Key Passphrase or Password',
  'mysqlTls.refresh': 'Refresh',
  'mysqlTls.showLog': 'Show Log',
  'mysqlTls.generateCertificates': 'Generate Certificates…',
  'mysqlTls.importCaBundle': 'Import CA Bundle…',
  'mysqlTls.inspectCertificate': 'Inspect Certificate or Key File…',
  'mysqlTls.auditServer': 'Audit Server TLS Setup',
  'mysqlTls.requireTlsForAccount': 'Require TLS for Account…',
  'mysqlTls.newQuery': 'New Query',
  'mysqlTls.runStatement': 'Run Statement',
  'mysqlTls.runAll': 'Run All Statements',
  'mysqlTls.changeQueryConnection': 'Change Query Connection',
  'mysqlTls.cancelQuery': 'Cancel Query',
  'mysqlTls.proxysqlToggleBackendTls': 'Switch ProxySQL Backend TLS…',
  'mysqlTls.proxysqlSetClientCertificate': 'Set ProxySQL Proxy-to-Server Certificate…',
  'mysqlTls.proxysqlApply': 'Apply ProxySQL Changes to Runtime',
  'mysqlTls.proxysqlPersist': 'Persist ProxySQL Changes to Disk',
  'mysqlTls.proxysqlAddTlsHostgroup': 'Add ProxySQL Server to a TLS Hostgroup…',
  'mysqlTls.proxysqlDrainBackend': 'Drain ProxySQL Plaintext Backend Connections…',
  'mysqlTls.proxysqlToggleFrontendTls': 'Switch ProxySQL Frontend TLS (mysql-have_ssl)…',
  'mysqlTls.proxysqlTrustOwnCa': "Trust ProxySQL's Own CA…",
  'mysqlTls.applyCloudPreset': 'Apply Cloud Database Preset…',
  'mysqlTls.showPresentedCertificate': 'Show Server Certificate…',
  'mysqlTls.trustPresentedCa': 'Trust the CA the Server Sent…',
} as const;

/** Commands whose handlers live in src/vscode/proxysql (ProxySQL admin and cloud presets). */
export const PROXYSQL_COMMAND_IDS = [
  'mysqlTls.proxysqlToggleBackendTls',
  'mysqlTls.proxysqlSetClientCertificate',
  'mysqlTls.proxysqlApply',
  'mysqlTls.proxysqlPersist',
  'mysqlTls.proxysqlAddTlsHostgroup',
  'mysqlTls.proxysqlDrainBackend',
  'mysqlTls.proxysqlToggleFrontendTls',
  'mysqlTls.proxysqlTrustOwnCa',
  'mysqlTls.applyCloudPreset',
] as const;
export type ProxysqlCommandId = (typeof PROXYSQL_COMMAND_IDS)[number];

/** Commands whose handlers live in src/vscode/certificates and src/vscode/server (not in commands.ts). */
export const CERTIFICATE_COMMAND_IDS = [
  'mysqlTls.generateCertificates',
  'mysqlTls.importCaBundle',
  'mysqlTls.inspectCertificate',
  'mysqlTls.auditServer',
  'mysqlTls.requireTlsForAccount',
] as const;
export type CertificateCommandId = (typeof CERTIFICATE_COMMAND_IDS)[number];

/** Commands whose handlers live in src/vscode/diagnostics.ts (failure diagnostics). */
export const DIAGNOSTIC_COMMAND_IDS = ['mysqlTls.showPresentedCertificate', 'mysqlTls.trustPresentedCa'] as const;
export type DiagnosticCommandId = (typeof DIAGNOSTIC_COMMAND_IDS)[number];

/** Commands whose handlers live in src/vscode/query (the SQL editor and results). */
export const QUERY_COMMAND_IDS = [
  'mysqlTls.newQuery',
  'mysqlTls.runStatement',
  'mysqlTls.runAll',
  'mysqlTls.changeQueryConnection',
  'mysqlTls.cancelQuery',
] as const;
export type QueryCommandId = (typeof QUERY_COMMAND_IDS)[number];

export type CommandId = keyof typeof COMMAND_TITLES;
export const COMMAND_IDS = Object.keys(COMMAND_TITLES) as CommandId[];
export const COMMAND_CATEGORY = 'MySQL TLS';

/** Codicons for commands shown as buttons (view title and inline actions). */
export const COMMAND_ICONS: Partial<Record<CommandId, string>> = {
  'mysqlTls.addConnection': '$(add)',
  'mysqlTls.connect': '$(plug)',
  'mysqlTls.disconnect': '$(debug-disconnect)',
  'mysqlTls.refresh': '$(refresh)',
  'mysqlTls.showTlsDetails': '$(shield)',
  'mysqlTls.editConnection': '$(edit)',
  'mysqlTls.newQuery': '$(new-file)',
  'mysqlTls.runStatement': '$(play)',
  'mysqlTls.cancelQuery': '$(debug-stop)',
};

/** A command argument naming a connection: a tree node (with connectionId) or an id string. */
export function connectionIdOfArgument(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (typeof arg === 'object' && arg !== null) {
    const id = (arg as { connectionId?: unknown }).connectionId;
    if (typeof id === 'string') return id;
  }
  return undefined;
}
