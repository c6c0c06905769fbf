import * as net from 'node:net';

/**
 * A loopback TCP relay whose target can be switched (a server "losing TLS" on the same address) and whose
 * existing links can be frozen (a dead link: the sockets stay open, nothing gets through, like a cable pulled
 * behind a NAT) or dropped.
 */
export interface SwitchProxy {
  port: number;
  setTarget(target: { host: string; port: number }): void;
  /** Existing links stop forwarding in both directions; new links work. */
  freezeExisting(): void;
  /** Destroys every existing link. */
  dropAll(): void;
  openLinks(): number;
  close(): Promise<void>;
}

export async function startSwitchProxy(initial: { host: string; port: number }): Promise<SwitchProxy> {
  let target = initial;
  const links = new Set<{ client: net.Socket; upstream: net.Socket; frozen: boolean }>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    const link = { client, upstream, frozen: false };
    links.add(link);
    upstream.on('data', (chunk: Buffer) => void (link.frozen || client.write(chunk)));
    client.on('data', (chunk: Buffer) => void (link.frozen || upstream.write(chunk)));
    const end = (): void => {
      links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
  return {
    port,
    setTarget: (t) => void (target = t),
    freezeExisting: () => {
      for (const l of links) l.frozen = true;
    },
    dropAll: () => {
      for (const l of [...links]) {
        l.client.destroy();
        l.upstream.destroy();
      }
    },
    openLinks: () => links.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const l of [...links]) {
          l.client.destroy();
          l.upstream.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
