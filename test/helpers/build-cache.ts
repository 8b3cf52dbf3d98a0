import { execFile } from 'node:child_process';
import { request } from 'node:http';
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

/** The lines an image was built with (`docker history`'s CreatedBy), through the Engine API. */
function historyOf(socketPath: string, id: string): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: `/images/${encodeURIComponent(id)}/history`, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', () => resolve(''));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/**
 * Removes the untagged images a test's builds left: a docker-driver build without a tag still
 * exports an image to the engine, and such an image keeps its layers' cache records "shared", which
 * `buildx prune` does not free. Only images whose build history carries the test's token.
 */
async function removeUntaggedImages(token: string, env: NodeJS.ProcessEnv): Promise<void> {
  const host = env['DOCKER_HOST'] ?? 'unix:///var/run/docker.sock';
  if (!host.startsWith('unix://')) return; // a tcp engine: its tests tag what they build
  const { stdout } = await exec('docker', ['image', 'ls', '--filter', 'dangling=true', '--format', '{{.ID}}'], { env });
  const ids = [...new Set(stdout.split('\n').filter(Boolean))];
  const mine: string[] = [];
  for (let i = 0; i < ids.length; i += 8) {
    const batch = ids.slice(i, i + 8);
    const histories = await Promise.all(batch.map((id) => historyOf(host.slice('unix://'.length), id)));
    batch.forEach((id, j) => histories[j]?.includes(token) && mine.push(id));
  }
  if (mine.length > 0) await exec('docker', ['image', 'rm', '-f', ...mine], { env }).catch(() => undefined);
}

/**
 * Prunes, on the daemon's own (docker driver) builder, exactly the cache records a test made:
 * those whose description contains the test's unique token (its RUN lines carry it) and every
 * record built on top of them, after removing the untagged images its builds left (which would keep
 * those records). Nothing else: other engineers' tests share this daemon.
 * ("local source for context" records carry no token and are left; they are a few bytes each.)
 */
export async function pruneCacheByToken(token: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  await removeUntaggedImages(token, env);
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
