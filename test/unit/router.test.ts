import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { COMMAND_NAMES, EVENT_NAMES, commands } from '../../electron/common/contract';
import { appError } from '../../electron/common/errors';
import { createRouter, type Handlers } from '../../electron/core/router';
import { handlersWith } from '../helpers/handlers';

const snapshot = { builders: [], refreshedAt: new Date(0).toISOString(), durationMs: 1 };

function router(overrides: Partial<Handlers> = {}) {
  const handlers: Handlers = handlersWith({
    'engine.info': () =>
      Promise.reject(appError('DOCKER_UNREACHABLE', 'Docker is not reachable.', { hint: 'Start Docker.' })),
    'buildx.info': () => Promise.reject(new TypeError('boom')),
    'builders.list': () => Promise.resolve(snapshot),
    ...overrides,
  });
  return createRouter(handlers);
}

describe('router', () => {
  it('rejects unknown commands and malformed payloads with INVALID_INPUT naming the field', async () => {
    const r = router();
    const unknown = await r.invoke('builders.nuke', {});
    expect(unknown).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', details: { field: 'command' } } });
    for (const bad of ['x', 42, [], { refresh: 'yes' }, { refresh: true, extra: 1 }]) {
      const res = await r.invoke('builders.list', bad);
      expect(res.ok).toBe(false);
      if (!res.ok) expect(res.error.code).toBe('INVALID_INPUT');
    }
    const field = await r.invoke('builders.list', { refresh: 'yes' });
    expect(field).toMatchObject({ ok: false, error: { details: { field: 'refresh' } } });
    // Prototype tricks are not commands.
    expect((await r.invoke('__proto__', {})).ok).toBe(false);
    expect((await r.invoke('constructor', {})).ok).toBe(false);
  });

  it('passes valid input and returns values', async () => {
    expect(await router().invoke('builders.list', { refresh: true })).toEqual({ ok: true, value: snapshot });
    expect(await router().invoke('builders.list', undefined)).toEqual({ ok: true, value: snapshot });
  });

  it('returns expected failures as values with code and hint, and crashes as INTERNAL', async () => {
    expect(await router().invoke('engine.info', {})).toMatchObject({
      ok: false,
      error: { code: 'DOCKER_UNREACHABLE', hint: 'Start Docker.' },
    });
    const crash = await router().invoke('buildx.info', {});
    expect(crash).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    if (!crash.ok) expect(crash.error.message).toContain('boom');
  });

  it('refuses outputs that break the contract instead of passing them to the UI', async () => {
    const r = router({ 'builders.list': () => Promise.resolve({ builders: 'nope' } as never) });
    expect(await r.invoke('builders.list', {})).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  });
});

describe('router: hostile input (serve mode is reachable by any local process that has the token)', () => {
  /** `[[[ ... ]]]` n deep, built without recursion. */
  const nested = (n: number): unknown => {
    let v: unknown = 'x';
    for (let i = 0; i < n; i++) v = [v];
    return v;
  };

  it('answers a deeply nested command with a Result, never a throw', async () => {
    // ~4,100 deep overflowed inside serve's request handler; 50,000 overflows from any stack depth.
    const res = await router().invoke(nested(50_000), {});
    expect(res).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', details: { field: 'command' } } });
  });

  it('answers input nested far deeper than any command takes with INVALID_INPUT', async () => {
    const res = await router().invoke('builders.list', { refresh: nested(100_000) });
    expect(res).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });

  it('caps what an error message echoes back of an unknown command', async () => {
    const res = await router().invoke('x'.repeat(1_000_000), {});
    expect(res.ok).toBe(false);
    if (!res.ok) expect(JSON.stringify(res.error).length).toBeLessThan(2_000);
  });

  it('never rejects, whatever the transport hands it', async () => {
    const evil = {
      get refresh(): never {
        throw new Error('getter');
      },
    };
    const inputs: unknown[] = [
      evil,
      new Proxy(
        {},
        {
          ownKeys: () => {
            throw new Error('trap');
          },
        },
      ),
      Symbol('s'),
      1n,
    ];
    for (const input of inputs) {
      const res = await router().invoke('builders.list', input);
      expect(res.ok).toBe(false);
    }
    expect((await router().invoke(Symbol('c'), {})).ok).toBe(false);
  });

  it.each(['__proto__', 'constructor', 'prototype'])(
    'rejects a %s key naming the field, wherever it is',
    async (key) => {
      // JSON.parse (serve) makes these own keys; a schema that drops them would silently ignore a filter.
      const input = JSON.parse(
        `{"builder":"default","dryRun":true,"filters":{"all":true,"${key}":{"all":true}}}`,
      ) as unknown;
      const res = await router({ 'cache.prune': () => Promise.reject(new Error('must not run')) }).invoke(
        'cache.prune',
        input,
      );
      expect(res).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', details: { field: `filters.${key}` } } });
    },
  );
});

describe('contract', () => {
  // A change here is an API change for renderer, preload, serve and CLI alike: review it.
  it('lists its commands and events', () => {
    expect(COMMAND_NAMES).toMatchInlineSnapshot(`
      [
        "engine.info",
        "buildx.info",
        "builders.list",
        "builders.create",
        "builders.plan",
        "builders.inspect",
        "builders.stats",
        "builders.bootstrap",
        "builders.stop",
        "builders.use",
        "builders.remove",
        "builders.leave",
        "builders.health",
        "builds.start",
        "builds.get",
        "builds.logs",
        "builds.cancel",
        "builds.list",
        "builds.commandLine",
        "builds.call",
        "builds.inspectContext",
        "builds.outline",
        "history.list",
        "history.get",
        "history.delete",
        "history.rerun",
        "history.capabilities",
        "history.records",
        "history.watch",
        "history.details",
        "history.logs",
        "history.runs",
        "history.why",
        "history.attach",
        "history.streamLogs",
        "history.detach",
        "history.export",
        "history.open",
        "history.close",
        "history.remove",
        "settings.get",
        "settings.update",
        "settings.reset",
        "cache.usage",
        "cache.prune",
        "cache.trend",
        "cache.housekeeping.get",
        "cache.housekeeping.set",
        "cache.housekeeping.run",
        "bake.browse",
        "bake.inspect",
        "bake.print",
        "bake.start",
        "bake.get",
        "bake.logs",
        "bake.cancel",
        "bake.list",
        "bake.commandLine",
        "bake.history",
        "bake.historyGet",
        "bake.historyDelete",
        "bake.rerun",
      ]
    `);
    expect(EVENT_NAMES).toMatchInlineSnapshot(`
      [
        "engine.changed",
        "app.openRequested",
        "builders.changed",
        "builders.updated",
        "builders.progressed",
        "build.contextProgress",
        "build.started",
        "build.progressed",
        "build.finished",
        "history.changed",
        "history.recordsChanged",
        "history.progressed",
        "history.streamEnded",
        "settings.changed",
        "cache.changed",
        "bake.started",
        "bake.progressed",
        "bake.finished",
        "bake.historyChanged",
      ]
    `);
  });

  it('names commands noun.verb and gives each an input and output schema', () => {
    for (const [name, spec] of Object.entries(commands)) {
      expect(name).toMatch(/^[a-z]+(\.[a-z][a-zA-Z]*)+$/);
      expect(spec.input).toBeInstanceOf(z.ZodType);
      expect(spec.output).toBeInstanceOf(z.ZodType);
    }
  });
});
