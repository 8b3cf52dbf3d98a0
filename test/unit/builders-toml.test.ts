import { describe, expect, it } from 'vitest';
import { builderCreateInput } from '../../electron/common/builders/create-input';
import { formatTomlError, parseToml } from '../../electron/common/builders/toml';
import { createRouter } from '../../electron/core/router';
import { handlersWith } from '../helpers/handlers';

const ok = (text: string) => {
  const r = parseToml(text);
  if (!r.ok) throw new Error(formatTomlError(r.error));
  return r.value;
};
const bad = (text: string) => {
  const r = parseToml(text);
  if (r.ok) throw new Error(`accepted: ${text.slice(0, 80)}`);
  return r.error;
};

describe('TOML checker for buildkitd.toml', () => {
  it('reads a realistic buildkitd.toml into values', () => {
    const v = ok(`# BuildKit daemon config
debug = true
root = "/var/lib/buildkit"
insecure-entitlements = [ "network.host", "security.insecure" ]

[grpc]
  address = [ "tcp://0.0.0.0:1234" ]
  debugAddress = '0.0.0.0:6060'
  uid = 0

[worker.oci]
  enabled = true
  platforms = [ "linux/amd64", "linux/arm64", ]
  max-parallelism = 4
  gc = true

  [[worker.oci.gcpolicy]]
    keepBytes = 10_240_000
    keepDuration = 172800
    filters = [ "type==source.local", "type==exec.cachemount" ]
  [[worker.oci.gcpolicy]]
    all = true
    keepBytes = 1.5e9

[registry."docker.io"]
  mirrors = ["mirror.gcr.io"]
  http = false
[registry."127.0.0.1:5000"]
  http = true
  insecure = true
  keypair = [{ key = "/etc/k.pem", cert = "/etc/c.pem" }]
`);
    expect(v['debug']).toBe(true);
    expect(v['insecure-entitlements']).toEqual(['network.host', 'security.insecure']);
    const worker = v['worker'] as { oci: { gcpolicy: Record<string, unknown>[]; platforms: string[] } };
    expect(worker.oci.gcpolicy).toHaveLength(2);
    expect(worker.oci.gcpolicy[0]?.['keepBytes']).toBe(10240000);
    expect(worker.oci.gcpolicy[1]?.['keepBytes']).toBe(1.5e9);
    expect(worker.oci.platforms).toEqual(['linux/amd64', 'linux/arm64']);
    const registry = v['registry'] as Record<string, Record<string, unknown>>;
    expect(registry['127.0.0.1:5000']?.['insecure']).toBe(true);
    expect(registry['127.0.0.1:5000']?.['keypair']).toEqual([{ key: '/etc/k.pem', cert: '/etc/c.pem' }]);
  });

  it('handles the rest of TOML 1.0: strings, numbers, dates, dotted keys', () => {
    const v = ok(
      [
        'a = "tab\\there \\u00e9 \\"q\\""',
        "b = 'C:\\path\\no-escapes'",
        'c = """',
        'first',
        'second \\',
        '   joined"""',
        "d = '''",
        "raw \\n stays'''",
        'e = 0xDEAD_beef',
        'f = 0o755',
        'g = 0b1010',
        'h = -inf',
        'i = +1_000',
        'j = 1979-05-27T07:32:00Z',
        'k = 1979-05-27 07:32:00.999-07:00',
        'l = 07:32:00',
        'm = 1979-05-27',
        'site."google.com" = true',
        'fruit.apple.color = "red"',
        'fruit.apple.taste.sweet = true',
        '[fruit.apple.texture]',
        'smooth = true',
        '"" = "empty key"',
        'nested = [[1, 2], ["a"], [{ x = 1 }]]',
      ].join('\n'),
    );
    expect(v['a']).toBe('tab\there é "q"');
    expect(v['b']).toBe('C:\\path\\no-escapes');
    expect(v['c']).toBe('first\nsecond joined');
    expect(v['d']).toBe('raw \\n stays');
    expect(v['e']).toBe(0xdeadbeef);
    expect(v['f']).toBe(0o755);
    expect(v['g']).toBe(10);
    expect(v['h']).toBe(-Infinity);
    expect(v['i']).toBe(1000);
    expect((v['k'] as Date).toISOString()).toBe('1979-05-27T07:32:00.999-07:00');
    expect((v['fruit'] as { apple: { texture: { smooth: boolean } } }).apple.texture.smooth).toBe(true);
  });

  it('accepts CRLF line endings, a BOM, and an empty file', () => {
    expect(ok('\uFEFFdebug = true\r\n[worker.oci]\r\nenabled = false\r\n')).toEqual({
      debug: true,
      worker: { oci: { enabled: false } },
    });
    expect(ok('')).toEqual({});
    expect(ok('# only a comment')).toEqual({});
  });

  it.each([
    ['debug = yes', 1, /"yes" is not a TOML value/],
    ['debug = True', 1, /booleans are true\/false in lower case/],
    ['[worker.oci\nenabled = true', 1, /illegal character in key/],
    ['debug = true\ndebug = false', 2, /"debug" is already defined/],
    ['[grpc]\nuid = 0\n[grpc]\ngid = 0', 3, /"grpc" is already defined/],
    ['a = 1\n[a]', 2, /"a" is already defined/],
    ['name = "unterminated', 1, /unfinished string/],
    ['x = [1, 2', 1, /expected comma or end of structure/],
    ['x = 1 2', 1, /must be followed by an end-of-line/],
    ['x = 012', 1, /leading zero/],
    ['x = "bad \\q escape"', 1, /unrecognised escape sequence/],
    ['x =', 1, /expected a value/],
    ['= 1', 1, /end of key/],
    ['x = 1979-13-01', 1, /invalid date/],
    ['[a]\nb.c = 1\n[a.b]', 3, /"a.b" is already defined/],
    ['[[a]]\n[a]', 2, /"a" is already defined.*\[\[/],
    ['x = [1]\n[[x]]', 2, /"x" is already defined/],
    ['x = "a\u0001b"', 1, /control characters/],
  ])('rejects %j at line %i', (text, line, message) => {
    const error = bad(text);
    expect(error.line).toBe(line);
    expect(error.message).toMatch(message);
  });

  it('points at the column of the problem', () => {
    expect(bad('[worker]\n  max-parallelism = four')).toMatchObject({ line: 2, column: 21 });
    expect(formatTomlError(bad('a = 1\na = 2'))).toMatch(/^line 2, column 1: "a" is already defined/);
  });

  it('reads inline tables as buildkitd 0.13 does (measured against local/buildkit:v0.13.2)', () => {
    // buildkitd (pelletier/go-toml v1) starts with an inline table spread over lines; so do we.
    expect(ok('x = { a = 1,\n b = 2 }')).toEqual({ x: { a: 1, b: 2 } });
    // It refuses a trailing comma in one; smol-toml reads TOML 1.1, which allows it: the one known gap
    // (documented in toml.ts), reported by buildkitd at bootstrap.
    expect(ok('x = { a = 1, }')).toEqual({ x: { a: 1 } });
  });
});

describe('hostile buildkitd.toml (pasted into the form, or sent by any client of serve mode)', () => {
  const deepArray = `a = ${'['.repeat(4200)}${']'.repeat(4200)}`;
  // 65,533 characters: valid TOML, but 32,766 tables deep (the old parser took ~5 s, quadratic).
  const longHeader = `[${Array.from({ length: 32_766 }, () => 'a').join('.')}]`;

  it.each([
    ['an array nested 4,200 deep', deepArray],
    ['a 65,535-character table header', longHeader],
  ])('%s is refused with a position, not a stack overflow or a stall', (_what, text) => {
    const started = performance.now();
    const error = bad(text);
    // Printed, not asserted (a timed assert would flake on a shared machine); the bench tracks it.
    console.log(`TOML ${_what}: ${(performance.now() - started).toFixed(0)} ms`);
    expect(error.line).toBe(1);
    expect(error.message).toMatch(/nested deeper than \d+ levels/);
  });

  it.each([
    ['an array nested 4,200 deep', deepArray],
    ['a 65,535-character table header', longHeader],
  ])('%s through the router is INVALID_INPUT on buildkitdConfigToml', async (_what, text) => {
    const router = createRouter(handlersWith({}));
    const res = await router.invoke('builders.create', {
      name: 'bdtest-toml',
      driver: 'docker-container',
      buildkitdConfigToml: text,
    });
    expect(res).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT', details: { field: 'buildkitdConfigToml' } },
    });
  });
});

