import { constants } from 'node:fs';
import { access, chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { z } from 'zod';
import { AppException, appError } from '../../common/errors';
import type { KubePort, KubeTarget } from '../../core/builders/ports';
import type { CallOptions } from '../../core/ports';
import { ProgramExec } from '../process/exec';

export interface KubectlOptions {
  kubectlPath: string;
  /** A getter: settings may change the environment while the app runs. */
  env: () => NodeJS.ProcessEnv;
}

const kubeconfigJson = z
  .object({
    'current-context': z.string().nullish(),
    contexts: z
      .array(
        z
          .object({
            name: z.string(),
            context: z
              .object({ cluster: z.string().optional(), user: z.string().optional(), namespace: z.string().optional() })
              .loose()
              .nullish(),
          })
          .loose(),
      )
      .nullish(),
    clusters: z
      .array(
        z.object({ name: z.string(), cluster: z.object({ server: z.string().optional() }).loose().nullish() }).loose(),
      )
      .nullish(),
    users: z.array(z.object({ name: z.string() }).loose()).nullish(),
  })
  .loose();
type KubeconfigJson = z.infer<typeof kubeconfigJson>;

/** What kubectl said first: its one-line reason. */
const firstLine = (stderr: string): string => stderr.trim().split('\n')[0] ?? '';

/**
 * buildx's kubernetes driver always uses the current-context of the kubeconfig it is given (it has
 * no context option), so pinning another context means handing it a one-context kubeconfig. kubectl
 * reads kubeconfig YAML and writes that file for us (`config view --minify --flatten`).
 */
export class Kubectl implements KubePort {
  /** Raw kubeconfigs read by resolve(), handed to the derive() that follows it. */
  private readonly raw = new Map<string, KubeconfigJson>();

  /**
   * The shared runner (argument arrays, bounded, cancellable, classified). No `missing` rule: without
   * kubectl the spawn error comes back as is and resolve() reads the current context itself.
   */
  private readonly kubectl = new ProgramExec(() => ({ path: this.options.kubectlPath, env: this.options.env() }), {
    classify: (stderr, args) =>
      appError('INTERNAL', `kubectl ${args.slice(0, 2).join(' ')} failed: ${firstLine(stderr)}`, {
        details: { stderr: stderr.slice(-4000) },
      }),
  });

  constructor(private readonly options: KubectlOptions) {}

  /** Same resolution as buildx: $KUBECONFIG (first entry), else ~/.kube/config. */
  defaultKubeconfig(): string {
    const fromEnv = this.options.env()['KUBECONFIG']?.split(delimiter).find(Boolean);
    return fromEnv ?? join(this.options.env()['HOME'] ?? homedir(), '.kube', 'config');
  }

  async resolve(kubeconfig: string | undefined, context: string | undefined, call: CallOptions): Promise<KubeTarget> {
    const path = kubeconfig ?? this.defaultKubeconfig();
    try {
      await access(path, constants.R_OK);
    } catch {
      throw appError(
        'INVALID_INPUT',
        kubeconfig
          ? `The kubeconfig ${path} does not exist or cannot be read.`
          : `No kubeconfig found: ${path} does not exist and KUBECONFIG is not set.`,
        {
          hint: 'Pick the kubeconfig of your cluster (kubectl uses the same file).',
          details: { field: 'kubeconfig', path },
        },
      );
    }
    let config: KubeconfigJson;
    try {
      config = await this.read(path, call, context, context !== undefined);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return this.resolveWithoutKubectl(path, context);
    }
    const current = config['current-context'] ?? '';
    const chosen = context ?? current;
    const names = (config.contexts ?? []).map((c) => c.name);
    if (!chosen) {
      throw appError('INVALID_INPUT', `${path} has no current context.`, {
        hint: names.length ? `Pick one of: ${names.join(', ')}.` : 'The kubeconfig defines no contexts.',
        details: { field: 'kubeContext', path, contexts: names },
      });
    }
    const entry = (config.contexts ?? []).find((c) => c.name === chosen);
    if (!entry) {
      throw appError('INVALID_INPUT', `There is no context "${chosen}" in ${path}.`, {
        hint: names.length ? `Contexts in it: ${names.join(', ')}.` : 'The kubeconfig defines no contexts.',
        details: { field: 'kubeContext', path, contexts: names },
      });
    }
    const server = (config.clusters ?? []).find((c) => c.name === entry.context?.cluster)?.cluster?.server;
    const namespace = entry.context?.namespace;
    return { kubeconfig: path, context: chosen, ...(server ? { server } : {}), ...(namespace ? { namespace } : {}) };
  }

  /** Without kubectl we can still name the current context, but not pin another one. */
  private async resolveWithoutKubectl(path: string, context: string | undefined): Promise<KubeTarget> {
    const text = await readFile(path, 'utf8');
    const current = /^current-context:\s*["']?([^"'\n#]+?)["']?\s*$/m.exec(text)?.[1] ?? '';
    if (context !== undefined && context !== current) {
      throw appError('INVALID_INPUT', `Pinning context "${context}" needs kubectl, which was not found.`, {
        hint: current
          ? `Install kubectl, or leave the context empty to use the kubeconfig's current context "${current}".`
          : 'Install kubectl, or set a current-context in the kubeconfig.',
        details: { field: 'kubeContext', path },
      });
    }
    if (!current) {
      throw appError('INVALID_INPUT', `${path} has no current context.`, { details: { field: 'kubeContext', path } });
    }
    return { kubeconfig: path, context: current };
  }

  /**
   * One `kubectl config view --raw --flatten` (credentials and referenced files inlined), kept for
   * derive(): some kubectl builds contact the cluster on every call, so we call it once.
   */
  private async read(
    path: string,
    call: CallOptions,
    context: string | undefined,
    keep: boolean,
  ): Promise<KubeconfigJson> {
    let result;
    try {
      result = await this.kubectl.exec(['config', 'view', '--raw', '--flatten', '-o', 'json', '--kubeconfig', path], {
        timeoutMs: call.timeoutMs,
        ...(call.signal ? { signal: call.signal } : {}),
        classify: (stderr) =>
          appError('INVALID_INPUT', `kubectl could not read ${path}: ${firstLine(stderr)}`, {
            hint: 'Check the file with `kubectl config view`.',
            details: { field: 'kubeconfig', path, stderr: stderr.slice(-4000) },
          }),
      });
    } catch (err) {
      if (err instanceof AppException && err.appError.code === 'TIMEOUT') {
        throw appError(
          'TIMEOUT',
          `kubectl did not answer within ${Math.round(call.timeoutMs / 1000)} s reading ${path}${context ? ` (context "${context}")` : ''}.`,
          {
            hint: 'Some kubectl builds contact the cluster even to read a kubeconfig; check that the cluster answers, or allow more time.',
            details: { field: 'kubeContext', path, ...(context ? { kubeContext: context } : {}) },
          },
        );
      }
      throw err;
    }
    const config = kubeconfigJson.parse(JSON.parse(result.stdout));
    if (keep) this.raw.set(path, config);
    return config;
  }

  async derive(target: KubeTarget, path: string, call: CallOptions): Promise<void> {
    const config = this.raw.get(target.kubeconfig) ?? (await this.read(target.kubeconfig, call, target.context, false));
    this.raw.delete(target.kubeconfig);
    const context = (config.contexts ?? []).find((c) => c.name === target.context);
    if (!context) {
      throw appError('INVALID_INPUT', `There is no context "${target.context}" in ${target.kubeconfig}.`, {
        details: { field: 'kubeContext' },
      });
    }
    const cluster = (config.clusters ?? []).filter((c) => c.name === context.context?.cluster);
    const user = (config.users ?? []).filter((u) => u.name === context.context?.user);
    // What `kubectl config view --minify --flatten` prints, as JSON (which kubeconfig readers take as YAML).
    const minified = {
      apiVersion: 'v1',
      kind: 'Config',
      preferences: {},
      clusters: cluster,
      users: user,
      contexts: [context],
      'current-context': target.context,
    };
    // It holds cluster credentials: private directory, private file.
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFile(path, `${JSON.stringify(minified, null, 2)}\n`, { mode: 0o600 });
    await chmod(path, 0o600);
  }
}
