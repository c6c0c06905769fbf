import { constants, createHash, generateKeyPairSync, privateDecrypt, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import * as net from 'node:net';
import { upgradeServerSocketToTls } from '../serverTlsUpgrade';
import type { TLSSocket, TLSSocketOptions } from 'node:tls';
import { createCa, issueCertificate } from '../../../src/core/certificates/generate';
import type { DoubleColumn, DoubleQueryHandler, DoubleResult, DoubleSession, Mysql8Flavour } from './types';

/**
 * A MySQL 8 test DOUBLE, protocol layer: not MySQL. MySQL cannot be installed here (Debian ships MariaDB
 * only), so the tests that need MySQL's own behaviour talk to this `net` server. mysql2's server API cannot
 * play it: its greeting hard-codes mysql_native_password and it handles neither the in-place TLS upgrade nor
 * the extra caching_sha2_password packets.
 *
 * What it reproduces, and from where:
 * - The greeting (HandshakeV10): protocol 10, the version string of the flavour, a 20-byte scramble sent as
 *   8 + 12 bytes plus a zero byte, character set 255 (utf8mb4_0900_ai_ci; 33 utf8_general_ci on 5.7/5.6),
 *   status 0x0002 (SERVER_STATUS_AUTOCOMMIT), auth data length 21, and the server's default plugin
 *   (caching_sha2_password from 8.0, mysql_native_password on 5.7/5.6). Capability flags as MySQL sets them:
 *   CLIENT_SSL only with TLS configured; PLUGIN_AUTH, PLUGIN_AUTH_LENENC_CLIENT_DATA, CONNECT_ATTRS,
 *   CAN_HANDLE_EXPIRED_PASSWORDS, SESSION_TRACK, DEPRECATE_EOF; QUERY_ATTRIBUTES from 8.0.23 and
 *   MULTI_FACTOR_AUTHENTICATION from 8.0.27. Source: MySQL Source Code Documentation, "Protocol::HandshakeV10",
 *   "Capabilities Flags" (include/mysql_com.h), and "COM_QUERY" (the parameter_count / parameter_set_count
 *   prefix when CLIENT_QUERY_ATTRIBUTES is negotiated).
 * - SSLRequest then TLS on the same socket (Protocol::SSLRequest), recording every byte the wire carried.
 * - caching_sha2_password (MySQL manual "Caching SHA-2 Pluggable Authentication" and the source's
 *   sha2_password.cc): the scramble response is SHA256(pw) XOR SHA256(SHA256(SHA256(pw)) || scramble); fast
 *   path 0x01 0x03 then OK when the server holds the password in its cache (an account option, or after a
 *   successful full authentication) and the scramble matches; otherwise (not cached, or a wrong scramble)
 *   full path 0x01 0x04, then the password with a trailing zero byte inside
 *   TLS, or on plaintext 0x02 -> 0x01 + PEM public key -> RSA-OAEP(SHA-1) of (password + 0) XOR scramble.
 * - mysql_native_password (SHA1(pw) XOR SHA1(scramble || SHA1(SHA1(pw)))) through an AuthSwitchRequest
 *   (0xfe, plugin, scramble, 0) when the account's plugin differs from the greeting's; on 8.4 and 9.x the
 *   plugin is not loaded by default and the login gets 1524 "Plugin 'mysql_native_password' is not loaded"
 *   (MySQL 8.4 release notes: mysql_native_password is disabled by default, removed in 9.0).
 * - sha256_password: switch, then the password in cleartext inside TLS or RSA-encrypted on plaintext.
 * - The checks after the password passed, in the order sql_authentication.cc makes them: offline_mode (3032),
 *   the account's REQUIRE (1045, SQLSTATE 28000), account locked (3118), require_secure_transport on TCP
 *   without TLS (3159, HY000), password expired (1862, or, for a client announcing
 *   CAN_HANDLE_EXPIRED_PASSWORDS, sandbox mode where every statement gets 1820). A wrong password is always
 *   1045. FAILED_LOGIN_ATTEMPTS locks the account temporarily: 3955 (8.0.19+).
 * - Error packets: before the greeting (1040 too many connections) without the '#' SQLSTATE marker, after it
 *   with it (Protocol::ERR_Packet: the marker depends on CLIENT_PROTOCOL_41, which is not negotiated yet).
 * - The yaSSL stand-in (5.7.26-yassl): yaSSL builds speak TLS 1.0/1.1 only, with DHE-RSA-AES256-SHA first and
 *   AES256-SHA among the rest (MySQL 5.7 manual, "Encrypted Connection TLS Protocols and Ciphers"). The double
 *   offers those two, in that order. Observed with Node 20.20 / OpenSSL 3.0: a default client gets "tlsv1
 *   alert protocol version"; with minVersion TLSv1, "legacy sigalg disallowed or unsupported" (the DHE
 *   signature); with minVersion TLSv1 and ciphers DEFAULT@SECLEVEL=0 it connects (TLSv1.1, DHE-RSA-AES256-SHA).
 *   Guess: OpenSSL plays yaSSL here; yaSSL's own handshake quirks are not reproduced.
 *
 * Guesses (marked where they are made): the exact wording of the 3032 and 3955 messages; an unknown user
 * goes through the same exchange as a known one and gets 1045 (MySQL does not reveal which accounts exist);
 * offline_mode before REQUIRE follows issue 15's reading of sql_authentication.cc, not a running server;
 * CONNECTION_ADMIN (which passes offline mode and the extra connection past max_connections) is not modelled.
 */

export interface DoubleAccount {
  user: string;
  password: string;
  plugin?: 'caching_sha2_password' | 'mysql_native_password' | 'sha256_password';
  require?: 'NONE' | 'SSL' | 'X509';
  locked?: boolean;
  passwordExpired?: boolean;
  /** caching_sha2_password: the server already holds this password in its cache (fast path 0x01 0x03). */
  cached?: boolean;
  /** FAILED_LOGIN_ATTEMPTS: after this many wrong passwords in a row the account is blocked (3955). */
  failedLoginAttempts?: number;
}

export interface DoubleTls {
  certPem: string;
  keyPem: string;
  /** The CA that signed certPem (given to clients; the server sends only the leaf). */
  caPem: string;
  /** A client certificate from the same CA (MySQL's auto_generate_certs writes client-cert.pem too). */
  client?: { certPem: string; keyPem: string };
}

export interface Mysql8DoubleOptions {
  flavour: Mysql8Flavour;
  /** TLS material, 'auto' for an auto-generated-style certificate (the default), or false for no TLS. */
  tls?: DoubleTls | 'auto' | false;
  accounts: DoubleAccount[];
  requireSecureTransport?: boolean;
  offlineMode?: boolean;
  /**
   * caching_sha2_password caches a password after its first full authentication, as MySQL does (default);
   * false keeps every login on the path the account's `cached` says (for tables of expected outcomes).
   */
  cacheFullAuth?: boolean;
  /** Connections beyond this many open ones get 1040 before the greeting. */
  maxConnections?: number;
  query?: DoubleQueryHandler;
}

/** What one connection did. */
export interface DoubleConnection {
  threadId: number;
  /** Every byte read from the TCP socket (ciphertext once TLS is up). */
  raw: Buffer;
  /** Every MySQL packet payload read (after TLS decryption), in order. */
  packets: Buffer[];
  scramble: Buffer;
  /** The capabilities the client sent in its HandshakeResponse41. */
  clientCapabilities?: number;
  tls?: { version: string; cipher: string };
  clientCertificate: boolean;
  user?: string;
  /** Which caching_sha2_password path ran. */
  authPath?: 'fast' | 'full-tls' | 'full-rsa' | 'native' | 'sha256' | 'empty';
  askedForKey: boolean;
  /** 'ok' once logged in; the errno of the error packet that ended the login otherwise. */
  outcome: 'pending' | 'ok' | number;
  /** The text of every statement received (COM_QUERY and COM_STMT_PREPARE). */
  statements: string[];
  /** The TLS error on the server side, when the handshake failed. */
  tlsError?: string;
}

export interface Mysql8Double {
  port: number;
  flavour: Mysql8Flavour;
  /** PEM of the CA that signed the server certificate (undefined without TLS). */
  caPem?: string;
  certPem?: string;
  client?: { certPem: string; keyPem: string };
  /** PEM of the RSA public key caching_sha2_password / sha256_password hand out. */
  publicKeyPem: string;
  connections: DoubleConnection[];
  accounts: DoubleAccount[];
  /** Runtime switches (like SET GLOBAL): read on every login. */
  settings: { requireSecureTransport: boolean; offlineMode: boolean };
  close(): Promise<void>;
}

interface FlavourInfo {
  version: string;
  comment: string;
  charset: number;
  plugin: 'caching_sha2_password' | 'mysql_native_password';
  /** 8.0.23+ */
  queryAttributes: boolean;
  /** 8.0.27+ */
  mfa: boolean;
  /** mysql_native_password is not loaded (8.4 by default, gone in 9.x). */
  nativeNotLoaded: boolean;
  yassl: boolean;
}

export const FLAVOURS: Record<Mysql8Flavour, FlavourInfo> = {
  '8.0.36': {
    version: '8.0.36',
    comment: 'MySQL Community Server - GPL',
    charset: 255,
    plugin: 'caching_sha2_password',
    queryAttributes: true,
    mfa: true,
    nativeNotLoaded: false,
    yassl: false,
  },
  '8.4.3': {
    version: '8.4.3',
    comment: 'MySQL Community Server - GPL',
    charset: 255,
    plugin: 'caching_sha2_password',
    queryAttributes: true,
    mfa: true,
    nativeNotLoaded: true,
    yassl: false,
  },
  '9.1.0': {
    version: '9.1.0',
    comment: 'MySQL Community Server - GPL',
    charset: 255,
    plugin: 'caching_sha2_password',
    queryAttributes: true,
    mfa: true,
    nativeNotLoaded: true,
    yassl: false,
  },
  '8.0.36-28': {
    version: '8.0.36-28',
    comment: 'Percona Server (GPL), Release 28, Revision 47601f19',
    charset: 255,
    plugin: 'caching_sha2_password',
    queryAttributes: true,
    mfa: true,
    nativeNotLoaded: false,
    yassl: false,
  },
  '5.7.44': {
    version: '5.7.44',
    comment: 'MySQL Community Server (GPL)',
    charset: 33,
    plugin: 'mysql_native_password',
    queryAttributes: false,
    mfa: false,
    nativeNotLoaded: false,
    yassl: false,
  },
  '5.6.51': {
    version: '5.6.51',
    comment: 'MySQL Community Server (GPL)',
    charset: 33,
    plugin: 'mysql_native_password',
    queryAttributes: false,
    mfa: false,
    nativeNotLoaded: false,
    yassl: false,
  },
  '5.7.26-yassl': {
    version: '5.7.26',
    comment: 'MySQL Community Server (GPL)',
    charset: 33,
    plugin: 'mysql_native_password',
    queryAttributes: false,
    mfa: false,
    nativeNotLoaded: false,
    yassl: true,
  },
};

export const CLIENT = {
  LONG_PASSWORD: 0x1,
  FOUND_ROWS: 0x2,
  LONG_FLAG: 0x4,
  CONNECT_WITH_DB: 0x8,
  NO_SCHEMA: 0x10,
  COMPRESS: 0x20,
  ODBC: 0x40,
  LOCAL_FILES: 0x80,
  IGNORE_SPACE: 0x100,
  PROTOCOL_41: 0x200,
  INTERACTIVE: 0x400,
  SSL: 0x800,
  IGNORE_SIGPIPE: 0x1000,
  TRANSACTIONS: 0x2000,
  RESERVED: 0x4000,
  SECURE_CONNECTION: 0x8000,
  MULTI_STATEMENTS: 0x10000,
  MULTI_RESULTS: 0x20000,
  PS_MULTI_RESULTS: 0x40000,
  PLUGIN_AUTH: 0x80000,
  CONNECT_ATTRS: 0x100000,
  PLUGIN_AUTH_LENENC_CLIENT_DATA: 0x200000,
  CAN_HANDLE_EXPIRED_PASSWORDS: 0x400000,
  SESSION_TRACK: 0x800000,
  DEPRECATE_EOF: 0x1000000,
  QUERY_ATTRIBUTES: 0x8000000,
  MULTI_FACTOR_AUTHENTICATION: 0x10000000,
} as const;

/** The capabilities the double's greeting announces for a flavour. */
export function serverCapabilities(info: FlavourInfo, tls: boolean): number {
  let caps = 0;
  for (const f of [
    'LONG_PASSWORD',
    'FOUND_ROWS',
    'LONG_FLAG',
    'CONNECT_WITH_DB',
    'NO_SCHEMA',
    'ODBC',
    'LOCAL_FILES',
    'IGNORE_SPACE',
    'PROTOCOL_41',
    'INTERACTIVE',
    'IGNORE_SIGPIPE',
    'TRANSACTIONS',
    'RESERVED',
    'SECURE_CONNECTION',
    'MULTI_STATEMENTS',
    'MULTI_RESULTS',
    'PS_MULTI_RESULTS',
    'PLUGIN_AUTH',
    'CONNECT_ATTRS',
    'PLUGIN_AUTH_LENENC_CLIENT_DATA',
    'CAN_HANDLE_EXPIRED_PASSWORDS',
    'SESSION_TRACK',
    'DEPRECATE_EOF',
  ] as const)
    caps |= CLIENT[f];
  if (tls) caps |= CLIENT.SSL;
  if (info.queryAttributes) caps |= CLIENT.QUERY_ATTRIBUTES;
  if (info.mfa) caps |= CLIENT.MULTI_FACTOR_AUTHENTICATION;
  return caps >>> 0;
}

const sha1 = (...b: Buffer[]): Buffer => createHash('sha1').update(Buffer.concat(b)).digest();
const sha256 = (...b: Buffer[]): Buffer => createHash('sha256').update(Buffer.concat(b)).digest();
const xor = (a: Buffer, b: Buffer): Buffer => Buffer.from(a.map((v, i) => v ^ b[i % b.length]!));

export function cachingSha2Scramble(password: string, scramble: Buffer): Buffer {
  const p1 = sha256(Buffer.from(password, 'utf8'));
  return xor(p1, sha256(sha256(p1), scramble));
}

export function nativeScramble(password: string, scramble: Buffer): Buffer {
  const p1 = sha1(Buffer.from(password, 'utf8'));
  return xor(p1, sha1(scramble, sha1(p1)));
}

function lenenc(n: number): Buffer {
  if (n < 251) return Buffer.from([n]);
  if (n < 0x10000) return Buffer.from([0xfc, n & 0xff, n >> 8]);
  if (n < 0x1000000) return Buffer.from([0xfd, n & 0xff, (n >> 8) & 0xff, n >> 16]);
  const b = Buffer.alloc(9);
  b[0] = 0xfe;
  b.writeBigUInt64LE(BigInt(n), 1);
  return b;
}
const lenencBytes = (b: Buffer): Buffer => Buffer.concat([lenenc(b.length), b]);
const lenencStr = (s: string): Buffer => lenencBytes(Buffer.from(s, 'utf8'));

/** Reads a length-encoded integer at `o`: [value, next offset]. */
function readLenenc(b: Buffer, o: number): [number, number] {
  const f = b[o]!;
  if (f < 0xfb) return [f, o + 1];
  if (f === 0xfc) return [b.readUInt16LE(o + 1), o + 3];
  if (f === 0xfd) return [b.readUIntLE(o + 1, 3), o + 4];
  return [Number(b.readBigUInt64LE(o + 1)), o + 9];
}

function okPacket(opts: { affectedRows?: number; info?: string; eofHeader?: boolean } = {}): Buffer {
  return Buffer.concat([
    Buffer.from([opts.eofHeader ? 0xfe : 0x00]),
    lenenc(opts.affectedRows ?? 0),
    lenenc(0),
    Buffer.from([0x02, 0x00, 0x00, 0x00]),
    Buffer.from(opts.info ?? '', 'utf8'),
  ]);
}

/** ERR_Packet; `marker` false before the greeting was answered (no CLIENT_PROTOCOL_41 yet: no '#SQLSTATE'). */
export function errPacket(errno: number, sqlState: string, message: string, marker = true): Buffer {
  const head = Buffer.alloc(3);
  head[0] = 0xff;
  head.writeUInt16LE(errno, 1);
  return Buffer.concat([head, marker ? Buffer.from(`#${sqlState}`, 'latin1') : Buffer.alloc(0), Buffer.from(message, 'utf8')]);
}

const eofPacket = (): Buffer => Buffer.from([0xfe, 0x00, 0x00, 0x02, 0x00]);

const TYPE = { LONGLONG: 0x08, NULL: 0x06, VAR_STRING: 0xfd, STRING: 0xfe, BLOB: 0xfc };

function columnDefinition(col: DoubleColumn): Buffer {
  const type =
    col.type === 'int'
      ? TYPE.LONGLONG
      : col.type === 'blob'
        ? TYPE.BLOB
        : col.type === 'null'
          ? TYPE.NULL
          : col.type === 'enum'
            ? TYPE.STRING
            : TYPE.VAR_STRING;
  const charset = col.type === 'blob' || col.type === 'int' ? 63 : 255;
  const flags = col.type === 'enum' ? 0x100 : col.type === 'blob' ? 0x10 | 0x80 : 0;
  const fixed = Buffer.alloc(13);
  fixed[0] = 0x0c;
  fixed.writeUInt16LE(charset, 1);
  fixed.writeUInt32LE(col.type === 'int' ? 21 : 1024, 3);
  fixed[7] = type;
  fixed.writeUInt16LE(flags, 8);
  fixed[10] = 0;
  return Buffer.concat([lenencStr('def'), lenencStr(''), lenencStr(''), lenencStr(''), lenencStr(col.name), lenencStr(col.name), fixed]);
}

function textValue(v: string | number | null | Buffer): Buffer {
  if (v === null) return Buffer.from([0xfb]);
  return lenencBytes(Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'utf8'));
}

