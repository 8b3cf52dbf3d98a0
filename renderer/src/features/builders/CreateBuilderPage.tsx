import { createContext, useContext, useEffect, useId, useMemo, useRef, useState, type ReactNode } from 'react';
import { ArrowLeft, Box, FolderOpen, Globe, Plus, ShipWheel } from 'lucide-react';
import type { CreatableDriver } from '../../../../electron/common/builders/create-input';
import type { CreateResult } from '../../../../electron/common/contracts/builders';
import { getBridge, getHostKind } from '../../api/bridge';
import { Button } from '../../components/Button';
import { CopyButton } from '../../components/CopyButton';
import { ActionProgress } from './ActionProgress';
import {
  checkDraft,
  COMMON_PLATFORMS,
  draftFieldOf,
  emptyDraft,
  type CreateDraft,
  type DraftField,
} from './create-form';
import { useBuilderAction } from './use-builder-ops';
import styles from './CreateBuilderPage.module.css';

interface FormApi {
  draft: CreateDraft;
  set: <K extends DraftField>(field: K, value: CreateDraft[K]) => void;
  errorOf: (field: DraftField) => string | undefined;
  touch: (field: DraftField) => void;
  disabled: boolean;
}

const Form = createContext<FormApi | undefined>(undefined);
const useForm = (): FormApi => {
  const api = useContext(Form);
  if (!api) throw new Error('form fields must sit inside <Form.Provider>');
  return api;
};

/** Only string-valued draft fields are typed into. */
type TextField = { [K in DraftField]: CreateDraft[K] extends string ? K : never }[DraftField];
type BoolField = { [K in DraftField]: CreateDraft[K] extends boolean ? K : never }[DraftField];

function FieldShell(props: {
  label: string;
  hint?: ReactNode;
  error: string | undefined;
  htmlFor: string;
  children: ReactNode;
  wide?: boolean;
}) {
  return (
    <div className={props.wide ? `${styles.field} ${styles.wide}` : styles.field}>
      <label htmlFor={props.htmlFor} className={styles.label}>
        {props.label}
      </label>
      {props.children}
      {props.error ? (
        <p id={`${props.htmlFor}-error`} className={styles.error} data-testid={`error-${props.htmlFor}`}>
          {props.error}
        </p>
      ) : props.hint ? (
        <p id={`${props.htmlFor}-hint`} className={styles.hint}>
          {props.hint}
        </p>
      ) : null}
    </div>
  );
}

function Text(props: {
  field: TextField;
  label: string;
  hint?: ReactNode;
  placeholder?: string;
  mono?: boolean;
  wide?: boolean;
  browse?: boolean;
  list?: string;
}) {
  const { draft, set, errorOf, touch, disabled } = useForm();
  const id = `f-${props.field}`;
  const error = errorOf(props.field);
  const input = (
    <input
      id={id}
      name={props.field}
      className={props.mono ? `${styles.input} ${styles.mono}` : styles.input}
      value={draft[props.field]}
      placeholder={props.placeholder}
      onChange={(e) => set(props.field, e.target.value)}
      onBlur={() => touch(props.field)}
      aria-invalid={error ? true : undefined}
      aria-describedby={error ? `${id}-error` : props.hint ? `${id}-hint` : undefined}
      disabled={disabled}
      spellCheck={false}
      autoComplete="off"
      list={props.list}
    />
  );
  return (
    <FieldShell label={props.label} hint={props.hint} error={error} htmlFor={id} wide={props.wide ?? false}>
      {props.browse ? (
        <div className={styles.withButton}>
          {input}
          <BrowseButton field={props.field} label={props.label} />
        </div>
      ) : (
        input
      )}
    </FieldShell>
  );
}

/** Electron can tell the path of a picked file; a browser (serve mode) cannot, so it is not offered. */
function BrowseButton({ field, label }: { field: TextField; label: string }) {
  const { set, touch, disabled } = useForm();
  const id = useId();
  if (getHostKind() !== 'electron') return null;
  return (
    <>
      <input
        id={id}
        type="file"
        className="visually-hidden"
        tabIndex={-1}
        onChange={(e) => {
          const file = e.target.files?.[0];
          const path = file ? getBridge().pathForFile(file) : undefined;
          if (path) {
            set(field, path);
            touch(field);
          }
        }}
      />
      <Button
        variant="secondary"
        icon={<FolderOpen size={14} aria-hidden />}
        disabled={disabled}
        onClick={() => document.getElementById(id)?.click()}
        aria-label={`Choose ${label} file`}
      >
        Browse…
      </Button>
    </>
  );
}

