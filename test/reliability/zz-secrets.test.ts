/**
 * Secrets never leak (SECURITY.md LO-1): every log line and every audit event
 * that the apps of all the sections above produced is searched for every
 * password, code, password hash (whole, and its salt and digest), session id
 * (the connect.sid cookie value, decoded, and the id inside it) and CSRF
 * token that the run used. Named `zz-` so that it runs last: mocha runs the
 * files in name order, and each section hands its lines and events to the
 * ledger in its `after` hook.
 */
import assert from 'node:assert/strict';
import { ledger, type SecretKind } from './support/ledger.js';

interface Hit {
  kind: SecretKind;
  context: string;
}

/**
 * Finds every occurrence of any secret at least `probe` characters long:
 * secrets are indexed by their first `probe` characters, and every position
 * of the haystack is looked up (one pass, whatever the number of secrets).
 */
function scan(haystack: string, secrets: Array<[string, SecretKind]>, probe: number): Hit[] {
  const index = new Map<string, Array<[string, SecretKind]>>();
  for (const entry of secrets) {
    if (entry[0].length < probe) continue;
    const key = entry[0].slice(0, probe);
    const list = index.get(key);
    if (list) list.push(entry);
    else index.set(key, [entry]);
  }
  const hits: Hit[] = [];
  for (let at = 0; at + probe <= haystack.length; at += 1) {
    const candidates = index.get(haystack.slice(at, at + probe));
    if (!candidates) continue;
    for (const [secret, kind] of candidates) {
      if (haystack.startsWith(secret, at)) {
        hits.push({ kind, context: haystack.slice(Math.max(0, at - 60), at + secret.length + 20) });
      }
    }
  }
  return hits;
}

/** Codes are six digits: a hit is a run of exactly six digits that is one of the codes. */
function findCodes(haystack: string, codes: Set<string>): Hit[] {
  const hits: Hit[] = [];
  for (const match of haystack.matchAll(/(?<!\d)\d{6}(?!\d)/g)) {
    if (codes.has(match[0])) {
      hits.push({ kind: 'code', context: haystack.slice(Math.max(0, match.index - 60), match.index + 26) });
    }
  }
  return hits;
}

describe('reliability: secrets never leak', () => {
  it('finds no password, code, hash, session id or CSRF token in any log line or audit event of the run', () => {
    const logLines = ledger.logLines();
    const haystack = [...logLines, ...ledger.audit].join('\n');
    const count = (kind: SecretKind) => ledger.secrets.get(kind)?.size ?? 0;
    const entries = (kinds: SecretKind[]) =>
      kinds.flatMap((kind) =>
        [...(ledger.secrets.get(kind) ?? [])].map((secret) => [secret, kind] as [string, SecretKind]),
      );

    assert.ok(logLines.length > 0 && ledger.audit.length > 0, 'the sections left lines and events to search');
    for (const kind of ['password', 'code', 'hash', 'session id', 'csrf token'] as const) {
      assert.ok(count(kind) > 0, `no ${kind} was recorded: the check would prove nothing`);
    }

    const search = (text: string, codes: Set<string>): Hit[] => [
      ...scan(text, entries(['hash', 'session id', 'csrf token']), 16),
      ...scan(text, entries(['password']), 8),
      ...findCodes(text, codes),
    ];

    // The search finds a planted secret of each kind, so that 0 hits below means something.
    const kinds = ['password', 'code', 'hash', 'session id', 'csrf token'] as const;
    const planted = kinds.map((kind) => [...(ledger.secrets.get(kind) ?? [])][0] as string);
    const decoy = planted.map((secret) => `{"level":"info","event":"x","value":"${secret}"}`).join('\n');
    const foundKinds = new Set(search(decoy, ledger.secrets.get('code') ?? new Set()).map((hit) => hit.kind));
    assert.deepEqual([...foundKinds].sort(), [...kinds].sort(), 'the search misses a planted secret');

    const hits = search(haystack, ledger.secrets.get('code') ?? new Set());

    ledger.summary(
      `secrets: searched ${logLines.length.toLocaleString('en')} log lines and ${ledger.audit.length.toLocaleString('en')} ` +
        `audit events (${(haystack.length / 1024 / 1024).toFixed(1)} MB) from every app of the run for ` +
        `${count('password')} passwords, ${count('code')} codes, ${count('hash')} hashes and hash parts, ` +
        `${count('session id')} session cookies and ids, ${count('csrf token')} CSRF tokens: ${hits.length} hits`,
    );
    assert.deepEqual(
      hits.slice(0, 10).map((hit) => `${hit.kind}: …${hit.context}…`),
      [],
      `${hits.length} secrets found in logs or audit events`,
    );
  });
});
