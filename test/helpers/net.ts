import { createServer, type Server } from 'node:net';

/** A loopback port nothing listens on (taken, then released): connections to it are refused at once. */
export async function freePort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/**
 * FAKE (named): a peer that accepts connections and never answers, standing in for a hung host,
 * which cannot exist here. Listens on loopback only; close() ends it.
 */
export async function silentListener(port: number): Promise<{ close(): void }> {
  const server: Server = createServer(() => undefined);
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return { close: () => server.close() };
}
