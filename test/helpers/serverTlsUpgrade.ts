import type * as net from 'node:net';
import { Duplex } from 'node:stream';
import { TLSSocket, type TLSSocketOptions } from 'node:tls';

/**
 * Upgrades a test server's socket to TLS in place (as a MySQL server does after an SSLRequest), over a Duplex
 * fed from the socket's own 'data' events, so whatever records those events keeps the wire's bytes.
 * `leftover` is what arrived after the SSLRequest in the same chunk. The caller stops its plaintext 'data'
 * handler first and handles the returned socket's errors.
 */
export function upgradeServerSocketToTls(socket: net.Socket, leftover: Buffer, options: TLSSocketOptions): TLSSocket {
  const wire = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      socket.write(chunk, cb);
    },
  });
  if (leftover.length) wire.push(leftover);
  socket.on('data', (c: Buffer) => wire.push(c));
  socket.on('end', () => wire.push(null));
  return new TLSSocket(wire, { ...options, isServer: true });
}
