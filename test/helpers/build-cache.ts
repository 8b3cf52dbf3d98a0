import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

interface CacheRecord {
  ID: string;
  Parent: string;
  Description: string;
  CacheType: string;
}

async function records(env: NodeJS.ProcessEnv): Promise<CacheRecord[]> {
  const { stdout } = await exec('docker', ['system', 'df', '-v', '--format', '{{json .BuildCache}}'], {
    env,
    maxBuffer: 64 * 1024 * 1024,
  });
  return (JSON.parse(stdout.trim() || '[]') as CacheRecord[] | null) ?? [];
}

/**
 * Prunes, on the daemon's own (docker driver) builder, exactly the cache records a test made:
 * those whose description contains the test's unique token (its RUN lines carry it) and every
 * record built on top of them. Nothing else: other engineers' tests share this daemon.
 * ("local source for context" records carry no token and are left; they are a few bytes each.)
 */
export async function pruneCacheByToken(token: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const all = await records(env);
  const mine = new Set(all.filter((r) => r.Description.includes(token)).map((r) => r.ID));
  for (let grew = true; grew;) {
    grew = false;
    for (const r of all) {
      if (!mine.has(r.ID) && r.Parent && r.Parent.split(',').some((p) => mine.has(p.trim()))) {
        mine.add(r.ID);
        grew = true;
      }
    }
  }
  // A parent is kept while a child exists: remove leaves first, a few passes.
  for (let pass = 0; pass < 4 && mine.size > 0; pass++) {
    for (const id of [...mine]) {
      await exec('docker', ['buildx', 'prune', '--builder', 'default', '--force', '--filter', `id=^${id}$`], {
        env,
      }).catch(() => undefined);
    }
    const left = new Set((await records(env)).map((r) => r.ID));
    for (const id of [...mine]) if (!left.has(id)) mine.delete(id);
  }
  return mine.size;
}
