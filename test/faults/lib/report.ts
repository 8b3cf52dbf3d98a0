import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * test-results/faults.md: what each fault test measured, written by the tests themselves. Each file
 * records its section as JSON (test-results/faults/<slug>.json); the table is re-rendered from all of
 * them after every record, so a partial run still leaves a readable table. globalSetup empties the
 * folder first: rows are from this run only.
 */
export const FAULTS_DIR = join('test-results', 'faults');
export const FAULTS_MD = join('test-results', 'faults.md');

export interface Measure {
  what: string;
  value: string | number | boolean;
  /** e.g. the bound it is compared with, or how it was measured. */
  note?: string;
}

interface Section {
  order: number;
  title: string;
  rows: Measure[];
}

const ORDER = [
  'engine-dies',
  'buildkitd-container',
  'remote-killed',
  'remote-silent',
  'concurrent',
  'crash-safety',
  'disk-full',
  'router-fuzz',
  'serve-load',
];

/** Adds (or replaces) the rows of one section and re-renders the table. */
export function record(slug: string, title: string, rows: Measure[]): void {
  mkdirSync(FAULTS_DIR, { recursive: true });
  const order = ORDER.includes(slug) ? ORDER.indexOf(slug) : ORDER.length;
  const section: Section = { order, title, rows };
  writeFileSync(join(FAULTS_DIR, `${slug}.json`), `${JSON.stringify(section, null, 2)}\n`);
  render();
}

export function ms(n: number): string {
  return n >= 10_000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n)} ms`;
}

export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function render(): void {
  const sections = readdirSync(FAULTS_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(FAULTS_DIR, f), 'utf8')) as Section)
    .sort((a, b) => a.order - b.order);
  const cell = (v: unknown) => String(v).replaceAll('|', '\\|').replaceAll('\n', ' ');
  const lines = [
    '# Fault tests: what was measured',
    '',
    `Written by test/faults (\`npm test\`, project \`faults\`) on ${new Date().toISOString()}.`,
    '',
    '| Fault | Measure | Value | Note |',
    '| --- | --- | --- | --- |',
  ];
  for (const s of sections) {
    s.rows.forEach((r, i) =>
      lines.push(`| ${i === 0 ? cell(s.title) : ''} | ${cell(r.what)} | ${cell(r.value)} | ${cell(r.note ?? '')} |`),
    );
  }
  writeFileSync(FAULTS_MD, `${lines.join('\n')}\n`);
}
