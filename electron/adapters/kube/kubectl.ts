import { constants } from 'node:fs';
import { access, chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { z } from 'zod';
import { AppException, appError } from '../../common/errors';
import type { KubePort, KubeTarget } from '../../core/builders/ports';
import type { CallOptions } from '../../core/ports';
import { run } from '../process/run';

export interface KubectlOptions {
  kubectlPath: string;
  /** A getter: settings may change the environment while the app runs. */
  env: () => NodeJS.ProcessEnv;
}

const kubeconfigJson = z
  .object({
    'current-context': z.string().nullish(),
    contexts: z
      .array(z.object({ name: z.string(), context: z.object({ cluster: z.string().optional(), namespace: z.string().optional() }).loose().nullish() }).loose())
      .nullish(),
    clusters: z.array(z.object({ name: z.string(), cluster: z.object({ server: z.string().optional() }).loose().nullish() }).loose()).nullish(),
  })
  .loose();

/**
 * buildx's kubernetes driver always uses the current-context of the kubeconfig it is given (it has
 * no context option), so pinning another context means handing it a one-context kubeconfig. kubectl
 * reads kubeconfig YAML and writes that file for us (`config view --minify --flatten`).
 */
export class Kubectl implements KubePort {
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
      throw appError('INVALID_INPUT', kubeconfig ? `The kubeconfig ${path} does not exist or cannot be read.` : `No kubeconfig found: ${path} does not exist and KUBECONFIG is not set.`, {
        hint: 'Pick the kubeconfig of your cluster (kubectl uses the same file).',
        details: { field: 'kubeconfig', path },
      });
    }
    let config: z.infer<typeof kubeconfigJson>;
    try {
      const result = await run(this.options.kubectlPath, ['config', 'view', '-o', 'json', '--kubeconfig', path], {
        timeoutMs: call.timeoutMs,
        env: this.options.env(),
        ...(call.signal ? { signal: call.signal } : {}),
      });
      if (result.code !== 0) {
        throw appError('INVALID_INPUT', `kubectl could not read ${path}: ${result.stderr.trim().split('\n')[0] ?? ''}`, {
          hint: 'Check the file with `kubectl config view`.',
          details: { field: 'kubeconfig', path, stderr: result.stderr.slice(-4000) },
        });
      }
      config = kubeconfigJson.parse(JSON.parse(result.stdout));
    } catch (err) {
      if (err instanceof AppException) throw err;
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

  async derive(target: KubeTarget, path: string, call: CallOptions): Promise<void> {
    const result = await run(
      this.options.kubectlPath,
      ['config', 'view', '--minify', '--flatten', '--context', target.context, '--kubeconfig', target.kubeconfig],
      { timeoutMs: call.timeoutMs, env: this.options.env(), ...(call.signal ? { signal: call.signal } : {}) },
    );
    if (result.code !== 0) {
      throw appError('INVALID_INPUT', `kubectl could not extract context "${target.context}": ${result.stderr.trim().split('\n')[0] ?? ''}`, {
        details: { field: 'kubeContext', stderr: result.stderr.slice(-4000) },
      });
    }
    // It holds cluster credentials: private directory, private file.
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFile(path, result.stdout, { mode: 0o600 });
    await chmod(path, 0o600);
  }
}
