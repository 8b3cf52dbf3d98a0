import type { CertificateInfo, NodeTls } from '../../../common/contracts/builders';
import { appError } from '../../../common/errors';
import { parseTcpEndpoint } from '../../../common/validation';
import { formatSeconds, mustRead } from '../support';
import type { BuilderDriver, DriverPorts } from './driver';

const DAY_MS = 86_400_000;

/**
 * remote: buildkitd runs elsewhere and buildx only dials it. A dead endpoint costs buildx 20 s of
 * retries, so BuildDeck probes it first; TLS files are checked for expiry and key permissions.
 */
export function remoteDriver(ports: Pick<DriverPorts, 'containers' | 'files' | 'probe' | 'clock'>): BuilderDriver {
  const withDaysLeft = (cert: CertificateInfo): CertificateInfo => {
    if (!cert.validTo) return cert;
    return { ...cert, daysLeft: Math.floor((Date.parse(cert.validTo) - ports.clock.now()) / DAY_MS) };
  };

  const nodeTls = async (driverOpts: Record<string, string>): Promise<NodeTls | undefined> => {
    const { cacert, cert, key, servername } = driverOpts;
    if (!cacert && !cert && !key) return undefined;
    const tls: NodeTls = {};
    if (cacert) tls.cacert = withDaysLeft(await ports.files.readCertificate(cacert));
    if (cert) tls.cert = withDaysLeft(await ports.files.readCertificate(cert));
    if (key) {
      tls.keyPath = key;
      const check = await ports.files.check(key);
      if (check.ok) {
        tls.keyMode = check.mode.toString(8).padStart(3, '0');
        tls.keyTooOpen = (check.mode & 0o077) !== 0;
      }
    }
    if (servername) tls.servername = servername;
    return tls;
  };

  /** undefined when the endpoint may answer; otherwise why it cannot. */
  const probeNode = async (endpoint: string, bound: number): Promise<string | undefined> => {
    const tcp = parseTcpEndpoint(endpoint);
    if (tcp?.ok) {
      const { result, detail } = await ports.probe.tcp(tcp.host, tcp.port, bound);
      if (result === 'open') return undefined;
      if (result === 'refused') return `nothing listens at ${endpoint.slice('tcp://'.length)} (connection refused)`;
      if (result === 'timeout')
        return `no answer from ${endpoint.slice('tcp://'.length)} within ${formatSeconds(bound)}`;
      return detail ?? result;
    }
    if (endpoint.startsWith('unix://')) {
      const check = await ports.files.check(endpoint.slice('unix://'.length));
      return !check.ok && check.reason === 'missing'
        ? `socket ${endpoint.slice('unix://'.length)} does not exist`
        : undefined;
    }
    if (endpoint.startsWith('docker-container://')) {
      const container = endpoint.slice('docker-container://'.length);
      const info = await ports.containers.inspect(container, { timeoutMs: bound, logLines: 0 }).catch(() => undefined);
      if (!info) return `container ${container} does not exist`;
      if (!info.running) return `container ${container} is ${info.state}`;
    }
    return undefined;
  };

  return {
    name: 'remote',
    // Remote daemons are only dialled on bootstrap, which starts nothing for them.
    dialsOnlyOnBootstrap: true,

    async checkCreateFiles(input, warnings, certificateWarningDays) {
      if (input.driver !== 'remote') return;
      for (const field of ['cacert', 'cert'] as const) {
        const path = input[field];
        if (path === undefined) continue;
        await mustRead(ports.files, field, path);
        const cert = withDaysLeft(await ports.files.readCertificate(path));
        if (cert.error) {
          throw appError('INVALID_INPUT', `${path} is not a usable certificate: ${cert.error}.`, {
            hint: 'Pick a PEM-encoded certificate file.',
            details: { field, path },
          });
        }
        if (cert.daysLeft !== undefined && cert.daysLeft < 0)
          warnings.push(
            `${field === 'cacert' ? 'The CA' : 'The client'} certificate ${path} expired on ${cert.validTo ?? '?'}.`,
          );
        else if (cert.daysLeft !== undefined && cert.daysLeft <= certificateWarningDays) {
          warnings.push(
            `${field === 'cacert' ? 'The CA' : 'The client'} certificate ${path} expires in ${cert.daysLeft} days.`,
          );
        }
      }
      if (input.key !== undefined) {
        const check = await mustRead(ports.files, 'key', input.key);
        if ((check.mode & 0o077) !== 0) {
          warnings.push(
            `The key ${input.key} can be read by other users (mode ${check.mode.toString(8)}); \`chmod 600\` it.`,
          );
        }
      }
    },

    async beforeCreate(input, boundMs) {
      if (input.driver !== 'remote' || !input.bootstrap) return;
      // buildx would wait 20 s for an endpoint where nothing listens; say so at once instead.
      const problem = await probeNode(input.endpoint, boundMs);
      if (problem && !problem.startsWith('no answer')) {
        throw appError('BUILDER_UNREACHABLE', `Cannot start the builder: ${problem}.`, {
          hint: 'Start buildkitd there (or correct the endpoint), or create the builder without starting it.',
          details: { field: 'endpoint' },
        });
      }
    },

    createStall: (input) => ({
      field: 'endpoint',
      waitingFor: `the endpoint ${input.driver === 'remote' ? input.endpoint : '?'} did not answer`,
    }),

    async beforeBootstrap(stored, boundMs) {
      // buildx retries a dead endpoint for 20 s; when no node can answer, say why at once.
      const problems = await Promise.all(stored.nodes.map((n) => probeNode(n.endpoint, boundMs)));
      if (problems.every((p) => p !== undefined && !p.startsWith('no answer'))) {
        throw appError('BUILDER_UNREACHABLE', `Cannot start ${stored.name}: ${problems.join('; ')}.`, {
          hint: 'Start buildkitd at the endpoint (or fix the endpoint), then try again.',
          details: { field: 'endpoint' },
        });
      }
    },

    async nodeDetails(_node, driverOpts) {
      const tls = await nodeTls(driverOpts);
      return tls ? { tls } : {};
    },

    probeNode,
    nodeTls,
  };
}
