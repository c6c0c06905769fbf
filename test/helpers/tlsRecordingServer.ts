/**
 * A loopback listener that plays a MySQL server up to the TLS upgrade: a protocol-10 greeting offering TLS
 * (CLIENT_SSL), then, after an SSLRequest, a real TLS handshake with the given certificate. It records what
 * the client sent in the clear and, decrypted, what it sent inside TLS, so a test can tell whether a
 * HandshakeResponse (user name, auth data) was ever sent. A real MariaDB cannot show the decrypted bytes,
 * hence this stand-in; the certificate fetch is also tested against the real sandbox servers.
 * Not a MySQL server: nothing after the TLS handshake is answered.
 */
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import type { TLSSocket } from 'node:tls';
import { greetingPayload, packet } from './recordingMysqlServer';
import { upgradeServerSocketToTls } from './serverTlsUpgrade';

export interface TlsRecordingServer {
  port: number;
  readonly connections: number;
  /** Bytes each connection sent before TLS started (the SSLRequest, and nothing else if the client behaves). */
  plaintext(): Buffer[];
  /** Bytes each connection sent inside TLS, decrypted. */
  decrypted(): Buffer[];
  /** Resolves when every connection so far has closed. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

function greeting(nonce: Buffer): Buffer {
  // PROTOCOL_41 | SSL | SECURE_CONNECTION | PLUGIN_AUTH and the usual lower flags.
  const caps = 0x1 | 0x2 | 0x4 | 0x8 | 0x200 | 0x800 | 0x2000 | 0x8000 | 0x20000 | 0x80000;
  return greetingPayload(nonce, { version: '8.0.40-tls-recording', threadId: 9, capabilities: caps });
}

export async function startTlsRecordingServer(tlsOptions: { cert: string; key: string }): Promise<TlsRecordingServer> {
  const plain: Buffer[][] = [];
  const inside: Buffer[][] = [];
  const closed: Promise<void>[] = [];
  const sockets = new Set<net.Socket | TLSSocket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    const mine: Buffer[] = [];
    const decrypted: Buffer[] = [];
    plain.push(mine);
    inside.push(decrypted);
    sockets.add(socket);
    closed.push(new Promise((resolve) => socket.on('close', () => resolve())));
    socket.on('error', () => undefined);
    socket.write(packet(0, greeting(Buffer.from(randomBytes(20).map((b) => (b & 0x3f) + 0x21)))));
    const onData = (chunk: Buffer): void => {
      mine.push(chunk);
      const all = Buffer.concat(mine);
      // The SSLRequest is a 32-byte packet; whatever follows in the same chunk is already TLS.
      if (all.length < 36) return;
      socket.off('data', onData);
      mine.splice(0, mine.length, all.subarray(0, 36));
      const secure = upgradeServerSocketToTls(socket, all.subarray(36), { cert: tlsOptions.cert, key: tlsOptions.key });
      sockets.add(secure);
      secure.on('error', () => undefined);
      secure.on('data', (d: Buffer) => decrypted.push(d));
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get connections() {
      return connections;
    },
    plaintext: () => plain.map((p) => Buffer.concat(p)),
    decrypted: () => inside.map((p) => Buffer.concat(p)),
    settled: async () => void (await Promise.all(closed)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
