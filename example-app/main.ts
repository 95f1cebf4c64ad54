/**
 * Runs the example app: `npm run example`.
 *
 * Configuration comes from the environment (see DESIGN.md, "The example app"):
 * MONGODB_URI, SMTP_URL, PORT, HOST, BASE_URL, SEED_FILE, RESET_CODE_TTL,
 * RESET_RESEND_AFTER, TRUST_PROXY, SSPR_SECRET, SESSION_SECRET.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createExampleApp, type ExampleApp, loadConfigFromEnv } from './app.js';
import { defaultBaseUrl, type ExampleConfig } from './config.js';

function fail(message: string): never {
  process.stderr.write(`example-app: ${message}\n`);
  process.exit(1);
}

function banner(example: ExampleApp, config: ExampleConfig, url: string): string {
  const lines = ['', `express-sspr example app is running at ${url}/`];
  if (config.baseUrl.replace(/\/+$/, '') !== url)
    lines.push(`Public URL (used in mail links): ${config.baseUrl}`);
  lines.push('');
  if (example.demoAccounts.length > 0) {
    lines.push(
      `Demo accounts${example.describe.seeded ? '' : ' (from the seed file; the store already had users, so it was not loaded again)'}:`,
    );
    for (const account of example.demoAccounts) {
      lines.push(`  ${account.email.padEnd(22)} ${account.password.padEnd(28)} ${account.note}`);
    }
    lines.push('');
  }
  if (example.inbox) lines.push(`Dev inbox (mail sent by the app): ${url}/dev/mail`);
  lines.push(`Store: ${example.describe.store}`);
  lines.push(`Mail:  ${example.describe.mail}`);
  for (const note of example.describe.notes) lines.push(`Note:  ${note}`);
  lines.push('');
  lines.push(
    `Reset is off until an administrator turns it on at ${config.baseUrl.replace(/\/+$/, '')}/auth/admin/password-reset`,
  );
  lines.push('Press Ctrl+C to stop.', '');
  return lines.join('\n');
}

async function main(): Promise<void> {
  let config: ExampleConfig;
  try {
    config = loadConfigFromEnv(process.env);
  } catch (error) {
    fail((error as Error).message);
  }

  let example: ExampleApp;
  try {
    example = await createExampleApp(config);
  } catch (error) {
    fail(`could not start: ${(error as Error).message}`);
  }

  const server = http.createServer(example.app);
  server.once('error', (error: NodeJS.ErrnoException) => {
    const where = `${config.host}:${config.port}`;
    const message =
      error.code === 'EADDRINUSE'
        ? `port ${config.port} on ${config.host} is already in use. Stop whatever is using ${where}, or pick another port: PORT=3001 npm run example`
        : error.code === 'EACCES'
          ? `not allowed to listen on ${where}; pick a port above 1024 (PORT=3001)`
          : `cannot listen on ${where}: ${error.message}`;
    void example.close().finally(() => fail(message));
  });
  server.listen(config.port, config.host, () => {
    const { port } = server.address() as AddressInfo;
    process.stdout.write(banner(example, config, defaultBaseUrl(config.host, port)));
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      process.stderr.write(`example-app: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    process.stdout.write(`\n${signal}: shutting down...\n`);
    // If something hangs, do not hang with it.
    setTimeout(() => fail('did not stop within 10 s; exiting'), 10_000).unref();
    server.close();
    server.closeIdleConnections();
    void example
      .close()
      .then(() => process.exit(0))
      .catch((error: unknown) => fail(`error while stopping: ${(error as Error).message}`));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

await main();
