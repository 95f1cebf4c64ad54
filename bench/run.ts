/**
 * `npm run bench`: the benchmark runner of issue 8. Every figure is measured
 * against a baseline in the same run, over at least three rounds whose
 * measured and baseline phases are interleaved (and their order alternated)
 * so that drift hits both. Servers run in child processes of their own; the
 * load comes from this process over loopback. Prints a table and writes
 * bench/results.json. See bench/README.md.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import * as nodeRs from '@node-rs/argon2';
import argon2 from 'argon2';
import { MongoClient } from 'mongodb';
import { DEFAULT_ARGON2_PARAMETERS } from '../lib/accounts/hasher.js';
import { redactUri } from '../lib/cli/mongo.js';
import type { SsprAppConfig } from './sspr-app.js';
import { type Child, type ChildUsage, startChild } from './support/child.js';
import {
  accountEmail,
  BENCH_PASSWORD,
  outsiderEmail,
  SIGNIN_EMAIL,
  unknownEmail,
} from './support/fixtures.js';
import { ORDERS_OF_THREE, SequentialClient } from './support/latency.js';
import {
  type BrowserSession,
  type LoadSummary,
  openSession,
  probeLoad,
  resetLoad,
  signInLoad,
} from './support/load.js';
import { median, round } from './support/stats.js';
import type { VerifyResult, VerifyWorkerConfig } from './verify-worker.js';

// ---------------------------------------------------------------------------
// Settings. BENCH_SCALE shortens (or lengthens) every timed phase, for quick
// runs while developing; BENCH_ONLY runs some rows ("1,3"); BENCH_ROUNDS adds
// rounds (never fewer than 3).

const SCALE = Number(process.env.BENCH_SCALE ?? '1');
const ROUNDS = Math.max(3, Math.floor(Number(process.env.BENCH_ROUNDS ?? '3')));
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((s) => s.trim())) : null;
const MONGODB_URI = process.env.MONGODB_URI?.trim() || null;

const seconds = (value: number) => Math.max(1, Math.round(value * SCALE));
const SETTINGS = {
  rounds: ROUNDS,
  scale: SCALE,
  /** Connections of rows 1 and 2, and the concurrent loops of their raw-verify baseline and of row 8. */
  signInConnections: 8,
  signInPhaseSeconds: seconds(6),
  resetConnections: 10,
  resetPhaseSeconds: seconds(5),
  warmupSeconds: seconds(2),
  latencyRequestsPerKind: Math.max(2000, Math.round(2000 * SCALE)),
  latencyWarmupPerKind: 300,
  floodConnections: 64,
  floodSeconds: seconds(5),
  probeRate: 200,
  overloadConnections: 256,
  overloadSeconds: seconds(5),
  /** Row 7's clients wait out Retry-After after a 503; BENCH_OVERLOAD_RETRY=immediate floods instead. */
  overloadHonoursRetryAfter: process.env.BENCH_OVERLOAD_RETRY !== 'immediate',
  verifyPhaseSeconds: seconds(4),
  smallStoreAccounts: 1_000,
  largeStoreAccounts: 100_000,
  argon2: DEFAULT_ARGON2_PARAMETERS,
};

const wanted = (row: string) => ONLY === null || ONLY.has(row);

// ---------------------------------------------------------------------------
// Results.

interface Row {
  row: string;
  what: string;
  /** The figure: a ratio, or a value in `unit`. */
  value: number;
  unit: 'ratio' | 'ms' | 'MiB' | 'µs';
  /** How the figure is shown in the table. */
  shown: string;
  target: string;
  /** null: reported, no target. */
  met: boolean | null;
  details: Record<string, unknown>;
}

const rows: Row[] = [];
const warnings: string[] = [];

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function warn(message: string): void {
  warnings.push(message);
  log(`WARNING: ${message}`);
}

// ---------------------------------------------------------------------------
// Interleaved rounds.