function Area(props: { field: TextField; label: string; hint?: ReactNode; placeholder?: string; rows?: number }) {
  const { draft, set, errorOf, touch, disabled } = useForm();
  const id = `f-${props.field}`;
  const error = errorOf(props.field);
  return (
    <FieldShell label={props.label} hint={props.hint} error={error} htmlFor={id} wide>
      <textarea
        id={id}
        name={props.field}
        className={`${styles.input} ${styles.mono} ${styles.area}`}
        rows={props.rows ?? 3}
        value={draft[props.field]}
        placeholder={props.placeholder}
        onChange={(e) => set(props.field, e.target.value)}
        onBlur={() => touch(props.field)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : props.hint ? `${id}-hint` : undefined}
        disabled={disabled}
        spellCheck={false}
      />
    </FieldShell>
  );
}

function Check(props: { field: BoolField; label: string; hint?: string }) {
  const { draft, set, disabled } = useForm();
  const id = `f-${props.field}`;
  return (
    <div className={styles.check}>
      <input
        id={id}
        type="checkbox"
        checked={draft[props.field]}
        onChange={(e) => set(props.field, e.target.checked)}
        disabled={disabled}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
      />
      <label htmlFor={id}>
        <span className={styles.checkLabel}>{props.label}</span>
        {props.hint ? (
          <span id={`${id}-hint`} className={styles.hint}>
            {props.hint}
          </span>
        ) : null}
      </label>
    </div>
  );
}