function binaryRow(columns: DoubleColumn[], row: (string | number | null | Buffer)[]): Buffer {
  const bitmap = Buffer.alloc((columns.length + 7 + 2) >> 3);
  const values: Buffer[] = [];
  row.forEach((v, i) => {
    if (v === null || columns[i]!.type === 'null') {
      bitmap[(i + 2) >> 3]! |= 1 << ((i + 2) & 7);
      return;
    }
    if (columns[i]!.type === 'int') {
      const b = Buffer.alloc(8);
      b.writeBigInt64LE(BigInt(v as number | string));
      values.push(b);
    } else values.push(lenencBytes(Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'utf8')));
  });
  return Buffer.concat([Buffer.from([0x00]), bitmap, ...values]);
}

/** The auto-generated-style certificates MySQL makes at first start: CN only, no SAN; the server sends the leaf only. */
export async function autoGeneratedTls(version = '8.0.36'): Promise<DoubleTls> {
  const ca = await createCa({ subject: `CN=MySQL_Server_${version}_Auto_Generated_CA_Certificate` });
  const leaf = await issueCertificate({ issuer: ca, subject: `CN=MySQL_Server_${version}_Auto_Generated_Server_Certificate`, usage: 'server' });
  const client = await issueCertificate({ issuer: ca, subject: `CN=MySQL_Server_${version}_Auto_Generated_Client_Certificate`, usage: 'client' });
  return { certPem: leaf.certPem, keyPem: leaf.keyPem, caPem: ca.certPem, client: { certPem: client.certPem, keyPem: client.keyPem } };
}

