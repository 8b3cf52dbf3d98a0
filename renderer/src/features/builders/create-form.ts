/**
 * The Create builder form's model: text as typed (so a half-typed value is never lost), turned into
 * the contract's create input and checked with the same zod schema the router enforces.
 */
import { formatCreateCommand } from '../../../../electron/common/builders/create-args';
import {
  builderCreateInput,
  type BuilderCreateInput,
  type CreatableDriver,
} from '../../../../electron/common/builders/create-input';

export type KeyValueField = 'env' | 'nodeSelector' | 'annotations' | 'labels';

export interface CreateDraft {
  driver: CreatableDriver;
  name: string;
  append: boolean;
  node: string;
  platforms: string[];
  use: boolean;
  bootstrap: boolean;
  // docker-container + kubernetes
  image: string;
  buildkitdFlags: string;
  configMode: 'none' | 'file' | 'paste';
  buildkitdConfigPath: string;
  buildkitdConfigToml: string;
  env: string;
  defaultLoad: boolean;
  // docker-container
  network: string;
  memory: string;
  memorySwap: string;
  cpuQuota: string;
  cpuPeriod: string;
  cpuShares: string;
  cpusetCpus: string;
  cpusetMems: string;
  cgroupParent: string;
  restartPolicy: string;
  // kubernetes
  kubeconfig: string;
  kubeContext: string;
  namespace: string;
  replicas: string;
  requestsCpu: string;
  requestsMemory: string;
  requestsEphemeralStorage: string;
  limitsCpu: string;
  limitsMemory: string;
  limitsEphemeralStorage: string;
  nodeSelector: string;
  tolerations: string;
  annotations: string;
  labels: string;
  serviceAccount: string;
  schedulerName: string;
  kubeTimeout: string;
  rootless: boolean;
  loadbalance: '' | 'sticky' | 'random';
  qemuInstall: boolean;
  qemuImage: string;
  // remote
  endpoint: string;
  cacert: string;
  cert: string;
  key: string;
  servername: string;
}

export type DraftField = keyof CreateDraft;

export const COMMON_PLATFORMS = [
  'linux/amd64',
  'linux/arm64',
  'linux/arm/v7',
  'linux/riscv64',
  'linux/ppc64le',
  'linux/s390x',
  'linux/386',
] as const;

export function emptyDraft(driver: CreatableDriver = 'docker-container'): CreateDraft {
  return {
    driver,
    name: '',
    append: false,
    node: '',
    platforms: [],
    use: false,
    bootstrap: true,
    image: '',
    buildkitdFlags: '',
    configMode: 'none',
    buildkitdConfigPath: '',
    buildkitdConfigToml: '',
    env: '',
    defaultLoad: false,
    network: '',
    memory: '',
    memorySwap: '',
    cpuQuota: '',
    cpuPeriod: '',
    cpuShares: '',
    cpusetCpus: '',
    cpusetMems: '',
    cgroupParent: '',
    restartPolicy: '',
    kubeconfig: '',
    kubeContext: '',
    namespace: '',
    replicas: '',
    requestsCpu: '',
    requestsMemory: '',
    requestsEphemeralStorage: '',
    limitsCpu: '',
    limitsMemory: '',
    limitsEphemeralStorage: '',
    nodeSelector: '',
    tolerations: '',
    annotations: '',
    labels: '',
    serviceAccount: '',
    schedulerName: '',
    kubeTimeout: '',
    rootless: false,
    loadbalance: '',
    qemuInstall: false,
    qemuImage: '',
    endpoint: '',
    cacert: '',
    cert: '',
    key: '',
    servername: '',
  };
}

/** Contract field (as the router names it) → the form control that shows its error. */
export function draftFieldOf(field: string): DraftField | undefined {
  const [head = '', second] = field.split('.');
  const resources: Record<string, DraftField> = {
    'requests.cpu': 'requestsCpu',
    'requests.memory': 'requestsMemory',
    'requests.ephemeralStorage': 'requestsEphemeralStorage',
    'limits.cpu': 'limitsCpu',
    'limits.memory': 'limitsMemory',
    'limits.ephemeralStorage': 'limitsEphemeralStorage',
  };
  if (head === 'requests' || head === 'limits') return resources[`${head}.${second ?? 'cpu'}`];
  if (head === 'timeout') return 'kubeTimeout';
  if (head === 'driver') return 'driver';
  const known = emptyDraft() as unknown as Record<string, unknown>;
  return head in known ? (head as DraftField) : undefined;
}

type Errors = Partial<Record<DraftField, string>>;

const trimmed = (s: string) => s.trim();
const opt = (s: string) => (s.trim() === '' ? undefined : s.trim());
/** Numbers are sent as typed text when they do not parse, so the schema names the field. */
const optNumber = (s: string) => {
  const t = s.trim();
  if (t === '') return undefined;
  return /^-?\d+$/.test(t) ? Number(t) : t;
};

