/**
 * A loopback listener that plays the first step of a MySQL server (a protocol-10 greeting for
 * mysql_native_password, no TLS flag), records every byte a client sends, and answers the login with
 * "Access denied". It is what a hostile settings file would point a connection at to collect a login: from
 * the recorded handshake response the test can tell whether a response derived from the real password
 * arrived (the native-password scramble is a function of the password and this server's nonce).
 * Not a MySQL server: nothing after the login is answered.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as net from 'node:net';

export interface RecordingServer {
  port: number;
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** Every byte received, all connections together. */
  received(): Buffer;
  /** Whether a mysql_native_password response computed from `password` arrived on any connection. */
  sawNativeScrambleOf(password: string): boolean;
  close(): Promise<void>;
}

/** A MySQL packet: 3-byte length, sequence id, payload. */
export function packet(seq: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUIntLE(payload.length, 0, 3);
  header[3] = seq;
  return Buffer.concat([header, payload]);
}

// CLIENT_LONG_PASSWORD | FOUND_ROWS | LONG_FLAG | CONNECT_WITH_DB | PROTOCOL_41 | TRANSACTIONS |
// SECURE_CONNECTION | MULTI_RESULTS | PLUGIN_AUTH | PLUGIN_AUTH_LENENC_CLIENT_DATA; no CLIENT_SSL (0x800).
const PLAIN_CAPABILITIES = 0x1 | 0x2 | 0x4 | 0x8 | 0x200 | 0x2000 | 0x8000 | 0x20000 | 0x80000 | 0x200000;

/** A protocol-10 greeting offering mysql_native_password, with the given server version, thread id and capabilities. */
export function greetingPayload(nonce: Buffer, opts: { version: string; threadId: number; capabilities: number }): Buffer {
  const caps = opts.capabilities;
  return Buffer.concat([
    Buffer.from([0x0a]),
    Buffer.from(`${opts.version}\0`, 'latin1'),
    Buffer.from([opts.threadId, 0, 0, 0]),
    nonce.subarray(0, 8),
    Buffer.from([0]),
    Buffer.from([caps & 0xff, (caps >> 8) & 0xff]),
    Buffer.from([0xff]),
    Buffer.from([0x02, 0x00]),
    Buffer.from([(caps >> 16) & 0xff, (caps >> 24) & 0xff]),
    Buffer.from([21]),
    Buffer.alloc(10),
    nonce.subarray(8, 20),
    Buffer.from([0]),
    Buffer.from('mysql_native_password\0', 'latin1'),
  ]);
}

function greeting(nonce: Buffer): Buffer {
  return greetingPayload(nonce, { version: '8.0.40-recording', threadId: 7, capabilities: PLAIN_CAPABILITIES });
}

function accessDenied(): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0x15, 0x04]), Buffer.from('#28000Access denied for user (recording server)', 'latin1')]);
}

function sha1(...parts: Buffer[]): Buffer {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return h.digest();
}

export async function startRecordingServer(): Promise<RecordingServer> {
  const chunks: Buffer[] = [];
  const nonces: Buffer[] = [];
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    // Printable-range nonce bytes, never 0 (the greeting splits it around NUL-terminated fields).
    const nonce = Buffer.from(randomBytes(20).map((b) => (b & 0x3f) + 0x21));
    nonces.push(nonce);
    socket.write(packet(0, greeting(nonce)));
    let answered = false;
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      if (!answered) {
        answered = true;
        socket.write(packet(2, accessDenied()));
        socket.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get connections() {
      return connections;
    },
    received: () => Buffer.concat(chunks),
    sawNativeScrambleOf(password: string): boolean {
      const all = Buffer.concat(chunks);
      const stage1 = sha1(Buffer.from(password, 'utf8'));
      return nonces.some((nonce) => {
        const mix = sha1(nonce, sha1(stage1));
        const scramble = Buffer.from(stage1.map((b, i) => b ^ mix[i]!));
        return all.includes(scramble);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
