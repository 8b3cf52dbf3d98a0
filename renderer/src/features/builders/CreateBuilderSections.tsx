import { useState, type ReactNode } from 'react';
import { Box, Globe, Plus, ShipWheel } from 'lucide-react';
import type { CreatableDriver } from '../../../../electron/common/builders/create-input';
import type { OptionKey } from '../../../../electron/common/builders/options';
import { Button } from '../../components/Button';
import { COMMON_PLATFORMS } from './create-form';
import { Area, OptionField, Section, Text, useForm } from './create-fields';
import styles from './CreateBuilderPage.module.css';

/**
 * Where each driver's options sit in the form. What an option is (label, hint, control, schema)
 * is declared once in common/builders/options.ts; this says only which section shows it, in
 * reading order (requests beside limits in the two-column grid, unlike buildx's option order).
 */
const DRIVER_SECTIONS: Record<CreatableDriver, { title: string; description?: string; options: OptionKey[] }[]> = {
  'docker-container': [
    {
      title: 'Container',
      description: 'The buildkitd container buildx starts on this Docker Engine.',
      options: ['image', 'network', 'restartPolicy', 'cgroupParent', 'defaultLoad'],
    },
    {
      title: 'Resources',
      description: 'Limits the engine applies to the buildkitd container. Empty means unlimited.',
      options: ['memory', 'memorySwap', 'cpuQuota', 'cpuPeriod', 'cpuShares', 'cpusetCpus', 'cpusetMems'],
    },
  ],
  kubernetes: [
    {
      title: 'Cluster',
      description:
        "buildx uses a kubeconfig's current context; pick another and BuildDeck hands it a private one-context copy.",
      options: ['kubeconfig', 'kubeContext', 'namespace'],
    },
    {
      title: 'Deployment',
      options: [
        'image',
        'replicas',
        'requests.cpu',
        'limits.cpu',
        'requests.memory',
        'limits.memory',
        'requests.ephemeralStorage',
        'limits.ephemeralStorage',
        'serviceAccount',
        'schedulerName',
        'timeout',
        'loadbalance',
        'rootless',
        'defaultLoad',
        'qemuInstall',
        'qemuImage',
      ],
    },
    { title: 'Scheduling and metadata', options: ['nodeSelector', 'tolerations', 'labels', 'annotations'] },
  ],
  remote: [
    {
      title: 'TLS',
      description:
        'For tcp:// endpoints. Files stay where they are: buildx records their paths, BuildDeck copies no key.',
      options: ['cacert', 'cert', 'key', 'servername'],
    },
  ],
};

/** The driver's own sections; the remote driver's endpoint (required, not a driver option) leads. */
export function DriverSections({ driver }: { driver: CreatableDriver }) {
  return (
    <>
      {driver === 'remote' ? (
        <Section title="Endpoint">
          <Text
            field="endpoint"
            label="buildkitd address"
            placeholder="tcp://buildkit.example.com:1234"
            hint="tcp://HOST:PORT, unix:///PATH, docker-container://NAME or kube-pod://POD?namespace=NS"
            mono
            wide
          />
          <OptionField option="defaultLoad" />
        </Section>
      ) : null}
      {DRIVER_SECTIONS[driver].map((section) => (
        <Section
          key={section.title}
          title={section.title}
          {...(section.description ? { description: section.description } : {})}
        >
          {section.options.map((option) => (
            <OptionField key={option} option={option} />
          ))}
        </Section>
      ))}
    </>
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

export function DriverPicker() {
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

export function Platforms() {
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

export function DaemonSection() {
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
      <OptionField option="env" />
    </Section>
  );
}
