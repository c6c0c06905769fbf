import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { MysqlTlsError } from '../errors';
import { writeFileAtomic } from '../files/atomicWrite';
import { readBoundedFile } from '../files/boundedFile';

/**
 * known_hosts in OpenSSH's format (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"):
 *   [marker] hostpatterns keytype base64-key [comment]
 * - host patterns: comma-separated names, `[host]:port` for a port other than 22, `*` and `?` wildcards,
 *   `!pattern` negation, or one hashed name `|1|base64(salt)|base64(HMAC-SHA1(salt, name))` (HashKnownHosts);
 * - markers: `@revoked` (the key is refused for these hosts whatever else is listed) and `@cert-authority`
 *   (host certificates signed by that CA). Host certificates are not supported here: those lines are skipped,
 *   so a host known only through a CA counts as unknown (and the user is shown its own key to check).
 * The file is read bounded (a setting can name a FIFO or /dev/zero) and every line is hostile input.
 */

/** 4 MiB: some 10,000 hosts with ed25519 and RSA keys each; bigger files are refused, not half read. */
export const KNOWN_HOSTS_FILE_LIMIT = 4 * 1024 * 1024;

export interface KnownHostEntry {
  marker?: 'revoked' | 'cert-authority';
  /** The patterns as written (one hashed entry is kept as written too). */
  patterns: string[];
  keyType: string;
  /** The key blob (the base64 field decoded). */
  key: Buffer;
  /** Where it was read from, for messages: "file:line". */
  source: string;
}

/** Parses known_hosts text; malformed lines are skipped (OpenSSH does the same). */
export function parseKnownHosts(text: string, file = 'known_hosts'): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/[ \t]+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0]!.startsWith('@')) {
      const m = fields.shift()!;
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else continue;
    }
    const [hosts, keyType, b64] = fields;
    if (!hosts || !keyType || !b64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) continue;
    const key = Buffer.from(b64, 'base64');
    // The blob starts with its own type name: a line whose two do not agree is not a key of that type.
    if (keyTypeOfBlob(key) !== keyType) continue;
    entries.push({ marker, patterns: hosts.split(','), keyType, key, source: `${file}:${i + 1}` });
  }
  return entries;
}

/** The name OpenSSH looks a host up by: `host` on port 22, `[host]:port` otherwise; lower case. */
export function lookupName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

function wildcardMatch(pattern: string, name: string): boolean {
  const re = new RegExp(
    '^' +
      pattern
        .split('')
        .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
        .join('') +
      '$',
  );
  return re.test(name);
}

function hashedMatch(pattern: string, name: string): boolean {
  const parts = pattern.split('|');
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2]!, 'base64');
  const want = Buffer.from(parts[3]!, 'base64');
  if (salt.length === 0 || want.length !== 20) return false;
  const got = createHmac('sha1', salt).update(name).digest();
  return timingSafeEqual(got, want);
}

