/**
 * Raw password-verify throughput, with no HTTP at all: `concurrency` loops,
 * each awaiting one verify after another, for a fixed time. The baseline of
 * row 1 (`argon2`), and both sides of row 8 (`argon2`, `@node-rs/argon2`).
 * Run as a child of bench/run.ts.
 */
import * as nodeRs from '@node-rs/argon2';
import argon2 from 'argon2';
import { childConfig, runChild } from './support/child.js';
import { BENCH_PASSWORD } from './support/fixtures.js';

export interface VerifyWorkerConfig {
  library: 'argon2' | '@node-rs/argon2';
  /** The PHC string to verify against (argon2id, the parameters under test). */
  hash: string;
}

export interface VerifyRun {
  durationMs: number;
  concurrency: number;
}

export interface VerifyResult {
  verifies: number;
  elapsedMs: number;
  perSecond: number;
}

await runChild(async () => {
  const { library, hash } = childConfig<VerifyWorkerConfig>();
  const verify =
    library === 'argon2'
      ? () => argon2.verify(hash, BENCH_PASSWORD)
      : () => nodeRs.verify(hash, BENCH_PASSWORD);
  if (!(await verify())) throw new Error(`${library} did not verify the bench hash`);

  const run = async ({ durationMs, concurrency }: VerifyRun): Promise<VerifyResult> => {
    let verifies = 0;
    const started = performance.now();
    const end = started + durationMs;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < end) {
          if (!(await verify())) throw new Error('verify failed');
          verifies += 1;
        }
      }),
    );
    const elapsedMs = performance.now() - started;
    return { verifies, elapsedMs, perSecond: (verifies * 1000) / elapsedMs };
  };
  return { handlers: { run: (argument) => run(argument as VerifyRun) } };
});
