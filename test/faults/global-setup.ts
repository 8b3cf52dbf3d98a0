import { rmSync } from 'node:fs';
import { FAULTS_DIR, FAULTS_MD } from './lib/report';

/** The faults table holds this run's figures only. */
export default function setup(): void {
  rmSync(FAULTS_DIR, { recursive: true, force: true });
  rmSync(FAULTS_MD, { force: true });
}
