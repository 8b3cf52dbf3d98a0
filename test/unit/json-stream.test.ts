import { describe, expect, it } from 'vitest';
import { JsonObjectSplitter, parseJsonObjects } from '../../electron/common/json-stream';

describe('JsonObjectSplitter', () => {
  it('splits NDJSON and pretty-printed objects alike, keeping trailing plain text', () => {
    const text = '{"a":1}\n{"b":2}\n{\n  "c": {\n    "d": "}"\n  }\n}\nERROR: failed to solve\n';
    const { objects, rest } = parseJsonObjects(text);
    expect(objects).toEqual([{ a: 1 }, { b: 2 }, { c: { d: '}' } }]);
    expect(rest).toEqual(['ERROR: failed to solve']);
  });

  it('handles chunks cut anywhere, including inside strings and escapes', () => {
    const text = '{"s":"a\\"b{c"}{"t":[1,{"u":"\\\\"}]}';
    for (let cut = 1; cut < text.length; cut++) {
      const seen: unknown[] = [];
      const s = new JsonObjectSplitter((j) => seen.push(JSON.parse(j)));
      s.push(text.slice(0, cut));
      s.push(text.slice(cut));
      s.end();
      expect(seen).toEqual([{ s: 'a"b{c' }, { t: [1, { u: '\\' }] }]);
    }
  });

  it('reports a truncated object as text instead of dropping or crashing', () => {
    const { objects, rest } = parseJsonObjects('{"ok":true}\n{"vertexes":[{"digest":"sha');
    expect(objects).toEqual([{ ok: true }]);
    expect(rest).toEqual(['{"vertexes":[{"digest":"sha']);
  });
});
