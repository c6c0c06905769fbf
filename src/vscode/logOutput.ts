import * as vscode from 'vscode';
import { createLogger, type Logger } from '../core/logging/logger';

export const LOG_CHANNEL_NAME = 'MySQL TLS';

/** The one LogOutputChannel of the extension, behind the core Logger (component prefixes, redaction). */
export function createOutputLogger(): { logger: Logger; channel: vscode.LogOutputChannel } {
  const channel = vscode.window.createOutputChannel(LOG_CHANNEL_NAME, { log: true });
  return { logger: createLogger(channel), channel };
}
