/** The user journeys the sections repeat, over the reliability HTTP client. */
import assert from 'node:assert/strict';
import type { SmtpCapture } from '../../support/smtp.js';
import { Browser, type Reply } from './http.js';
import { ledger } from './ledger.js';
import type { RunningApp } from './world.js';

/** Signs in with a new browser; returns the answer and the browser (signed in on 200). */
export async function signIn(
  port: number,
  email: string,
  password: string,
): Promise<{ reply: Reply; browser: Browser }> {
  ledger.note('password', password);
  const browser = await new Browser(port).open();
  const reply = await browser.post('/auth/signin', { email, password });
  if (reply.status === 200) await browser.refreshCsrf();
  return { reply, browser };
}

export async function signInStatus(port: number, email: string, password: string): Promise<number> {
  return (await signIn(port, email, password)).reply.status;
}

/** Starts a reset in a new browser; asserts 202. */
export async function startReset(port: number, email: string): Promise<{ browser: Browser; flowId: string }> {
  const browser = await new Browser(port).open();
  const reply = await browser.post('/auth/reset', { email });
  assert.equal(reply.status, 202, `POST /auth/reset ${email}: ${reply.text}`);
  return { browser, flowId: (reply.json as { flowId: string }).flowId };
}

/** Delivers due mail and returns the newest code mailed to `email`. */
export async function deliverCode(app: RunningApp, smtp: SmtpCapture, email: string): Promise<string> {
  await app.idp.outbox.deliverDue();
  const code = smtp.codeFor(email);
  ledger.note('code', code);
  return code;
}

export function verify(browser: Browser, flowId: string, code: string): Promise<Reply> {
  return browser.post('/auth/reset/verify', { flowId, code });
}

export function complete(browser: Browser, flowId: string, password: string): Promise<Reply> {
  ledger.note('password', password);
  return browser.post('/auth/reset/password', { flowId, password });
}

/** Starts, delivers and verifies a reset: a verified flow ready to complete. */
export async function verifiedFlow(
  app: RunningApp,
  smtp: SmtpCapture,
  email: string,
): Promise<{ browser: Browser; flowId: string }> {
  const flow = await startReset(app.port, email);
  const code = await deliverCode(app, smtp, email);
  const reply = await verify(flow.browser, flow.flowId, code);
  assert.equal(reply.status, 200, `verify: ${reply.text}`);
  return flow;
}

/** Signs in an administrator and returns the signed-in browser. */
export async function adminBrowser(port: number, email: string, password: string): Promise<Browser> {
  const { reply, browser } = await signIn(port, email, password);
  assert.equal(reply.status, 200, `admin sign-in: ${reply.text}`);
  return browser;
}
