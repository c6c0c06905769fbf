import { isMysqlTlsError } from '../errors';
import { parseCertificates, parsePrivateKey, readSettingFile } from '../certificates/pemFiles';
import { asWritten, expandPath, type PathContext } from '../paths';

/**
 * Validators of the Add/Edit Connection steps: each returns an error message, or undefined when the value
 * is acceptable. No VS Code here, so they are tested with plain node.
 */
export function validateConnectionName(value: string, otherNames: readonly string[] = []): string | undefined {
  if (value.trim() === '') return 'Enter a name for the connection.';
  if (otherNames.includes(value.trim())) return `A connection named "${value.trim()}" already exists.`;
  return undefined;
}

export function validateHost(value: string): string | undefined {
  const v = value.trim();
  if (v === '') return 'Enter the server host name or IP address.';
  if (/\s/.test(v)) return 'A host name cannot contain spaces.';
  if (v.includes('://')) return 'Enter only the host name, without a scheme (e.g. db.example.com).';
  if (/:\d+$/.test(v) && !v.includes('::')) return 'Enter the port in the next step, not after the host.';
  return undefined;
}

export function validatePort(value: string): string | undefined {
  const v = value.trim();
  if (!/^\d+$/.test(v)) return 'The port is a whole number (MySQL listens on 3306 by default).';
  const n = Number(v);
  if (n < 1 || n > 65535) return 'The port must be from 1 to 65535.';
  return undefined;
}

export function validateUser(value: string): string | undefined {
  return value.trim() === '' ? 'Enter the MySQL account name.' : undefined;
}

function expanded(value: string, paths: PathContext | undefined): { path?: string; error?: string } {
  if (value.trim() === '') return { error: 'Enter a path.' };
  try {
    return { path: expandPath(value.trim(), paths) };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/** A message about the file, naming it as typed when it uses ${env:NAME} (the value is not shown). */
function named(message: string, typed: string, path: string): string {
  return typed.includes('${env:') ? asWritten(message, [[path, typed.trim()]]) : message;
}

/** The file exists and holds at least one PEM certificate (CA file, client certificate). */
export async function validateCertificateFile(value: string, field: string, paths?: PathContext): Promise<string | undefined> {
  const { path, error } = expanded(value, paths);
  if (!path) return error;
  try {
    parseCertificates(await readSettingFile(path, field), path, field);
    return undefined;
  } catch (e) {
    return named(isMysqlTlsError(e) ? `${e.title}: ${e.detail}` : String(e), value, path);
  }
}

/** The file exists and holds a private key. An encrypted key is fine: its passphrase is asked for next. */
export async function validateKeyFile(value: string, paths?: PathContext): Promise<{ error?: string; encrypted: boolean }> {
  const { path, error } = expanded(value, paths);
  if (!path) return { error, encrypted: false };
  try {
    parsePrivateKey(await readSettingFile(path, 'ssl.key'), path, 'ssl.key', undefined);
    return { encrypted: false };
  } catch (e) {
    if (isMysqlTlsError(e) && e.code === 'key-needs-passphrase') return { encrypted: true };
    return { error: named(isMysqlTlsError(e) ? `${e.title}: ${e.detail}` : String(e), value, path), encrypted: false };
  }
}

/** Whether an encrypted key opens with this passphrase. */
export async function validateKeyPassphrase(keyPath: string, passphrase: string, paths?: PathContext): Promise<string | undefined> {
  const { path, error } = expanded(keyPath, paths);
  if (!path) return error;
  try {
    parsePrivateKey(await readSettingFile(path, 'ssl.key'), path, 'ssl.key', passphrase);
    return undefined;
  } catch (e) {
    return isMysqlTlsError(e) ? e.title : String(e);
  }
}
