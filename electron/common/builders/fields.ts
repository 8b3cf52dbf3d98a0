import { z } from 'zod';
import { BUILDER_NAME_PATTERN } from '../domain';
import { absolutePathProblem, GO_DURATION_PATTERN, parseTcpEndpoint, PLATFORM_PATTERN } from '../validation';

/**
 * Field schemas for the Create builder forms. They run at the router (so buildx is never called with
 * bad input) and in the renderer (so the form says the same thing inline). Messages are written for
 * the field they sit under: no field name, no trailing period.
 */

export const nodeName = z
  .string()
  .regex(BUILDER_NAME_PATTERN, 'must start with a letter and contain only letters, digits, "-", "_" or "." (max 63)');

export { PLATFORM_PATTERN };
export const platform = z.string().regex(PLATFORM_PATTERN, 'must look like linux/amd64, linux/arm64 or linux/arm/v7');

export const platforms = z
  .array(platform)
  .max(32, 'at most 32 platforms')
  .refine((list) => new Set(list).size === list.length, 'lists a platform twice');

/** An absolute path on the machine running the core (common/validation.ts says what that means). */
export const absolutePath = z.string().superRefine((path, ctx) => {
  const problem = absolutePathProblem(path);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

// -------------------------------------------------------------------------------------------------
// Sizes and numbers

const UNIT: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/**
 * Docker's RAMInBytes grammar (2g, 512m, 1.5g, 1073741824, 512MiB): binary units, case-insensitive.
 * Returns undefined for anything else.
 */
export function parseDockerSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp])?(i?b)?$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? (m[3] ? 'b' : '')).toLowerCase();
  return Math.round(Number(m[1]) * (UNIT[unit] ?? 1));
}

const MIN_MEMORY = 6 * 1024 ** 2; // the engine refuses less at container create

export const dockerMemory = z
  .string()
  .refine((s) => parseDockerSize(s) !== undefined, 'must be a size such as 512m, 2g or 1.5g')
  .refine((s) => (parseDockerSize(s) ?? MIN_MEMORY) >= MIN_MEMORY, 'must be at least 6m (Docker refuses less)');

export const dockerMemorySwap = z
  .string()
  .refine((s) => s === '-1' || parseDockerSize(s) !== undefined, 'must be a size such as 1g, or -1 for unlimited swap');

const integerText = (min: number, max: number, what: string) =>
  z
    .union([z.number(), z.string()])
    .transform((v) => String(v).trim())
    .refine((s) => /^\d+$/.test(s), `must be a whole number ${what}`)
    .refine((s) => Number(s) >= min && Number(s) <= max, `must be between ${min} and ${max} ${what}`);

/** CFS quota in microseconds per period; the kernel's floor is 1 ms. */
export const cpuQuota = integerText(1000, 100_000_000, '(microseconds per period, e.g. 50000)');
export const cpuPeriod = integerText(1000, 1_000_000, '(microseconds, e.g. 100000)');
export const cpuShares = integerText(2, 262_144, '(relative weight, default 1024)');

/** 0-3,5 style lists; ranges must go upwards. */
export const cpuSet = z
  .string()
  .regex(/^\d+(-\d+)?(,\d+(-\d+)?)*$/, 'must list CPUs or memory nodes like 0-3 or 0,2')
  .refine(
    (s) =>
      s.split(',').every((part) => {
        const [a, b] = part.split('-').map(Number);
        return b === undefined || (a ?? 0) <= b;
      }),
    'has a range that goes downwards',
  );

export const cgroupParent = z
  .string()
  .max(255, 'is too long')
  .regex(/^[A-Za-z0-9_./@:-]+$/, 'must be a cgroup path or systemd slice such as /docker/buildx or buildx.slice');

export const restartPolicy = z
  .string()
  .regex(/^(no|always|unless-stopped|on-failure(:\d+)?)$/, 'must be no, always, unless-stopped or on-failure[:N]');

export const dockerNetwork = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/, 'must be host, bridge, none or the name of a Docker network');

