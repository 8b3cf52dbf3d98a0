import { fieldOfDriverOpt } from '../../common/builders/create-args';
import type { AppException } from '../../common/errors';
import { appError } from '../../common/errors';
import { errorLine, mapBuildxFailure, reasonsIn } from './failures';

/**
 * buildx's refusals of create/rm/use/--leave, mapped to our codes and to the form field they concern:
 * the command-specific rows of the phrase table (failures.ts). Messages measured on buildx 0.13.1 and
 * 0.29.1; anything unrecognised falls through to the shared rows (which keep the raw text in details).
 */

export interface FailureContext {
  /** Kubernetes target, so a cluster failure names the context the user picked. */
  kube?: { context: string; server?: string | undefined; kubeconfig: string };
}

/** [key, value] of every --driver-opt in an argument array (CSV-unquoted as buildx reads it). */
export function driverOptsInArgs(args: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  args.forEach((arg, i) => {
    if (arg !== '--driver-opt') return;
    let field = args[i + 1] ?? '';
    if (field.startsWith('"') && field.endsWith('"')) field = field.slice(1, -1).replace(/""/g, '"');
    const eq = field.indexOf('=');
    if (eq > 0) out.push([field.slice(0, eq), field.slice(eq + 1)]);
  });
  return out;
}

