import { z } from 'zod';

/** Docker endpoints BuildDeck can reach through dockerode and the docker CLI alike. */
const dockerHost = z
  .string()
  .trim()
  .regex(/^(unix|tcp|npipe|https?):\/\/\S+$/, 'must be unix:///path, tcp://host:port or npipe:////./pipe/name')
  .max(512);

/** A program name on PATH or an absolute path; it is spawned without a shell, never interpolated. */
const executable = z
  .string()
  .trim()
  .min(1)
  .max(4096)
  .regex(/^[^\0\n\r]+$/, 'must be a program name or an absolute path');

/**
 * User settings, persisted in the app's data directory. Every field has a default so an empty or
 * partial file is a valid one; unknown keys are rejected so typos surface instead of being ignored.
 */
export const settingsSchema = z
  .object({
    /** Docker endpoint for dockerode and buildx; unset: DOCKER_HOST or the local socket. */
    dockerHost: dockerHost.optional(),
    /** The docker CLI that runs buildx. */
    dockerPath: executable.default('docker'),
    /** Bound for each builder's answer in lists and health checks. */
    healthTimeoutMs: z.number().int().min(500).max(120_000).default(5000),
    /** History retention: whichever limit is reached first. */
    historyMaxCount: z.number().int().min(10).max(100_000).default(500),
    historyMaxAgeDays: z.number().int().min(1).max(3650).default(90),
    /** Log bytes kept per build (older lines are dropped first, the failing step's tail is kept). */
    logCapBytes: z
      .number()
      .int()
      .min(64 * 1024)
      .max(256 * 1024 * 1024)
      .default(8 * 1024 * 1024),
    theme: z.enum(['system', 'light', 'dark']).default('system'),
    startMinimized: z.boolean().default(false),
    launchAtLogin: z.boolean().default(false),
  })
  .strict();

export type Settings = z.output<typeof settingsSchema>;

/** A patch names only the fields it changes; `null` clears an optional field back to its default. */
export const settingsPatch = z
  .object({
    dockerHost: dockerHost.nullable().optional(),
    dockerPath: executable.optional(),
    healthTimeoutMs: z.number().int().min(500).max(120_000).optional(),
    historyMaxCount: z.number().int().min(10).max(100_000).optional(),
    historyMaxAgeDays: z.number().int().min(1).max(3650).optional(),
    logCapBytes: z
      .number()
      .int()
      .min(64 * 1024)
      .max(256 * 1024 * 1024)
      .optional(),
    theme: z.enum(['system', 'light', 'dark']).optional(),
    startMinimized: z.boolean().optional(),
    launchAtLogin: z.boolean().optional(),
  })
  .strict();

export const settingsCommands = {
  /** Current settings with defaults filled in, and where they are stored. */
  'settings.get': {
    input: z.object({}).strict(),
    output: z.object({ settings: settingsSchema, path: z.string() }),
  },
  /** Validates and persists a patch; returns the new settings. Engine-related changes apply at once. */
  'settings.update': {
    input: z.object({ patch: settingsPatch }).strict(),
    output: z.object({ settings: settingsSchema, path: z.string() }),
  },
  /** Back to defaults (the previous file is kept as a backup beside it). */
  'settings.reset': {
    input: z.object({}).strict(),
    output: z.object({ settings: settingsSchema, path: z.string() }),
  },
} as const;

export const settingsEvents = {
  'settings.changed': z.object({ settings: settingsSchema }).strict(),
} as const;
