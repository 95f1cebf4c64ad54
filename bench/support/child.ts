/**
 * One process per server under test: the parent forks a TypeScript entry
 * with `--import tsx`, the child listens on port 0 (loopback only) and
 * reports its port over IPC; afterwards the parent can call named handlers
 * in the child (`usage`, `run`, `stop`).
 */
import { type ChildProcess, fork } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

type ChildMessage =
  | { type: 'ready'; port: number | null }
  | { type: 'reply'; id: number; value: unknown }
  | { type: 'failed'; id: number | null; message: string };

type ParentMessage = { type: 'call'; id: number; name: string; argument: unknown };

/** What every child answers to `usage`. */
export interface ChildUsage {
  /** Peak resident set size of the process so far (the kernel's high-water mark). */
  maxRssBytes: number;
  rssBytes: number;
  /** CPU time (user + system, every thread) the process has used so far. */
  cpuMicroseconds: number;
  /** Time spent in garbage collection pauses so far. */
  gcMilliseconds: number;
}

/** The parent's handle on a forked child. */
export interface Child {
  readonly name: string;
  readonly pid: number;
  /** Where the child listens (`http://127.0.0.1:<port>`), or null for a child without a server. */
  readonly url: string | null;
  call<T>(name: string, argument?: unknown): Promise<T>;
  /** Asks the child to close and exit; kills it after a grace period. */
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 180_000;

/**
 * Forks `entry` (a path relative to this bench folder) with its JSON config
 * as the one argument, and resolves once the child reports ready.
 */
export function startChild(name: string, entry: string, config: unknown): Promise<Child> {
  const path = fileURLToPath(new URL(`../${entry}`, import.meta.url));
  const child = fork(path, [JSON.stringify(config)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  child.on('message', (raw: ChildMessage) => {
    if (raw.type === 'reply' || (raw.type === 'failed' && raw.id !== null)) {
      const waiter = pending.get(raw.id as number);
      pending.delete(raw.id as number);
      if (raw.type === 'reply') waiter?.resolve(raw.value);
      else waiter?.reject(new Error(`${name}: ${raw.message}`));
    }
  });
  child.once('exit', (code, signal) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${name} exited (${code ?? signal})`));
    pending.clear();
  });

  return new Promise<Child>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within ${STARTUP_TIMEOUT_MS} ms`));
    }, STARTUP_TIMEOUT_MS);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited during startup (code ${code})`));
    };
    child.once('exit', onExit);
    const onMessage = (message: ChildMessage) => {
      if (message.type === 'failed' && message.id === null) {
        clearTimeout(timer);
        child.off('exit', onExit);
        child.kill('SIGKILL');
        reject(new Error(`${name} failed to start: ${message.message}`));
        return;
      }
      if (message.type !== 'ready') return;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('message', onMessage);
      resolve(handle(name, child, message.port, exited, pending, () => nextId++));
    };
    child.on('message', onMessage);
  });
}

function handle(
  name: string,
  child: ChildProcess,
  port: number | null,
  exited: Promise<void>,
  pending: Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>,
  newId: () => number,
): Child {
  const call = <T>(method: string, argument?: unknown) =>
    new Promise<T>((resolve, reject) => {
      if (!child.connected) return reject(new Error(`${name} is not running`));
      const id = newId();
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ type: 'call', id, name: method, argument } satisfies ParentMessage);
    });
  return {
    name,
    pid: child.pid ?? -1,
    url: port === null ? null : `http://127.0.0.1:${port}`,
    call,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await call('stop').catch(() => {});
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** A handler the parent may call in a child. */
export type Handlers = Record<string, (argument: unknown) => unknown>;

/** The config the parent passed to this child. */
export function childConfig<T>(): T {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error('bench child: missing config argument');
  return JSON.parse(raw) as T;
}

function send(message: ChildMessage): void {
  process.send?.(message);
}

let gcMilliseconds = 0;

export function usage(): ChildUsage {
  const cpu = process.cpuUsage();
  return {
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    rssBytes: process.memoryUsage.rss(),
    cpuMicroseconds: cpu.user + cpu.system,
    gcMilliseconds,
  };
}

/**
 * The child side: runs `start` (which may return an HTTP server to listen on
 * loopback port 0), reports ready with the port, then answers calls. `stop`
 * runs `close` and exits; so does losing the parent.
 */
export async function runChild(
  start: () => Promise<{ server?: Server; handlers?: Handlers; close?: () => Promise<void> }>,
): Promise<void> {
  if (!process.send) throw new Error('bench child: run me through bench/run.ts (needs an IPC channel)');
  let close: (() => Promise<void>) | undefined;
  const exit = async (code: number) => {
    await close?.().catch(() => {});
    process.exit(code);
  };
  process.on('disconnect', () => void exit(0));
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMilliseconds += entry.duration;
  }).observe({ type: 'gc' });
  try {
    const started = await start();
    close = started.close;
    const handlers: Handlers = { usage, ...started.handlers };
    process.on('message', (message: ParentMessage) => {
      if (message.type !== 'call') return;
      if (message.name === 'stop') {
        send({ type: 'reply', id: message.id, value: null });
        void exit(0);
        return;
      }
      const handler = handlers[message.name];
      Promise.resolve()
        .then(() => {
          if (!handler) throw new Error(`no handler ${message.name}`);
          return handler(message.argument);
        })
        .then(
          (value) => send({ type: 'reply', id: message.id, value: value ?? null }),
          (error: unknown) => send({ type: 'failed', id: message.id, message: String(error) }),
        );
    });
    let port: number | null = null;
    if (started.server) {
      const server = started.server;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      // Keep-alive longer than any phase's idle gap, so autocannon's connections are not cut mid-run.
      server.keepAliveTimeout = 65_000;
      port = (server.address() as AddressInfo).port;
    }
    send({ type: 'ready', port });
  } catch (error) {
    send({
      type: 'failed',
      id: null,
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    await exit(1);
  }
}