function Select<K extends 'restartPolicy' | 'loadbalance'>(props: {
  field: K;
  label: string;
  options: [CreateDraft[K], string][];
  hint?: string;
}) {
  const { draft, set, errorOf, disabled } = useForm();
  const id = `f-${props.field}`;
  return (
    <FieldShell label={props.label} hint={props.hint} error={errorOf(props.field)} htmlFor={id}>
      <select
        id={id}
        className={styles.input}
        value={draft[props.field]}
        onChange={(e) => set(props.field, e.target.value as CreateDraft[K])}
        disabled={disabled}
      >
        {props.options.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
    </FieldShell>
  );
}

function Section({ title, children, description }: { title: string; description?: string; children: ReactNode }) {
  const id = useId();
  return (
    <section className={styles.section} aria-labelledby={id}>
      <h2 id={id} className={styles.sectionTitle}>
        {title}
      </h2>
      {description ? <p className={styles.sectionDescription}>{description}</p> : null}
      <div className={styles.grid}>{children}</div>
    </section>
  );
}

const DRIVERS: { id: CreatableDriver; title: string; text: string; icon: ReactNode }[] = [
  {
    id: 'docker-container',
    title: 'Docker container',
    text: 'BuildKit in a container on this Docker Engine: multi-platform, cache export, resource limits.',
    icon: <Box size={18} aria-hidden />,
  },
  {
    id: 'kubernetes',
    title: 'Kubernetes',
    text: 'BuildKit pods in a cluster, scaled and scheduled by Kubernetes.',
    icon: <ShipWheel size={18} aria-hidden />,
  },
  {
    id: 'remote',
    title: 'Remote',
    text: 'A buildkitd you run yourself, over TCP (with TLS), a socket, a container or a pod.',
    icon: <Globe size={18} aria-hidden />,
  },
];

function DriverPicker() {
  const { draft, set, disabled } = useForm();
  return (
    <fieldset className={styles.drivers}>
      <legend className={styles.sectionTitle}>Driver</legend>
      {DRIVERS.map((d) => (
        <label
          key={d.id}
          className={draft.driver === d.id ? `${styles.driver} ${styles.driverOn}` : styles.driver}
          data-driver={d.id}
        >
          <input
            type="radio"
            name="driver"
            value={d.id}
            checked={draft.driver === d.id}
            onChange={() => set('driver', d.id)}
            disabled={disabled}
            className="visually-hidden"
          />
          <span className={styles.driverIcon}>{d.icon}</span>
          <span className={styles.driverTitle}>{d.title}</span>
          <span className={styles.driverText}>{d.text}</span>
        </label>
      ))}
    </fieldset>
  );
}

function Platforms() {
  const { draft, set, errorOf, disabled } = useForm();
  const [extra, setExtra] = useState('');
  const toggle = (p: string) =>
    set('platforms', draft.platforms.includes(p) ? draft.platforms.filter((x) => x !== p) : [...draft.platforms, p]);
  const others = draft.platforms.filter((p) => !(COMMON_PLATFORMS as readonly string[]).includes(p));
  const add = () => {
    const p = extra.trim();
    if (p && !draft.platforms.includes(p)) set('platforms', [...draft.platforms, p]);
    setExtra('');
  };
  const error = errorOf('platforms');
  return (
    <fieldset className={`${styles.field} ${styles.wide} ${styles.bare}`}>
      <legend className={styles.label}>Pinned platforms</legend>
      <div className={styles.chips}>
        {[...COMMON_PLATFORMS, ...others].map((p) => (
          <button
            key={p}
            type="button"
            className={draft.platforms.includes(p) ? `${styles.chip} ${styles.chipOn}` : styles.chip}
            aria-pressed={draft.platforms.includes(p)}
            onClick={() => toggle(p)}
            disabled={disabled}
          >
            {p}
          </button>
        ))}
        <span className={styles.chipAdd}>
          <input
            aria-label="Another platform"
            className={`${styles.input} ${styles.mono} ${styles.chipInput}`}
            placeholder="os/arch[/variant]"
            value={extra}
            onChange={(e) => setExtra(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                add();
              }
            }}
            disabled={disabled}
          />
          <Button
            size="sm"
            variant="ghost"
            onClick={add}
            disabled={disabled || extra.trim() === ''}
            icon={<Plus size={13} aria-hidden />}
          >
            Add
          </Button>
        </span>
      </div>
      {error ? (
        <p className={styles.error} data-testid="error-f-platforms">
          {error}
        </p>
      ) : (
        <p className={styles.hint}>
          {draft.platforms.length === 0
            ? 'None pinned: the node offers every platform its BuildKit (and QEMU) supports.'
            : 'buildx sends builds for these platforms to this node first.'}
        </p>
      )}
    </fieldset>
  );
}

function DaemonSection() {
  const { draft, set, disabled } = useForm();
  return (
    <Section title="BuildKit daemon" description="Flags, configuration and environment of buildkitd.">
      <Text
        field="buildkitdFlags"
        label="Daemon flags"
        placeholder="--debug --allow-insecure-entitlement security.insecure"
        mono
        wide
      />
      <fieldset className={`${styles.field} ${styles.wide} ${styles.bare}`}>
        <legend className={styles.label}>buildkitd.toml</legend>
        <div className={styles.segmented} role="radiogroup" aria-label="buildkitd.toml source">
          {(
            [
              ['none', 'None'],
              ['file', 'From a file'],
              ['paste', 'Paste TOML'],
            ] as const
          ).map(([mode, label]) => (
            <label
              key={mode}
              className={draft.configMode === mode ? `${styles.segment} ${styles.segmentOn}` : styles.segment}
            >
              <input
                type="radio"
                name="configMode"
                className="visually-hidden"
                checked={draft.configMode === mode}
                onChange={() => set('configMode', mode)}
                disabled={disabled}
              />
              {label}
            </label>
          ))}
        </div>
      </fieldset>
      {draft.configMode === 'file' ? (
        <Text
          field="buildkitdConfigPath"
          label="Config file"
          placeholder="/etc/buildkit/buildkitd.toml"
          hint="Checked before anything is created: it must exist and be valid TOML."
          mono
          wide
          browse
        />
      ) : null}
      {draft.configMode === 'paste' ? (
        <Area
          field="buildkitdConfigToml"
          label="Config (TOML)"
          rows={7}
          placeholder={'debug = true\n\n[worker.oci]\n  max-parallelism = 4'}
          hint="Checked as you type; buildx stores a copy with the builder."
        />
      ) : null}
      <Area
        field="env"
        label="Environment"
        rows={2}
        placeholder={'HTTP_PROXY=http://proxy:3128\nNO_PROXY=localhost,127.0.0.1'}
        hint="One KEY=VALUE per line."
      />
    </Section>
  );
}

