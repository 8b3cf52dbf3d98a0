import { describe, expect, it } from 'vitest';
import { buildRequest, type LogLine, type LogList } from '../../electron/common/contracts/builds';
import { LOG_CHUNK } from '../../electron/common/progress';
import { parseAnsi, stripAnsi } from '../../renderer/src/features/builds/logs/ansi';
import { emptySearch, logText, markSegments, updateSearch } from '../../renderer/src/features/builds/logs/log-search';
import {
  draftToRequest,
  emptyDraft,
  fieldKeyFor,
  keptFlags,
  prettyCommand,
  requestToDraft,
  type BuildDraft,
} from '../../renderer/src/features/builds/new/form-model';
import { formatDuration } from '../../renderer/src/features/builds/format';

const ESC = '\u001b';

function list(texts: string[], dropped = 0): LogList {
  const lines: LogLine[] = texts.map((text, i) => ({ seq: dropped + i, step: 's', stream: 1, text }));
  const chunks: LogLine[][] = [];
  for (let i = 0; i < lines.length; i += LOG_CHUNK) chunks.push(lines.slice(i, i + LOG_CHUNK));
  return { chunks, length: lines.length, dropped };
}

describe('ANSI SGR parser', () => {
  it('turns basic, bright, 256-colour and truecolor codes into styled segments', () => {
    const { segments } = parseAnsi(
      `${ESC}[1;31mERROR${ESC}[0m plain ${ESC}[92mok${ESC}[39m ${ESC}[38;5;208mor${ESC}[48;2;10;20;30mbg${ESC}[m`,
    );
    expect(segments).toEqual([
      { text: 'ERROR', style: { bold: true, fg: { kind: 'basic', index: 1 } } },
      { text: ' plain ', style: {} },
      { text: 'ok', style: { fg: { kind: 'basic', index: 10 } } },
      { text: ' ', style: {} },
      { text: 'or', style: { fg: { kind: 'rgb', css: 'rgb(255 135 0)' } } },
      { text: 'bg', style: { fg: { kind: 'rgb', css: 'rgb(255 135 0)' }, bg: { kind: 'rgb', css: 'rgb(10 20 30)' } } },
    ]);
  });

  it('accepts the colon forms and grey ramp of the 256 palette', () => {
    expect(parseAnsi(`${ESC}[38:2::1:2:3mx`).segments[0]?.style.fg).toEqual({ kind: 'rgb', css: 'rgb(1 2 3)' });
    expect(parseAnsi(`${ESC}[38:5:232mx`).segments[0]?.style.fg).toEqual({ kind: 'rgb', css: 'rgb(8 8 8)' });
    expect(parseAnsi(`${ESC}[38;5;4mx`).segments[0]?.style.fg).toEqual({ kind: 'basic', index: 4 });
  });

  it('drops cursor moves, erase-line, OSC titles/hyperlinks and charset selection instead of printing them', () => {
    const line = `${ESC}]0;title${ESC}\\${ESC}[2K${ESC}(B${ESC}[mDone ${ESC}]8;;https://x.test${ESC}\\link${ESC}]8;;${ESC}\\ ${ESC}[?25h`;
    expect(stripAnsi(line)).toBe('Done link ');
    expect(
      parseAnsi(line)
        .segments.map((s) => s.text)
        .join(''),
    ).toBe('Done link ');
  });

  it('keeps what a carriage return left on screen, like a terminal', () => {
    expect(stripAnsi('10%\r50%\r100% done')).toBe('100% done');
    expect(stripAnsi('windows line\r')).toBe('windows line');
  });

  it('never throws on garbage', () => {
    for (const junk of [ESC, `${ESC}[`, `${ESC}[999;999;999m`, `${ESC}[38;5m`, `${ESC}[38;2;1m`, `a${ESC}b`]) {
      expect(() => parseAnsi(junk)).not.toThrow();
      expect(stripAnsi(junk)).not.toContain(ESC);
    }
  });
});

