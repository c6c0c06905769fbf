import { constants, createHash, createPublicKey, publicEncrypt, type KeyObject } from 'node:crypto';
import { TLSSocket } from 'node:tls';
import type { Cause } from '../errors';

/**
 * The client side of MySQL's caching_sha2_password, sha256_password and mysql_clear_password, replacing
 * mysql2's. mysql2 decides "secure" from the config (`ssl` set) and, without it, asks the server for its RSA
 * key and encrypts the password to whatever key comes back, so anyone on the path who fakes a greeting
 * without TLS (PREFERRED falls back) reads the password. MySQL's own client refuses unless
 * --server-public-key-path or --get-server-public-key is given; these plugins do the same:
 * the full password goes out only inside TLS (the real socket, not the config), encrypted to a pinned
 * key, or encrypted to the server's key when the user opted in. Otherwise they fail before sending
 * anything derived from the password. The scramble (fast auth) needs none of this and works everywhere.
 */

/** How the password (if it left at all) was protected on this login; read by the TLS report. */
export interface AuthTrace {
  /** The RSA key the password was encrypted to: none (not used), the pinned key, or the key the server sent. */
  serverPublicKey: 'none' | 'pinned' | 'retrieved-insecure';
}

export interface Sha2AuthOptions {
  /** The pinned RSA public key (profile.serverPublicKey, read during planning). */
  serverPublicKey?: KeyObject;
  /** The user's explicit opt-in to ask the server for its key (profile.getServerPublicKey). */
  getServerPublicKey: boolean;
  trace: AuthTrace;
  /** A cloud token login: the token goes out only over TLS that verified the server (see verifiedTls). */
  tokenLogin?: TokenLoginGuard;
}

/** What a token login needs besides TLS: a plan that verifies the server's chain (VERIFY_CA/VERIFY_IDENTITY). */
export interface TokenLoginGuard {
  planVerifiesServer: boolean;
}

/** Marks an error the plugins throw, so classification gives its own cause (mysql2 overwrites `code`). */
export const AUTH_REFUSAL = Symbol('mysqlTlsAuthRefusal');
export type AuthRefusal = Error & { [AUTH_REFUSAL]: Cause };

function refuse(cause: Cause, message: string): AuthRefusal {
  return Object.assign(new Error(message), { [AUTH_REFUSAL]: cause });
}

export function authRefusalCause(e: unknown): Cause | undefined {
  return typeof e === 'object' && e !== null && AUTH_REFUSAL in e ? (e as AuthRefusal)[AUTH_REFUSAL] : undefined;
}

// In a module of its own (the Connections tree shows it at activation, without this module's node:crypto and node:tls).
export { publicKeyRetrievalIsInsecure } from './publicKeyRetrieval';

interface PluginContext {
  connection: { config: { password?: string }; stream?: unknown };
}

function overTls(connection: PluginContext['connection']): boolean {
  return connection.stream instanceof TLSSocket && connection.stream.encrypted === true;
}

/**
 * TLS whose server certificate was verified: the plan asked for it (VERIFY_CA/VERIFY_IDENTITY, so the handshake
 * fails otherwise) and the live socket says so (`authorized`). REQUIRED and PREFERRED encrypt without knowing
 * who is at the other end: anyone on the path can terminate that TLS and read a token.
 */
function verifiedTls(connection: PluginContext['connection'], guard: TokenLoginGuard): boolean {
  return guard.planVerifiesServer && overTls(connection) && (connection.stream as TLSSocket).authorized === true;
}

function tokenNeedsVerifiedTls(plugin: string): AuthRefusal {
  return refuse('token-needs-verified-tls', `${plugin} asked for the cloud token on a connection whose server certificate was not verified; nothing was sent`);
}

const sha256 = (data: Buffer): Buffer => createHash('sha256').update(data).digest();

/** XOR(SHA256(pw), SHA256(SHA256(SHA256(pw)), scramble)): the fast-auth token, useless without the server's hash. */
export function sha2Scramble(password: string, scramble: Buffer): Buffer {
  if (!password) return Buffer.alloc(0);
  const stage1 = sha256(Buffer.from(password, 'utf8'));
  const stage3 = sha256(Buffer.concat([sha256(stage1), scramble]));
  return Buffer.from(stage1.map((b, i) => b ^ stage3[i]!));
}

/** RSA-OAEP (SHA-1) of (password NUL) XOR scramble, as MySQL's client sends it. */
export function encryptPassword(password: string, scramble: Buffer, key: KeyObject | string): Buffer {
  const plain = Buffer.from(`${password}\0`, 'utf8');
  const xored = Buffer.from(plain.map((b, i) => b ^ scramble[i % scramble.length]!));
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, xored);
}

function serverKey(data: Buffer, plugin: string): KeyObject {
  try {
    return createPublicKey(data.toString('latin1'));
  } catch {
    throw refuse('protocol-error', `${plugin}: the server sent no usable RSA public key`);
  }
}