function DockerContainerFields() {
  return (
    <>
      <Section title="Container" description="The buildkitd container buildx starts on this Docker Engine.">
        <Text field="image" label="BuildKit image" placeholder="moby/buildkit:buildx-stable-1" mono />
        <Text
          field="network"
          label="Network"
          placeholder="bridge"
          hint="host lets builds reach services on this machine."
          mono
        />
        <Select
          field="restartPolicy"
          label="Restart policy"
          options={[
            ['', 'Default (unless-stopped)'],
            ['no', 'no'],
            ['always', 'always'],
            ['unless-stopped', 'unless-stopped'],
            ['on-failure', 'on-failure'],
          ]}
        />
        <Text field="cgroupParent" label="cgroup parent" placeholder="/docker/buildx" mono />
        <Check field="defaultLoad" label="Load images into Docker by default" hint="Like --load on every build." />
      </Section>
      <Section
        title="Resources"
        description="Limits the engine applies to the buildkitd container. Empty means unlimited."
      >
        <Text field="memory" label="Memory" placeholder="2g" hint="e.g. 512m, 2g" mono />
        <Text field="memorySwap" label="Memory + swap" placeholder="4g" hint="-1 for unlimited swap" mono />
        <Text
          field="cpuQuota"
          label="CPU quota (µs)"
          placeholder="50000"
          hint="per period; 50000 of 100000 = half a CPU"
          mono
        />
        <Text field="cpuPeriod" label="CPU period (µs)" placeholder="100000" mono />
        <Text field="cpuShares" label="CPU shares" placeholder="1024" hint="relative weight" mono />
        <Text field="cpusetCpus" label="CPUs" placeholder="0-3" mono />
        <Text field="cpusetMems" label="Memory nodes" placeholder="0" mono />
      </Section>
    </>
  );
}

function KubernetesFields() {
  const { draft } = useForm();
  return (
    <>
      <Section
        title="Cluster"
        description="buildx uses a kubeconfig's current context; pick another and BuildDeck hands it a private one-context copy."
      >
        <Text field="kubeconfig" label="kubeconfig" placeholder="$KUBECONFIG or ~/.kube/config" mono wide browse />
        <Text field="kubeContext" label="Context" placeholder="its current-context" mono />
        <Text field="namespace" label="Namespace" placeholder="the context's namespace" mono />
      </Section>
      <Section title="Deployment">
        <Text field="image" label="BuildKit image" placeholder="moby/buildkit:buildx-stable-1" mono />
        <Text field="replicas" label="Replicas" placeholder="1" mono />
        <Text field="requestsCpu" label="CPU request" placeholder="500m" mono />
        <Text field="limitsCpu" label="CPU limit" placeholder="2" mono />
        <Text field="requestsMemory" label="Memory request" placeholder="1Gi" mono />
        <Text field="limitsMemory" label="Memory limit" placeholder="4Gi" mono />
        <Text field="requestsEphemeralStorage" label="Ephemeral storage request" placeholder="2Gi" mono />
        <Text field="limitsEphemeralStorage" label="Ephemeral storage limit" placeholder="10Gi" mono />
        <Text field="serviceAccount" label="Service account" mono />
        <Text field="schedulerName" label="Scheduler" mono />
        <Text field="kubeTimeout" label="Pod start timeout" placeholder="120s" mono />
        <Select
          field="loadbalance"
          label="Load balancing"
          options={[
            ['', 'Default (sticky)'],
            ['sticky', 'sticky: by build context'],
            ['random', 'random'],
          ]}
        />
        <Check field="rootless" label="Rootless BuildKit" />
        <Check field="defaultLoad" label="Load images into Docker by default" />
        <Check field="qemuInstall" label="Install QEMU for foreign platforms" />
        {draft.qemuInstall ? (
          <Text field="qemuImage" label="QEMU image" placeholder="tonistiigi/binfmt:latest" mono />
        ) : null}
      </Section>
      <Section title="Scheduling and metadata">
        <Area
          field="nodeSelector"
          label="Node selector"
          rows={2}
          placeholder="kubernetes.io/arch=arm64"
          hint="One key=value per line."
        />
        <Area
          field="tolerations"
          label="Tolerations"
          rows={2}
          placeholder="key=dedicated,operator=Equal,value=builds,effect=NoSchedule"
          hint="One toleration per line."
        />
        <Area field="labels" label="Labels" rows={2} placeholder="team=platform" />
        <Area field="annotations" label="Annotations" rows={2} placeholder="example.com/owner=ci" />
      </Section>
    </>
  );
}

