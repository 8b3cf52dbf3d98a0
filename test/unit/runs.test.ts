import { describe, expect, it } from 'vitest';
import { couldNotRun } from '../../electron/core/builds/failure';
import { appError } from '../../electron/common/errors';
import { RunRegistry, type RunHandle } from '../../electron/core/runs';

interface Snap {
  id: string;
  status: 'running' | 'succeeded' | 'cancelled';
  startedAt: number;
}

/** A run whose end the test controls: `finish` plays buildx exiting (after a cancel, with its status). */
function run(id: string, startedAt: number, status: Snap['status'] = 'running') {
  let finish: (s: Snap['status']) => void = () => undefined;
  const handle: RunHandle<Snap> = {
    snapshot: { id, status, startedAt },
    abort: new AbortController(),
    cancelRequested: false,
    done: Promise.resolve(),
  };
  handle.done = new Promise<void>((resolve) => {
    finish = (s) => {
      handle.snapshot = { ...handle.snapshot, status: s };
      resolve();
    };
  });
  if (status !== 'running') finish(status);
  handle.abort.signal.addEventListener('abort', () => finish('cancelled'));
  return handle;
}

describe('run registry (builds and bakes of this core)', () => {
  it('keeps every running run and only the newest finished ones; lists newest first', () => {
    const reg = new RunRegistry<Snap, RunHandle<Snap>>({ noun: 'bake', field: 'bakeId' }, 2);
    reg.add('a', run('a', 1, 'succeeded'));
    reg.add('b', run('b', 2));
    reg.add('c', run('c', 3, 'succeeded'));
    reg.add('d', run('d', 4, 'succeeded'));
    reg.add('e', run('e', 5));
    expect(reg.snapshots().map((s) => s.id)).toEqual(['e', 'd', 'c', 'b']);
  });

  it('an unknown id is a clear INVALID_INPUT naming the field, pointing at History', () => {
    const reg = new RunRegistry<Snap, RunHandle<Snap>>({ noun: 'bake', field: 'bakeId' }, 2);
    expect(() => reg.get('nope')).toThrow(
      expect.objectContaining({
        appError: expect.objectContaining({
          code: 'INVALID_INPUT',
          message: 'No bake nope in this session.',
          hint: expect.stringContaining('History') as unknown,
          details: { field: 'bakeId' },
        }) as unknown,
      }),
    );
  });

  it('cancel interrupts a running run once; after it ended there is nothing to cancel', async () => {
    const reg = new RunRegistry<Snap, RunHandle<Snap>>({ noun: 'build', field: 'buildId' }, 2);
    const r = run('a', 1);
    reg.add('a', r);
    expect(reg.cancel('a')).toEqual({ cancelled: true });
    expect(r.cancelRequested).toBe(true);
    expect((await reg.wait('a')).status).toBe('cancelled');
    expect(reg.cancel('a')).toEqual({ cancelled: false });
  });

  it('dispose cancels what runs and resolves only once each has ended', async () => {
    const reg = new RunRegistry<Snap, RunHandle<Snap>>({ noun: 'build', field: 'buildId' }, 5);
    reg.add('a', run('a', 1));
    reg.add('b', run('b', 2, 'succeeded'));
    await reg.dispose();
    expect(reg.snapshots().map((s) => [s.id, s.status])).toEqual([
      ['b', 'succeeded'],
      ['a', 'cancelled'],
    ]);
  });
});

describe('could not run buildx', () => {
  it('a missing docker CLI, an app error with its hint, anything else as INTERNAL', () => {
    expect(couldNotRun(Object.assign(new Error('spawn docker ENOENT'), { code: 'ENOENT' }))).toEqual({
      errorCode: 'DOCKER_MISSING',
      errorMessage: 'The Docker CLI was not found.',
      hint: expect.stringContaining('set its path in Settings') as unknown,
    });
    expect(couldNotRun(appError('TIMEOUT', 'too slow', { hint: 'wait' }))).toEqual({
      errorCode: 'TIMEOUT',
      errorMessage: 'too slow',
      hint: 'wait',
    });
    expect(couldNotRun('boom')).toEqual({ errorCode: 'INTERNAL', errorMessage: 'boom' });
  });
});
