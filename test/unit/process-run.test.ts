import { describe, expect, it } from 'vitest';
import { run } from '../../electron/adapters/process/run';

/**
 * `onSpawned` is what lets a build record its start while buildx starts rather than before
 * (core/builds/service.ts): it must come once, after the child exists and before its output and exit.
 */
describe('run(): onSpawned', () => {
  it('is called once, after the spawn and before the first output and the exit', async () => {
    const seen: string[] = [];
    const r = await run(process.execPath, ['-e', 'process.stderr.write("hello")'], {
      timeoutMs: 10_000,
      onSpawned: () => seen.push('spawned'),
      onStderr: (chunk) => seen.push(`stderr:${chunk}`),
    });
    seen.push(`exit:${r.code}`);
    expect(seen).toEqual(['spawned', 'stderr:hello', 'exit:0']);
  });

  it('a program that does not exist still rejects with ENOENT', async () => {
    let spawned = 0;
    await expect(
      run('/nonexistent/builddeck-no-such-program', [], { timeoutMs: 5_000, onSpawned: () => spawned++ }),
    ).rejects.toMatchObject({ code: 'ENOENT' });
    expect(spawned).toBeLessThanOrEqual(1);
  });
});
