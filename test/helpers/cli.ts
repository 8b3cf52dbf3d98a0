/** A finished command as a test checks it: a non-zero exit is an outcome to assert on, not a throw. */
export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** `promisify(execFile)(...)` as its exit code and output (execFile rejects on a non-zero exit). */
export async function outcomeOf(run: Promise<{ stdout: string; stderr: string }>): Promise<CliOutcome> {
  try {
    const { stdout, stderr } = await run;
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as CliOutcome;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