/**
 * An image reference: [registry[:port]/]path[:tag][@sha256:digest], as the distribution grammar
 * allows (lower-case path components).
 */
export const IMAGE_PATTERN =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::\d{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
export const imageRef = z
  .string()
  .max(512, 'is too long')
  .regex(IMAGE_PATTERN, 'must be an image reference such as moby/buildkit:v0.13.2');

// -------------------------------------------------------------------------------------------------
// Key/value maps

/**
 * A map whose keys and values are checked one by one, so the error names the key
 * (`env.MY VAR`) rather than zod's generic "Invalid key in record".
 */
export function keyValueMap(keyPattern: RegExp, keyMessage: string, value: z.ZodType<string>) {
  return z.record(z.string(), z.string()).superRefine((map, ctx) => {
    for (const [key, v] of Object.entries(map)) {
      if (!keyPattern.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: `key "${key}" ${keyMessage}` });
      const parsed = value.safeParse(v);
      if (!parsed.success) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `value of ${key} ${parsed.error.issues[0]?.message ?? 'is invalid'}`,
        });
      }
    }
  });
}

/** Environment variables for buildkitd; the value may hold anything but a line break or NUL. */
export const envMap = keyValueMap(
  /^[A-Za-z_][A-Za-z0-9_]*$/,
  'must start with a letter or "_" and contain only letters, digits and "_"',
  z
    .string()
    .max(4096, 'is too long')
    .refine((v) => !/[\0\n\r]/.test(v), 'must not contain line breaks'),
);

// -------------------------------------------------------------------------------------------------
// buildkitd flags

/**
 * Splits like buildx does (shlex): whitespace separates, quotes group, backslash escapes outside
 * single quotes. Returns undefined on an unterminated quote.
 */
export function splitShellWords(text: string): string[] | undefined {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1] as string))
        word += text[++i] as string;
      else word += c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[++i] as string;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) return undefined;
  if (inWord) words.push(word);
  return words;
}

export const buildkitdFlags = z
  .string()
  .max(4096, 'is too long')
  .refine((s) => !/[\0\n\r]/.test(s), 'must be on one line')
  .refine((s) => splitShellWords(s) !== undefined, 'has an unterminated quote')
  .refine((s) => {
    const first = splitShellWords(s)?.[0];
    return first === undefined || first.startsWith('-');
  }, 'must be buildkitd flags such as --debug or --allow-insecure-entitlement security.insecure');

// -------------------------------------------------------------------------------------------------
// Endpoints

const CONTAINER = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const REMOTE_SCHEMES = ['tcp://', 'unix://', 'docker-container://', 'kube-pod://'] as const;