function needsTls(plugin: string): AuthRefusal {
  return refuse(
    'auth-needs-tls',
    `${plugin} asked for the full password on a plaintext connection; nothing derived from the password was sent (no TLS, no pinned serverPublicKey, getServerPublicKey not set)`,
  );
}

/** The full-authentication answer, or the request for the server's key (undefined then), or a refusal. */
function fullAuth(plugin: string, ctx: PluginContext, opts: Sha2AuthOptions, scramble: Buffer): Buffer | undefined {
  const password = ctx.connection.config.password ?? '';
  if (opts.tokenLogin && !verifiedTls(ctx.connection, opts.tokenLogin)) throw tokenNeedsVerifiedTls(plugin);
  if (overTls(ctx.connection)) return Buffer.from(`${password}\0`, 'utf8');
  if (opts.serverPublicKey) {
    opts.trace.serverPublicKey = 'pinned';
    return encryptPassword(password, scramble, opts.serverPublicKey);
  }
  if (!opts.getServerPublicKey) throw needsTls(plugin);
  return undefined;
}

const FAST_AUTH_SUCCESS = 0x03;
const PERFORM_FULL_AUTHENTICATION = 0x04;

/** mysql2 `authPlugins` entry for caching_sha2_password (MySQL 8's default). */
export function cachingSha2Plugin(opts: Sha2AuthOptions) {
  return (ctx: PluginContext) => {
    let state: 'initial' | 'token-sent' | 'wait-key' | 'done' = 'initial';
    let scramble = Buffer.alloc(0);
    return (data: Buffer): Buffer | null => {
      switch (state) {
        case 'initial':
          scramble = Buffer.from(data.subarray(0, 20));
          state = 'token-sent';
          return sha2Scramble(ctx.connection.config.password ?? '', scramble);
        case 'token-sent':
          if (data.length === 1 && data[0] === FAST_AUTH_SUCCESS) {
            state = 'done';
            return null;
          }
          if (data.length === 1 && data[0] === PERFORM_FULL_AUTHENTICATION) {
            const answer = fullAuth('caching_sha2_password', ctx, opts, scramble);
            if (answer) {
              state = 'done';
              return answer;
            }
            state = 'wait-key';
            return Buffer.from([0x02]);
          }
          throw refuse('protocol-error', 'caching_sha2_password: unexpected packet after the scramble');
        case 'wait-key':
          state = 'done';
          return encryptToSentKey(data, 'caching_sha2_password', ctx, opts, scramble);
        default:
          throw refuse('protocol-error', 'caching_sha2_password: unexpected packet after authentication');
      }
    };
  };
}

/** The password encrypted to the key the server sent (only reached with the getServerPublicKey opt-in). */
function encryptToSentKey(data: Buffer, plugin: string, ctx: PluginContext, opts: Sha2AuthOptions, scramble: Buffer): Buffer {
  const key = serverKey(data, plugin);
  opts.trace.serverPublicKey = 'retrieved-insecure';
  return encryptPassword(ctx.connection.config.password ?? '', scramble, key);
}

/** mysql2 `authPlugins` entry for sha256_password: no fast path, the password itself always goes out. */
export function sha256PasswordPlugin(opts: Sha2AuthOptions) {
  return (ctx: PluginContext) => {
    let state: 'initial' | 'wait-key' | 'done' = 'initial';
    let scramble = Buffer.alloc(0);
    return (data: Buffer): Buffer | null => {
      switch (state) {
        case 'initial': {
          scramble = Buffer.from(data.subarray(0, 20));
          const answer = fullAuth('sha256_password', ctx, opts, scramble);
          if (answer) {
            state = 'done';
            return answer;
          }
          state = 'wait-key';
          return Buffer.from([0x01]);
        }
        case 'wait-key':
          state = 'done';
          return encryptToSentKey(data, 'sha256_password', ctx, opts, scramble);
        default:
          throw refuse('protocol-error', 'sha256_password: unexpected packet after authentication');
      }
    };
  };
}

/**
 * mysql2 `authPlugins` entry for mysql_clear_password (PAM, LDAP, IAM tokens): only inside TLS. Giving the
 * entry also lifts mysql2's blanket refusal, so such accounts work on a TLS connection. A cloud token
 * (`tokenLogin`) goes out only when the server's certificate was verified, whatever the settings said: an
 * ordinary PAM/LDAP password over REQUIRED stays the user's documented choice, a token never.
 */
export function clearPasswordPlugin(tokenLogin?: TokenLoginGuard) {
  return (ctx: PluginContext) => () => {
    if (!overTls(ctx.connection)) {
      throw refuse(
        tokenLogin ? 'token-needs-verified-tls' : 'clear-password-needs-tls',
        `the server asked for the ${tokenLogin ? 'cloud token' : 'password'} in cleartext (mysql_clear_password) on a plaintext connection; nothing was sent`,
      );
    }
    if (tokenLogin && !verifiedTls(ctx.connection, tokenLogin)) throw tokenNeedsVerifiedTls('mysql_clear_password');
    return Buffer.from(`${ctx.connection.config.password ?? ''}\0`, 'utf8');
  };
}