function RemoteFields() {
  return (
    <>
      <Section title="Endpoint">
        <Text
          field="endpoint"
          label="buildkitd address"
          placeholder="tcp://buildkit.example.com:1234"
          hint="tcp://HOST:PORT, unix:///PATH, docker-container://NAME or kube-pod://POD?namespace=NS"
          mono
          wide
        />
        <Check field="defaultLoad" label="Load images into Docker by default" />
      </Section>
      <Section
        title="TLS"
        description="For tcp:// endpoints. Files stay where they are: buildx records their paths, BuildDeck copies no key."
      >
        <Text field="cacert" label="CA certificate" placeholder="/path/to/ca.pem" mono wide browse />
        <Text field="cert" label="Client certificate" placeholder="/path/to/cert.pem" mono wide browse />
        <Text
          field="key"
          label="Client key"
          placeholder="/path/to/key.pem"
          hint="Should be readable by you alone (chmod 600)."
          mono
          wide
          browse
        />
        <Text field="servername" label="Server name" placeholder="as in the server certificate" mono />
      </Section>
    </>
  );
}

export interface CreateBuilderPageProps {
  /** Existing builders, for name suggestions when appending a node. */
  existing: { name: string; driver: string }[];
  /** Prefill: add a node to this builder. */
  appendTo?: { name: string; driver: string } | undefined;
  onCancel: () => void;
  onCreated: (name: string) => void;
}

