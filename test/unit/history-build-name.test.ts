import { describe, expect, it } from 'vitest';
import { buildName } from '../../electron/core/history/build-name';

/**
 * The names `buildx history ls` gives records, so a pushed start can be listed by name without
 * running it. The cases are buildx's own (util/history/name_test.go); the git ones are left to
 * `history ls` (undefined) rather than re-implementing its git URL formatting. The same function
 * is checked against the real `buildx history ls` in test/integration/history-names.test.ts.
 */
describe('buildName: the name buildx history ls gives a record', () => {
  const cases: {
    name: string;
    attrs?: Record<string, string>;
    state?: { localPath?: string; dockerfilePath?: string };
    want: string | undefined;
  }[] = [
    { name: 'empty', want: '' },
    { name: 'override', attrs: { 'build-arg:BUILDKIT_BUILD_NAME': 'foobar' }, want: 'foobar' },
    {
      name: 'local dockerfile path',
      state: { localPath: '/tmp/project', dockerfilePath: '/tmp/project/deploy/Dockerfile.release' },
      want: 'project/deploy/Dockerfile.release',
    },
    {
      name: 'local default dockerfile',
      state: { localPath: '/tmp/project', dockerfilePath: '/tmp/project/Dockerfile' },
      want: 'project',
    },
    {
      name: 'a Dockerfile outside the context',
      state: { localPath: '/tmp/project', dockerfilePath: '/srv/files/build.Dockerfile' },
      want: 'files/build.Dockerfile',
    },
    {
      name: 'git query input: left to history ls',
      attrs: { 'input:context': 'https://github.com/docker/buildx.git?ref=main' },
      want: undefined,
    },
    {
      name: 'vcs source: left to history ls',
      attrs: { 'vcs:source': 'https://github.com/docker/buildx.git?ref=main' },
      want: undefined,
    },
    { name: 'vcs local context fallback', attrs: { 'vcs:localdir:context': 'subdir' }, want: 'subdir' },
    {
      name: 'dockerfile attrs',
      attrs: { filename: 'Dockerfile.release', 'vcs:localdir:dockerfile': 'deploy' },
      want: 'deploy/Dockerfile.release',
    },
    { name: 'target only', attrs: { target: 'release' }, want: 'release' },
    {
      name: 'context overrides local name',
      attrs: { context: 'subdir', target: 'release' },
      state: { localPath: '/tmp/project', dockerfilePath: '/tmp/project/deploy/Dockerfile.release' },
      want: 'subdir (release)',
    },
    {
      name: 'remote local path ignored',
      attrs: { filename: 'Dockerfile.release', 'vcs:localdir:dockerfile': 'deploy' },
      state: { localPath: 'https://github.com/docker/buildx.git', dockerfilePath: '/tmp/project/ignored/Dockerfile' },
      want: 'deploy/Dockerfile.release',
    },
    {
      name: 'a git source with a local name keeps the local name',
      attrs: { 'vcs:source': 'https://github.com/docker/buildx.git', target: 'bin' },
      state: { localPath: '/work/buildx', dockerfilePath: '-' },
      want: 'buildx (bin)',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(buildName(c.attrs ?? {}, c.state)).toBe(c.want);
    });
  }
});