describe('log search', () => {
  it('scans only new lines as the log grows and forgets dropped head lines', () => {
    let s = updateSearch(emptySearch(), list(['a foo', 'b', 'FOO c']), 'foo');
    expect(s.matches).toEqual([0, 2]);
    s = updateSearch(s, list(['a foo', 'b', 'FOO c', 'd', 'e foo']), 'foo');
    expect(s.matches).toEqual([0, 2, 4]);
    expect(s.scanned).toBe(5);
    // Head chunk dropped: absolute numbers stay, the dropped ones go.
    const capped = list(['FOO c', 'd', 'e foo', 'foo f'], 2);
    s = updateSearch(s, capped, 'foo');
    expect(s.matches).toEqual([2, 4, 5]);
    // Same list, same query: the same object (React can skip work).
    expect(updateSearch(s, capped, 'foo')).toBe(s);
  });

  it('searches the visible text, not escape codes, and restarts for a new query or a shorter log', () => {
    const l = list([`${ESC}[31mred${ESC}[0m`, 'x31m']);
    expect(updateSearch(emptySearch(), l, '31m').matches).toEqual([1]);
    const s = updateSearch(emptySearch(), list(['a', 'b', 'ab']), 'a');
    expect(updateSearch(s, list(['b']), 'a').matches).toEqual([]);
  });

  it('cuts styled segments around every hit so they can be marked', () => {
    const { segments } = parseAnsi(`ab${ESC}[1mcAb${ESC}[0mx`);
    const marked = markSegments(segments, 'ab');
    expect(marked.map((m) => [m.text, m.mark, Boolean(m.style.bold)])).toEqual([
      ['ab', true, false],
      ['c', false, true],
      ['Ab', true, true],
      ['x', false, false],
    ]);
  });

  it('copies the log as plain text', () => {
    expect(logText(list([`${ESC}[32mok${ESC}[0m`, 'two']))).toBe('ok\ntwo');
  });
});