interface Variant {
  name: string;
  /** The process that does the work, whose CPU time is read around each phase. */
  child: Child;
  /** Runs one timed phase: operations done (sign-ins, resets, verifies) and their rate. */
  measure(phaseSeconds: number): Promise<{ operations: number; perSecond: number }>;
}

interface Figures {
  /** Operations per second, per round. */
  perSecond: number[];
  /** CPU time of the working process per operation, per round (less sensitive to a busy machine). */
  cpuMicroseconds: number[];
  /** Garbage collection pauses of the working process per operation, per round. */
  gcMicroseconds: number[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until a child has finished what the last phase left behind (hashes of
 * requests whose connections autocannon closed go on running), so that it
 * does not take CPU from the next phase.
 */
async function settle(child: Child): Promise<void> {
  const deadline = Date.now() + 20_000;
  let before = await child.call<ChildUsage>('usage');
  while (Date.now() < deadline) {
    await sleep(250);
    const after = await child.call<ChildUsage>('usage');
    if (after.cpuMicroseconds - before.cpuMicroseconds < 25_000) return;
    before = after;
  }
  warn(`${child.name} was still busy 20 s after its phase`);
}

async function measureOnce(variant: Variant, phaseSeconds: number) {
  const before = await variant.child.call<ChildUsage>('usage');
  const { operations, perSecond } = await variant.measure(phaseSeconds);
  const after = await variant.child.call<ChildUsage>('usage');
  await settle(variant.child);
  const count = Math.max(1, operations);
  return {
    perSecond,
    cpuMicroseconds: (after.cpuMicroseconds - before.cpuMicroseconds) / count,
    gcMicroseconds: ((after.gcMilliseconds - before.gcMilliseconds) * 1000) / count,
  };
}

/**
 * Warms every variant up once, then runs `ROUNDS` rounds; each round runs
 * every variant once, in an order that reverses from one round to the next.
 */
async function interleave(variants: Variant[], phaseSeconds: number): Promise<Record<string, Figures>> {
  const figures: Record<string, Figures> = Object.fromEntries(
    variants.map((v) => [v.name, { perSecond: [], cpuMicroseconds: [], gcMicroseconds: [] }]),
  );
  for (const variant of variants) {
    log(`  warm-up ${variant.name} (${SETTINGS.warmupSeconds} s)`);
    await variant.measure(SETTINGS.warmupSeconds);
    await settle(variant.child);
  }
  for (let r = 0; r < ROUNDS; r += 1) {
    const order = r % 2 === 0 ? variants : [...variants].reverse();
    for (const variant of order) {
      const figure = await measureOnce(variant, phaseSeconds);
      figures[variant.name]?.perSecond.push(figure.perSecond);
      figures[variant.name]?.cpuMicroseconds.push(figure.cpuMicroseconds);
      figures[variant.name]?.gcMicroseconds.push(figure.gcMicroseconds);
      log(
        `  round ${r + 1}/${ROUNDS} ${variant.name}: ${figure.perSecond.toFixed(1)}/s, ` +
          `${figure.cpuMicroseconds.toFixed(0)} µs CPU each (${figure.gcMicroseconds.toFixed(0)} µs in GC pauses)`,
      );
    }
  }
  return figures;
}

/** Per-round ratios measured/baseline, and their median. */
function ratioOf(figures: Record<string, Figures>, measured: string, baseline: string) {
  const none: Figures = { perSecond: [], cpuMicroseconds: [], gcMicroseconds: [] };
  const m = figures[measured] ?? none;
  const b = figures[baseline] ?? none;
  const perRound = m.perSecond.map((value, i) => value / (b.perSecond[i] as number));
  const cpuPerRound = m.cpuMicroseconds.map((value, i) => (b.cpuMicroseconds[i] as number) / value);
  return {
    ratio: median(perRound),
    perRound: perRound.map((value) => round(value)),
    measuredPerSecond: m.perSecond.map((value) => round(value, 1)),
    baselinePerSecond: b.perSecond.map((value) => round(value, 1)),
    measuredMedian: round(median(m.perSecond), 1),
    baselineMedian: round(median(b.perSecond), 1),
    cpu: {
      note: 'CPU time of the server (or verify) process per operation; ratio = baseline / measured',
      measuredMicroseconds: round(median(m.cpuMicroseconds), 1),
      baselineMicroseconds: round(median(b.cpuMicroseconds), 1),
      measuredGcPauseMicroseconds: round(median(m.gcMicroseconds), 1),
      baselineGcPauseMicroseconds: round(median(b.gcMicroseconds), 1),
      ratio: round(median(cpuPerRound)),
    },
  };
}

function ratioRow(
  row: string,
  what: string,
  figures: Record<string, Figures>,
  measured: string,
  baseline: string,
  target: number,
  details: Record<string, unknown> = {},
): Row {
  const ratio = ratioOf(figures, measured, baseline);
  return {
    row,
    what,
    value: round(ratio.ratio),
    unit: 'ratio',
    shown: `${ratio.ratio.toFixed(2)} (${ratio.measuredMedian}/s vs ${ratio.baselineMedian}/s; CPU ${ratio.cpu.ratio.toFixed(2)})`,
    target: `>= ${target.toFixed(2)}`,
    met: ratio.ratio >= target,
    details: { ...ratio, ...details },
  };
}

/** Anything but the expected status is worth a warning: the figure would not mean what it says. */
function checkStatuses(name: string, summary: LoadSummary, expected: string[]): void {
  const odd = Object.entries(summary.statuses).filter(([status]) => !expected.includes(status));
  if (odd.length > 0 || summary.errors > 0) {
    warn(`${name}: unexpected answers ${JSON.stringify(Object.fromEntries(odd))}, ${summary.errors} errors`);
  }
}

// ---------------------------------------------------------------------------
// Servers.

function appConfig(store: 'memory' | 'mongo', config: Omit<SsprAppConfig, 'store'>): SsprAppConfig {
  if (store === 'memory') return { store, ...config };
  // A database of its own, dropped when the app stops.
  const dbName = `sspr_bench_${randomBytes(5).toString('hex')}`;
  return { store, mongoUri: MONGODB_URI as string, dbName, ...config };
}

const children = new Set<Child>();

async function start(name: string, entry: string, config: unknown): Promise<Child> {
  const started = Date.now();
  const child = await startChild(name, entry, config);
  children.add(child);
  log(`  started ${name} (pid ${child.pid}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return child;
}

async function stop(...list: Array<Child | null>): Promise<void> {
  for (const child of list) {
    if (!child) continue;
    children.delete(child);
    await child.stop();
  }
}

function urlOf(child: Child): string {
  if (child.url === null) throw new Error(`${child.name} does not listen`);
  return child.url;
}

function verifyVariant(name: string, worker: Child, concurrency: number): Variant {
  return {
    name,
    child: worker,
    async measure(phaseSeconds) {
      const result = await worker.call<VerifyResult>('run', { durationMs: phaseSeconds * 1000, concurrency });
      return { operations: result.verifies, perSecond: result.perSecond };
    },
  };
}

function signInVariant(name: string, app: Child, options: { path: string; csrf: boolean }): Variant {
  return {
    name,
    child: app,
    async measure(phaseSeconds) {
      const summary = await signInLoad({
        url: urlOf(app),
        path: options.path,
        csrf: options.csrf,
        email: SIGNIN_EMAIL,
        password: BENCH_PASSWORD,
        connections: SETTINGS.signInConnections,
        durationSeconds: phaseSeconds,
      }).result;
      checkStatuses(name, summary, ['200']);
      return { operations: summary.successes, perSecond: summary.perSecond };
    },
  };
}

// ---------------------------------------------------------------------------
// Rows 1 and 2: sign-in throughput.

async function signInRows(store: 'memory' | 'mongo', hash: string): Promise<void> {
  const suffix = store === 'mongo' ? ' (mongo)' : '';
  const withTutorial = store === 'memory' && wanted('2');
  if (!wanted('1') && !withTutorial) return;
  log(`rows 1${withTutorial ? ', 2' : ''}${suffix}: POST /auth/signin throughput`);
  const concurrency = SETTINGS.signInConnections;
  const verifier = await start('raw argon2.verify', 'verify-worker.ts', {
    library: 'argon2',
    hash,
  } satisfies VerifyWorkerConfig);
  const app = await start(
    `express-sspr${suffix}`,
    'sspr-app.ts',
    appConfig(store, { accounts: 0, policy: 'none' }),
  );
  const tutorial = withTutorial ? await start('tutorial app', 'tutorial-app.ts', {}) : null;
  try {
    const variants = [
      verifyVariant('raw argon2.verify', verifier, concurrency),
      signInVariant('express-sspr', app, { path: '/auth/signin', csrf: true }),
      ...(tutorial ? [signInVariant('tutorial', tutorial, { path: '/login', csrf: false })] : []),
    ];
    const figures = await interleave(variants, SETTINGS.signInPhaseSeconds);
    rows.push(
      ratioRow(
        `1${suffix}`,
        `POST /auth/signin (${store} store) vs raw argon2.verify, ${concurrency} concurrent`,
        figures,
        'express-sspr',
        'raw argon2.verify',
        0.9,
        { connections: concurrency, verifyLoops: concurrency },
      ),
    );
    if (tutorial) {
      rows.push(
        ratioRow(
          '2',
          `POST /auth/signin vs tutorial passport-local + argon2 app, ${concurrency} connections`,
          figures,
          'express-sspr',
          'tutorial',
          0.95,
          { connections: concurrency },
        ),
      );
    }
  } finally {
    await stop(tutorial, app, verifier);
  }
}

// ---------------------------------------------------------------------------
// Row 6: /healthz under a sign-in flood.

async function healthUnderFlood(): Promise<void> {
  if (!wanted('6')) return;
  log('row 6: GET /healthz p99 while 64 clients flood POST /auth/signin');
  const app = await start(
    'express-sspr',
    'sspr-app.ts',
    appConfig('memory', { accounts: 0, policy: 'none' }),
  );
  try {
    const url = urlOf(app);
    const p99s: number[] = [];
    const floods: Array<Record<string, unknown>> = [];
    for (let r = 0; r < ROUNDS; r += 1) {
      const flood = signInLoad({
        url,
        path: '/auth/signin',
        csrf: true,
        email: SIGNIN_EMAIL,
        password: BENCH_PASSWORD,
        connections: SETTINGS.floodConnections,
        durationSeconds: SETTINGS.floodSeconds + 2,
      });
      // Let the flood fill the hashing queue before probing.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const probe = await probeLoad({
        url,
        path: '/healthz',
        durationSeconds: SETTINGS.floodSeconds,
        rate: SETTINGS.probeRate,
      });
      flood.stop();
      const flooded = await flood.result;
      await settle(app);
      checkStatuses('healthz probe', probe, ['200']);
      checkStatuses('sign-in flood', flooded, ['200']);
      p99s.push(probe.latencyMs.p99);
      floods.push({ signInsPerSecond: round(flooded.perSecond, 1), statuses: flooded.statuses });
      log(
        `  round ${r + 1}/${ROUNDS}: healthz p50 ${probe.latencyMs.p50} ms, p99 ${probe.latencyMs.p99} ms, ` +
          `max ${probe.latencyMs.max} ms (${probe.successes} probes); sign-ins ${flooded.perSecond.toFixed(1)}/s`,
      );
    }
    const p99 = median(p99s);
    rows.push({
      row: '6',
      what: `GET /healthz p99 latency while ${SETTINGS.floodConnections} clients flood POST /auth/signin`,
      value: p99,
      unit: 'ms',
      shown: `${p99} ms`,
      target: '<= 50 ms',
      met: p99 <= 50,
      details: { p99PerRoundMs: p99s, probeRatePerSecond: SETTINGS.probeRate, floods },
    });
  } finally {
    await stop(app);
  }
}

// ---------------------------------------------------------------------------
// Row 7: memory and waiting under 256 concurrent sign-ins.

async function overload(): Promise<void> {
  if (!wanted('7')) return;
  log(`row 7: peak RSS and max latency with ${SETTINGS.overloadConnections} concurrent sign-ins`);
  const peaks: number[] = [];
  const maxima: number[] = [];
  const perRound: Array<Record<string, unknown>> = [];
  for (let r = 0; r < ROUNDS; r += 1) {
    // A fresh process each round: the peak is the kernel's high-water mark of its whole life.
    const app = await start(
      'express-sspr',
      'sspr-app.ts',
      appConfig('memory', { accounts: 0, policy: 'none' }),
    );
    try {
      const summary = await signInLoad({
        url: urlOf(app),
        path: '/auth/signin',
        csrf: true,
        email: SIGNIN_EMAIL,
        password: BENCH_PASSWORD,
        connections: SETTINGS.overloadConnections,
        durationSeconds: SETTINGS.overloadSeconds,
        timeoutSeconds: 30,
        honourRetryAfter: SETTINGS.overloadHonoursRetryAfter,
      }).result;
      const usage = await app.call<ChildUsage>('usage');
      const peakMiB = usage.maxRssBytes / 2 ** 20;
      // A request that timed out, or was still waiting when the run stopped, counts too.
      const maxMs =
        summary.timeouts > 0
          ? Number.POSITIVE_INFINITY
          : Math.max(summary.longestAnsweredMs ?? 0, summary.longestUnansweredMs ?? 0);
      checkStatuses('overload', summary, ['200', '503']);
      if (summary.unavailableWithoutRetryAfter > 0) {
        warn(`overload: ${summary.unavailableWithoutRetryAfter} answers 503 without Retry-After`);
      }
      peaks.push(peakMiB);
      maxima.push(maxMs);
      perRound.push({
        peakRssMiB: round(peakMiB, 1),
        maxLatencyMs: maxMs,
        longestAnsweredMs: summary.longestAnsweredMs,
        longestUnansweredMs: summary.longestUnansweredMs,
        p99LatencyMs: summary.latencyMs.p99,
        statuses: summary.statuses,
        signInsPerSecond: round(summary.perSecond, 1),
        timeouts: summary.timeouts,
        unavailableWithoutRetryAfter: summary.unavailableWithoutRetryAfter,
        latencyByAnswerMs: summary.latencyByAnswer,
      });
      log(
        `  round ${r + 1}/${ROUNDS}: peak RSS ${peakMiB.toFixed(1)} MiB, max latency ${maxMs} ms, ` +
          `statuses ${JSON.stringify(summary.statuses)}`,
      );
    } finally {
      await stop(app);
    }
  }
  const peak = median(peaks);
  const worst = Math.max(...maxima);
  const retryNote = SETTINGS.overloadHonoursRetryAfter ? '' : ', clients retry at once';
  rows.push({
    row: '7a',
    what: `peak RSS of the app, ${SETTINGS.overloadConnections} concurrent sign-ins (hashing 4 + 64 queued)${retryNote}`,
    value: round(peak, 1),
    unit: 'MiB',
    shown: `${peak.toFixed(0)} MiB`,
    target: '<= 300 MiB',
    met: peak <= 300,
    details: { rounds: perRound },
  });
  rows.push({
    row: '7b',
    what: `longest wait of any request, ${SETTINGS.overloadConnections} concurrent sign-ins (worst round)${retryNote}`,
    value: worst,
    unit: 'ms',
    shown: Number.isFinite(worst) ? `${Math.round(worst)} ms` : 'timed out',
    target: '<= 5000 ms',
    met: worst <= 5000,
    details: { maxLatencyPerRoundMs: maxima, medianOfRoundsMs: median(maxima) },
  });
}

// ---------------------------------------------------------------------------
// Rows 3 and 4: reset throughput.

/** Visits 0..count-1 in a scattered order that still covers every index. */
function scattered(count: number): () => number {
  let k = 0;
  return () => {
    const index = (k * 7919) % count;
    k += 1;
    return index;
  };
}

function resetVariant(name: string, app: Child, sessions: BrowserSession[], accounts: number): Variant {
  const next = scattered(accounts);
  return {
    name,
    child: app,
    async measure(phaseSeconds) {
      const summary = await resetLoad({
        url: urlOf(app),
        sessions,
        email: () => accountEmail(next()),
        durationSeconds: phaseSeconds,
      });
      checkStatuses(name, summary, ['202']);
      return { operations: summary.successes, perSecond: summary.perSecond };
    },
  };
}

async function resetRows(store: 'memory' | 'mongo'): Promise<void> {
  const suffix = store === 'mongo' ? ' (mongo)' : '';
  if (!wanted('3') && !wanted('4')) return;
  log(`rows 3, 4${suffix}: POST /auth/reset throughput`);
  const small = SETTINGS.smallStoreAccounts;
  const large = SETTINGS.largeStoreAccounts;
  const bare = await start('bare Express route', 'bare-app.ts', {});
  const smallApp = await start(
    `express-sspr, ${small} accounts${suffix}`,
    'sspr-app.ts',
    appConfig(store, { accounts: small, policy: 'all' }),
  );
  const largeApp = wanted('4')
    ? await start(
        `express-sspr, ${large} accounts${suffix}`,
        'sspr-app.ts',
        appConfig(store, { accounts: large, policy: 'all' }),
      )
    : null;
  try {
    const sessionsOf = (app: Child) =>
      Promise.all(Array.from({ length: SETTINGS.resetConnections }, () => openSession(urlOf(app))));
    const variants = [
      resetVariant('bare route', bare, await sessionsOf(bare), small),
      resetVariant(`${small} accounts`, smallApp, await sessionsOf(smallApp), small),
      ...(largeApp ? [resetVariant(`${large} accounts`, largeApp, await sessionsOf(largeApp), large)] : []),
    ];
    const figures = await interleave(variants, SETTINGS.resetPhaseSeconds);
    const queued = await smallApp.call<number>('outboxSize');
    const common = {
      connections: SETTINGS.resetConnections,
      outboxWorker: 'off',
      mailQueuedInSmallStore: queued,
    };
    rows.push(
      ratioRow(
        `3${suffix}`,
        `POST /auth/reset (${store} store, policy all, ${small} accounts) vs bare route`,
        figures,
        `${small} accounts`,
        'bare route',
        0.5,
        common,
      ),
    );
    if (largeApp) {
      rows.push(
        ratioRow(
          `4${suffix}`,
          `POST /auth/reset (${store} store) with ${large.toLocaleString('en')} vs ${small.toLocaleString('en')} accounts`,
          figures,
          `${large} accounts`,
          `${small} accounts`,
          0.9,
          common,
        ),
      );
    }
  } finally {
    await stop(largeApp, smallApp, bare);
  }
}

// ---------------------------------------------------------------------------
// Row 5: the reset answer takes as long whoever the address belongs to.

async function resetTiming(): Promise<void> {
  if (!wanted('5')) return;
  const perKind = SETTINGS.latencyRequestsPerKind;
  const warmup = SETTINGS.latencyWarmupPerKind;
  log(`row 5: POST /auth/reset latency, eligible vs ineligible vs unknown (${ROUNDS} x ${perKind} each)`);
  const accounts = warmup + ROUNDS * perKind;
  const app = await start(
    'express-sspr, policy selected',
    'sspr-app.ts',
    appConfig('memory', { accounts, outsiders: accounts, policy: 'selected' }),
  );
  const kinds = [
    { name: 'eligible', email: accountEmail },
    { name: 'ineligible', email: outsiderEmail },
    { name: 'unknown', email: unknownEmail },
  ] as const;
  const client = new SequentialClient(urlOf(app), await openSession(urlOf(app)));
  try {
    let used = 0;
    const pass = async (count: number) => {
      const samples: number[][] = kinds.map(() => []);
      for (let i = 0; i < count; i += 1) {
        const n = used++;
        for (const k of ORDERS_OF_THREE[i % ORDERS_OF_THREE.length] as readonly number[]) {
          const kind = kinds[k] as (typeof kinds)[number];
          const timed = await client.post('/auth/reset', { email: kind.email(n) });
          if (timed.status !== 202) throw new Error(`row 5: ${kind.name} answered ${timed.status}`);
          samples[k]?.push(timed.microseconds);
        }
      }
      return samples;
    };
    await pass(warmup);
    const perRound: Array<Record<string, number>> = [];
    for (let r = 0; r < ROUNDS; r += 1) {
      const samples = await pass(perKind);
      const medians = samples.map((list) => median(list));
      const overall = median(samples.flat());
      const spread = Math.max(...medians) - Math.min(...medians);
      perRound.push({
        eligibleUs: round(medians[0] as number, 1),
        ineligibleUs: round(medians[1] as number, 1),
        unknownUs: round(medians[2] as number, 1),
        medianUs: round(overall, 1),
        largestDifferenceUs: round(spread, 1),
        largestDifferencePercent: round((spread / overall) * 100, 2),
      });
      log(
        `  round ${r + 1}/${ROUNDS}: medians eligible ${medians[0]?.toFixed(0)} µs, ineligible ` +
          `${medians[1]?.toFixed(0)} µs, unknown ${medians[2]?.toFixed(0)} µs`,
      );
    }
    const difference = median(perRound.map((p) => p.largestDifferenceUs as number));
    const percent = median(perRound.map((p) => p.largestDifferencePercent as number));
    const medianUs = median(perRound.map((p) => p.medianUs as number));
    rows.push({
      row: '5',
      what: 'POST /auth/reset median latency, eligible vs ineligible vs unknown: largest difference',
      value: round(difference, 1),
      unit: 'µs',
      shown: `${difference.toFixed(0)} µs = ${percent.toFixed(1)}% of ${medianUs.toFixed(0)} µs`,
      target: '<= 5% and <= 100 µs',
      met: difference <= 100 && percent <= 5,
      details: {
        requestsPerKindPerRound: perKind,
        timing: 'client side, sequential over one keep-alive connection, kinds interleaved',
        rounds: perRound,
      },
    });
  } finally {
    client.close();
    await stop(app);
  }
}

// ---------------------------------------------------------------------------
// Row 8: argon2 vs @node-rs/argon2.

async function verifyLibraries(hash: string): Promise<void> {
  if (!wanted('8')) return;
  log('row 8: argon2 vs @node-rs/argon2 verify throughput');
  const concurrency = SETTINGS.signInConnections;
  const nodeRsHash = await nodeRs.hash(BENCH_PASSWORD, {
    algorithm: 2 as nodeRs.Algorithm,
    ...SETTINGS.argon2,
  });
  const compatible = {
    nodeRsVerifiesArgon2Hash: await nodeRs.verify(hash, BENCH_PASSWORD),
    argon2VerifiesNodeRsHash: await argon2.verify(nodeRsHash, BENCH_PASSWORD),
  };
  const a = await start('argon2', 'verify-worker.ts', {
    library: 'argon2',
    hash,
  } satisfies VerifyWorkerConfig);
  const b = await start('@node-rs/argon2', 'verify-worker.ts', {
    library: '@node-rs/argon2',
    hash,
  } satisfies VerifyWorkerConfig);
  try {
    const figures = await interleave(
      [verifyVariant('argon2', a, concurrency), verifyVariant('@node-rs/argon2', b, concurrency)],
      SETTINGS.verifyPhaseSeconds,
    );
    const row = ratioRow(
      '8',
      `@node-rs/argon2 vs argon2 verify throughput, ${concurrency} concurrent`,
      figures,
      '@node-rs/argon2',
      'argon2',
      1.2,
      { compatible, concurrency },
    );
    const faster = row.value >= 1.2;
    rows.push({
      ...row,
      target: 'reported (>= 1.20: offer nodeRsArgon2Hasher)',
      met: null,
      details: {
        ...row.details,
        decision: faster
          ? '@node-rs/argon2 is at least 20% faster: lib/accounts/node-rs-hasher.ts offers it; argon2 stays the default'
          : '@node-rs/argon2 is not 20% faster here: argon2 alone is enough',
      },
    });
  } finally {
    await stop(a, b);
  }
}

// ---------------------------------------------------------------------------
// The run.

/** Whether MONGODB_URI reaches a real MongoDB: never the project's wire test server. */
async function isRealMongo(uri: string): Promise<boolean> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000 });
  try {
    await client.connect();
    const info = await client.db('admin').command({ buildInfo: 1 });
    if (info.gitVersion === 'mongo-wire-test-server') {
      warn('MONGODB_URI is the wire test server, not a MongoDB: MongoDB rows skipped');
      return false;
    }
    log(`MongoDB ${String(info.version)} at ${redactUri(uri)}`);
    return true;
  } catch (error) {
    warn(
      `cannot reach MongoDB at ${redactUri(uri)} (${error instanceof Error ? error.name : 'error'}): MongoDB rows skipped`,
    );
    return false;
  } finally {
    await client.close();
  }
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    totalMemoryGiB: round(os.totalmem() / 2 ** 30, 1),
    loadAverageAtStart: os.loadavg().map((value) => round(value, 2)),
  };
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

function table(list: Row[]): string {
  const header = ['row', 'what', 'measured', 'target', 'met'];
  const body = list.map((r) => [
    r.row,
    r.what,
    r.shown,
    r.target,
    r.met === null ? '-' : r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...body.map((cells) => (cells[i] as string).length)),
  );
  const line = (cells: string[]) => cells.map((cell, i) => pad(cell, widths[i] as number)).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const host = machine();
  console.log(
    `express-sspr benchmarks: ${host.cpu}, ${host.cores} cores, Node ${host.node}, ${host.platform}, ` +
      `load average ${host.loadAverageAtStart.join(' ')}`,
  );
  console.log(
    `${ROUNDS} interleaved rounds per figure; phases scaled by ${SCALE}; MongoDB rows: ` +
      `${MONGODB_URI ? redactUri(MONGODB_URI) : 'skipped (no MONGODB_URI)'}`,
  );
  const hash = await argon2.hash(BENCH_PASSWORD, { type: argon2.argon2id, ...SETTINGS.argon2 });

  await signInRows('memory', hash);
  await healthUnderFlood();
  await overload();
  await resetRows('memory');
  await resetTiming();
  await verifyLibraries(hash);
  if (MONGODB_URI && (await isRealMongo(MONGODB_URI))) {
    await signInRows('mongo', hash);
    await resetRows('mongo');
  }

  const finishedAt = new Date();
  const durationSeconds = round((finishedAt.getTime() - startedAt.getTime()) / 1000, 1);
  console.log('');
  console.log(table(rows));
  console.log('');
  console.log(
    `Took ${durationSeconds} s. Load average at the end: ${os
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}`,
  );
  for (const message of warnings) console.log(`warning: ${message}`);

  const results = {
    machine: { ...host, loadAverageAtEnd: os.loadavg().map((value) => round(value, 2)) },
    startedAt: startedAt.toISOString(),
    durationSeconds,
    settings: {
      ...SETTINGS,
      mongodb: MONGODB_URI ? redactUri(MONGODB_URI) : null,
      only: ONLY ? [...ONLY] : null,
    },
    rows,
    warnings,
  };
  const file = fileURLToPath(new URL('./results.json', import.meta.url));
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`Wrote ${file}`);
}

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  for (const child of children) await child.stop().catch(() => {});
}
