import * as net from 'node:net';
import { Duplex } from 'node:stream';
import * as tls from 'node:tls';

/**
 * Loopback man-in-the-middle proxies for the security tests. Each records what the client sent, so a
 * test can prove that credentials never left the client.
 */
export interface ProxyHandle {
  port: number;
  /** Bytes the client sent in cleartext to the proxy (before any TLS). */
  clientPlainBytes: () => number;
  /** Application bytes the proxy could read from the client after its own TLS handshake. */
  clientDecryptedBytes: () => number;
  /** The same, for the most recent client connection only. */
  lastConnectionDecryptedBytes: () => number;
  close: () => Promise<void>;
}

const CLIENT_SSL = 0x0800;

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

function closer(server: net.Server, sockets: Set<net.Socket>): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
}

/** Clears CLIENT_SSL in the server greeting: a downgrade attack. Everything else is relayed. */
export async function startTlsStrippingProxy(target: { host: string; port: number }): Promise<ProxyHandle> {
  let plain = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    let greeting = true;
    upstream.on('data', (chunk: Buffer) => {
      if (greeting) {
        greeting = false;
        // Greeting payload: protocol(1) version\0 thread(4) scramble(8) filler(1) capabilities-low(2)
        const versionEnd = chunk.indexOf(0, 5);
        const capsAt = versionEnd + 1 + 4 + 8 + 1;
        chunk = Buffer.from(chunk);
        chunk.writeUInt16LE(chunk.readUInt16LE(capsAt) & ~CLIENT_SSL, capsAt);
      }
      client.write(chunk);
    });
    client.on('data', (chunk: Buffer) => {
      plain += chunk.length;
      upstream.write(chunk);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  const port = await listen(server);
  return { port, clientPlainBytes: () => plain, clientDecryptedBytes: () => 0, lastConnectionDecryptedBytes: () => 0, close: closer(server, sockets) };
}

/**
 * Terminates the client's TLS with its own certificate and opens a TLS session of its own to the real
 * server, relaying in between: a machine in the middle that can read everything a client that does not
 * verify the server sends.
 */
export async function startTlsTerminatingProxy(target: { host: string; port: number }, identity: { cert: string; key: string }): Promise<ProxyHandle> {
  let plain = 0;
  let decrypted = 0;
  let lastDecrypted = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    let mine = 0;
    lastDecrypted = 0;
    const count = (n: number): void => {
      decrypted += n;
      mine += n;
      lastDecrypted = mine;
    };
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    upstream.once('data', (greeting: Buffer) => client.write(greeting));
    let pending = Buffer.alloc(0);
    const onClient = (chunk: Buffer): void => {
      plain += chunk.length;
      pending = Buffer.concat([pending, chunk]);
      if (pending.length < 4) return;
      const len = pending.readUIntLE(0, 3);
      if (pending.length < 4 + len) return;
      client.off('data', onClient);
      const packet = pending.subarray(0, 4 + len);
      const caps = packet.readUInt32LE(4);
      upstream.write(packet);
      if (!(caps & CLIENT_SSL)) {
        // Plaintext client: relay as is.
        client.on('data', (c: Buffer) => {
          plain += c.length;
          upstream.write(c);
        });
        upstream.on('data', (c: Buffer) => client.write(c));
        return;
      }
      const up = tls.connect({ socket: upstream, rejectUnauthorized: false });
      // The ClientHello may have arrived in the same chunk as the SSLRequest: carry it over.
      const carrier = new Duplex({
        read() {},
        write(chunk: Buffer, _enc, cb) {
          client.write(chunk, cb);
        },
      });
      carrier.push(pending.subarray(4 + len));
      client.on('data', (c: Buffer) => carrier.push(c));
      client.on('end', () => carrier.push(null));
      const down = new tls.TLSSocket(carrier, { isServer: true, cert: identity.cert, key: identity.key });
      sockets.add(up).add(down);
      down.on('data', (c: Buffer) => {
        count(c.length);
        up.write(c);
      });
      up.on('data', (c: Buffer) => down.write(c));
      down.on('error', end);
      up.on('error', end);
      down.on('close', end);
      up.on('close', end);
    };
    client.on('data', onClient);
  });
  const port = await listen(server);
  return {
    port,
    clientPlainBytes: () => plain,
    clientDecryptedBytes: () => decrypted,
    lastConnectionDecryptedBytes: () => lastDecrypted,
    close: closer(server, sockets),
  };
}

/** Accepts TCP connections and never answers: a server that hangs. */
export async function startSilentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => sockets.add(s));
  const port = await listen(server);
  return { port, close: closer(server, sockets) };
}
