/**
 * Renderer JavaScript a window loads before its first paint, from the production build
 * (out/renderer, `npm run build`): the entry script of index.html plus every chunk it imports
 * statically. That is what must be fetched, parsed and run before React can paint the shell
 * (sidebar and a skeleton; renderer/src/app/App.tsx). Dynamic `import()` chunks are not counted
 * there: the workspace (TanStack Query, live builds) and the first view are fetched while the shell
 * paints, the other views when shown. Also printed: the JS until the first view (Builders) has
 * content, and what each later chunk adds. Sizes are bytes on disk (what V8 parses) and gzip (for
 * reference only). test/bench/renderer-frames.bench.ts checks in Chromium which scripts actually
 * arrived before the first contentful paint.
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

// The chunks a window loads after its first paint: dynamic imports reachable from the initial
// chunks and from the workspace (app/Workspace.tsx: TanStack Query, live builds, the views' host),
// each with what it adds beyond the first paint.
const byName = (f: string) => /assets\/([A-Za-z]+)/.exec(f)?.[1] ?? f;
const dynamicsOf = (files: Iterable<string>) => [...files].flatMap((f) => imports(f).dynamics);
const workspace = dynamicsOf(initial).find((f) => byName(f) === 'Workspace');
const afterPaint = new Set(initial);
if (workspace) closure([workspace], afterPaint);
const views = [...new Set([...dynamicsOf(initial), ...dynamicsOf(afterPaint)])];
let builders: string | undefined;
for (const v of views) {
  const s = size([...closure([v])].filter((f) => !initial.has(f)));
  if (byName(v) === 'BuildersView') builders = v;
  console.log(`  chunk ${byName(v).padEnd(20)} +${kB(s.raw)} (gzip ${kB(s.gz)})`);
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
  // The window opens on Builders: its content needs the workspace chunk and the view's chunk,
  // both fetched while the shell paints (counted once each, with what they share).
  const withView = size(closure([builders], new Set(afterPaint))).raw;
  row({
    figure: 'renderer JS until the first view (Builders) has content',
    ours: kB(withView),
    reference: `${kB(total.raw)} (all renderer JS)`,
    ratio: withView / total.raw,
    goal: '-',
    met: true,
  });
}