/** Why an endpoint cannot work, or undefined when it can. Each scheme as the remote driver dials it. */
export function endpointProblem(endpoint: string): string | undefined {
  const e = endpoint.trim();
  if (e === '') return 'is required (tcp://HOST:PORT, unix:///PATH, docker-container://NAME or kube-pod://POD)';
  if (/\s/.test(e)) return 'must not contain spaces';
  const tcp = parseTcpEndpoint(e);
  if (tcp) return tcp.ok ? undefined : tcp.problem;
  if (e.startsWith('unix://')) {
    const path = e.slice('unix://'.length);
    if (!path.startsWith('/')) return 'needs an absolute socket path: unix:///run/buildkit/buildkitd.sock';
    return undefined;
  }
  if (e.startsWith('docker-container://')) {
    const name = e.slice('docker-container://'.length);
    if (!CONTAINER.test(name)) return 'needs a container name: docker-container://NAME';
    return undefined;
  }
  if (e.startsWith('kube-pod://')) {
    const [pod = '', query] = e.slice('kube-pod://'.length).split('?', 2);
    if (!DNS_SUBDOMAIN.test(pod) || pod.length > 253)
      return 'needs a pod name: kube-pod://POD[?namespace=NS&context=CTX&container=C]';
    for (const pair of (query ?? '').split('&').filter(Boolean)) {
      const [k = '', v = ''] = pair.split('=', 2);
      if (!['namespace', 'context', 'container'].includes(k))
        return `has an unknown parameter "${k}" (namespace, context, container)`;
      if (v === '') return `has an empty ${k}`;
    }
    return undefined;
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(e)?.[1];
  return scheme
    ? `uses "${scheme}://", which the remote driver does not dial (tcp://, unix://, docker-container://, kube-pod://)`
    : 'must start with tcp://, unix://, docker-container:// or kube-pod://';
}

export const remoteEndpoint = z.string().superRefine((e, ctx) => {
  const problem = endpointProblem(e);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

// -------------------------------------------------------------------------------------------------
// Kubernetes

/** CPU in cores or millicores: 2, 0.5, 500m. */
export const kubeCpu = z
  .string()
  .regex(/^(\d+(\.\d+)?|\d+m)$/, 'must be CPU units such as 500m, 1 or 2.5')
  .refine((s) => parseFloat(s) > 0, 'must be more than 0');

/** Kubernetes quantities: 512Mi, 4G, 2Gi, 1000000. */
export const kubeQuantity = z
  .string()
  .regex(/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/, 'must be a quantity such as 512Mi, 2Gi or 4G')
  .refine((s) => parseFloat(s) > 0, 'must be more than 0');

const KUBE_LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const KUBE_LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** buildx splits these maps on "," and "=", so neither may appear inside a key or value. */
export const kubeLabels = keyValueMap(
  KUBE_LABEL_KEY,
  'must be a label key such as kubernetes.io/arch',
  z
    .string()
    .max(63, 'is longer than 63 characters')
    .regex(KUBE_LABEL_VALUE, 'must be a label value (letters, digits, "-", "_", ".")'),
);

export const kubeAnnotations = keyValueMap(
  KUBE_LABEL_KEY,
  'must be an annotation key such as example.com/team',
  z
    .string()
    .max(1024, 'is too long')
    .refine((v) => !/[,=;\n\r]/.test(v), 'must not contain ",", "=", ";" or line breaks (buildx splits on them)'),
);

const tolerationPart = z
  .string()
  .max(253, 'is too long')
  .refine((v) => !/[,=;\s]/.test(v), 'must not contain ",", "=", ";" or spaces');

export const toleration = z
  .object({
    key: tolerationPart.optional(),
    operator: z.enum(['Equal', 'Exists']).optional(),
    value: tolerationPart.optional(),
    effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
    tolerationSeconds: z.number().int('must be a whole number of seconds').min(0, 'must not be negative').optional(),
  })
  .strict()
  .refine((t) => t.key !== undefined || t.operator === 'Exists', {
    error: 'needs a key unless the operator is Exists',
    path: ['key'],
  })
  .refine((t) => !(t.operator === 'Exists' && t.value !== undefined), {
    error: 'must be empty when the operator is Exists',
    path: ['value'],
  })
  .refine((t) => t.tolerationSeconds === undefined || t.effect === 'NoExecute', {
    error: 'applies only to the NoExecute effect',
    path: ['tolerationSeconds'],
  });
export type Toleration = z.infer<typeof toleration>;

export const kubeNamespace = z
  .string()
  .max(63, 'is longer than 63 characters')
  .regex(DNS_LABEL, 'must be lower-case letters, digits and "-" (a DNS label)');

export const kubeName = z
  .string()
  .max(253, 'is too long')
  .regex(DNS_SUBDOMAIN, 'must be lower-case letters, digits, "-" and "." (a DNS name)');

/** kubeconfig context names are free-form; only what would break a command line is refused. */
export const kubeContextName = z
  .string()
  .min(1, 'is required')
  .max(253, 'is too long')
  .refine((s) => !/[\0\n\r]/.test(s) && s.trim() === s, 'must not have surrounding spaces or line breaks');

/** Go durations, as buildx parses `timeout`: 120s, 2m, 1h30m. */
export const goDuration = z
  .string()
  .regex(GO_DURATION_PATTERN, 'must be a duration such as 120s, 2m or 1h30m')
  .refine((s) => /[1-9]/.test(s), 'must be more than 0');
