import type { Builder, BuildxInfo, EngineInfo } from '../common/domain';

/** Plain-text tables for people; --json is for programs. */
export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function formatBuilders(builders: Builder[]): string {
  const rows: string[][] = [['NAME/NODE', 'DRIVER/ENDPOINT', 'STATUS', 'BUILDKIT', 'PLATFORMS']];
  for (const b of builders) {
    rows.push([`${b.name}${b.current ? ' *' : ''}`, b.driver, b.error ? 'error' : '', '', b.error ?? '']);
    for (const n of b.nodes) {
      const shown = n.platforms.slice(0, 4).map((p) => (n.pinnedPlatforms.includes(p) ? `${p}*` : p));
      const more = n.platforms.length > 4 ? ` (+${n.platforms.length - 4})` : '';
      rows.push([
        `  ${n.name}`,
        `  ${n.endpoint}`,
        n.status,
        n.buildkitVersion ?? '',
        (n.error ?? shown.join(', ')) + more,
      ]);
    }
  }
  return table(rows);
}

export function formatEngine(v: { engine: EngineInfo; buildx: BuildxInfo }): string {
  const gib = (v.engine.memoryBytes / 1024 ** 3).toFixed(1);
  return table([
    ['Engine', `${v.engine.engineVersion} (API ${v.engine.apiVersion})`],
    ['Endpoint', v.engine.endpoint],
    ['OS/Arch', `${v.engine.os}/${v.engine.arch} - ${v.engine.operatingSystem}`],
    ['Kernel', v.engine.kernelVersion],
    ['Storage', v.engine.storageDriver + (v.engine.containerdSnapshotter ? ' (containerd image store)' : '')],
    ['Resources', `${v.engine.cpus} CPUs, ${gib} GiB`],
    ['buildx', `${v.buildx.version} (${v.buildx.command})`],
  ]);
}
