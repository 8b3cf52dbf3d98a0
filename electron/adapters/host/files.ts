import { constants } from 'node:fs';
import { access, chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { CertificateInfo } from '../../common/contracts/builders';
import type { FileCheck, HostFilesPort } from '../../core/builders/ports';

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

/** X509Certificate prints a DN one attribute per line; people read it on one. */
const oneLine = (dn: string) => dn.split('\n').filter(Boolean).join(', ');

/** Files on the machine running the core: TLS material, buildkitd.toml, private temporary files. */
export class LocalFiles implements HostFilesPort {
  private readonly tempDirs = new Set<string>();

  async check(path: string): Promise<FileCheck> {
    let info;
    try {
      info = await stat(path);
    } catch {
      return { ok: false, reason: 'missing', message: `${path} does not exist` };
    }
    if (!info.isFile()) return { ok: false, reason: 'not-a-file', message: `${path} is not a file` };
    try {
      await access(path, constants.R_OK);
    } catch {
      return { ok: false, reason: 'unreadable', message: `${path} cannot be read by this user` };
    }
    return { ok: true, mode: info.mode & 0o777, size: info.size };
  }

  async readText(path: string, maxBytes: number): Promise<string> {
    const buffer = await readFile(path);
    return buffer.subarray(0, maxBytes).toString('utf8');
  }

  async writePrivate(path: string, content: string): Promise<void> {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFile(path, content, { mode: 0o600 });
    // writeFile keeps the mode of an existing file; secrets must never stay wider than 0600.
    await chmod(path, 0o600);
  }

  async tempPath(name: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'builddeck-'));
    this.tempDirs.add(dir);
    return join(dir, basename(name));
  }

  async remove(path: string): Promise<void> {
    await rm(path, { force: true });
    const dir = dirname(path);
    if (this.tempDirs.delete(dir)) await rm(dir, { recursive: true, force: true });
  }

  async readCertificate(path: string): Promise<CertificateInfo> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      return { path, error: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
    }
    const pem = PEM_CERT.exec(text)?.[0];
    if (!pem) return { path, error: 'no PEM certificate (-----BEGIN CERTIFICATE-----) in the file' };
    try {
      const cert = new (process.getBuiltinModule('node:crypto').X509Certificate)(pem);
      return {
        path,
        subject: oneLine(cert.subject),
        issuer: oneLine(cert.issuer),
        validFrom: new Date(cert.validFrom).toISOString(),
        validTo: new Date(cert.validTo).toISOString(),
        fingerprint256: cert.fingerprint256,
      };
    } catch (err) {
      return { path, error: `not a valid certificate: ${(err as Error).message}` };
    }
  }
}
