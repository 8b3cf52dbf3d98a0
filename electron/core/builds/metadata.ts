import type { BuildFsPort } from './ports';

/** buildx's `--metadata-file` as JSON; an empty object when it is missing (failed run) or unreadable. */
export async function readMetadataFile(fs: BuildFsPort, file: string): Promise<Record<string, unknown>> {
  const text = await fs.readText(file, 4 * 1024 * 1024);
  if (!text) return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/** A base image buildx resolved for the build, with its digests (from the provenance). */
export interface Material {
  uri: string;
  digests: string[];
}

/**
 * The fields BuildDeck keeps from one build's metadata (a build's whole file, or one target's entry
 * of a bake's): image digest, image name, `buildx.build.ref` (the key into `buildx history`) and the
 * provenance's materials (history shows which base image digests a build used).
 */
export function metadataFields(meta: unknown): {
  digest?: string;
  /** The image ID (its config digest), as `docker images` and `buildx build -q` print it. */
  imageId?: string;
  imageName?: string;
  ref?: string;
  materials?: Material[];
} {
  if (typeof meta !== 'object' || meta === null) return {};
  const m = meta as Record<string, unknown>;
  const s = (k: string) => (typeof m[k] === 'string' && m[k] ? m[k] : undefined);
  const digest = s('containerimage.digest');
  const imageId = s('containerimage.config.digest');
  const imageName = s('image.name');
  const ref = s('buildx.build.ref');
  const materials = provenanceMaterials(m['buildx.build.provenance']);
  return {
    ...(digest ? { digest } : {}),
    ...(imageId ? { imageId } : {}),
    ...(imageName ? { imageName } : {}),
    ...(ref ? { ref } : {}),
    ...(materials.length > 0 ? { materials } : {}),
  };
}

/** `buildx.build.provenance.materials` (SLSA v0.2, min mode): the base images with their digests. */
function provenanceMaterials(prov: unknown): Material[] {
  if (typeof prov !== 'object' || prov === null) return [];
  const list = (prov as { materials?: unknown }).materials;
  if (!Array.isArray(list)) return [];
  return list.flatMap((m: unknown) => {
    if (typeof m !== 'object' || m === null) return [];
    const { uri, digest } = m as { uri?: unknown; digest?: unknown };
    if (typeof uri !== 'string') return [];
    const digests =
      typeof digest === 'object' && digest !== null
        ? Object.entries(digest).map(([alg, hex]) => `${alg}:${String(hex)}`)
        : [];
    return [{ uri, digests }];
  });
}
