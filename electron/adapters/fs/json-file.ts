import { readFileSync } from 'node:fs';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DocumentStore } from '../../core/ports';

/**
 * A JSON document on disk, written atomically (temp file, fsync, rename) with owner-only permissions,
 * so a crash mid-write leaves the previous version, never half a file.
 */
let writes = 0;

export class JsonFileStore implements DocumentStore {
  constructor(
    readonly path: string,
    /** false for caches that are cheaper to lose than to fsync (still atomic: never half a file). */
    private readonly durable = true,
  ) {}

  async load(): Promise<string | undefined> {
    try {
      return await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** For start-up only: settings must be known before the first adapter call. */
  loadSync(): string | undefined {
    try {
      return readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async save(text: string): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    // Unique per process and write, without loading node:crypto for it.
    const tmp = `${this.path}.${process.pid}-${Date.now().toString(36)}-${++writes}.tmp`;
    const handle = await open(tmp, 'w', 0o600);
    try {
      try {
        await handle.writeFile(text, 'utf8');
        if (this.durable) await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, this.path);
    } catch (err) {
      // A full disk fails the write: the old file stays as it was, and no partial temp file is left.
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
  }

  async backup(suffix: string): Promise<string | undefined> {
    const target = `${this.path}.${suffix}`;
    try {
      await rename(this.path, target);
      return target;
    } catch {
      return undefined;
    }
  }
}
