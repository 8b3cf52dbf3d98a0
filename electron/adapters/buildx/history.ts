import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AppException, appError, type AppError } from '../../common/errors';
import type {
  BuildkitHistoryPort,
  BuildkitRecordRow,
  BuildxLocalState,
  RecordFacts,
  StreamExit,
} from '../../core/history/ports';
import type { CallOptions } from '../../core/ports';
import type { BuildEvent } from '../../common/contracts/builds';
import type { BuildxCli } from './cli';
import { factsFromInspect, parseHistoryLs, provenanceFacts } from './history-parse';
import { FrameParser } from './progress';

const TAIL = 16 * 1024;
const PROVENANCE = /^https:\/\/slsa\.dev\/provenance\//;

/**
 * `docker buildx history` per builder (buildx >= 0.20; inspect JSON 0.21; export 0.23).
 * Never called for a stopped builder: `history ls` on a stopped docker-container builder starts it
 * (measured: 14 s, and the container keeps running), which reading history must not do.
 */
export class BuildxHistory implements BuildkitHistoryPort {
  constructor(private readonly cli: BuildxCli) {}

  async list(builder: string, call: CallOptions): Promise<BuildkitRecordRow[]> {
    const r = await this.cli.exec(['history', 'ls', '--builder', builder, '--format', 'json', '--no-trunc'], call);
    return parseHistoryLs(r.stdout);
  }

  async inspect(builder: string, id: string, call: CallOptions): Promise<RecordFacts> {
    const r = await this.execRecord(['history', 'inspect', '--builder', builder, id, '--format', 'json'], id, call);
    const facts = factsFromInspect(r.stdout, id);
    // Secret and ssh ids (never values) are only in the provenance attachment; materials too on old buildx.
    const prov = facts.attachments.find((a) => PROVENANCE.test(a.type));
    if (prov) {
      const p = await this.cli
        .exec(['history', 'inspect', 'attachment', '--builder', builder, id, prov.digest], call)
        .then((res) => provenanceFacts(JSON.parse(res.stdout) as unknown))
        .catch(() => undefined);
      if (p) {
        facts.secretIds = p.secretIds;
        facts.sshIds = p.sshIds;
        if (facts.materials.length === 0) facts.materials = p.materials;
      }
    }
    return facts;
  }

  async logs(
    builder: string,
    id: string,
    opts: { onEvents(events: BuildEvent[]): void; signal: AbortSignal; timeoutMs: number },
  ): Promise<StreamExit> {
    const parser = new FrameParser((events) => opts.onEvents(events));
    // rawjson progress goes to stderr (measured on 0.29.1), like `build --progress=rawjson`.
    const args = ['history', 'logs', '--builder', builder, '--progress', 'rawjson', id];
    const result = await this.cli
      .exec(args, {
        timeoutMs: opts.timeoutMs,
        signal: opts.signal,
        maxBufferBytes: TAIL,
        keepTail: true,
        expected: 'any',
        onStderr: (chunk) => parser.push(chunk),
      })
      .finally(() => parser.end());
    if (result.failure) throw recordFailure(result.failure, id);
    return { exitCode: result.code, stderrTail: result.stderr };
  }

  async export(builder: string, id: string, dest: string, call: CallOptions): Promise<void> {
    await this.execRecord(['history', 'export', '--builder', builder, id, '--output', dest], id, call);
  }

  async remove(builder: string, id: string, call: CallOptions): Promise<void> {
    await this.execRecord(['history', 'rm', '--builder', builder, id], id, call);
  }

  async localState(builder: string, node: string, id: string): Promise<BuildxLocalState | undefined> {
    if (![builder, node, id].every(safePart)) return undefined;
    return readLocalState(join(this.cli.configDir(), 'refs', builder, node, id));
  }

  async localStateIds(builder: string, node: string): Promise<ReadonlySet<string> | undefined> {
    if (![builder, node].every(safePart)) return undefined;
    try {
      return new Set(await readdir(join(this.cli.configDir(), 'refs', builder, node)));
    } catch (err) {
      // No folder: buildx wrote no local state for this node yet. Anything else: cannot tell.
      return (err as NodeJS.ErrnoException).code === 'ENOENT' ? new Set() : undefined;
    }
  }

  async refsSince(since: number, contextDir: string): Promise<{ ref: string; writtenAt: number }[]> {
    const root = join(this.cli.configDir(), 'refs');
    const out: { ref: string; writtenAt: number }[] = [];
    for (const builder of await entries(root)) {
      if (builder === '__group__') continue;
      for (const node of await entries(join(root, builder))) {
        for (const id of await entries(join(root, builder, node))) {
          const file = join(root, builder, node, id);
          const info = await stat(file).catch(() => undefined);
          if (!info || info.mtimeMs < since) continue;
          const st = await readLocalState(file);
          if (st?.localPath === contextDir) out.push({ ref: `${builder}/${node}/${id}`, writtenAt: st.writtenAt });
        }
      }
    }
    return out.sort((a, b) => a.writtenAt - b.writtenAt);
  }

  /** Runs a command about one record; "not found" becomes INVALID_INPUT naming the ref. */
  private async execRecord(args: string[], id: string, call: CallOptions) {
    const result = await this.cli.exec(args, { ...call, expected: ['record-not-found'] });
    if (result.failure) throw recordFailure(result.failure, id);
    return result;
  }
}

/** One path element of buildx's refs folder: never a separator or a way up. */
const safePart = (p: string) => /^[A-Za-z0-9_.-]+$/.test(p) && p !== '.' && p !== '..';

async function entries(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

async function readLocalState(file: string): Promise<BuildxLocalState | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    const j = JSON.parse(text) as Record<string, unknown>;
    const s = (k: string) => (typeof j[k] === 'string' && j[k] ? j[k] : undefined);
    const target = s('Target');
    const localPath = s('LocalPath');
    const dockerfilePath = s('DockerfilePath');
    const groupRef = s('GroupRef');
    return {
      ...(target ? { target } : {}),
      ...(localPath ? { localPath } : {}),
      ...(dockerfilePath ? { dockerfilePath } : {}),
      ...(groupRef ? { groupRef } : {}),
      writtenAt: info.mtimeMs,
    };
  } catch {
    return undefined;
  }
}

/** A failure about one record, naming the ref when buildx did not find it (failures.ts knows its words). */
function recordFailure(failure: AppError, id: string): AppException {
  if (failure.details?.['reason'] !== 'record-not-found') return new AppException(failure);
  const stderr = failure.details['stderr'];
  return appError('INVALID_INPUT', `No build record ${id} on this builder.`, {
    hint: failure.hint ?? '',
    details: { field: 'id', stderr: typeof stderr === 'string' ? stderr.slice(-2000) : '' },
  });
}
