import * as net from 'node:net';

/** What a relay does with one link's traffic: each hook sees a chunk and says whether to forward it. */
export interface RelayLinkHooks {
  /** The accepted client socket, when the link opens (e.g. to reset it later). */
  onOpen?(client: net.Socket): void;
  fromClient?(chunk: Buffer): boolean;
  fromServer?(chunk: Buffer): boolean;
}

export interface Relay {
  port: number;
  /** Links accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/**
 * A loopback TCP relay to `target`; `perLink` gives each accepted link its hooks (to record, inspect or stop
 * forwarding bytes while both sockets stay open, as a server that stopped answering looks).
 */
export async function startRelay(target: { host: string; port: number }, perLink: () => RelayLinkHooks = () => ({})): Promise<Relay> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    connections++;
    const hooks = perLink();
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    client.on('data', (c: Buffer) => void ((hooks.fromClient?.(c) ?? true) && upstream.write(c)));
    upstream.on('data', (c: Buffer) => void ((hooks.fromServer?.(c) ?? true) && client.write(c)));
    const kill = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', kill).on('close', kill);
    upstream.on('error', kill).on('close', kill);
    hooks.onOpen?.(client);
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
  return {
    port,
    connections: () => connections,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