describe('new-build form model', () => {
  const draft = (change: Partial<BuildDraft>): BuildDraft => ({ ...emptyDraft(), contextDir: '/src/app', ...change });

  it('maps rows and choices to the contract request, skipping empty rows', () => {
    const { request, localErrors } = draftToRequest(
      draft({
        dockerfile: 'build/Dockerfile',
        builder: 'ci',
        platforms: ['linux/amd64', 'linux/arm64'],
        tags: ['app:dev'],
        buildArgs: [
          { id: 'a', key: 'VERSION', value: '1.2' },
          { id: 'b', key: '', value: '' },
        ],
        target: 'app',
        noCache: true,
        secrets: [
          { id: 's1', secretId: 'npmrc', source: 'file', ref: '/home/me/.npmrc' },
          { id: 's2', secretId: 'token', source: 'env', ref: 'GH_TOKEN' },
        ],
        output: 'oci',
        outputDest: '/tmp/app.tar',
        cacheFrom: [{ id: 'c1', type: 'registry', value: 'reg:5000/app:cache', mode: '' }],
        cacheTo: [
          { id: 'c2', type: 'local', value: '/tmp/cache', mode: 'max' },
          { id: 'c3', type: 'inline', value: '', mode: '' },
        ],
        labels: [{ id: 'l', key: 'org.opencontainers.image.title', value: 'App' }],
      }),
    );
    expect(localErrors).toEqual({});
    expect(request).toEqual({
      contextDir: '/src/app',
      dockerfile: 'build/Dockerfile',
      builder: 'ci',
      platforms: ['linux/amd64', 'linux/arm64'],
      tags: ['app:dev'],
      buildArgs: { VERSION: '1.2' },
      target: 'app',
      noCache: true,
      pull: false,
      secrets: [
        { id: 'npmrc', src: '/home/me/.npmrc' },
        { id: 'token', env: 'GH_TOKEN' },
      ],
      outputs: [{ type: 'oci', dest: '/tmp/app.tar' }],
      cacheFrom: [{ type: 'registry', ref: 'reg:5000/app:cache' }],
      cacheTo: [{ type: 'local', dest: '/tmp/cache', mode: 'max' }, { type: 'inline' }],
      labels: { 'org.opencontainers.image.title': 'App' },
    });
    // And back: "edit and re-run" restores the same request.
    expect(draftToRequest(requestToDraft(request)).request).toEqual(request);
  });

  it('edit and re-run keeps the options the form has no control for, and says which they are', () => {
    const request = buildRequest.parse({
      contextDir: '/src/app',
      tags: ['app:dev'],
      envBuildArgs: ['NPM_TOKEN'],
      ssh: [{ id: 'default' }],
      network: 'host',
      iidFile: '/tmp/iid',
      addHosts: [{ host: 'db.local', ip: '10.0.0.7' }],
      shmSize: '1g',
      ulimits: [{ name: 'nofile', soft: 1024, hard: 2048 }],
      noCacheFilter: ['test'],
      buildContexts: { base: 'docker-image://alpine:3.20' },
      provenance: false,
      sbom: true,
    });
    const d = requestToDraft(request);
    expect(keptFlags(d.kept)).toEqual([
      '--build-arg (from the environment)',
      '--ssh',
      '--network',
      '--iidfile',
      '--add-host',
      '--shm-size',
      '--ulimit',
      '--no-cache-filter',
      '--build-context',
      '--provenance',
      '--sbom',
    ]);
    // The form changes what it shows; the rest goes back as it came.
    const edited = draftToRequest({ ...d, tags: ['app:next'] }).request;
    expect(buildRequest.parse(edited)).toEqual({ ...request, tags: ['app:next'] });
    // "Leave them out" empties the kept options: a plain request again.
    expect(keptFlags({})).toEqual([]);
    expect(draftToRequest({ ...d, kept: {} }).request).not.toHaveProperty('ssh');
  });

  it('flags what the core cannot: nameless values, repeated names, push without a tag, a missing destination', () => {
    const { localErrors } = draftToRequest(
      draft({
        buildArgs: [
          { id: 'a', key: '', value: 'x' },
          { id: 'b', key: 'A', value: '1' },
          { id: 'c', key: 'A', value: '2' },
        ],
        secrets: [{ id: 's', secretId: 'npmrc', source: 'file', ref: '' }],
        output: 'push',
      }),
    );
    expect(Object.keys(localErrors).sort()).toEqual(['row:a', 'row:c', 'row:s', 'tags']);
    expect(draftToRequest(draft({ output: 'local' })).localErrors['outputDest']).toMatch(/directory/);
  });

  it('points the core’s field paths at the control that shows them', () => {
    const { paths } = draftToRequest(
      draft({
        buildArgs: [{ id: 'a', key: 'bad-name', value: '1' }],
        secrets: [
          { id: 'skip', secretId: '', source: 'file', ref: '' },
          { id: 's', secretId: 'x', source: 'file', ref: 'relative' },
        ],
      }),
    );
    expect(fieldKeyFor('buildArgs.bad-name', paths)).toBe('row:a');
    expect(fieldKeyFor('secrets.0.src', paths)).toBe('row:s');
    expect(fieldKeyFor('tags.3', paths)).toBe('tags');
    expect(fieldKeyFor('outputs.0.dest', paths)).toBe('outputDest');
    expect(fieldKeyFor('nonsense', paths)).toBe('form');
  });

  it('prints the command one option per line, quoted for a POSIX shell', () => {
    expect(
      prettyCommand([
        'docker',
        'buildx',
        'build',
        '--tag',
        'a:b',
        '--no-cache',
        '--build-arg',
        'MSG=hello world',
        '/src/my app',
      ]),
    ).toBe(
      [
        'docker buildx build \\',
        '  --tag a:b \\',
        '  --no-cache \\',
        "  --build-arg 'MSG=hello world' \\",
        "  '/src/my app'",
      ].join('\n'),
    );
  });
});

describe('durations', () => {
  it('reads like a build log', () => {
    expect(formatDuration(400)).toBe('0.4 s');
    expect(formatDuration(12_345)).toBe('12 s');
    expect(formatDuration(12_345, { whole: true })).toBe('12 s');
    expect(formatDuration(125_000)).toBe('2 m 05 s');
    expect(formatDuration(3_725_000)).toBe('1 h 02 m');
    expect(formatDuration(undefined)).toBe('—');
  });
});
