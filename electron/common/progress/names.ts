import { PLATFORM_PATTERN } from '../validation';

/** What the Dockerfile frontend encodes in a vertex name's `[...]` prefix. */
export interface VertexName {
  /** `linux/arm64` in `[linux/arm64 build 2/3] RUN ...`. */
  platform?: string;
  /** `build` in `[linux/arm64 build 2/3]`. */
  stage?: string;
  index?: number;
  total?: number;
  /** Has the frontend's `[... n/m]` step prefix. */
  isStep: boolean;
  /** `[internal]` or `[linux/amd64 internal]`. */
  internal: boolean;
  /** The name without its prefix. */
  title: string;
}

const PREFIX = /^\[([^\]]*)\]\s?(.*)$/s;
const STEP_NUMBER = /^(\d+)\/(\d+)$/;

/**
 * Splits `[linux/arm64 build 2/3] RUN make` into platform, stage, 2 of 3 and `RUN make`.
 * Names BuildKit makes itself (`exporting to image`) and other brackets (`[auth] ...`) are neither
 * steps nor internal: they belong to the shared lane.
 */
export function parseVertexName(name: string): VertexName {
  const m = PREFIX.exec(name);
  if (!m) return { isStep: false, internal: false, title: name };
  const tokens = (m[1] as string).split(' ').filter(Boolean);
  const title = m[2] as string;
  const last = tokens[tokens.length - 1] ?? '';
  const first = tokens[0] ?? '';
  // `[4/4]` alone is a step number, not a platform: a platform is followed by more tokens.
  const platform = tokens.length > 1 && PLATFORM_PATTERN.test(first) ? first : undefined;
  const middle = tokens.slice(platform ? 1 : 0, -1);
  const numbers = STEP_NUMBER.exec(last);
  if (numbers) {
    return {
      ...(platform ? { platform } : {}),
      ...(middle.length > 0 ? { stage: middle.join(' ') } : {}),
      index: Number(numbers[1]),
      total: Number(numbers[2]),
      isStep: true,
      internal: false,
      title,
    };
  }
  if (last === 'internal' && middle.length === 0) {
    return { ...(platform ? { platform } : {}), isStep: false, internal: true, title };
  }
  return { isStep: false, internal: false, title: name };
}