function keyValueLines(text: string, field: DraftField, errors: Errors): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) {
      errors[field] ??= `Line ${i + 1}: write KEY=VALUE`;
      continue;
    }
    out[line.slice(0, eq).trim()] = line.slice(eq + 1);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function tolerationLines(text: string, errors: Errors): Record<string, unknown>[] | undefined {
  const out: Record<string, unknown>[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const t: Record<string, unknown> = {};
    for (const part of line.split(',')) {
      const eq = part.indexOf('=');
      const k = part.slice(0, eq).trim();
      const v = part.slice(eq + 1).trim();
      if (eq <= 0 || !['key', 'operator', 'value', 'effect', 'tolerationSeconds'].includes(k)) {
        errors.tolerations ??= `Line ${i + 1}: use key=…,operator=Equal|Exists,value=…,effect=…,tolerationSeconds=N`;
        continue;
      }
      t[k] = k === 'tolerationSeconds' && /^\d+$/.test(v) ? Number(v) : v;
    }
    out.push(t);
  }
  return out.length > 0 ? out : undefined;
}

/** Draft → the contract's input (unvalidated), plus errors only the form can see (line syntax). */
export function draftToInput(d: CreateDraft): { input: Record<string, unknown>; errors: Errors } {
  const errors: Errors = {};
  const input: Record<string, unknown> = { driver: d.driver, name: trimmed(d.name) };
  const set = (key: string, value: unknown) => {
    if (value !== undefined) input[key] = value;
  };
  if (d.append) input['append'] = true;
  set('node', opt(d.node));
  if (d.platforms.length > 0) input['platforms'] = d.platforms;
  if (d.use) input['use'] = true;
  if (d.bootstrap) input['bootstrap'] = true;
  if (d.driver !== 'remote') {
    set('image', opt(d.image));
    set('buildkitdFlags', opt(d.buildkitdFlags));
    if (d.configMode === 'file') set('buildkitdConfigPath', opt(d.buildkitdConfigPath) ?? '');
    if (d.configMode === 'paste') set('buildkitdConfigToml', d.buildkitdConfigToml);
    set('env', keyValueLines(d.env, 'env', errors));
    if (d.defaultLoad) input['defaultLoad'] = true;
  }
  if (d.driver === 'docker-container') {
    set('network', opt(d.network));
    set('memory', opt(d.memory));
    set('memorySwap', opt(d.memorySwap));
    set('cpuQuota', optNumber(d.cpuQuota));
    set('cpuPeriod', optNumber(d.cpuPeriod));
    set('cpuShares', optNumber(d.cpuShares));
    set('cpusetCpus', opt(d.cpusetCpus));
    set('cpusetMems', opt(d.cpusetMems));
    set('cgroupParent', opt(d.cgroupParent));
    set('restartPolicy', opt(d.restartPolicy));
  }
  if (d.driver === 'kubernetes') {
    set('kubeconfig', opt(d.kubeconfig));
    set('kubeContext', opt(d.kubeContext));
    set('namespace', opt(d.namespace));
    set('replicas', optNumber(d.replicas));
    const resources = (cpu: string, memory: string, storage: string) => {
      const r: Record<string, string> = {};
      if (opt(cpu)) r['cpu'] = cpu.trim();
      if (opt(memory)) r['memory'] = memory.trim();
      if (opt(storage)) r['ephemeralStorage'] = storage.trim();
      return Object.keys(r).length > 0 ? r : undefined;
    };
    set('requests', resources(d.requestsCpu, d.requestsMemory, d.requestsEphemeralStorage));
    set('limits', resources(d.limitsCpu, d.limitsMemory, d.limitsEphemeralStorage));
    set('nodeSelector', keyValueLines(d.nodeSelector, 'nodeSelector', errors));
    set('tolerations', tolerationLines(d.tolerations, errors));
    set('annotations', keyValueLines(d.annotations, 'annotations', errors));
    set('labels', keyValueLines(d.labels, 'labels', errors));
    set('serviceAccount', opt(d.serviceAccount));
    set('schedulerName', opt(d.schedulerName));
    set('timeout', opt(d.kubeTimeout));
    if (d.rootless) input['rootless'] = true;
    if (d.loadbalance !== '') input['loadbalance'] = d.loadbalance;
    if (d.qemuInstall) input['qemuInstall'] = true;
    set('qemuImage', opt(d.qemuImage));
  }
  if (d.driver === 'remote') {
    input['endpoint'] = d.endpoint.trim();
    set('cacert', opt(d.cacert));
    set('cert', opt(d.cert));
    set('key', opt(d.key));
    set('servername', opt(d.servername));
    if (d.defaultLoad) input['defaultLoad'] = true;
  }
  return { input, errors };
}

export interface CheckedDraft {
  /** Set when every field is valid: what will be sent. */
  valid?: BuilderCreateInput;
  errors: Errors;
  /** The equivalent command, shown even while some field is invalid (as typed). */
  command: string;
}

const capitalise = (m: string) => m.charAt(0).toUpperCase() + m.slice(1);

/** One pass for the form: the contract's verdict per field, and the command to show. */
export function checkDraft(d: CreateDraft): CheckedDraft {
  const { input, errors } = draftToInput(d);
  const parsed = builderCreateInput.safeParse(input);
  if (parsed.success && Object.keys(errors).length === 0) {
    return { valid: parsed.data, errors, command: formatCreateCommand(parsed.data, {}, { multiline: true }) };
  }
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.map(String).join('.');
      const field = path === '' ? undefined : draftFieldOf(path);
      if (field) errors[field] ??= capitalise(issue.message);
    }
  }
  // The preview only reads fields; invalid ones appear as typed until they are fixed.
  return { errors, command: formatCreateCommand(input as unknown as BuilderCreateInput, {}, { multiline: true }) };
}
