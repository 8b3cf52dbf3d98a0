import { connect, createServer, type Server } from 'node:net';

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

/** Resolves when something accepts connections on the loopback port (a daemon the test started). */
export async function waitForPort(port: number, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const open = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port });
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`nothing listened on ${port} within ${timeoutMs} ms`);
}