/** The default statements: what a bare server answers to the probes the extension sends first. */
export function defaultQueryHandler(flavour: Mysql8Flavour): DoubleQueryHandler {
  const info = FLAVOURS[flavour];
  return (sql: string, session: DoubleSession): DoubleResult => {
    const s = sql.trim().replace(/;$/, '');
    if (/^select 1$/i.test(s)) return { kind: 'rows', columns: [{ name: '1', type: 'int' }], rows: [[1]] };
    if (/^select @@version_comment$/i.test(s)) return { kind: 'rows', columns: [{ name: '@@version_comment', type: 'string' }], rows: [[info.comment]] };
    if (/^select @@version$/i.test(s)) return { kind: 'rows', columns: [{ name: '@@version', type: 'string' }], rows: [[info.version]] };
    if (/^show (session )?status like 'ssl(\\?_)?%'$/i.test(s)) {
      return {
        kind: 'rows',
        columns: [
          { name: 'Variable_name', type: 'string' },
          { name: 'Value', type: 'string' },
        ],
        rows: [
          ['Ssl_cipher', session.tls?.cipher ?? ''],
          ['Ssl_version', session.tls?.version ?? ''],
        ],
      };
    }
    return {
      kind: 'error',
      errno: 1064,
      sqlState: '42000',
      message: `You have an error in your SQL syntax (the double does not know this statement): ${s.slice(0, 80)}`,
    };
  };
}

