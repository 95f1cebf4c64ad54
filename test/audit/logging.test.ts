import assert from 'node:assert/strict';
import { AuditLog } from '../../lib/audit/audit-log.js';
import { jsonLogger } from '../../lib/logger.js';
import { cryptoRandom } from '../../lib/random.js';
import { memoryStore } from '../../lib/store/memory/index.js';
import { CapturingLogger } from '../support/app.js';
import { ManualClock } from '../support/clock.js';

describe('log lines and audit events (SECURITY.md LO-1, LO-3)', () => {
  it('keeps a log line on one line: control characters in input are neutralised', () => {
    const lines: string[] = [];
    const logger = jsonLogger((line) => lines.push(line));
    logger.warn('signin.failure', {
      ip: '10.0.0.1\r\n{"level":"info","event":"forged"}',
      note: 'a\u0000b\u2028c',
    });
    assert.equal(lines.length, 1);
    const line = lines[0] ?? '';
    assert.doesNotMatch(line, /[\p{Cc}\u2028]/u);
    const parsed = JSON.parse(line) as Record<string, string>;
    assert.equal(parsed.ip, '10.0.0.1\\u000d\\u000a{"level":"info","event":"forged"}');
    assert.equal(parsed.note, 'a\\u0000b\\u2028c');
  });

  it('drops secret-looking keys from audit data and neutralises what it keeps', async () => {
    const clock = new ManualClock();
    const store = memoryStore({ clock, warn: () => {} });
    const audit = new AuditLog(store.audit, clock, cryptoRandom, new CapturingLogger());
    await audit.record('reset.code_failed', {
      ip: '127.0.0.1\nforged',
      data: { password: 'hunter2-hunter2', code: '123456', csrfToken: 't', sessionId: 's', reason: 'x\ny' },
    });
    const [event] = await store.audit.query({ limit: 1 });
    assert.deepEqual(event?.data, { reason: 'x\\u000ay' });
    assert.equal(event?.ip, '127.0.0.1\\u000aforged');
  });
});
