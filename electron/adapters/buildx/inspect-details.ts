import type { InspectedNode, InspectReport } from '../../core/builders/ports';
import { parseInspectText } from './parse';

/**
 * The parts of `buildx inspect` text that parseInspectText skips: per node driver options, daemon
 * flags, worker labels, GC policy rules and (0.29) config files. Layout measured on 0.13.1 and
 * 0.29.1 (test/fixtures/buildx/inspect-*.txt):
 *
 *   Driver Options:        image="local/buildkit:v0.13.2" memory="512m"
 *   BuildKit daemon flags: --allow-insecure-entitlement=network.host
 *   Labels:
 *    org.mobyproject.buildkit.worker.executor:  oci
 *   GC Policy rule#0:
 *    All:            false
 *    Keep Duration:  48h0m0s
 *   File#buildkitd.toml:
 *    > debug = true
 */
export function parseInspectDetails(text: string): InspectReport {
  const builder = parseInspectText(text);
  const nodes: InspectedNode[] = [];
  let node: InspectedNode | undefined;
  let inNodes = false;
  let section:
    | { kind: 'labels' }
    | { kind: 'gc'; rule: { key: string; value: string }[] }
    | { kind: 'file'; lines: string[] }
    | undefined;

  const closeSection = () => {
    if (section?.kind === 'file' && node) {
      const file = node.files[node.files.length - 1];
      // buildx ends each file block with an empty "> " line of its own.
      if (file) file.content = section.lines.join('\n').replace(/\n$/, '');
    }
    section = undefined;
  };

  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (!inNodes) {
      if (/^Nodes:\s*$/.test(line)) inNodes = true;
      continue;
    }
    if (line.startsWith(' ')) {
      if (!node || !section) continue;
      const body = line.slice(1);
      if (section.kind === 'file') {
        section.lines.push(body.replace(/^> ?/, ''));
        continue;
      }
      const kv = /^([^:]+?):\s*(.*)$/.exec(body);
      if (!kv) continue;
      const key = (kv[1] ?? '').trim();
      const value = (kv[2] ?? '').trim();
      if (section.kind === 'labels') node.labels[key] = value;
      else section.rule.push({ key, value });
      continue;
    }
    closeSection();
    const kv = /^([A-Za-z][^:]*?):\s*(.*)$/.exec(line);
    if (!kv) continue;
    const key = kv[1] ?? '';
    const value = (kv[2] ?? '').trim();
    if (key === 'Name') {
      node = { name: value, driverOpts: {}, flags: [], labels: {}, gcPolicy: [], files: [] };
      nodes.push(node);
      continue;
    }
    if (!node) continue;
    if (key === 'Driver Options') node.driverOpts = parseDriverOptions(value);
    else if (key === 'BuildKit daemon flags') node.flags = value.split(/\s+/).filter(Boolean);
    else if (key === 'Labels') section = { kind: 'labels' };
    else if (/^GC Policy rule#\d+$/.test(key)) {
      const rule: { key: string; value: string }[] = [];
      node.gcPolicy.push(rule);
      section = { kind: 'gc', rule };
    } else if (key.startsWith('File#')) {
      node.files.push({ name: key.slice('File#'.length), content: '' });
      section = { kind: 'file', lines: [] };
    }
  }
  closeSection();
  return { builder, nodes };
}

/** `key="value"` pairs quoted the Go way (%q); values may hold spaces and escaped quotes. */
export function parseDriverOptions(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/([^\s=]+)="((?:[^"\\]|\\.)*)"/g)) {
    const key = m[1] ?? '';
    const rawValue = m[2] ?? '';
    try {
      out[key] = JSON.parse(`"${rawValue}"`) as string;
    } catch {
      out[key] = rawValue;
    }
  }
  return out;
}
