import { describe, expect, it } from 'vitest';
import { formatTomlError, parseToml } from '../../electron/common/builders/toml';

const ok = (text: string) => {
  const r = parseToml(text);
  if (!r.ok) throw new Error(formatTomlError(r.error));
  return r.value;
};
const bad = (text: string) => {
  const r = parseToml(text);
  if (r.ok) throw new Error(`accepted: ${text}`);
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
    expect(v['k']).toBe('1979-05-27 07:32:00.999-07:00');
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
    ['[worker.oci\nenabled = true', 1, /expected "\]" to close/],
    ['debug = true\ndebug = false', 2, /duplicate key "debug"/],
    ['[grpc]\nuid = 0\n[grpc]\ngid = 0', 3, /table \[grpc\] is defined twice/],
    ['a = 1\n[a]', 2, /already defined as a value/],
    ['name = "unterminated', 1, /unterminated string/],
    ['x = [1, 2', 1, /unterminated array/],
    ['x = { a = 1, }', 1, /trailing comma is not allowed in an inline table/],
    ['x = { a = 1,\n b = 2 }', 1, /inline table must stay on one line/],
    ['x = 1 2', 1, /expected the end of the line/],
    ['x = 012', 1, /leading zeros/],
    ['x = "bad \\q escape"', 1, /invalid escape sequence \\q/],
    ['x =', 1, /expected a value/],
    ['= 1', 1, /expected a key/],
    ['x = 1979-13-01', 1, /invalid date/],
    ['[a]\nb.c = 1\n[a.b]', 3, /already defined with dotted keys/],
    ['[[a]]\n[a]', 2, /array of tables/],
    ['x = [1]\n[[x]]', 2, /not an array of tables/],
    ['x = "a\u0001b"', 1, /control characters/],
  ])('rejects %j at line %i', (text, line, message) => {
    const error = bad(text);
    expect(error.line).toBe(line);
    expect(error.message).toMatch(message);
  });

  it('points at the column of the problem', () => {
    expect(bad('[worker]\n  max-parallelism = four')).toMatchObject({ line: 2, column: 21 });
    expect(formatTomlError(bad('a = 1\na = 2'))).toBe('line 2, column 1: duplicate key "a"');
  });
});