export function CreateBuilderPage({ existing, appendTo, onCancel, onCreated }: CreateBuilderPageProps) {
  const [draft, setDraft] = useState<CreateDraft>(() => {
    const d = emptyDraft((appendTo?.driver as CreatableDriver | undefined) ?? 'docker-container');
    return appendTo ? { ...d, name: appendTo.name, append: true, bootstrap: true } : d;
  });
  const [touched, setTouched] = useState<Set<DraftField>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const [serverErrors, setServerErrors] = useState<Partial<Record<DraftField, string>>>({});
  const [result, setResult] = useState<CreateResult | undefined>();
  const { state, run, reset } = useBuilderAction();
  const checked = useMemo(() => checkDraft(draft), [draft]);
  const running = state.status === 'running';
  const datalistId = useId();
  const pendingFocus = useRef<DraftField | undefined>(undefined);

  const api: FormApi = {
    draft,
    set: (field, value) => {
      setDraft((d) => ({ ...d, [field]: value }));
      setServerErrors((e) => (e[field] ? { ...e, [field]: undefined } : e));
      if (state.status === 'failed') reset();
    },
    errorOf: (field) => serverErrors[field] ?? (submitted || touched.has(field) ? checked.errors[field] : undefined),
    touch: (field) => setTouched((t) => (t.has(field) ? t : new Set(t).add(field))),
    disabled: running,
  };

  const errorCount = Object.keys(checked.errors).length;

  const submit = async () => {
    setSubmitted(true);
    if (!checked.valid) {
      const first = Object.keys(checked.errors)[0];
      if (first) document.getElementById(`f-${first}`)?.focus();
      return;
    }
    setServerErrors({});
    setResult(undefined);
    const r = await run('create', 'builders.create', checked.valid);
    if (r.ok) {
      setResult(r.value);
      return;
    }
    // buildx's refusal, mapped by the core to the form field it concerns.
    const field = typeof r.error.details?.['field'] === 'string' ? draftFieldOf(r.error.details['field']) : undefined;
    if (field) {
      setServerErrors({ [field]: r.error.message });
      pendingFocus.current = field;
    }
  };

  // Inputs are disabled while the command runs: focus the field buildx refused once they are not.
  useEffect(() => {
    const field = pendingFocus.current;
    if (!field || running) return;
    pendingFocus.current = undefined;
    document.getElementById(`f-${field}`)?.focus();
  }, [serverErrors, running]);

  const title = draft.append ? `Add a node to ${draft.name || 'a builder'}` : 'New builder';

  return (
    <div className={styles.page}>
      <header className={styles.header}>
        <Button
          variant="ghost"
          onClick={onCancel}
          icon={<ArrowLeft size={14} aria-hidden />}
          disabled={running}
          data-testid="back"
        >
          Builders
        </Button>
        <h1 className={styles.title}>{title}</h1>
      </header>
      <Form.Provider value={api}>
        <form
          className={styles.layout}
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
          aria-label="Create builder"
        >
          <div className={styles.form}>
            {draft.append ? null : <DriverPicker />}
            <Section title={draft.append ? 'Node' : 'Builder'}>
              <Text
                field="name"
                label={draft.append ? 'Builder' : 'Name'}
                placeholder="my-builder"
                hint="Letters, digits, “-”, “_” and “.”; starts with a letter."
                mono
                list={datalistId}
              />
              <datalist id={datalistId}>
                {existing
                  .filter((b) => b.driver === draft.driver)
                  .map((b) => (
                    <option key={b.name} value={b.name} />
                  ))}
              </datalist>
              <Text
                field="node"
                label="Node name"
                placeholder={draft.name ? `${draft.name}0` : 'name0'}
                hint="Optional; buildx numbers nodes itself."
                mono
              />
              <Check
                field="append"
                label="Add a node to an existing builder"
                hint="Multi-node builders can give each node its own platforms."
              />
              <Platforms />
              <Check
                field="use"
                label="Use as the current builder"
                hint="docker buildx build picks it when no --builder is given."
              />
              <Check field="bootstrap" label="Start it now" hint="If it cannot start, nothing is left behind." />
            </Section>
            {draft.driver === 'docker-container' ? <DockerContainerFields /> : null}
            {draft.driver === 'kubernetes' ? <KubernetesFields /> : null}
            {draft.driver === 'remote' ? <RemoteFields /> : null}
            {draft.driver !== 'remote' ? <DaemonSection /> : null}
          </div>

          <aside className={styles.side} aria-label="Command and result">
            <div className={styles.commandBox}>
              <div className={styles.commandHead}>
                <h2 className={styles.sectionTitle}>Equivalent command</h2>
                <CopyButton text={checked.command} label="Copy the docker buildx create command" withText />
              </div>
              <pre className={styles.command} data-testid="create-command">
                {checked.command}
              </pre>
              <p className={errorCount > 0 && (submitted || touched.size > 0) ? styles.commandWarn : styles.hint}>
                {errorCount > 0
                  ? `${errorCount} field${errorCount === 1 ? ' needs' : 's need'} attention before it can run.`
                  : 'BuildDeck runs exactly this, as an argument list (never through a shell).'}
              </p>
            </div>
            {result ? null : (
              <Button
                type="submit"
                variant="primary"
                disabled={running}
                className={styles.submit}
                data-testid="create-submit"
              >
                {running
                  ? 'Creating…'
                  : draft.append
                    ? 'Add node'
                    : draft.bootstrap
                      ? 'Create and start'
                      : 'Create builder'}
              </Button>
            )}
            <ActionProgress state={state} />
            {result ? (
              <div className={styles.done} data-testid="create-done">
                {result.warnings.map((w) => (
                  <p key={w} className={styles.commandWarn}>
                    {w}
                  </p>
                ))}
                <div className={styles.doneActions}>
                  <Button variant="primary" onClick={() => onCreated(result.builder.name)}>
                    Open {result.builder.name}
                  </Button>
                  <Button
                    variant="secondary"
                    onClick={() => {
                      setResult(undefined);
                      reset();
                      setSubmitted(false);
                      setTouched(new Set());
                      setDraft(emptyDraft(draft.driver));
                    }}
                  >
                    Create another
                  </Button>
                </div>
              </div>
            ) : null}
          </aside>
        </form>
      </Form.Provider>
    </div>
  );
}