/** Whether an entry's host patterns cover `host` on `port` (a negated match excludes the entry). */
export function entryMatches(entry: Pick<KnownHostEntry, 'patterns'>, host: string, port: number): boolean {
  const name = lookupName(host, port);
  let matched = false;
  for (const raw of entry.patterns) {
    if (raw.startsWith('|')) {
      if (hashedMatch(raw, name)) matched = true;
      continue;
    }
    const negated = raw.startsWith('!');
    const pattern = (negated ? raw.slice(1) : raw).toLowerCase();
    // `[host]:port` patterns match the bracketed name; a bare pattern matches port 22 only (as OpenSSH).
    if (wildcardMatch(pattern, name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

/** The type name at the start of an SSH public key blob (string length + name), '' when it is not one. */
export function keyTypeOfBlob(blob: Buffer): string {
  if (blob.length < 4) return '';
  const len = blob.readUInt32BE(0);
  if (len < 1 || len > 64 || blob.length < 4 + len) return '';
  const name = blob.subarray(4, 4 + len).toString('latin1');
  return /^[a-z0-9@.-]+$/.test(name) ? name : '';
}

/** The key type as OpenSSH prints it in fingerprints: ED25519, ECDSA, RSA, DSA (else the type name). */
export function keyTypeLabel(keyType: string): string {
  if (keyType === 'ssh-ed25519') return 'ED25519';
  if (keyType.startsWith('ecdsa-sha2-')) return 'ECDSA';
  if (keyType === 'ssh-rsa') return 'RSA';
  if (keyType === 'ssh-dss') return 'DSA';
  if (keyType.startsWith('sk-ssh-ed25519')) return 'ED25519-SK';
  if (keyType.startsWith('sk-ecdsa')) return 'ECDSA-SK';
  return keyType.toUpperCase();
}

/** `SHA256:` + unpadded base64 of the blob's SHA-256, as `ssh-keygen -l` and OpenSSH's prompts print it. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The host-key algorithms that sign with a key of this type (ssh-rsa keys sign with rsa-sha2-*). */
export function algorithmsForKeyType(keyType: string): string[] {
  return keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [keyType];
}

export type HostKeyVerdict =
  | { status: 'matches'; entry: KnownHostEntry }
  | { status: 'revoked'; entry: KnownHostEntry }
  /** The host is listed with another key of the same type: OpenSSH's "REMOTE HOST IDENTIFICATION HAS CHANGED". */
  | { status: 'changed'; entries: KnownHostEntry[] }
  | { status: 'unknown' };

/**
 * What the known entries say about the key a host presented. A key type the host is not listed with counts as
 * changed when the host is listed with other types: the connection restricts the server's host-key algorithms
 * to the known types first (knownKeyTypes), so a server that presents another type is not the one recorded.
 */
export function verifyHostKey(entries: readonly KnownHostEntry[], host: string, port: number, key: Buffer): HostKeyVerdict {
  const forHost = entries.filter((e) => e.marker !== 'cert-authority' && entryMatches(e, host, port));
  const revoked = entries.find((e) => e.marker === 'revoked' && e.key.equals(key));
  if (revoked) return { status: 'revoked', entry: revoked };
  const plain = forHost.filter((e) => e.marker === undefined);
  const match = plain.find((e) => e.key.equals(key));
  if (match) return { status: 'matches', entry: match };
  if (plain.length > 0) return { status: 'changed', entries: plain };
  return { status: 'unknown' };
}

/** The key types recorded for a host (to prefer them in the key exchange, as OpenSSH does). */
export function knownKeyTypes(entries: readonly KnownHostEntry[], host: string, port: number): string[] {
  return [...new Set(entries.filter((e) => e.marker === undefined && entryMatches(e, host, port)).map((e) => e.keyType))];
}

/** Reads a known_hosts file, bounded; a file that does not exist is empty (as for OpenSSH). */
export async function readKnownHostsFile(file: string, field: string): Promise<KnownHostEntry[]> {
  let data: Buffer;
  try {
    data = await readBoundedFile(file, field, KNOWN_HOSTS_FILE_LIMIT);
  } catch (e) {
    if (e instanceof MysqlTlsError && e.code === 'file-missing') return [];
    throw e;
  }
  return parseKnownHosts(data.toString('utf8'), file);
}

/** One known_hosts line for an accepted key (plain host name: the file is the extension's own, mode 0600). */
export function knownHostsLine(host: string, port: number, key: Buffer): string {
  return `${lookupName(host, port)} ${keyTypeOfBlob(key)} ${key.toString('base64')}`;
}

/**
 * Adds an accepted key to the extension's own known_hosts file (never the user's ~/.ssh/known_hosts): read,
 * append, write atomically (a link planted at that path is not written through).
 */
export async function appendOwnKnownHost(file: string, host: string, port: number, key: Buffer): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  let existing = '';
  try {
    existing = (await readBoundedFile(file, 'known_hosts', KNOWN_HOSTS_FILE_LIMIT)).toString('utf8');
  } catch (e) {
    if (!(e instanceof MysqlTlsError && e.code === 'file-missing')) throw e;
  }
  const sep = existing === '' || existing.endsWith('\n') ? '' : '\n';
  await writeFileAtomic(file, `${existing}${sep}${knownHostsLine(host, port, key)}\n`, { mode: 0o600, overwrite: true, field: 'known_hosts' });
}
