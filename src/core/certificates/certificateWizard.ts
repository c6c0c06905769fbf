import * as net from 'node:net';
import { MysqlTlsError } from '../errors';
import type { ConnectionProfile } from '../profile';
import type { KeySpec } from './generate';
import type { CertificateSet } from './generateSet';

/**
 * The pure half of the "Generate Certificates" wizard: parsing what the user types into the options
 * generateCertificateSet takes, and the defaults it offers. No VS Code here, so it is tested with node.
 */

export interface KeyChoice {
  label: string;
  description: string;
  key: KeySpec;
  /** PKCS#12 output is available for RSA keys only (see generateSet). */
  pkcs12: boolean;
}

export const KEY_CHOICES: readonly KeyChoice[] = [
  { label: 'RSA 2048', description: 'Works with every MySQL/MariaDB client and server', key: { type: 'rsa', bits: 2048 }, pkcs12: true },
  { label: 'RSA 4096', description: 'Larger key, slower handshakes', key: { type: 'rsa', bits: 4096 }, pkcs12: true },
  {
    label: 'ECDSA P-256',
    description: 'Small and fast; needs OpenSSL-based servers (MySQL 5.7.28+/8.0, MariaDB 10.2+)',
    key: { type: 'ecdsa', curve: 'P-256' },
    pkcs12: false,
  },
];

export const DEFAULT_VALIDITY_DAYS = 825;
export const DEFAULT_SERVER_HOSTS = 'localhost, 127.0.0.1';

/** "db.example.com, 10.0.0.5 ::1" -> DNS names and IP addresses (duplicates dropped, order kept). */
export function parseHostList(text: string): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const raw of text.split(/[\s,;]+/)) {
    const item = raw.trim().replace(/^\[(.*)\]$/, '$1');
    if (!item) continue;
    const list = net.isIP(item) ? ipAddresses : dnsNames;
    if (!list.includes(item)) list.push(item);
  }
  return { dnsNames, ipAddresses };
}

/** The message an InputBox shows for a host list, or undefined when it is usable. */
export function hostListProblem(text: string): string | undefined {
  const { dnsNames, ipAddresses } = parseHostList(text);
  if (dnsNames.length === 0 && ipAddresses.length === 0)
    return 'Give at least one host name or IP address clients use to reach the server (VERIFY_IDENTITY checks it).';
  const bad = dnsNames.find(
    (d) => !/^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/.test(d) || d.length > 253,
  );
  return bad ? `"${bad}" is neither a host name nor an IP address.` : undefined;
}

/** The message an InputBox shows for a number of days, or undefined when it is usable. */
export function validityDaysProblem(text: string, caValidityDays = 3650): string | undefined {
  if (!/^\s*\d+\s*$/.test(text)) return 'Enter a whole number of days.';
  const days = Number(text);
  if (days < 1 || days > 36500) return 'Use a number of days from 1 to 36500.';
  if (days > caValidityDays) return `The certificates cannot outlive their CA (${caValidityDays} days).`;
  return undefined;
}

export interface CommonNames {
  ca: string;
  server: string;
  client: string;
}

/** Distinct CNs to prefill: identical CA/server/client CNs make OpenSSL treat a certificate as self-signed. */
export function defaultCommonNames(hosts: { dnsNames: string[]; ipAddresses: string[] }, clientUser?: string): CommonNames {
  const server = hosts.dnsNames[0] ?? hosts.ipAddresses[0] ?? 'mysql-server';
  const ca = 'MySQL TLS CA';
  let client = clientUser?.trim() || 'mysql-client';
  if ([ca, server].some((n) => n.toLowerCase() === client.toLowerCase())) client = `${client}-client`;
  return { ca: server.toLowerCase() === ca.toLowerCase() ? `${ca} (root)` : ca, server, client };
}

/** The message for a CN that is empty or repeats one already chosen (compared case-insensitively). */
export function commonNameProblem(value: string, taken: Record<string, string>): string | undefined {
  const v = value.trim();
  if (!v) return 'Give the certificate a common name.';
  if (v.length > 64) return 'A common name is at most 64 characters.';
  for (const [role, name] of Object.entries(taken)) {
    if (name.trim().toLowerCase() === v.toLowerCase())
      return `The ${role} certificate already has CN "${name}": identical CNs make MySQL treat the certificate as self-signed.`;
  }
  return undefined;
}

/** A connection name not yet taken: "base", "base (2)", ... */
export function uniqueName(base: string, taken: readonly string[]): string {
  const set = new Set(taken);
  if (!set.has(base)) return base;
  for (let i = 2; i < 1000; i++) if (!set.has(`${base} (${i})`)) return `${base} (${i})`;
  throw new MysqlTlsError('config-invalid', `too many connections named "${base}"`, 'name');
}

export interface GeneratedProfileChoices {
  id: string;
  name: string;
  port?: number;
  user: string;
  /** Use the PKCS#12 file rather than the PEM certificate and key. */
  usePkcs12?: boolean;
}

/** The settings entry "Create Connection Profile" writes: VERIFY_IDENTITY with the generated client certificate. */
export function profileForGeneratedSet(set: CertificateSet, choices: GeneratedProfileChoices): ConnectionProfile & { id: string; name: string } {
  const base = choices.usePkcs12 && set.pfxProfile ? set.pfxProfile : set.profile;
  const ssl = { ...base.ssl, mode: 'VERIFY_IDENTITY' as const };
  return {
    id: choices.id,
    name: choices.name,
    host: base.host,
    ...(choices.port !== undefined ? { port: choices.port } : {}),
    user: choices.user,
    ssl,
  };
}
