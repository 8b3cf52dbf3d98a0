/**
 * A platform as a build names it (linux/amd64, linux/arm/v7). In a module of its own, without zod:
 * the renderer's progress code needs the pattern, and importing it from contracts/builds.ts pulled
 * zod and every build schema into the window's first chunk (issue 14).
 */
export const PLATFORM_PATTERN = /^[a-z][a-z0-9]*\/[a-z0-9_]+(?:\/[a-z0-9.]+)?$/;
