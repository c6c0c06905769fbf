import { constants, generateKeyPairSync, privateDecrypt, randomBytes, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { upgradeServerSocketToTls } from './serverTlsUpgrade';
import type { TLSSocket } from 'node:tls';

/**
 * A fake MySQL 8 server for the password-protection tests. MySQL 8 cannot be installed here (Debian ships
 * MariaDB only, and MariaDB speaks neither caching_sha2_password nor sha256_password), so this plays just
 * enough of the protocol on a raw socket: a protocol-10 greeting advertising caching_sha2_password (or
 * sha256_password, or a switch to mysql_clear_password), with or without CLIENT_SSL; an auth switch to that
 * plugin; "perform full authentication" (0x01 0x04) or fast-auth success (0x01 0x03); its RSA public key when
 * asked (it holds the private key); and it records every byte it receives, to check afterwards that no form of
 * the password reached it. It behaves like the attacker the tests defend against: it answers what a real
 * server would and tries to read the password from whatever arrives.
 */

export type FakePlugin = 'caching_sha2_password' | 'sha256_password' | 'mysql_clear_password';

export interface FakeMysql8Options {
  plugin: FakePlugin;
  /** Advertise CLIENT_SSL; needs `tls` to actually upgrade. */
  ssl: boolean;
  tls?: { key: string; cert: string };
  /** caching_sha2_password: answer the scramble with fast-auth success instead of full authentication. */
  fastAuth?: boolean;
  /** The account's password, to decide OK or access denied. */
  password: string;
}

export interface FakeLogin {
  /** Every byte read from the TCP socket (ciphertext when TLS was negotiated). */
  raw: Buffer;
  /** Every MySQL packet payload the fake read (after TLS decryption), in order. */
  packets: Buffer[];
  /** The 20-byte scramble(s) the fake sent: the nonce a "password XOR nonce" would use. */
  scrambles: Buffer[];
  tlsNegotiated: boolean;
  /** The client asked for the RSA key (0x02 for caching_sha2, 0x01 for sha256_password). */
  askedForKey: boolean;
  /** Passwords the fake recovered: cleartext inside TLS, or decrypted with its private key. */
  recovered: string[];
  outcome: 'ok' | 'denied' | 'client-gave-up';
}

export interface FakeMysql8 {
  port: number;
  /** PEM file of the fake's RSA public key (for serverPublicKey). */
  publicKeyFile: string;
  privateKey: KeyObject;
  logins: FakeLogin[];
  close(): Promise<void>;
}

const CLIENT = {
  LONG_PASSWORD: 0x1,
  FOUND_ROWS: 0x2,
  LONG_FLAG: 0x4,
  CONNECT_WITH_DB: 0x8,
  PROTOCOL_41: 0x200,
  SSL: 0x800,
  TRANSACTIONS: 0x2000,
  SECURE_CONNECTION: 0x8000,
  MULTI_STATEMENTS: 0x10000,
  MULTI_RESULTS: 0x20000,
  PLUGIN_AUTH: 0x80000,
  CONNECT_ATTRS: 0x100000,
  PLUGIN_AUTH_LENENC_CLIENT_DATA: 0x200000,
};

function packet(seq: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUIntLE(payload.length, 0, 3);
  h[3] = seq & 0xff;
  return Buffer.concat([h, payload]);
}

/** A scramble without NUL bytes (MySQL's are printable too), so it survives NUL-terminated fields. */
function scramble(): Buffer {
  return Buffer.from([...randomBytes(20)].map((b) => 0x21 + (b % 90)));
}

function greeting(opts: FakeMysql8Options, nonce: Buffer): Buffer {
  let caps = CLIENT.LONG_PASSWORD | CLIENT.FOUND_ROWS | CLIENT.LONG_FLAG | CLIENT.CONNECT_WITH_DB | CLIENT.PROTOCOL_41 | CLIENT.TRANSACTIONS;
  caps |=
    CLIENT.SECURE_CONNECTION |
    CLIENT.MULTI_STATEMENTS |
    CLIENT.MULTI_RESULTS |
    CLIENT.PLUGIN_AUTH |
    CLIENT.CONNECT_ATTRS |
    CLIENT.PLUGIN_AUTH_LENENC_CLIENT_DATA;
  if (opts.ssl) caps |= CLIENT.SSL;
  const head = Buffer.alloc(4 + 8 + 1 + 2 + 1 + 2 + 2 + 1 + 10);
  let o = 0;
  head.writeUInt32LE(42, o); // connection id
  o += 4;
  nonce.copy(head, o, 0, 8);
  o += 8;
  head[o++] = 0;
  head.writeUInt16LE(caps & 0xffff, o);
  o += 2;
  head[o++] = 0xff; // utf8mb4_0900_ai_ci
  head.writeUInt16LE(0x0002, o); // autocommit
  o += 2;
  head.writeUInt16LE(caps >>> 16, o);
  o += 2;
  head[o] = 21;
  // The greeting names caching_sha2/sha256 as MySQL 8 does; for clear-password the switch comes later.
  const plugin = opts.plugin === 'mysql_clear_password' ? 'mysql_native_password' : opts.plugin;
  return Buffer.concat([
    Buffer.from([10]),
    Buffer.from('8.0.40-fake\0', 'latin1'),
    head,
    nonce.subarray(8, 20),
    Buffer.from([0]),
    Buffer.from(`${plugin}\0`, 'latin1'),
  ]);
}

/** The auth plugin name the client used in its HandshakeResponse41. */
function responsePlugin(p: Buffer): string {
  const caps = p.readUInt32LE(0);
  let o = 32;
  o = p.indexOf(0, o) + 1; // user
  if (caps & CLIENT.PLUGIN_AUTH_LENENC_CLIENT_DATA) {
    const n = p[o]!;
    o += 1 + n; // auth data (short: < 251 bytes)
  } else {
    o += 1 + p[o]!;
  }
  if (caps & CLIENT.CONNECT_WITH_DB) o = p.indexOf(0, o) + 1;
  if (!(caps & CLIENT.PLUGIN_AUTH)) return '';
  const end = p.indexOf(0, o);
  return p.subarray(o, end < 0 ? p.length : end).toString('latin1');
}

const ok = (): Buffer => Buffer.from([0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00]);
function denied(): Buffer {
  return Buffer.concat([
    Buffer.from([0xff]),
    Buffer.from([0x15, 0x04]),
    Buffer.from('#28000', 'latin1'),
    Buffer.from("Access denied for user 'fake'@'localhost' (using password: YES)", 'latin1'),
  ]);
}

/** Every way the fake tries to read a password out of `data` with its private key: any 256-byte window. */
export function tryDecrypt(privateKey: KeyObject, data: Buffer, nonces: Buffer[]): string[] {
  const found: string[] = [];
  const size = 256;
  for (let i = 0; i + size <= data.length; i++) {
    const chunk = data.subarray(i, i + size);
    for (const padding of [constants.RSA_PKCS1_OAEP_PADDING, constants.RSA_PKCS1_PADDING]) {
      let plain: Buffer;
      try {
        plain = privateDecrypt({ key: privateKey, padding, oaepHash: 'sha1' }, chunk);
      } catch {
        continue;
      }
      found.push(plain.toString('utf8'));
      for (const n of nonces)
        found.push(
          Buffer.from(plain.map((b, j) => b ^ n[j % n.length]!))
            .toString('utf8')
            .replace(/\0$/, ''),
        );
    }
  }
  return found;
}

export async function startFakeMysql8(opts: FakeMysql8Options): Promise<FakeMysql8> {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fake-mysql8-'));
  const publicKeyFile = path.join(dir, 'public_key.pem');
  writeFileSync(publicKeyFile, publicPem);
  const logins: FakeLogin[] = [];
  const sockets = new Set<net.Socket>();

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const nonce = scramble();
    const login: FakeLogin = {
      raw: Buffer.alloc(0),
      packets: [],
      scrambles: [nonce],
      tlsNegotiated: false,
      askedForKey: false,
      recovered: [],
      outcome: 'client-gave-up',
    };
    logins.push(login);
    socket.on('data', (c: Buffer) => (login.raw = Buffer.concat([login.raw, c])));

    let stream: net.Socket | TLSSocket = socket;
    let buffered = Buffer.alloc(0);
    let seq = 0;
    const waiting: ((p: Buffer) => void)[] = [];
    const onData = (c: Buffer): void => {
      buffered = Buffer.concat([buffered, c]);
      while (buffered.length >= 4) {
        const len = buffered.readUIntLE(0, 3);
        if (buffered.length < 4 + len) return;
        seq = buffered[3]! + 1;
        const payload = buffered.subarray(4, 4 + len);
        buffered = buffered.subarray(4 + len);
        login.packets.push(Buffer.from(payload));
        if (stream === socket && payload.length === 32 && opts.ssl && opts.tls && login.packets.length === 1) {
          // SSLRequest: upgrade now (the ClientHello may already be in `buffered`) and read the real
          // HandshakeResponse inside TLS.
          upgrade(buffered);
          buffered = Buffer.alloc(0);
          return;
        }
        waiting.shift()?.(Buffer.from(payload));
      }
    };
    const upgrade = (leftover: Buffer): void => {
      socket.off('data', onData);
      const secure = upgradeServerSocketToTls(socket, leftover, { key: opts.tls!.key, cert: opts.tls!.cert });
      secure.on('error', () => undefined);
      stream = secure;
      secure.on('secure', () => (login.tlsNegotiated = true));
      secure.on('data', onData);
    };
    const next = (): Promise<Buffer> => new Promise((resolve) => waiting.push(resolve));
    const send = (payload: Buffer): void => {
      stream.write(packet(seq++, payload));
    };
    const recover = (data: Buffer): void => {
      if (login.tlsNegotiated) login.recovered.push(data.toString('utf8').replace(/\0$/, ''));
      login.recovered.push(...tryDecrypt(privateKey, data, login.scrambles));
    };
    const finish = (password: string | undefined): void => {
      const good = password === opts.password;
      login.outcome = good ? 'ok' : 'denied';
      send(good ? ok() : denied());
      if (!good) stream.end();
    };

    stream.on('data', onData);
    socket.write(packet(0, greeting(opts, nonce)));
    seq = 1;
    void (async () => {
      const response = await next();
      const used = responsePlugin(response);
      const wanted = opts.plugin;
      let authData: Buffer;
      if (used !== wanted) {
        // AuthSwitchRequest: 0xfe, plugin name, scramble, NUL.
        send(Buffer.concat([Buffer.from([0xfe]), Buffer.from(`${wanted}\0`, 'latin1'), nonce, Buffer.from([0])]));
        authData = await next();
      } else {
        authData = response;
      }
      if (wanted === 'mysql_clear_password') {
        recover(authData);
        login.recovered.push(authData.toString('utf8').replace(/\0$/, ''));
        finish(authData.toString('utf8').replace(/\0$/, ''));
        return;
      }
      if (wanted === 'caching_sha2_password') {
        if (opts.fastAuth) {
          send(Buffer.from([0x01, 0x03]));
          finish(opts.password);
          return;
        }
        send(Buffer.from([0x01, 0x04]));
        authData = await next();
        if (authData.length === 1 && authData[0] === 0x02) {
          login.askedForKey = true;
          send(Buffer.concat([Buffer.from([0x01]), Buffer.from(publicPem, 'latin1')]));
          authData = await next();
        }
      } else if (authData.length === 1 && authData[0] === 0x01) {
        login.askedForKey = true;
        send(Buffer.concat([Buffer.from([0x01]), Buffer.from(publicPem, 'latin1')]));
        authData = await next();
      }
      recover(authData);
      finish(login.recovered.find((p) => p === opts.password));
    })();
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
  return {
    port,
    publicKeyFile,
    privateKey,
    logins,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}
