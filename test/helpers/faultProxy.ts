import * as net from 'node:net';

/** What the proxy does to the server's bytes on the way to the client. */
export type Fault =
  | { kind: 'none' }
  /** Close both sides once the client has sent this many bytes (e.g. 1: right after the SSLRequest / login). */
  | { kind: 'drop-after-client-bytes'; bytes: number }
  /** Close both sides after forwarding this many server bytes. */
  | { kind: 'drop-after-server-bytes'; bytes: number }
  /** Forward server bytes one at a time, with a pause between each. */
  | { kind: 'drip'; intervalMs: number }
  /** Replace the server's first chunk with garbage of the same length. */
  | { kind: 'garbage-greeting' }
  /** Replace server bytes after this many with garbage. */
  | { kind: 'garbage-after-server-bytes'; bytes: number };

export interface FaultProxy {
  port: number;
  setFault(f: Fault): void;
  openConnections(): number;
  close(): Promise<void>;
}

export async function startFaultProxy(target: { host: string; port: number }, initial: Fault = { kind: 'none' }): Promise<FaultProxy> {
  let fault = initial;
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = net.createServer((client) => {
    const f = fault;
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
    let fromServer = 0;
    let fromClient = 0;
    const kill = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', kill).on('close', kill);
    upstream.on('error', kill).on('close', kill);
    client.on('data', (c: Buffer) => {
      fromClient += c.length;
      upstream.write(c);
      if (f.kind === 'drop-after-client-bytes' && fromClient >= f.bytes) kill();
    });
    const queue: number[] = [];
    upstream.on('data', (c: Buffer) => {
      const startAt = fromServer;
      fromServer += c.length;
      switch (f.kind) {
        case 'drop-after-server-bytes':
          if (fromServer >= f.bytes) {
            client.write(c.subarray(0, Math.max(0, f.bytes - startAt)), kill);
            return;
          }
          break;
        case 'garbage-greeting':
          if (startAt === 0) {
            client.write(Buffer.from(Array.from({ length: c.length }, (_, i) => (i * 37 + 11) & 0xff)));
            return;
          }
          break;
        case 'garbage-after-server-bytes':
          if (fromServer > f.bytes) {
            const keep = Math.max(0, f.bytes - startAt);
            client.write(Buffer.concat([c.subarray(0, keep), Buffer.alloc(c.length - keep, 0xfe)]));
            return;
          }
          break;
        case 'drip': {
          queue.push(...c);
          if (queue.length === c.length) {
            const t = setInterval(() => {
              const b = queue.shift();
              if (b === undefined) {
                clearInterval(t);
                timers.delete(t);
                return;
              }
              if (!client.destroyed) client.write(Buffer.from([b]));
            }, f.intervalMs);
            timers.add(t);
          }
          return;
        }
        default:
          break;
      }
      client.write(c);
    });
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
  return {
    port,
    setFault: (f) => (fault = f),
    openConnections: () => sockets.size,
    close: () =>
      new Promise((resolve) => {
        for (const t of timers) clearInterval(t);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
