/**
 * Renderer JavaScript a window loads before its first paint, from the production build
 * (out/renderer, `npm run build`): the entry script of index.html plus every chunk it imports
 * statically (dynamic `import()` chunks - the views - load later, when shown). Also: the same plus
 * the view the window opens on (Builders), i.e. the code before the first view has content, and
 * each view's own chunk. Sizes are bytes on disk (what V8 parses) and gzip (for reference only).
 *   npx tsx test/bench/renderer-bundle.bench.ts
 * Prints figures; asserts nothing.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { row } from './lib';

const DIR = 'out/renderer';
const GOAL = 250 * 1000;
if (!existsSync(join(DIR, 'index.html'))) throw new Error('run `npm run build` first');

const kB = (n: number) => `${(n / 1000).toFixed(1)} kB`;
const html = readFileSync(join(DIR, 'index.html'), 'utf8');
const entry = /<script[^>]*\bsrc="\.\/([^"]+\.js)"/.exec(html)?.[1];
if (!entry) throw new Error('no entry script in out/renderer/index.html');

const source = (file: string) => readFileSync(join(DIR, file), 'utf8');
/** Chunks a chunk imports: statically (`from"./x.js"`, `import"./x.js"`) and dynamically (`import("./x.js")`); any quote. */
function imports(file: string): { statics: string[]; dynamics: string[] } {
  const text = source(file);
  const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : '';
  const resolve = (p: string) => dir + p.replace(/^\.\//, '');
  const statics = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*)["'`](\.\/[^"'`]+\.js)["'`]/g)].map((m) =>
    resolve(m[1] as string),
  );
  const dynamics = [...text.matchAll(/\bimport\(\s*["'`](\.\/[^"'`]+\.js)["'`]\s*\)/g)].map((m) =>
    resolve(m[1] as string),
  );
  return { statics, dynamics };
}
/** A chunk and everything it needs statically, transitively. */
function closure(roots: string[], seen = new Set<string>()): Set<string> {
  for (const f of roots) {
    if (seen.has(f)) continue;
    seen.add(f);
    closure(imports(f).statics, seen);
  }
  return seen;
}
const size = (files: Iterable<string>) => {
  let raw = 0;
  let gz = 0;
  for (const f of files) {
    const buf = readFileSync(join(DIR, f));
    raw += buf.length;
    gz += gzipSync(buf).length;
  }
  return { raw, gz };
};

const initial = closure([entry]);
const all = readdirSync(join(DIR, 'assets'))
  .filter((f) => f.endsWith('.js'))
  .map((f) => `assets/${f}`);
const total = size(all);
const first = size(initial);
console.log(`entry ${entry}; before first paint: ${[...initial].join(', ')}`);
console.log(
  `before first paint ${kB(first.raw)} (gzip ${kB(first.gz)}); all renderer JS ${kB(total.raw)} in ${all.length} chunks`,
);

// The views: dynamic imports reachable from the initial chunks, each with what it adds.
const views = [...new Set([...initial].flatMap((f) => imports(f).dynamics))];
let builders: { raw: number; gz: number } | undefined;
for (const v of views) {
  const adds = [...closure([v])].filter((f) => !initial.has(f));
  const s = size(adds);
  const name = /assets\/([A-Za-z]+)/.exec(v)?.[1] ?? v;
  if (name === 'BuildersView') builders = s;
  console.log(`  view chunk ${name.padEnd(16)} +${kB(s.raw)} (gzip ${kB(s.gz)})`);
}

row({
  figure: 'renderer JS before the first paint (shell)',
  ours: `${kB(first.raw)} (gzip ${kB(first.gz)})`,
  reference: `${kB(total.raw)} (all renderer JS)`,
  ratio: first.raw / total.raw,
  goal: '<= 250 kB',
  met: first.raw <= GOAL,
});
if (builders) {
  const withView = first.raw + builders.raw;
  row({
    figure: 'renderer JS until the first view (Builders) has content',
    ours: kB(withView),
    reference: `${kB(total.raw)} (all renderer JS)`,
    ratio: withView / total.raw,
    goal: '<= 250 kB',
    met: withView <= GOAL,
  });
}
