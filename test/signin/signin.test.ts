import assert from 'node:assert/strict';
import argon2 from 'argon2';
import supertest from 'supertest';
import { argon2Hasher, type PasswordHasher } from '../../lib/accounts/hasher.js';
import type { Store } from '../../lib/store/types.js';
import { agentWithCsrf, buildTestApp, sessionCookie, type TestApp } from '../support/app.js';
import { backends } from '../support/backends.js';
import { HOUR, ManualClock, MINUTE } from '../support/clock.js';

const ALICE = { email: 'alice@example.com', password: 'correct horse battery staple' };

/** Counts verify calls of the real argon2 hasher. */
function countingHasher(): PasswordHasher & { verifies: number } {
  const inner = argon2Hasher();
  const hasher = {
    verifies: 0,
    hash: (password: string) => inner.hash(password),
    verify: (hash: string, password: string) => {
      hasher.verifies += 1;
      return inner.verify(hash, password);
    },
    needsRehash: (hash: string) => inner.needsRehash(hash),
  };
  return hasher;
}

for (const backend of backends) {
  describe(`sign-in (${backend.name} store)`, () => {
    let clock: ManualClock;
    let store: Store;
    let t: TestApp;

    async function build(identity: Parameters<typeof buildTestApp>[0] = {}): Promise<TestApp> {
      return buildTestApp({ store, clock, ...identity });
    }

    beforeEach(async () => {
      clock = new ManualClock();
      store = await backend.create(clock);
      t = await build();
      await t.idp.users.create({ ...ALICE, displayName: 'Alice', groups: ['pilot'] });
    });

    async function signIn(app: TestApp['app'], body: Record<string, unknown>) {
      const { agent, csrfToken } = await agentWithCsrf(app);
      const response = await agent.post('/auth/signin').set('x-csrf-token', csrfToken).send(body);
      return { agent, response };
    }

    describe('GET /auth/signin', () => {
      it('shows the labelled form and no reset link while the policy is none', async () => {
        const response = await supertest(t.app).get('/auth/signin').expect(200);
        assert.match(response.text, /<label for="signin-name">Email address<\/label>/);
        assert.match(response.text, /<label for="signin-password">Password<\/label>/);
        assert.match(response.text, /autocomplete="username"/);
        assert.match(response.text, /autocomplete="current-password"/);
        assert.match(response.text, /<button type="submit">Sign in<\/button>/);
        assert.doesNotMatch(response.text, /Can&#39;t access your account\?/);
        assert.match(String(response.headers['content-security-policy']), /script-src 'self'/);
      });

      it('shows "Can\'t access your account?" once the policy is not none', async () => {
        await store.policy.setPasswordResetPolicy(
          { enabled: 'all', groups: [] },
          { actor: 'admin', now: clock.now() },
        );
        clock.advance(MINUTE);
        const response = await supertest(t.app).get('/auth/signin').expect(200);
        assert.match(response.text, /<a href="\/auth\/reset">Can&#39;t access your account\?<\/a>/);
      });

      it('escapes what it renders back', async () => {
        const response = await supertest(t.app)
          .get('/auth/signin?returnTo=/x"><script>alert(1)</script>')
          .expect(200);
        assert.doesNotMatch(response.text, /<script>alert/);
      });
    });

    describe('POST /auth/signin (JSON)', () => {
      it('signs in with the right password and answers the user', async () => {
        const { agent, response } = await signIn(t.app, ALICE);
        assert.equal(response.status, 200);
        assert.equal(response.body.user.email, 'alice@example.com');
        assert.deepEqual(response.body.user.groups, ['pilot']);
        assert.equal(response.body.user.passwordHash, undefined);
        const session = await agent.get('/auth/session').set('Accept', 'application/json').expect(200);
        assert.equal(session.body.user.email, 'alice@example.com');
      });

      it("hands over the new session's CSRF token, which the old one no longer matches", async () => {
        const { agent, csrfToken } = await agentWithCsrf(t.app);
        const response = await agent
          .post('/auth/signin')
          .set('x-csrf-token', csrfToken)
          .send(ALICE)
          .expect(200);
        const fresh = response.body.csrfToken as string;
        assert.equal(typeof fresh, 'string');
        assert.notEqual(fresh, csrfToken);
        await agent
          .post('/auth/signout')
          .set('x-csrf-token', csrfToken)
          .set('Accept', 'application/json')
          .expect(403);
        await agent
          .post('/auth/signout')
          .set('x-csrf-token', fresh)
          .set('Accept', 'application/json')
          .expect(204);
      });

      it('normalises the sign-in name (case, spaces, NFKC)', async () => {
        const { response } = await signIn(t.app, {
          email: '  ＡLICE@Example.com ',
          password: ALICE.password,
        });
        assert.equal(response.status, 200);
      });

      it('issues a new session id on sign-in (no fixation)', async () => {
        const { agent, csrfToken } = await agentWithCsrf(t.app);
        const before = await agent.get('/auth/csrf').set('Accept', 'application/json');
        const beforeSid = sessionCookie(before) ?? '';
        const response = await agent
          .post('/auth/signin')
          .set('x-csrf-token', csrfToken)
          .send(ALICE)
          .expect(200);
        const afterSid = sessionCookie(response);
        assert.ok(afterSid);
        assert.notEqual(afterSid, beforeSid);
      });

      it('answers unknown name and wrong password identically with 401 invalid_credentials', async () => {
        const unknown = (await signIn(t.app, { email: 'nobody@example.com', password: 'whatever-password' }))
          .response;
        const wrong = (await signIn(t.app, { email: ALICE.email, password: 'wrong password here' })).response;
        assert.equal(unknown.status, 401);
        assert.equal(wrong.status, 401);
        assert.deepEqual(unknown.body, wrong.body);
        assert.equal(unknown.body.error.code, 'invalid_credentials');
        assert.deepEqual(Object.keys(unknown.headers).sort(), Object.keys(wrong.headers).sort());
        assert.equal(unknown.headers['content-length'], wrong.headers['content-length']);
      });

      it('costs exactly one argon2 verify for an unknown name', async () => {
        const hasher = countingHasher();
        const app = await build({ identity: { hasher } });
        const { agent, csrfToken } = await agentWithCsrf(app.app);
        hasher.verifies = 0;
        await agent
          .post('/auth/signin')
          .set('x-csrf-token', csrfToken)
          .send({ email: 'nobody@example.com', password: 'some password' })
          .expect(401);
        assert.equal(hasher.verifies, 1);
      });

      it('refuses a password over the maximum before hashing', async () => {
        const hasher = countingHasher();
        const app = await build({ identity: { hasher } });
        const { agent, csrfToken } = await agentWithCsrf(app.app);
        hasher.verifies = 0;
        const response = await agent
          .post('/auth/signin')
          .set('x-csrf-token', csrfToken)
          .send({ email: ALICE.email, password: 'x'.repeat(5000) });
        assert.equal(response.status, 401);
        assert.equal(hasher.verifies, 0);
      });

      it('re-hashes a weaker stored hash after a successful sign-in', async () => {
        const weak = await argon2.hash('an old but fine password', {
          type: argon2.argon2id,
          memoryCost: 4096,
          timeCost: 1,
          parallelism: 1,
        });
        const user = await store.users.create({
          id: 'weak-user',
          email: 'weak@example.com',
          username: null,
          displayName: null,
          passwordHash: weak,
          groups: [],
          roles: [],
          emailVerified: false,
          language: null,
          now: clock.now(),
        });
        await signIn(t.app, { email: 'weak@example.com', password: 'an old but fine password' });
        const stored = await store.users.findById(user.id);
        assert.match(stored?.passwordHash ?? '', /^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
        assert.equal(stored?.credentialsVersion, 1);
      });

      it('stores new passwords as argon2id m=19456 t=2 p=1', async () => {
        const stored = await store.users.findByEmail(ALICE.email);
        assert.match(stored?.passwordHash ?? '', /^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
      });
    });

    describe('lockout', () => {
      async function fail(app: TestApp['app'], email: string, times: number) {
        const { agent, csrfToken } = await agentWithCsrf(app);
        const statuses: number[] = [];
        for (let i = 0; i < times; i += 1) {
          const response = await agent
            .post('/auth/signin')
            .set('x-csrf-token', csrfToken)
            .send({ email, password: `wrong password ${i}` });
          statuses.push(response.status);
        }
        return { agent, csrfToken, statuses };
      }

      it('locks a name after 10 failures: even the right password gets 429 with Retry-After', async () => {
        const { agent, csrfToken, statuses } = await fail(t.app, ALICE.email, 10);
        assert.deepEqual(statuses, Array(10).fill(401));
        const locked = await agent.post('/auth/signin').set('x-csrf-token', csrfToken).send(ALICE);
        assert.equal(locked.status, 429);
        assert.equal(locked.body.error.code, 'rate_limited');
        assert.equal(locked.headers['retry-after'], '60');
      });

      it('locks unknown names the same way and answers them identically', async () => {
        const known = await fail(t.app, ALICE.email, 11);
        const unknown = await fail(t.app, 'ghost@example.com', 11);
        assert.deepEqual(known.statuses, unknown.statuses);
        const a = await known.agent.post('/auth/signin').set('x-csrf-token', known.csrfToken).send(ALICE);
        const b = await unknown.agent
          .post('/auth/signin')
          .set('x-csrf-token', unknown.csrfToken)
          .send({ email: 'ghost@example.com', password: ALICE.password });
        assert.equal(a.status, 429);
        assert.deepEqual(a.body, b.body);
        assert.equal(a.headers['retry-after'], b.headers['retry-after']);
      });

      it('unlocks after a minute, and a second lock lasts twice as long, up to an hour', async () => {
        await fail(t.app, ALICE.email, 10);
        clock.advance(MINUTE);
        const second = await fail(t.app, ALICE.email, 11);
        assert.equal(second.statuses[10], 429);
        const response = await second.agent
          .post('/auth/signin')
          .set('x-csrf-token', second.csrfToken)
          .send({ email: ALICE.email, password: 'x-wrong-x' });
        assert.equal(response.headers['retry-after'], '120');
        for (let lock = 0; lock < 8; lock += 1) {
          clock.advance(HOUR);
          await fail(t.app, ALICE.email, 10);
        }
        const capped = await fail(t.app, ALICE.email, 1);
        assert.equal(capped.statuses[0], 429);
        const last = await capped.agent
          .post('/auth/signin')
          .set('x-csrf-token', capped.csrfToken)
          .send({ email: ALICE.email, password: 'x' });
        assert.equal(last.headers['retry-after'], '3600');
      });

      it('a successful sign-in resets the count', async () => {
        await fail(t.app, ALICE.email, 9);
        await signIn(t.app, ALICE);
        const { statuses } = await fail(t.app, ALICE.email, 9);
        assert.deepEqual(statuses, Array(9).fill(401));
        assert.equal((await signIn(t.app, ALICE)).response.status, 200);
      });

      it('is shared by two app instances on one store', async () => {
        const other = await build();
        await fail(t.app, ALICE.email, 5);
        await fail(other.app, ALICE.email, 5);
        const response = (await signIn(other.app, ALICE)).response;
        assert.equal(response.status, 429);
      });
    });

    describe('sessions', () => {
      it('signs out with 204 and destroys the session server-side', async () => {
        const { agent } = await signIn(t.app, ALICE);
        const token = (await agent.get('/auth/csrf').set('Accept', 'application/json')).body
          .csrfToken as string;
        const sessionsBefore = await countSessions(t);
        await agent
          .post('/auth/signout')
          .set('x-csrf-token', token)
          .set('Accept', 'application/json')
          .expect(204);
        assert.equal(await countSessions(t), sessionsBefore - 1);
        await agent.get('/auth/session').set('Accept', 'application/json').expect(401);
      });

      it('a session made before a password change is signed out', async () => {
        const { agent } = await signIn(t.app, ALICE);
        await agent.get('/private').expect(200);
        const user = await store.users.findByEmail(ALICE.email);
        assert.ok(user);
        await store.users.changePassword(user.id, {
          passwordHash: user.passwordHash,
          expectedVersion: user.credentialsVersion,
          now: clock.now(),
        });
        await agent.get('/private').expect(401);
        const response = await agent.get('/auth/session').set('Accept', 'application/json').expect(401);
        assert.equal(response.body.error.code, 'unauthenticated');
      });

      it('sets the session cookie HttpOnly and SameSite=Lax, and Secure behind HTTPS', async () => {
        const plain = (await signIn(t.app, ALICE)).response;
        const cookie = String(plain.headers['set-cookie']);
        assert.match(cookie, /HttpOnly/);
        assert.match(cookie, /SameSite=Lax/);
        assert.doesNotMatch(cookie, /Secure/);
        const proxied = await build({ trustProxy: 'loopback' });
        const agent = supertest.agent(proxied.app);
        const csrf = await agent
          .get('/auth/csrf')
          .set('Accept', 'application/json')
          .set('X-Forwarded-Proto', 'https');
        assert.match(String(csrf.headers['set-cookie']), /; Secure/);
      });
    });

    describe('form sign-in', () => {
      it('redirects 303 to a local returnTo', async () => {
        const { agent, csrfToken } = await agentWithCsrf(t.app);
        const response = await agent
          .post('/auth/signin')
          .type('form')
          .send({ ...ALICE, _csrf: csrfToken, returnTo: '/profile?tab=1' });
        assert.equal(response.status, 303);
        assert.equal(response.headers.location, '/profile?tab=1');
      });

      it('never redirects to another origin', async () => {
        for (const returnTo of [
          '//evil.example',
          'https://evil.example/',
          '/\\evil.example',
          'javascript:alert(1)',
        ]) {
          const { agent, csrfToken } = await agentWithCsrf(t.app);
          const response = await agent
            .post('/auth/signin')
            .type('form')
            .send({ ...ALICE, _csrf: csrfToken, returnTo });
          assert.equal(response.status, 303);
          assert.equal(response.headers.location, '/');
        }
      });

      it('shows the error on the sign-in page with 401, keeping the typed name', async () => {
        const { agent, csrfToken } = await agentWithCsrf(t.app);
        const response = await agent
          .post('/auth/signin')
          .type('form')
          .send({ email: ALICE.email, password: 'nope nope', _csrf: csrfToken });
        assert.equal(response.status, 401);
        assert.match(response.text, /role="alert"/);
        assert.match(response.text, /Your sign-in name or password is incorrect\./);
        assert.match(response.text, /value="alice@example.com"/);
      });
    });

    describe('hostile input', () => {
      it('answers 403 csrf_invalid without a token', async () => {
        const response = await supertest(t.app).post('/auth/signin').send(ALICE);
        assert.equal(response.status, 403);
        assert.equal(response.body.error.code, 'csrf_invalid');
      });

      it('answers operator objects, arrays and numbers with 400 invalid_request and runs no query', async () => {
        const { agent, csrfToken } = await agentWithCsrf(t.app);
        let lookups = 0;
        const original = store.users.findByEmail.bind(store.users);
        store.users.findByEmail = (email: string) => {
          lookups += 1;
          return original(email);
        };
        for (const email of [{ $ne: null }, { $gt: '' }, ['alice@example.com'], 42, null, true]) {
          const response = await agent
            .post('/auth/signin')
            .set('x-csrf-token', csrfToken)
            .send({ email, password: ALICE.password });
          assert.equal(response.status, 400, JSON.stringify(email));
          assert.equal(response.body.error.code, 'invalid_request');
          assert.equal(response.body.error.field, 'email');
        }
        const form = await agent
          .post('/auth/signin')
          .set('x-csrf-token', csrfToken)
          .set('Accept', 'application/json')
          .type('form')
          .send('email[$gt]=&password=x');
        assert.equal(form.status, 400);
        assert.equal(lookups, 0);
      });

      it('answers 415 for other content types and 413 for large bodies', async () => {
        const { agent, csrfToken } = await agentWithCsrf(t.app);
        const text = await agent
          .post('/auth/signin')
          .set('x-csrf-token', csrfToken)
          .set('Content-Type', 'text/plain')
          .set('Accept', 'application/json')
          .send('hello');
        assert.equal(text.status, 415);
        assert.equal(text.body.error.code, 'unsupported_media_type');
        const big = await agent
          .post('/auth/signin')
          .set('x-csrf-token', csrfToken)
          .send({ email: 'a@example.com', password: 'x'.repeat(20_000) });
        assert.equal(big.status, 413);
        assert.equal(big.body.error.code, 'payload_too_large');
        const broken = await agent
          .post('/auth/signin')
          .set('x-csrf-token', csrfToken)
          .set('Content-Type', 'application/json')
          .send('{"email": ');
        assert.equal(broken.status, 400);
        assert.equal(broken.body.error.code, 'invalid_request');
        assert.doesNotMatch(broken.text, /at .*\.js|SyntaxError/);
      });
    });

    describe('per-IP limits', () => {
      it('limits sign-ins per client IP, ignoring X-Forwarded-For unless the proxy is trusted', async () => {
        const limited = await build({ identity: { rateLimits: { signIn: { max: 3, windowMs: MINUTE } } } });
        const { agent, csrfToken } = await agentWithCsrf(limited.app);
        const statuses: number[] = [];
        for (let i = 0; i < 4; i += 1) {
          const response = await agent
            .post('/auth/signin')
            .set('x-csrf-token', csrfToken)
            .set('X-Forwarded-For', `203.0.113.${i}`)
            .send({ email: `user${i}@example.com`, password: 'wrong password' });
          statuses.push(response.status);
        }
        assert.deepEqual(statuses, [401, 401, 401, 429]);
      });

      it('follows X-Forwarded-For when the app trusts the proxy', async () => {
        const limited = await build({
          trustProxy: 'loopback',
          identity: { rateLimits: { signIn: { max: 1, windowMs: MINUTE } } },
        });
        const { agent, csrfToken } = await agentWithCsrf(limited.app);
        for (let i = 0; i < 3; i += 1) {
          const response = await agent
            .post('/auth/signin')
            .set('x-csrf-token', csrfToken)
            .set('X-Forwarded-For', `203.0.113.${i}`)
            .send({ email: 'someone@example.com', password: 'wrong password' });
          assert.equal(response.status, 401);
        }
      });
    });
  });
}

async function countSessions(t: TestApp): Promise<number> {
  return new Promise((resolve, reject) => {
    const all = t.sessionStore.all;
    if (!all) return reject(new Error('session store cannot list'));
    all.call(t.sessionStore, (error: unknown, sessions: unknown) => {
      if (error) return reject(error);
      resolve(Array.isArray(sessions) ? sessions.length : Object.keys(sessions ?? {}).length);
    });
  });
}