/** Parameters of COM_STMT_EXECUTE (the types mysql2 sends: strings, integers, doubles, null). */
function readParams(p: Buffer, count: number, queryAttributes: boolean): unknown[] {
  let o = 1 + 4 + 1 + 4;
  let total = count;
  if (queryAttributes && p[5]! & 0x08) [total, o] = readLenenc(p, o);
  if (total === 0) return [];
  const bitmap = p.subarray(o, o + ((total + 7) >> 3));
  o += bitmap.length;
  const bound = p[o++];
  const types: number[] = [];
  if (bound) {
    for (let i = 0; i < total; i++) {
      types.push(p[o]!);
      o += 2;
      if (queryAttributes && p[5]! & 0x08) {
        const [n, next] = readLenenc(p, o);
        o = next + n;
      }
    }
  }
  const values: unknown[] = [];
  for (let i = 0; i < total; i++) {
    if (bitmap[i >> 3]! & (1 << (i & 7))) {
      values.push(null);
      continue;
    }
    const t = types[i] ?? TYPE.VAR_STRING;
    if (t === TYPE.LONGLONG) {
      values.push(Number(p.readBigInt64LE(o)));
      o += 8;
    } else if (t === 0x05) {
      values.push(p.readDoubleLE(o));
      o += 8;
    } else if (t === 0x03) {
      values.push(p.readInt32LE(o));
      o += 4;
    } else if (t === 0x02) {
      values.push(p.readInt16LE(o));
      o += 2;
    } else if (t === 0x01) {
      values.push(p.readInt8(o));
      o += 1;
    } else if (t === TYPE.NULL) {
      values.push(null);
    } else {
      const [n, next] = readLenenc(p, o);
      values.push(p.subarray(next, next + n).toString('utf8'));
      o = next + n;
    }
  }
  return values.slice(0, count);
}

