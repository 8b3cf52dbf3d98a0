import { describe, expect, it } from 'vitest';
import { FailureWords, mapBuildxFailure } from '../../electron/adapters/buildx/failures';
import { RawJsonParser } from '../../electron/adapters/buildx/progress';
import { mapEngineError } from '../../electron/adapters/docker/engine';
import { toAppError } from '../../electron/common/errors';

// Messages as real buildx 0.13.1/0.29.1 and the docker CLI print them (docs/buildkit-facts.md).
describe('buildx failure mapping', () => {
  const cases: [string, string][] = [
    ["docker: 'buildx' is not a docker command.\nSee 'docker --help'", 'BUILDX_MISSING'],
    [
      'ERROR: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
      'DOCKER_UNREACHABLE',
    ],
    ['ERROR: no builder "ghost" found', 'BUILDER_NOT_FOUND'],
    ['ERROR: context deadline exceeded', 'BUILDER_UNREACHABLE'],
    ['ERROR: something nobody has seen before', 'INTERNAL'],
  ];
  it.each(cases)('%s → %s', (stderr, code) => {
    const e = mapBuildxFailure(stderr, ['buildx', 'ls']).appError;
    expect(e.code).toBe(code);
    expect(e.hint).toBeTruthy();
  });

  it('keeps the raw stderr for a bug report and strips the ERROR: prefix from the message', () => {
    const e = mapBuildxFailure('ERROR: no builder "ghost" found\n', ['buildx', 'inspect', 'ghost']).appError;
    expect(e.message).toBe('No builder named "ghost".');
    expect(e.details).toMatchObject({
      stderr: 'ERROR: no builder "ghost" found',
      args: ['buildx', 'inspect', 'ghost'],
    });
  });

  it('BUILDX_MISSING names the minimum version', () => {
    const e = mapBuildxFailure("docker: 'buildx' is not a docker command.", ['buildx', 'version']).appError;
    expect(e.details).toMatchObject({ minimum: '0.13.0' });
  });
});

describe('the reasons the core decides on (never the words)', () => {
  it.each([
    ['ERROR: builder "b" is not running', 'builder-stopped'],
    ['ERROR: Error response from daemon: No such container: buildx_buildkit_b0', 'builder-inactive'],
    ['ERROR: no record found for ref "abc"', 'record-not-found'],
    ['ERROR: rpc error: code = Unimplemented desc = unknown service moby.buildkit.v1.Control', 'unsupported'],
    ['ERROR: Cannot connect to the Docker daemon at unix:///x.sock. Is the docker daemon running?', 'engine-down'],
  ])('%s → %s', (stderr, reason) => {
    expect(mapBuildxFailure(stderr, ['buildx', 'du']).appError.details?.['reason']).toBe(reason);
  });

  const wordsOf = (stderr: string) => {
    const parser = new RawJsonParser();
    const words = new FailureWords();
    words.read(parser.push(stderr));
    words.read(parser.end());
    return words.summary();
  };
  const vertex = (name: string, error?: string) =>
    JSON.stringify({ vertexes: [{ digest: 'sha256:1', name, ...(error ? { error } : {}) }] });

  it('a build that lost its builder says connection-lost, from its ERROR line', () => {
    expect(wordsOf('ERROR: failed to solve: Unavailable: error reading from server: EOF\n').reasons).toContain(
      'connection-lost',
    );
  });
  it("buildx's connecting step that failed is the builder not answering, with its error", () => {
    const w = wordsOf(`${vertex('[internal] booting buildkit', 'dial tcp 10.0.0.1:1234: connection refused')}\n`);
    expect(w.connectError).toBe('dial tcp 10.0.0.1:1234: connection refused');
    expect(w.reasons).toContain('builder-unreachable');
  });
  it("a Dockerfile's own text never classifies a failure (vertex names quote the Dockerfile)", () => {
    const w = wordsOf(`${vertex('[2/2] RUN echo "connection refused; Cannot connect to the Docker daemon"')}\n`);
    expect(w).toEqual({ reasons: [] });
  });
});

describe('engine failure mapping', () => {
  it('socket refused or missing → DOCKER_UNREACHABLE with how to start Docker', () => {
    for (const code of ['ECONNREFUSED', 'ENOENT']) {
      const err = Object.assign(new Error(`connect ${code} /var/run/docker.sock`), { code });
      const e = mapEngineError(err, 'unix:///var/run/docker.sock').appError;
      expect(e.code).toBe('DOCKER_UNREACHABLE');
      expect(e.hint).toMatch(/start docker/i);
    }
  });
  it('permission denied → DOCKER_UNREACHABLE with the docker group hint', () => {
    const err = Object.assign(new Error('connect EACCES /var/run/docker.sock'), { code: 'EACCES' });
    expect(mapEngineError(err, 'unix:///var/run/docker.sock').appError.hint).toMatch(/docker" group/);
  });
});

describe('a full disk', () => {
  it.each([
    [
      'ENOSPC from a file write',
      Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }),
    ],
    ['SQLITE_FULL from better-sqlite3', Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })],
    ['node:sqlite', Object.assign(new Error('database or disk is full'), { code: 'ERR_SQLITE_ERROR', errcode: 13 })],
  ])('%s is STORAGE_FULL with a hint, not INTERNAL', (_what, err) => {
    expect(toAppError(err)).toMatchObject({
      code: 'STORAGE_FULL',
      hint: expect.stringMatching(/Free some space/) as unknown,
    });
  });
});