function argAfter(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

export function mapBuilderFailure(stderr: string, args: readonly string[], context: FailureContext = {}): AppException {
  const text = stderr.trim();
  const message = errorLine(text, 'last');
  const details = { stderr: text.slice(-8000), args: [...args] };
  const invalid = (field: string, msg: string, hint: string) =>
    appError('INVALID_INPUT', msg, { hint, details: { ...details, field, buildx: message } });
  const name = argAfter(args, '--name') ?? '';

  if (/invalid name .*name needs to start with a letter/i.test(text)) {
    return invalid(
      'name',
      `buildx refused the name "${name}".`,
      'Start with a letter; use only letters, digits, ".", "_" and "-".',
    );
  }
  if (/existing instance for ".*" but no append mode/i.test(text)) {
    return invalid('name', `A builder named "${name}" already exists.`, 'Choose another name, or append a node to it.');
  }
  const mismatched = /existing instance for ".*" but has mismatched driver "([^"]+)"/i.exec(text);
  if (mismatched) {
    return invalid(
      'driver',
      `"${name}" uses the ${mismatched[1] ?? ''} driver; every node of a builder uses the same driver.`,
      `Pick the ${mismatched[1] ?? ''} driver for the new node.`,
    );
  }
  const unknownDriver = /failed to find driver "([^"]*)"/i.exec(text);
  if (unknownDriver) {
    return invalid(
      'driver',
      `buildx has no driver "${unknownDriver[1] ?? ''}".`,
      'Use docker-container, kubernetes or remote.',
    );
  }
  if (/additional instances of driver "docker" cannot be created/i.test(text)) {
    return invalid(
      'driver',
      'A second docker-driver builder cannot be created.',
      'Each Docker context has exactly one; use docker-container for a separate builder.',
    );
  }
  if (/no remote endpoint provided/i.test(text)) {
    return invalid(
      'endpoint',
      'The remote driver needs an endpoint.',
      'Give tcp://HOST:PORT, unix:///PATH or docker-container://NAME.',
    );
  }
  const scheme = /unrecognized url scheme (\S+)/i.exec(text);
  if (scheme) {
    return invalid(
      'endpoint',
      `buildx cannot dial "${scheme[1] ?? ''}://" endpoints.`,
      'Use tcp://, unix://, docker-container:// or kube-pod://.',
    );
  }
  const badOpt = /invalid driver option (\S+) for (?:driver )?(\S+)/i.exec(text);
  if (badOpt) {
    return invalid(
      fieldOfDriverOpt(badOpt[1] ?? ''),
      `The ${badOpt[2] ?? ''} driver has no option "${badOpt[1] ?? ''}".`,
      'Remove the option; this buildx version does not know it.',
    );
  }
  const appendTarget = /failed to find instance "([^"]+)" for append/i.exec(text);
  if (appendTarget) {
    return appError('BUILDER_NOT_FOUND', `No builder named "${appendTarget[1] ?? ''}" to append a node to.`, {
      hint: 'Create the builder first, or turn off "append node".',
      details: { ...details, field: 'name' },
    });
  }
  const missing = /failed to find instance "([^"]+)"/i.exec(text);
  if (missing) {
    return appError('BUILDER_NOT_FOUND', `No builder named "${missing[1] ?? ''}".`, {
      hint: 'Refresh the builder list; it may have been removed outside BuildDeck.',
      details: { ...details, field: 'name' },
    });
  }
  const nodeMissing = /node "([^"]+)" not found for (\S+)/i.exec(text);
  if (nodeMissing) {
    return invalid(
      'node',
      `Builder "${nodeMissing[2] ?? ''}" has no node "${nodeMissing[1] ?? ''}".`,
      'Refresh the builder to see its nodes.',
    );
  }
  if (/can ?not leave last node/i.test(text)) {
    return invalid('node', "This is the builder's last node.", 'Remove the builder instead.');
  }
  if (/context builder cannot be removed/i.test(text)) {
    return invalid(
      'name',
      `"${name || argAfter(args, 'rm') || ''}" is the builder of a Docker context and cannot be removed.`,
      'Remove the Docker context itself (`docker context rm`) if you mean to.',
    );
  }
  if (/invalid loadbalance/i.test(text)) return invalid('loadbalance', message, 'Use sticky or random.');
  if (/cannot parse node selector/i.test(text)) return invalid('nodeSelector', message, 'Write key=value pairs.');
  if (/cannot parse annotations/i.test(text)) return invalid('annotations', message, 'Write key=value pairs.');
  if (/cannot parse labels/i.test(text)) return invalid('labels', message, 'Write key=value pairs.');
  if (/invalid tol[ea]ration/i.test(text))
    return invalid('tolerations', message, 'Each toleration takes key, operator, value, effect and tolerationSeconds.');

  // Kubernetes configuration and cluster access.
  if (/cannot determine Kubernetes namespace|no configuration has been provided|KUBERNETES_MASTER/i.test(text)) {
    const where = context.kube?.kubeconfig;
    return invalid(
      'kubeconfig',
      where
        ? `buildx could not load a Kubernetes configuration from ${where}.`
        : 'No Kubernetes configuration was found.',
      'Point BuildDeck at a kubeconfig (or set KUBECONFIG), and check it with `kubectl config view`.',
    );
  }
  if (
    context.kube &&
    /error for bootstrap|dial tcp|connection refused|no such host|i\/o timeout|Unauthorized|forbidden|x509|the server could not find/i.test(
      text,
    )
  ) {
    const { context: ctx, server } = context.kube;
    const why = /connection refused/i.test(text)
      ? 'connection refused'
      : /no such host/i.test(text)
        ? 'host not found'
        : /Unauthorized|forbidden/i.test(text)
          ? 'access denied'
          : /x509/i.test(text)
            ? 'certificate not trusted'
            : 'no answer';
    return appError(
      'BUILDER_UNREACHABLE',
      `The Kubernetes cluster of context "${ctx}"${server ? ` (${server})` : ''} is not usable: ${why}.`,
      {
        hint: `Check the cluster with \`kubectl --context ${ctx} get pods\`; start it or pick another context.`,
        details: { ...details, field: 'kubeContext', kubeContext: ctx, server: server ?? null },
      },
    );
  }

  // A value buildx or the engine could not parse: find the option that carries it.
  const quoted =
    /(?:invalid size: '([^']*)'|parsing "([^"]*)": invalid syntax|invalid (?:argument|value) "([^"]*)")/i.exec(text);
  const bad = quoted?.[1] ?? quoted?.[2] ?? quoted?.[3];
  if (bad !== undefined) {
    const opt = driverOptsInArgs(args).find(([, v]) => v === bad);
    if (opt)
      return invalid(
        fieldOfDriverOpt(opt[0]),
        `buildx refused ${opt[0]}="${bad}": ${message}`,
        'Correct the value and try again.',
      );
  }

  // TLS and files named by path.
  const tlsFiles: [string, string][] = driverOptsInArgs(args).filter(
    ([k]) => k === 'cacert' || k === 'cert' || k === 'key',
  );
  for (const [key, path] of tlsFiles) {
    if (path && text.includes(path))
      return invalid(
        key,
        `buildx could not use ${key} ${path}: ${message}`,
        'Check that the file exists and is readable.',
      );
  }
  if (/x509:|certificate signed by unknown authority|tls: /i.test(text)) {
    const field = /unknown authority|certificate is valid for|doesn't contain any IP SANs/i.test(text)
      ? /certificate is valid for|IP SANs/i.test(text)
        ? 'servername'
        : 'cacert'
      : 'cert';
    return appError('BUILDER_UNREACHABLE', `TLS with the builder failed: ${message}`, {
      hint: 'Check the CA certificate, the client certificate and key, and the server name.',
      details: { ...details, field },
    });
  }
  if (/pull access denied|manifest unknown|No such image|repository does not exist/i.test(text)) {
    return invalid(
      'image',
      `The BuildKit image could not be pulled: ${message}`,
      'Use an image that exists locally or in a reachable registry.',
    );
  }
  if (/failed to load config|buildkitd\.toml|toml:/i.test(text)) {
    return invalid(
      'buildkitdConfigPath',
      `buildkitd refused its config: ${message}`,
      'Fix the buildkitd.toml and try again.',
    );
  }
  if (args.includes('remote') && reasonsIn(text).includes('builder-unreachable')) {
    return appError('BUILDER_UNREACHABLE', `The remote builder did not answer: ${message}`, {
      hint: 'Check that buildkitd is running and listening on the endpoint.',
      details: { ...details, field: 'endpoint' },
    });
  }
  return mapBuildxFailure(stderr, args);
}
