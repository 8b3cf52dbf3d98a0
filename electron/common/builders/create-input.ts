import { z } from 'zod';
import { builderName } from '../domain';
import { absolutePath, buildkitdFlags, nodeName, parseDockerSize, platforms, remoteEndpoint } from './fields';
import { optionShape } from './option-derive';
import { formatTomlError, parseToml } from './toml';

/**
 * `builders.create`: one command, discriminated by driver. Field names are the form's field names,
 * so an INVALID_INPUT's details.field points at the input to highlight.
 */

/** Longest pasted buildkitd.toml we accept; real ones are a few hundred bytes. */
export const MAX_TOML_BYTES = 64 * 1024;

export const buildkitdToml = z
  .string()
  // abort: zod runs later checks after a failed one, and the parse below would read all of a 1 MB paste.
  .max(MAX_TOML_BYTES, { error: 'is larger than 64 KiB', abort: true })
  .superRefine((text, ctx) => {
    const parsed = parseToml(text);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: `not valid TOML: ${formatTomlError(parsed.error)}` });
  });

/** What every driver's form has. */
const base = {
  name: builderName,
  /** Add a node to the existing builder `name` instead of creating one (`--append`). */
  append: z.boolean().optional(),
  /** Node name (`--node`); buildx picks `<name>0` when omitted. */
  node: nodeName.optional(),
  /** Platforms this node is pinned to (`--platform`). */
  platforms: platforms.optional(),
  /** Make it the current builder (`--use`). */
  use: z.boolean().optional(),
  /** Start it now (`--bootstrap`); a failure removes what was created. */
  bootstrap: z.boolean().optional(),
  /** Bound for the whole create (and bootstrap), 1 s to 10 min; default 2 min. */
  timeoutMs: z.number().int().min(1000).max(600_000).optional(),
  /** Chosen by the caller to match `builders.progressed` events to this call. */
  operationId: z.string().min(1).max(100).optional(),
};

/** Only drivers that start BuildKit themselves take daemon flags and config. */
const daemon = {
  buildkitdFlags: buildkitdFlags.optional(),
  /** A buildkitd.toml on disk; checked (exists, readable, valid TOML) before buildx runs. */
  buildkitdConfigPath: absolutePath.optional(),
  /** buildkitd.toml text (pasted); written to a private temporary file for buildx to read. */
  buildkitdConfigToml: buildkitdToml.optional(),
};

const oneConfig = (v: { buildkitdConfigPath?: unknown; buildkitdConfigToml?: unknown }) =>
  !(v.buildkitdConfigPath !== undefined && v.buildkitdConfigToml !== undefined);
const oneConfigIssue = { error: 'give either a config file or pasted TOML, not both', path: ['buildkitdConfigToml'] };

export const dockerContainerCreate = z
  .object({
    driver: z.literal('docker-container'),
    ...base,
    ...daemon,
    ...optionShape('docker-container'),
  })
  .strict()
  .refine(oneConfig, oneConfigIssue)
  .refine((v) => v.memorySwap === undefined || v.memory !== undefined, {
    error: 'needs a memory limit as well',
    path: ['memorySwap'],
  })
  .refine(
    (v) =>
      v.memorySwap === undefined ||
      v.memory === undefined ||
      v.memorySwap === '-1' ||
      (parseDockerSize(v.memorySwap) ?? 0) >= (parseDockerSize(v.memory) ?? 0),
    { error: 'must be at least the memory limit (it counts memory plus swap)', path: ['memorySwap'] },
  );

export const kubernetesCreate = z
  .object({
    driver: z.literal('kubernetes'),
    ...base,
    ...daemon,
    ...optionShape('kubernetes'),
  })
  .strict()
  .refine(oneConfig, oneConfigIssue)
  .refine((v) => v.qemuImage === undefined || v.qemuInstall === true, {
    error: 'is used only when "Install QEMU" is on',
    path: ['qemuImage'],
  });

export const remoteCreate = z
  .object({
    driver: z.literal('remote'),
    ...base,
    endpoint: remoteEndpoint,
    ...optionShape('remote'),
  })
  .strict()
  .refine((v) => (v.cert === undefined) === (v.key === undefined), {
    error: 'a client certificate needs its key (and a key its certificate)',
    path: ['key'],
  })
  .refine(
    (v) => v.endpoint.startsWith('tcp://') || [v.cacert, v.cert, v.key, v.servername].every((x) => x === undefined),
    {
      error: 'TLS applies only to tcp:// endpoints',
      path: ['cacert'],
    },
  );

export const builderCreateInput = z
  .discriminatedUnion('driver', [dockerContainerCreate, kubernetesCreate, remoteCreate], {
    error: (issue) => {
      if (issue.code !== 'invalid_union') return undefined;
      const input: unknown = issue.input;
      const given = typeof input === 'object' && input !== null ? (input as { driver?: unknown }).driver : input;
      return given === 'docker'
        ? 'cannot be "docker": every Docker context already has its one docker-driver builder'
        : 'must be docker-container, kubernetes or remote';
    },
  })
  .refine((v) => !v.append || v.node === undefined || v.node !== v.name, {
    error: 'must differ from the builder name',
    path: ['node'],
  });

export type BuilderCreateInput = z.output<typeof builderCreateInput>;
export type DockerContainerCreate = z.output<typeof dockerContainerCreate>;
export type KubernetesCreate = z.output<typeof kubernetesCreate>;
export type RemoteCreate = z.output<typeof remoteCreate>;
export type { CreatableDriver } from './options';
export const CREATABLE_DRIVERS: readonly BuilderCreateInput['driver'][] = ['docker-container', 'kubernetes', 'remote'];
