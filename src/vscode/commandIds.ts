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
  'mysqlTls.refresh': 'Refresh',
  'mysqlTls.showLog': 'Show Log',
} as const;

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
};