describe('dotted keys and table headers longer than the nesting cap', () => {
  const key = (n: number) => Array.from({ length: n }, () => 'a').join('.');

  it('refuses them before parsing, at their line and column, however long', () => {
    for (const text of [`x = 1\n  ${key(28_000)} = 1\n`, `x = 1\n\n[${key(40)}]\n`, `[[${key(33)}]]\n`]) {
      const error = bad(text);
      expect(error.message).toMatch(/nested deeper than \d+ levels/);
      expect(error.line).toBeGreaterThan(text.startsWith('[[') ? 0 : 1);
    }
    expect(bad(`x = 1\n  ${key(28_000)} = 1\n`)).toMatchObject({ line: 2, column: 3 });
  });

  it('counts only dots of the key: quoted parts, values and multi-line strings keep theirs', () => {
    const dots = key(60);
    expect(ok(`"${dots}" = 1\n`)).toEqual({ [dots]: 1 });
    expect(ok(`x = "${dots}"\n`)).toEqual({ x: dots });
    expect(ok(`x = """\n${dots} = 1\n"""\n`)).toEqual({ x: `${dots} = 1\n` });
    expect(ok(`${key(32)} = 1\n`)).toBeDefined();
  });
});

describe('a pasted buildkitd.toml over 64 KiB', () => {
  it('is refused by its size alone, never parsed (a 1 MB paste would be read whole)', () => {
    const text = `${'#'.repeat(70_000)}\na = [[[`;
    const r = builderCreateInput.safeParse({
      driver: 'docker-container',
      name: 'bdtest-big',
      buildkitdConfigToml: text,
    });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.message)).toEqual(['is larger than 64 KiB']);
  });
});