/** '?' placeholders outside quotes. */
function countPlaceholders(sql: string): number {
  let n = 0;
  let quote: string | undefined;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '?') n++;
  }
  return n;
}

function packetHeader(len: number, seq: number): Buffer {
  const h = Buffer.alloc(4);
  h.writeUIntLE(len, 0, 3);
  h[3] = seq & 0xff;
  return h;
}

export async function startMysql8Double(opts: Mysql8DoubleOptions): Promise<Mysql8Double> {
  const info = FLAVOURS[opts.flavour];
  const tls = opts.tls === false ? undefined : opts.tls === undefined || opts.tls === 'auto' ? await autoGeneratedTls(info.version) : opts.tls;
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const query = opts.query ?? defaultQueryHandler(opts.flavour);
  const connections: DoubleConnection[] = [];
  const sockets = new Set<net.Socket>();
  const failures = new Map<string, number>();
  const cache = new Set<string>(opts.accounts.filter((a) => a.cached).map((a) => a.user));
  const settings = { requireSecureTransport: opts.requireSecureTransport ?? false, offlineMode: opts.offlineMode ?? false };
  let nextThread = 10;
  let open = 0;

  const tlsOptions: TLSSocketOptions = info.yassl
    ? // yaSSL: TLS 1.0/1.1 only; DHE-RSA-AES256-SHA first (its MD5+SHA-1 key-exchange signature is what OpenSSL 3
      // refuses as a "legacy sigalg"), then AES256-SHA. SECLEVEL=0 lets OpenSSL 3 play the old protocol at all.
      { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DHE-RSA-AES256-SHA:AES256-SHA:@SECLEVEL=0', honorCipherOrder: true, dhparam: 'auto' }
    : { minVersion: 'TLSv1.2' };

  const server = net.createServer((socket) => {
    sockets.add(socket);
    open++;
    socket.on('close', () => {
      sockets.delete(socket);
      open--;
    });
    socket.on('error', () => undefined);
    const conn: DoubleConnection = {
      threadId: nextThread++,
      raw: Buffer.alloc(0),
      packets: [],
      scramble: Buffer.alloc(0),
      clientCertificate: false,
      askedForKey: false,
      outcome: 'pending',
      statements: [],
    };
    connections.push(conn);
    socket.on('data', (c: Buffer) => (conn.raw = Buffer.concat([conn.raw, c])));

    if (opts.maxConnections !== undefined && open > opts.maxConnections) {
      // Before the greeting: no SQLSTATE marker (the client has not said it speaks protocol 4.1).
      conn.outcome = 1040;
      socket.end(frame(errPacket(1040, '08004', 'Too many connections', false), 0));
      return;
    }

    // The scramble MySQL generates is printable and has no zero byte (generate_user_salt).
    const scramble = Buffer.from([...randomBytes(20)].map((b) => 0x21 + (b % 90)));
    conn.scramble = scramble;
    let stream: net.Socket | TLSSocket = socket;
    let buffered = Buffer.alloc(0);
    let seq = 0;
    let closed = false;
    const waiting: ((p: Buffer | undefined) => void)[] = [];
    const queue: Buffer[] = [];
    const deliver = (p: Buffer | undefined): void => {
      const w = waiting.shift();
      if (w) w(p);
      else if (p) queue.push(p);
    };
    const onData = (c: Buffer): void => {
      buffered = Buffer.concat([buffered, c]);
      while (buffered.length >= 4) {
        const len = buffered.readUIntLE(0, 3);
        if (buffered.length < 4 + len) return;
        seq = buffered[3]! + 1;
        const payload = Buffer.from(buffered.subarray(4, 4 + len));
        buffered = buffered.subarray(4 + len);
        conn.packets.push(payload);
        if (stream === socket && tls && conn.packets.length === 1 && payload.length === 32 && payload.readUInt32LE(0) & CLIENT.SSL) {
          upgrade(buffered);
          buffered = Buffer.alloc(0);
          return;
        }
        deliver(payload);
      }
    };
    const upgrade = (leftover: Buffer): void => {
      socket.off('data', onData);
      // `raw` keeps the wire's bytes: the upgrade reads from the socket's 'data' events.
      const secure = upgradeServerSocketToTls(socket, leftover, {
        key: tls!.keyPem,
        cert: tls!.certPem,
        ca: [tls!.caPem],
        requestCert: true,
        rejectUnauthorized: false,
        ...tlsOptions,
      });
      secure.on('error', (e: Error) => {
        conn.tlsError ??= e.message;
        deliver(undefined);
      });
      stream = secure;
      secure.on('secure', () => {
        conn.tls = { version: secure.getProtocol() ?? '', cipher: secure.getCipher()?.name ?? '' };
        // A TLSSocket made by hand (no tls.Server) does not set `authorized`: verify the client's certificate
        // against the CA here, as MySQL does for REQUIRE X509 (issued by ssl_ca).
        const peer = secure.getPeerX509Certificate();
        const ca = new X509Certificate(tls!.caPem);
        conn.clientCertificate = !!peer && peer.checkIssued(ca) && peer.verify(ca.publicKey);
      });
      secure.on('data', onData);
      secure.on('end', () => deliver(undefined));
    };
    socket.on('end', () => deliver(undefined));
    socket.on('close', () => {
      closed = true;
      deliver(undefined);
    });
    const next = (): Promise<Buffer | undefined> =>
      queue.length ? Promise.resolve(queue.shift()) : closed ? Promise.resolve(undefined) : new Promise((resolve) => waiting.push(resolve));
    const send = (payload: Buffer): void => {
      if (!closed) stream.write(frame(payload, seq++));
    };
    const fail = (errno: number, sqlState: string, message: string): void => {
      conn.outcome = errno;
      send(errPacket(errno, sqlState, message));
      stream.end();
    };

    socket.on('data', onData);
    socket.write(frame(greeting(info, conn.threadId, scramble, !!tls), 0));
    seq = 1;
    void (async () => {
      const response = await next();
      if (!response) return;
      const parsed = parseHandshakeResponse(response);
      conn.clientCapabilities = parsed.capabilities;
      conn.user = parsed.user;
      const caps = parsed.capabilities & serverCapabilities(info, !!tls);
      const account = opts.accounts.find((a) => a.user === parsed.user);
      const host = socket.remoteAddress?.replace(/^::ffff:/, '') ?? 'localhost';
      const denied = (): void =>
        fail(1045, '28000', `Access denied for user '${parsed.user}'@'${host}' (using password: ${parsed.authData.length || parsed.switched ? 'YES' : 'NO'})`);

      const plugin = account?.plugin ?? info.plugin;
      if (plugin === 'mysql_native_password' && info.nativeNotLoaded) {
        fail(1524, 'HY000', "Plugin 'mysql_native_password' is not loaded");
        return;
      }
      let authData = parsed.authData;
      if (parsed.plugin !== plugin) {
        send(Buffer.concat([Buffer.from([0xfe]), Buffer.from(`${plugin}\0`, 'latin1'), scramble, Buffer.from([0])]));
        const switched = await next();
        if (!switched) return;
        authData = switched;
        parsed.switched = true;
      }
      let passwordOk: boolean;
      const expected = account?.password ?? `\0no-such-account-${randomBytes(8).toString('hex')}`;
      if (account && account.password === '' && authData.length === 0) {
        passwordOk = true;
        conn.authPath = 'empty';
      } else if (plugin === 'mysql_native_password') {
        conn.authPath = 'native';
        passwordOk = authData.length === 20 && authData.equals(nativeScramble(expected, scramble));
      } else if (plugin === 'caching_sha2_password') {
        const fastOk = authData.length === 32 && authData.equals(cachingSha2Scramble(expected, scramble));
        if (account && cache.has(account.user) && fastOk) {
          conn.authPath = 'fast';
          send(Buffer.from([0x01, 0x03]));
          passwordOk = true;
        } else {
          // sha2_password.cc: "We either failed to authenticate or did not find entry in the cache. In either
          // case, move to full authentication and ask the password" - a wrong scramble is not refused here.
          send(Buffer.from([0x01, 0x04]));
          const clear = await fullPassword(0x02);
          if (clear === undefined) return;
          passwordOk = clear === expected;
          if (passwordOk && account && opts.cacheFullAuth !== false) cache.add(account.user);
        }
      } else {
        conn.authPath = 'sha256';
        const clear = await fullPassword(0x01, authData);
        if (clear === undefined) return;
        passwordOk = clear === expected;
      }

      const key = parsed.user;
      if (!passwordOk || !account) {
        failures.set(key, (failures.get(key) ?? 0) + 1);
        if (account?.failedLoginAttempts && failures.get(key)! >= account.failedLoginAttempts) {
          fail(
            3955,
            'HY000',
            `Access denied for user '${parsed.user}'@'${host}'. Account is blocked for 1 day(s) (1 day(s) remaining) due to ${account.failedLoginAttempts} consecutive failed logins.`,
          );
          return;
        }
        denied();
        return;
      }
      if (account.failedLoginAttempts && (failures.get(key) ?? 0) >= account.failedLoginAttempts) {
        fail(
          3955,
          'HY000',
          `Access denied for user '${parsed.user}'@'${host}'. Account is blocked for 1 day(s) (1 day(s) remaining) due to ${account.failedLoginAttempts} consecutive failed logins.`,
        );
        return;
      }
      failures.delete(key);
      if (settings.offlineMode) {
        // Guess: the wording of 8.0's ER_SERVER_OFFLINE_MODE; accounts with CONNECTION_ADMIN are not modelled.
        fail(3032, 'HY000', 'The server is currently in offline mode');
        return;
      }
      if ((account.require === 'SSL' && !conn.tls) || (account.require === 'X509' && !conn.clientCertificate)) {
        denied();
        return;
      }
      if (account.locked) {
        fail(3118, 'HY000', `Access denied for user '${parsed.user}'@'${host}'. Account is locked.`);
        return;
      }
      if (settings.requireSecureTransport && !conn.tls) {
        fail(3159, 'HY000', 'Connections using insecure transport are prohibited while --require_secure_transport=ON.');
        return;
      }
      let sandbox = false;
      if (account.passwordExpired) {
        if (!(caps & CLIENT.CAN_HANDLE_EXPIRED_PASSWORDS)) {
          fail(1862, 'HY000', 'Your password has expired. To log in you must change it using a client that supports expired passwords.');
          return;
        }
        sandbox = true;
      }
      conn.outcome = 'ok';
      send(okPacket());
      await commandLoop(caps, { user: parsed.user, host, tls: conn.tls, threadId: conn.threadId }, sandbox);
    })().catch(() => socket.destroy());

    /** The cleartext password after "perform full authentication": inside TLS, or RSA-encrypted. */
    async function fullPassword(keyRequest: number, first?: Buffer): Promise<string | undefined> {
      let data = first ?? (await next());
      if (!data) return undefined;
      if (conn.tls) {
        conn.authPath = conn.authPath ?? 'full-tls';
        return data.toString('utf8').replace(/\0$/, '');
      }
      conn.authPath = conn.authPath ?? 'full-rsa';
      if (data.length === 1 && data[0] === keyRequest) {
        conn.askedForKey = true;
        send(Buffer.concat([Buffer.from([0x01]), Buffer.from(publicKeyPem, 'latin1')]));
        data = await next();
        if (!data) return undefined;
      }
      return rsaPassword(privateKey, data, scramble);
    }

    async function commandLoop(caps: number, session: DoubleSession, sandbox: boolean): Promise<void> {
      const statements = new Map<number, { sql: string; params: number }>();
      let nextStmt = 1;
      const deprecateEof = (caps & CLIENT.DEPRECATE_EOF) !== 0;
      const queryAttributes = (caps & CLIENT.QUERY_ATTRIBUTES) !== 0;
      const answer = (result: DoubleResult, binary: boolean): void => {
        if (result.kind === 'error') {
          send(errPacket(result.errno, result.sqlState, result.message));
          return;
        }
        if (result.kind === 'ok') {
          send(okPacket(result));
          return;
        }
        send(lenenc(result.columns.length));
        for (const c of result.columns) send(columnDefinition(c));
        if (!deprecateEof) send(eofPacket());
        for (const row of result.rows) send(binary ? binaryRow(result.columns, row) : Buffer.concat(row.map(textValue)));
        send(deprecateEof ? okPacket({ eofHeader: true }) : eofPacket());
      };
      const run = (sql: string, params?: unknown[]): DoubleResult => {
        if (sandbox && !/^\s*(alter user|set password)/i.test(sql))
          return {
            kind: 'error',
            errno: 1820,
            sqlState: 'HY000',
            message: 'You must reset your password using ALTER USER statement before executing this statement.',
          };
        try {
          return query(sql, session, params);
        } catch (e) {
          return { kind: 'error', errno: 1105, sqlState: 'HY000', message: `double: ${e instanceof Error ? e.message : String(e)}` };
        }
      };
      for (;;) {
        const p = await next();
        if (!p) return;
        seq = 1;
        switch (p[0]) {
          case 0x01: // COM_QUIT
            stream.end();
            return;
          case 0x0e: // COM_PING
          case 0x02: // COM_INIT_DB
          case 0x1a: // COM_STMT_RESET
            send(okPacket());
            break;
          case 0x03: {
            // COM_QUERY; with CLIENT_QUERY_ATTRIBUTES: parameter_count, parameter_set_count (mysql2: 0x00 0x01).
            let o = 1;
            if (queryAttributes) {
              const [count, a] = readLenenc(p, o);
              const [, b] = readLenenc(p, a);
              o = b;
              if (count > 0) throw new Error('the double does not read query attribute values');
            }
            const sql = p.subarray(o).toString('utf8');
            conn.statements.push(sql);
            answer(run(sql), false);
            break;
          }
          case 0x16: {
            // COM_STMT_PREPARE: columns are sent with the execute result (0 here, as mysql2 accepts).
            const sql = p.subarray(1).toString('utf8');
            conn.statements.push(sql);
            const id = nextStmt++;
            const params = countPlaceholders(sql);
            statements.set(id, { sql, params });
            const ok = Buffer.alloc(12);
            ok[0] = 0;
            ok.writeUInt32LE(id, 1);
            ok.writeUInt16LE(0, 5);
            ok.writeUInt16LE(params, 7);
            send(ok);
            for (let i = 0; i < params; i++) send(columnDefinition({ name: '?', type: 'string' }));
            if (params && !deprecateEof) send(eofPacket());
            break;
          }
          case 0x17: {
            const stmt = statements.get(p.readUInt32LE(1));
            if (!stmt) {
              send(errPacket(1243, 'HY000', 'Unknown prepared statement handler given to mysqld_stmt_execute'));
              break;
            }
            answer(run(stmt.sql, readParams(p, stmt.params, queryAttributes)), true);
            break;
          }
          case 0x19: // COM_STMT_CLOSE: no answer
            statements.delete(p.readUInt32LE(1));
            break;
          default:
            send(errPacket(1047, '08S01', 'Unknown command'));
        }
      }
    }
  });

  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
  return {
    port,
    flavour: opts.flavour,
    ...(tls ? { caPem: tls.caPem, certPem: tls.certPem, ...(tls.client ? { client: tls.client } : {}) } : {}),
    publicKeyPem,
    connections,
    accounts: opts.accounts,
    settings,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function frame(payload: Buffer, seq: number): Buffer {
  return Buffer.concat([packetHeader(payload.length, seq), payload]);
}

function greeting(info: FlavourInfo, threadId: number, scramble: Buffer, tls: boolean): Buffer {
  const caps = serverCapabilities(info, tls);
  const fixed = Buffer.alloc(4 + 8 + 1 + 2 + 1 + 2 + 2 + 1 + 10);
  let o = fixed.writeUInt32LE(threadId, 0);
  scramble.copy(fixed, o, 0, 8);
  o += 8;
  fixed[o++] = 0;
  o = fixed.writeUInt16LE(caps & 0xffff, o);
  fixed[o++] = info.charset;
  o = fixed.writeUInt16LE(0x0002, o);
  o = fixed.writeUInt16LE(caps >>> 16, o);
  fixed[o] = 21;
  return Buffer.concat([
    Buffer.from([10]),
    Buffer.from(`${info.version}\0`, 'latin1'),
    fixed,
    scramble.subarray(8, 20),
    Buffer.from([0]),
    Buffer.from(`${info.plugin}\0`, 'latin1'),
  ]);
}

interface HandshakeResponse {
  capabilities: number;
  user: string;
  authData: Buffer;
  database?: string;
  plugin: string;
  switched?: boolean;
}

/** Protocol::HandshakeResponse41. */
export function parseHandshakeResponse(p: Buffer): HandshakeResponse {
  const capabilities = p.readUInt32LE(0) >>> 0;
  let o = 32;
  const userEnd = p.indexOf(0, o);
  const user = p.subarray(o, userEnd).toString('utf8');
  o = userEnd + 1;
  let authData: Buffer;
  if (capabilities & CLIENT.PLUGIN_AUTH_LENENC_CLIENT_DATA) {
    const [n, next] = readLenenc(p, o);
    authData = p.subarray(next, next + n);
    o = next + n;
  } else {
    const n = p[o]!;
    authData = p.subarray(o + 1, o + 1 + n);
    o += 1 + n;
  }
  let database: string | undefined;
  if (capabilities & CLIENT.CONNECT_WITH_DB && o < p.length) {
    const end = p.indexOf(0, o);
    database = p.subarray(o, end).toString('utf8');
    o = end + 1;
  }
  let plugin = '';
  if (capabilities & CLIENT.PLUGIN_AUTH && o < p.length) {
    const end = p.indexOf(0, o);
    plugin = p.subarray(o, end < 0 ? p.length : end).toString('latin1');
  }
  return { capabilities, user, authData: Buffer.from(authData), ...(database ? { database } : {}), plugin };
}

/** RSA-OAEP(SHA-1) of (password + 0) XOR scramble, as caching_sha2_password and sha256_password send it. */
function rsaPassword(privateKey: KeyObject, data: Buffer, scramble: Buffer): string {
  try {
    const plain = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, data);
    return xor(plain, scramble).toString('utf8').replace(/\0$/, '');
  } catch {
    return `\0undecryptable`;
  }
}
