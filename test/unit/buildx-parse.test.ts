import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AppException } from '../../electron/common/errors';
import {
  parseBuildxVersion,
  parseInspectText,
  parseLsJson,
  parseLsTableCurrent,
} from '../../electron/adapters/buildx/parse';

// Recorded from real buildx 0.13.1 (Debian trixie) and 0.29.1 (Debian sid) on this kind of machine.
const fixture = (name: string) => readFileSync(new URL(`../fixtures/buildx/${name}`, import.meta.url), 'utf8');

describe('buildx version', () => {
  it('reads Debian-style and upstream-style version lines and detects features', () => {
    const v29 = parseBuildxVersion(fixture('version-0.29.1.txt'), 'docker buildx');
    expect(v29.version).toBe('0.29.1');
    expect(v29.features).toEqual({
      lsJson: true,
      history: true,
      duJson: true,
      callTargets: true,
      bakeAllow: true,
      bakePrintLazyOutputs: false,
    });
    const v13 = parseBuildxVersion(fixture('version-0.13.1.txt'), 'docker buildx');
    expect(v13.version).toBe('0.13.1');
    expect(v13.features).toEqual({
      lsJson: true,
      history: false,
      duJson: false,
      callTargets: false,
      bakeAllow: false,
      bakePrintLazyOutputs: false,
    });
    expect(parseBuildxVersion('github.com/docker/buildx v0.21.3 a1b2c3', 'x').features.history).toBe(true);
  });

  it('refuses output without a version as INTERNAL, keeping the raw text', () => {
    try {
      parseBuildxVersion('something else entirely', 'x');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AppException);
      expect((err as AppException).appError.code).toBe('INTERNAL');
      expect((err as AppException).appError.details?.['raw']).toBe('something else entirely');
    }
  });
});

describe('buildx ls --format json', () => {
  it('0.29.1: one object per builder, with Current', () => {
    const { builders, hasCurrent } = parseLsJson(fixture('ls-0.29.1.ndjson'));
    expect(hasCurrent).toBe(true);
    expect(builders.map((b) => b.name)).toEqual(['deadremote', 'inact', 'rec1', 'default']);
    const rec1 = builders.find((b) => b.name === 'rec1');
    expect(rec1?.driver).toBe('docker-container');
    expect(rec1?.nodes[0]).toMatchObject({
      name: 'rec10',
      status: 'running',
      buildkitVersion: 'v0.13.2',
      endpoint: 'unix:///var/run/docker.sock',
    });
    expect(rec1?.nodes[0]?.platforms).toContain('linux/arm64');
    expect(builders.find((b) => b.current)?.name).toBe('default');
    // buildx prints the zero time for a builder never used: no "last activity" rather than year 1.
    expect(builders.find((b) => b.name === 'default')?.lastActivity).toBeUndefined();
    expect(rec1?.lastActivity).toBe('2026-11-27T06:19:34Z');
  });

  it('0.13.1: duplicated rows are folded by name, no Current', () => {
    const { builders, hasCurrent } = parseLsJson(fixture('ls-0.13.1.json'));
    expect(hasCurrent).toBe(false);
    expect(builders.map((b) => b.name)).toEqual(['deadremote', 'inact', 'rec1', 'default']);
    expect(builders.every((b) => !b.current)).toBe(true);
    expect(builders.find((b) => b.name === 'deadremote')?.nodes).toEqual([
      { name: 'deadremote0', endpoint: 'tcp://127.0.0.1:1', status: 'inactive', platforms: [], pinnedPlatforms: [] },
    ]);
  });

  it('0.13.1 table marks the current builder', () => {
    expect(parseLsTableCurrent(fixture('ls-0.13.1-table.txt'))).toBe('default');
    expect(parseLsTableCurrent(fixture('ls-0.29.1-table.txt'))).toBe('default');
  });

  it('keeps builder errors and stopped nodes (both versions)', () => {
    for (const file of ['ls-0.29.1-stopped-and-errors.ndjson', 'ls-0.13.1-stopped-and-errors.json']) {
      const { builders } = parseLsJson(fixture(file));
      const stopped = builders.find((b) => b.name === 'rec1');
      expect(stopped?.nodes[0]?.status).toBe('stopped');
      expect(stopped?.nodes[0]?.platforms).toEqual(['linux/amd64', 'linux/arm64']);
    }
    const broken = parseLsJson(fixture('ls-0.29.1-stopped-and-errors.ndjson')).builders.find(
      (b) => b.name === 'bdtest-bogus',
    );
    expect(broken?.error).toMatch(/Cannot connect to the Docker daemon at tcp:\/\/127\.0\.0\.1:2/);
    expect(broken?.nodes).toEqual([]);
  });

  it('rejects garbage as INTERNAL with the raw output for a bug report', () => {
    try {
      parseLsJson('panic: runtime error: index out of range\ngoroutine 1 [running]:');
      expect.unreachable();
    } catch (err) {
      expect((err as AppException).appError.code).toBe('INTERNAL');
      expect(String((err as AppException).appError.details?.['raw'])).toContain('panic: runtime error');
    }
  });

  it('accepts an empty list and a builder with null nodes', () => {
    expect(parseLsJson('').builders).toEqual([]);
    expect(parseLsJson('{"Name":"x","Driver":"remote","Nodes":null}').builders[0]?.nodes).toEqual([]);
  });
});

describe('buildx inspect text', () => {
  it('0.29.1: node fields, pinned platforms marked with *', () => {
    const b = parseInspectText(fixture('inspect-0.29.1-stopped.txt'));
    expect(b.name).toBe('rec1');
    expect(b.driver).toBe('docker-container');
    expect(b.lastActivity).toBe('2026-11-27T06:19:34.000Z');
    expect(b.nodes).toHaveLength(1);
    expect(b.nodes[0]).toMatchObject({ name: 'rec10', endpoint: 'unix:///var/run/docker.sock', status: 'stopped' });
    expect(b.nodes[0]?.pinnedPlatforms).toEqual(['linux/amd64', 'linux/arm64']);
  });

  it('0.13.1: inactive remote', () => {
    const b = parseInspectText(fixture('inspect-0.13.1-inactive.txt'));
    expect(b).toMatchObject({ name: 'deadremote', driver: 'remote' });
    expect(b.nodes[0]).toMatchObject({ name: 'deadremote0', endpoint: 'tcp://127.0.0.1:1', status: 'inactive' });
  });
});
