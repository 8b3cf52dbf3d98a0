import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pruneCacheByToken } from '../helpers/build-cache';
import { outcomeOf, type CliOutcome } from '../helpers/cli';
import { buildxSandbox, type BuildxSandbox } from '../helpers/buildx-sandbox';
import { freePort, silentListener } from '../helpers/net';

const exec = promisify(execFile);
const repo = join(import.meta.dirname, '../..');

/** `builddeck ARGS` as a user runs it (the CLI entry under tsx), in `cwd`. */
function builddeck(args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<CliOutcome> {
  return outcomeOf(
    exec(
      process.execPath,
      // tsx by its resolved URL: the CLI runs in the user's folder, not in the repository.
      ['--import', import.meta.resolve('tsx'), join(repo, 'electron/cli/index.ts'), ...args],
      { cwd: opts.cwd, env: opts.env, maxBuffer: 64 * 1024 * 1024 },
    ),
  );
}

const ndjson = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('the CLI with buildx flags, against the real engine', () => {
  const token = `bdtest-cliflags-${Math.random().toString(36).slice(2, 8)}`;
  let sandbox: BuildxSandbox;
  let work: string;
  let env: NodeJS.ProcessEnv;
  const refs: string[] = [];

  beforeAll(() => {
    sandbox = buildxSandbox();
    work = mkdtempSync(join(tmpdir(), 'bd-cliflags-'));
    env = { ...sandbox.env, BUILDDECK_DATA_DIR: join(work, 'data') };
    writeFileSync(join(work, 'a.txt'), `${token}\n`);
    writeFileSync(
      join(work, 'Dockerfile'),
      `FROM local/busybox:latest\nCOPY a.txt /a.txt\nRUN echo "run ${token}" && cat /a.txt\n`,
    );
  });
  afterAll(async () => {
    await exec('docker', [
      'image',
      'rm',
      '-f',
      `${token}:flags`,
      `${token}:runflags`,
      `${token}-bake-one:dev`,
      `${token}-bake-two:dev`,
    ]).catch(() => undefined);
    const ids = refs.filter((r) => r.startsWith('default/')).map((r) => r.split('/').at(-1) ?? '');
    if (ids.length)
      await sandbox.docker(['buildx', 'history', 'rm', '--builder', 'default', ...ids]).catch(() => undefined);
    await pruneCacheByToken(token);
    await sandbox.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  it('--dry-run --json: every flag reaches the exact docker buildx build argv through the CLI', async () => {
    mkdirSync(join(work, 'secrets'), { recursive: true });
    const r = await builddeck(
      [
        'build',
        '.',
        '-f',
        'Dockerfile',
        '--builder',
        'default',
        '--platform',
        'linux/amd64',
        '-t',
        `${token}:x`,
        '--build-arg',
        'A=1',
        '--target',
        'final',
        '--no-cache',
        '--pull',
        '--load',
        '-o',
        'type=local,dest=out',
        '--cache-from',
        'type=local,src=cache',
        '--cache-to',
        'type=inline',
        '--secret',
        'id=s,src=secrets/s',
        '--ssh',
        'k=/dev/null',
        '--label',
        'l=v',
        '--network',
        'none',
        '--metadata-file',
        'm.json',
        '--dry-run',
        '--json',
      ],
      { cwd: work, env },
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      argv: [
        'docker',
        'buildx',
        'build',
        '--metadata-file',
        join(work, 'm.json'),
        '--builder',
        'default',
        '--file',
        join(work, 'Dockerfile'),
        '--platform',
        'linux/amd64',
        '--tag',
        `${token}:x`,
        '--build-arg',
        'A=1',
        '--target',
        'final',
        '--no-cache',
        '--pull',
        '--secret',
        `id=s,src=${join(work, 'secrets/s')}`,
        '--load',
        '--output',
        `type=local,dest=${join(work, 'out')}`,
        '--cache-from',
        `type=local,src=${join(work, 'cache')}`,
        '--cache-to',
        'type=inline',
        '--label',
        'l=v',
        '--ssh',
        'k=/dev/null',
        '--network',
        'none',
        work,
      ],
    });
    // Refused by name, with what to do; a value the contract refuses names its field.
    const debug = await builddeck(['build', '.', '--debug'], { cwd: work, env });
    expect(debug.code).toBe(2);
    expect(debug.stderr).toContain('--debug is a `docker buildx build` option that BuildDeck does not support yet');
    const vuln = await builddeck(['build', '.', '--attest', 'type=vuln'], { cwd: work, env });
    expect(vuln.code).toBe(2);
    expect(vuln.stderr).toContain('BuildDeck takes type=provenance or type=sbom');
    // An attestation on the docker driver, as --sbom or as --attest: refused before buildx starts,
    // with the ways out.
    for (const ask of [['--sbom=true'], ['--attest', 'type=sbom']]) {
      const sbom = await builddeck(['build', '.', ...ask], { cwd: work, env });
      expect(sbom.code).toBe(2);
      expect(sbom.stderr).toMatch(
        /INVALID_INPUT: Builder "default" uses the docker driver, which cannot attach an SBOM/,
      );
      expect(sbom.stderr).toMatch(/hint: .*containerd image store, or build without it \(--sbom=false\)/);
    }
    // An annotation key buildx would write into the image as typed, space and all.
    const key = await builddeck(['build', '.', '--annotation', 'bad key=v'], { cwd: work, env });
    expect(key.code).toBe(2);
    expect(key.stderr).toMatch(/INVALID_INPUT: .*annotation key like org\.opencontainers\.image\.title/);
    const bad = await builddeck(['build', '.', '--network', 'bridge'], { cwd: work, env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/INVALID_INPUT: Invalid network/);
  });

  it('--call and --check answer as `docker buildx build` does: the same stdout, the same exit code', async () => {
    // Two stages and a documented build arg: something for outline and targets to say.
    const dir = join(work, 'call');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'Dockerfile'),
      `FROM local/busybox:latest AS base\n# GREETING what to say\nARG GREETING=hello\nRUN echo "$GREETING ${token}"\nFROM base AS final\n`,
    );
    const buildx = (args: string[]) =>
      outcomeOf(exec('docker', ['buildx', 'build', ...args], { cwd: dir, env, maxBuffer: 16 * 1024 * 1024 }));
    for (const flags of [['--call=outline'], ['--call', 'targets,format=json'], ['--check']]) {
      const [ours, theirs] = [
        await builddeck(['build', ...flags, '.'], { cwd: dir, env }),
        await buildx([...flags, '.']),
      ];
      expect(ours.code, `${flags.join(' ')}: ${ours.stderr.slice(-300)}`).toBe(theirs.code);
      expect(ours.stdout, flags.join(' ')).toBe(theirs.stdout);
      // Its progress and errors stay on stderr, ending as buildx's end (lint needs a BuildKit that has
      // it: this engine's answers --check with an error, which must then be buildx's own).
      expect(ours.stderr.trim().split('\n').at(-1)).toBe(theirs.stderr.trim().split('\n').at(-1));
    }
    const outline = await builddeck(['build', '--call=outline', '.'], { cwd: dir, env });
    expect(outline.stdout).toMatch(/TARGET:\s+final/);
    expect(outline.stdout).toMatch(/GREETING\s+hello\s+what to say/);
    const targets = JSON.parse(
      (await builddeck(['build', '--call=targets,format=json', '.'], { cwd: dir, env })).stdout,
    ) as {
      targets: { name: string }[];
    };
    expect(targets.targets.map((t) => t.name)).toEqual(['base', 'final']);
    // The command it would run, and what it refuses before running anything.
    const dry = await builddeck(['build', '--check', '--dry-run', '.'], { cwd: dir, env });
    expect(dry.stdout.trim()).toBe(`docker buildx build ${dir} --call=check`);
    const json = await builddeck(['build', '--check', '--json', '.'], { cwd: dir, env });
    expect(json.code).toBe(2);
    expect(json.stderr).toContain('--json is for builds (for JSON give --call=check,format=json)');
    const nowhere = await builddeck(['build', '--check', join(dir, 'missing')], { cwd: dir, env });
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toMatch(/INVALID_INPUT: The context folder .* does not exist/);

    // A builder that accepts and never answers (FAKE: a silent loopback socket) is refused within the
    // check bound, as a build is; buildx itself would wait on it.
    const port = await freePort();
    const silent = await silentListener(port);
    const name = sandbox.name('callsilent');
    try {
      await sandbox.docker(['buildx', 'create', '--name', name, '--driver', 'remote', `tcp://127.0.0.1:${port}`]);
      const t = Date.now();
      const refused = await builddeck(['build', '--check', '--builder', name, '.'], { cwd: dir, env });
      expect(refused.code, refused.stderr).toBe(1);
      expect(refused.stderr).toMatch(/BUILDER_UNREACHABLE/);
      console.log(`silent builder refused after ${Date.now() - t} ms`);
      expect(Date.now() - t).toBeLessThan(30_000);
    } finally {
      silent.close();
      await sandbox.docker(['buildx', 'rm', name]).catch(() => undefined);
    }
  });

  it('builds with --no-cache, --load, --label, --network none and --metadata-file as buildx would', async () => {
    const meta = join(work, 'meta.json');
    const r = await builddeck(
      [
        'build',
        '.',
        '--no-cache',
        '--load',
        '-t',
        `${token}:flags`,
        '--label',
        `builddeck.test=${token}`,
        '--network',
        'none',
        '--metadata-file',
        'meta.json',
        '--progress=plain',
        '--json',
      ],
      { cwd: work, env },
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('--progress=plain is ignored');
    const lines = ndjson(r.stdout);
    const summary = lines.at(-1) as {
      ok: boolean;
      digest: string;
      platforms: { steps: number; cachedSteps: number }[];
    };
    expect(summary).toMatchObject({ type: 'summary', ok: true });
    // --no-cache: the RUN ran again (a cached step prints nothing); only the base image may be reused.
    expect(lines.some((l) => l['type'] === 'log' && String(l['data']).includes(`run ${token}`))).toBe(true);
    expect(summary.platforms[0]?.cachedSteps).toBeLessThanOrEqual(1);
    const written = JSON.parse(readFileSync(meta, 'utf8')) as Record<string, string>;
    expect(written['containerimage.digest']).toBe(summary.digest);
    refs.push(written['buildx.build.ref'] ?? '');
    const { stdout } = await exec('docker', [
      'image',
      'inspect',
      `${token}:flags`,
      '--format',
      '{{index .Config.Labels "builddeck.test"}} {{.Id}}',
    ]);
    expect(stdout.trim()).toBe(`${token} ${summary.digest}`);
  });

  it('exports to a local folder with -o type=local,dest=DIR', async () => {
    const r = await builddeck(['build', '.', '-o', 'type=local,dest=exported', '--json'], { cwd: work, env });
    expect(r.code).toBe(0);
    expect(readFileSync(join(work, 'exported', 'a.txt'), 'utf8')).toBe(`${token}\n`);
  });

  it('RUN steps get --add-host, --shm-size, --ulimit and a --build-context; --attest and --annotation reach buildx; -q prints the image ID --iidfile holds', async () => {
    const dir = join(work, 'runflags');
    mkdirSync(join(dir, 'extra'), { recursive: true });
    writeFileSync(join(dir, 'extra', 'note.txt'), `note ${token}\n`);
    writeFileSync(
      join(dir, 'Dockerfile'),
      [
        'FROM local/busybox:latest AS probe',
        'COPY --from=extra note.txt /note.txt',
        `RUN echo "probe ${token}" && grep db.bdtest /etc/hosts && df -k /dev/shm | tail -1 && echo "nofile $(ulimit -n)" && cat /note.txt`,
        '',
      ].join('\n'),
    );
    const flags = [
      '--add-host',
      'db.bdtest:10.1.2.3',
      '--shm-size',
      '96m',
      '--ulimit',
      'nofile=1234:2345',
      '--build-context',
      'extra=extra',
      // buildx's general form of --provenance=false, and an OCI annotation of the image.
      '--attest',
      'type=provenance,disabled=true',
      '--annotation',
      `org.opencontainers.image.title=${token}`,
      '-t',
      `${token}:runflags`,
    ];
    const output = (stdout: string) =>
      ndjson(stdout)
        .filter((l) => l['type'] === 'log')
        .map((l) => String(l['data']))
        .join('');
    const dry = await builddeck(['build', '.', ...flags, '--dry-run'], { cwd: dir, env });
    expect(dry.stdout).toContain(`--provenance=false --annotation org.opencontainers.image.title=${token}`);
    const first = await builddeck(['build', '.', ...flags, '--json'], { cwd: dir, env });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const ran = output(first.stdout);
    expect(ran).toContain(`probe ${token}`);
    expect(ran).toMatch(/10\.1\.2\.3\s+db\.bdtest/);
    // df -k: 96m of /dev/shm is 98304 KiB.
    expect(ran).toMatch(/\s98304\s/);
    expect(ran).toContain('nofile 1234');
    expect(ran).toContain(`note ${token}`);
    // The same build is cached now, but --no-cache-filter runs the probe stage again.
    const again = await builddeck(['build', '.', ...flags, '--no-cache-filter', 'probe', '--json'], { cwd: dir, env });
    expect(again.code).toBe(0);
    expect(output(again.stdout)).toContain(`probe ${token}`);
    // -q: stdout is the image ID alone, the one --iidfile writes and the tag points at.
    const quiet = await builddeck(['build', '.', ...flags, '-q', '--iidfile', 'iid.txt'], { cwd: dir, env });
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect(readFileSync(join(dir, 'iid.txt'), 'utf8').trim()).toBe(quiet.stdout.trim());
    const { stdout: id } = await exec('docker', ['image', 'inspect', `${token}:runflags`, '--format', '{{.Id}}']);
    expect(id.trim()).toBe(quiet.stdout.trim());
  });

  it('--allow network.host lets RUN --network=host run (BuildKit refuses it without); --cgroup-parent reaches buildx', async () => {
    const dir = join(work, 'allow');
    mkdirSync(dir);
    writeFileSync(join(dir, 'Dockerfile'), `FROM local/busybox:latest\nRUN --network=host echo "hostnet ${token}"\n`);
    const without = await builddeck(['build', '.', '--no-cache'], { cwd: dir, env });
    expect(without.code).toBe(1);
    expect(without.stderr).toContain('network.host is not allowed');
    const flags = ['--allow', 'network.host', '--cgroup-parent', 'bdtest.slice', '--no-cache'];
    const dry = await builddeck(['build', '.', ...flags, '--dry-run'], { cwd: dir, env });
    expect(dry.stdout).toContain('--allow network.host --cgroup-parent bdtest.slice');
    const r = await builddeck(['build', '.', ...flags, '--json'], { cwd: dir, env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(
      ndjson(r.stdout)
        .filter((l) => l['type'] === 'log')
        .map((l) => String(l['data']))
        .join(''),
    ).toContain(`hostnet ${token}`);
    // An entitlement BuildDeck does not pass is named by the contract, not handed to buildx.
    const bad = await builddeck(['build', '.', '--allow', 'device'], { cwd: dir, env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/INVALID_INPUT: .*allow/);
  });

  it('bakes with `builddeck bake --json`: NDJSON events tagged with their target, then a summary per target', async () => {
    const dir = join(work, 'bake');
    mkdirSync(dir);
    writeFileSync(join(dir, 'Dockerfile'), `FROM local/busybox:latest\nARG WHO\nRUN echo "$WHO ${token}"\n`);
    writeFileSync(
      join(dir, 'docker-bake.hcl'),
      `variable "WHO" { default = "file" }\ngroup "default" { targets = ["one", "two"] }\ntarget "one" {\n  args = { WHO = "one-\${WHO}" }\n  tags = ["${token}-bake-one:dev"]\n}\ntarget "two" {\n  inherits = ["one"]\n  args = { WHO = "two-\${WHO}" }\n  tags = ["${token}-bake-two:dev"]\n}\n`,
    );
    // The attestation shorthands as buildx makes them; --print points at what answers its question.
    const dry = await builddeck(['bake', '--provenance=false', '--sbom', 'false', '--dry-run'], { cwd: dir, env });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(
      "'--set=*.attest=type=provenance,disabled=true' '--set=*.attest=type=sbom,disabled=true'",
    );
    // An SBOM on the docker driver, asked for by the shorthand or by the definition's own --set:
    // refused before buildx starts, as for a build.
    for (const ask of [['--sbom=true'], ['--set', 'two.attest=type=sbom']]) {
      const sbom = await builddeck(['bake', ...ask], { cwd: dir, env });
      expect(sbom.code, ask.join(' ')).toBe(2);
      expect(sbom.stderr).toMatch(
        /INVALID_INPUT: Builder "default" uses the docker driver, which cannot attach an SBOM/,
      );
    }
    // --print and buildx's --list=...: buildx's own answer for the same flags, as buildx prints it.
    const same = ['--set', 'two.tags=other:tag', '--no-cache', '--pull', 'two'];
    const print = await builddeck(['bake', '--print', ...same], { cwd: dir, env });
    expect(print.code, print.stderr).toBe(0);
    const buildxPrint = await exec('docker', ['buildx', 'bake', '--print', ...same], { cwd: dir, env });
    expect(JSON.parse(print.stdout)).toEqual(JSON.parse(buildxPrint.stdout));
    expect(JSON.parse(print.stdout)).toMatchObject({
      target: { two: { tags: ['other:tag'], 'no-cache': true, pull: true, args: { WHO: 'two-file' } } },
    });
    for (const list of [['--list=targets'], ['--list', 'variables'], ['--list=type=targets,format=json']]) {
      const ours = await builddeck(['bake', ...list], { cwd: dir, env });
      const theirs = await exec('docker', ['buildx', 'bake', ...list], { cwd: dir, env });
      expect(ours.code, list.join(' ')).toBe(0);
      expect(ours.stdout.trimEnd(), list.join(' ')).toBe(theirs.stdout.trimEnd());
    }
    const r = await builddeck(['bake', '--var', 'WHO=cli', '--json'], { cwd: dir, env });
    expect(r.code).toBe(0);
    const lines = ndjson(r.stdout);
    expect(lines[0]).toMatchObject({
      type: 'planned',
      projectDir: dir,
      targets: [{ name: 'one' }, { name: 'two' }],
      variables: ['WHO'],
    });
    const logs = lines.filter((l) => l['type'] === 'log');
    expect(logs.find((l) => String(l['data']).includes(`one-cli ${token}`))?.['target']).toBe('one');
    expect(logs.find((l) => String(l['data']).includes(`two-cli ${token}`))?.['target']).toBe('two');
    expect(
      lines
        .filter((l) => l['type'] === 'vertex')
        .every((l) => typeof l['target'] === 'string' || String(l['name']).includes('bake definitions')),
    ).toBe(true);
    const summary = lines.at(-1) as {
      type: string;
      ok: boolean;
      targets: { target: string; ok: boolean; ref: string; platforms: unknown[] }[];
    };
    // On failure, say which steps each target counted (the vertexes as BuildDeck attributed them).
    const stepNames = lines
      .filter((l) => l['type'] === 'vertex' && /^\[(?:\d+\/\d+|[^\]]* \d+\/\d+)\]/.test(String(l['name'])))
      .map((l) => `${String(l['target'])} ${String(l['digest']).slice(7, 19)} ${String(l['name'])}`);
    expect(summary, [...new Set(stepNames)].join('\n')).toMatchObject({
      type: 'summary',
      ok: true,
      targets: [
        { target: 'one', ok: true, platforms: [{ platform: 'linux/amd64', ok: true, steps: 2 }] },
        { target: 'two', ok: true, platforms: [{ platform: 'linux/amd64', ok: true, steps: 2 }] },
      ],
    });
    for (const t of summary.targets) refs.push(t.ref);
    // An unknown target: a usage-class failure with the code and hint, exit 2.
    const unknown = await builddeck(['bake', 'nope'], { cwd: dir, env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('INVALID_INPUT: The definition has no target or group named "nope".');
    expect(existsSync(join(work, 'data'))).toBe(true);
  });

  it('a bake whose definition reads outside its folder is refused until --allow grants it (buildx asks, except under rawjson)', async () => {
    const root = join(work, 'outside');
    const project = join(root, 'project');
    mkdirSync(join(root, 'lib'), { recursive: true });
    mkdirSync(project);
    writeFileSync(join(root, 'lib', 'Dockerfile'), `FROM local/busybox:latest\nRUN echo "lib ${token}"\n`);
    writeFileSync(
      join(project, 'docker-bake.hcl'),
      `target "default" {\n  context = "../lib"\n  output = ["type=local,dest=../out"]\n}\n`,
    );
    // On buildx < 0.30 the outputs are read only once the rest is allowed (reading them creates
    // files there): first the read, then the write, each with the flag that grants it.
    const refused = await builddeck(['bake'], { cwd: project, env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'INVALID_INPUT: The bake asks for privileges it was not given: read access to path ../lib.',
    );
    expect(refused.stderr).toContain('(--allow=fs.read=../lib, or "Allow and start" in the app)');
    const refusedWrite = await builddeck(['bake', '--allow', 'fs.read=../lib'], { cwd: project, env });
    expect(refusedWrite.code).toBe(2);
    // ../out does not exist yet: asked for as named (buildx asks for its parent, `..`, all of it).
    expect(refusedWrite.stderr).toContain('write access to path ../out.');
    expect(existsSync(join(root, 'out')), 'nothing was written before consent').toBe(false);
    // buildx itself refuses the same definition in a terminal (its own prompt, non-interactive here).
    const plain = await outcomeOf(exec('docker', ['buildx', 'bake', '--progress=plain'], { cwd: project, env }));
    expect(plain.stderr).toContain('--allow=fs.read=../lib --allow=fs.write=.. ');
    const r = await builddeck(['bake', '--allow', 'fs.read=../lib', '--allow=fs.write=../out', '--json'], {
      cwd: project,
      env,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(root, 'out')), 'the local output was written once allowed').toBe(true);
    const summary = ndjson(r.stdout).at(-1) as { targets: { ref: string }[] };
    for (const t of summary.targets) refs.push(t.ref);

    // buildx 0.29 creates (truncates) a tar output's file when it only prints the definition: opening
    // the project must not (BuildDeck reads it without outputs on buildx < 0.30), and a start refuses
    // the write outside before the bake runs.
    writeFileSync(join(root, 'victim.txt'), 'keep me\n');
    writeFileSync(
      join(project, 'docker-bake.hcl'),
      `target "default" {\n  context = "../lib"\n  output = ["type=tar,dest=../victim.txt"]\n}\n`,
    );
    const listed = await builddeck(['bake', '--list', '--json'], { cwd: project, env });
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject({
      targets: [{ name: 'default', outputs: [], outputsUnread: true }],
    });
    expect(readFileSync(join(root, 'victim.txt'), 'utf8')).toBe('keep me\n');
    const victim = await builddeck(['bake', '--allow', 'fs.read=../lib'], { cwd: project, env });
    expect(victim.code).toBe(2);
    expect(victim.stderr).toContain('--allow=fs.write=../victim.txt');
  });
});
