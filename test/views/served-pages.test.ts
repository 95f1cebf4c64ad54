import assert from 'node:assert/strict';
import supertest from 'supertest';
import { PAGE_CSP } from '../../lib/http/pages.js';
import { agentWithCsrf, buildTestApp, csrfFromPage, type TestApp } from '../support/app.js';
import { SmtpCapture } from '../support/smtp.js';

const ADMIN = { email: 'admin@example.com', password: 'ops correct horse 42' };
const ALICE = { email: 'alice@example.com', password: 'correct horse battery staple' };

type Agent = ReturnType<typeof supertest.agent>;

describe('pages as served by the routers', () => {
  let smtp: SmtpCapture;
  let t: TestApp;
  const served = new Map<string, { status: number; text: string; headers: Record<string, unknown> }>();

  before(async () => {
    smtp = await SmtpCapture.start();
    t = await buildTestApp({ mailer: smtp.mailer() });
    t.app.use('/auth/admin', t.idp.adminRouter());
    t.app.use(t.idp.errorHandler);
    await t.idp.users.create({ ...ADMIN, roles: ['admin'] });
    await t.idp.users.create({ ...ALICE });
    await t.idp.policy.set({ enabled: 'all' }, { actor: 'admin' });

    const keep = (
      name: string,
      response: { status: number; text: string; headers: Record<string, unknown> },
    ) => served.set(name, response);
    keep('sign-in', await supertest(t.app).get('/auth/signin'));

    const user: Agent = supertest.agent(t.app);
    const start = await user.get('/auth/reset');
    keep('reset start', start);
    const csrfToken = csrfFromPage(start.text);
    await user.post('/auth/reset').type('form').send({ email: ALICE.email, _csrf: csrfToken });
    keep('reset verify', await user.get('/auth/reset/verify'));
    keep(
      'reset verify, wrong code',
      await user.post('/auth/reset/verify').type('form').send({ code: '000000', _csrf: csrfToken }),
    );
    await t.idp.outbox.deliverDue();
    await user
      .post('/auth/reset/verify')
      .type('form')
      .send({ code: smtp.codeFor(ALICE.email), _csrf: csrfToken });
    keep('reset password', await user.get('/auth/reset/password'));
    keep(
      'reset password, weak',
      await user
        .post('/auth/reset/password')
        .type('form')
        .send({ password: 'password', confirmPassword: 'password', _csrf: csrfToken }),
    );
    keep('error page', await supertest(t.app).get('/auth/session').set('Accept', 'text/html'));
    keep(
      'sign-in, wrong password',
      await (async () => {
        const { agent, csrfToken: token } = await agentWithCsrf(t.app);
        return agent
          .post('/auth/signin')
          .type('form')
          .send({ email: ALICE.email, password: 'nope nope', _csrf: token });
      })(),
    );

    const { agent: admin, csrfToken: adminToken } = await agentWithCsrf(t.app);
    await admin.post('/auth/signin').set('x-csrf-token', adminToken).send(ADMIN).expect(200);
    const blade = await admin.get('/auth/admin/password-reset');
    keep('admin blade', blade);
    keep(
      'admin blade, error',
      await admin
        .post('/auth/admin/password-reset')
        .type('form')
        .send({ enabled: 'selected', groups: '', _csrf: csrfFromPage(blade.text) }),
    );
    keep('audit', await admin.get('/auth/admin/audit'));
  });

  after(async () => {
    await t.idp.close();
    await smtp.stop();
  });

  it('serves every page', () => {
    const statuses = Object.fromEntries([...served].map(([name, response]) => [name, response.status]));
    assert.deepEqual(statuses, {
      'sign-in': 200,
      'reset start': 200,
      'reset verify': 200,
      'reset verify, wrong code': 400,
      'reset password': 200,
      'reset password, weak': 400,
      'error page': 401,
      'sign-in, wrong password': 401,
      'admin blade': 200,
      'admin blade, error': 400,
      audit: 200,
    });
    for (const [name, response] of served) {
      assert.match(String(response.headers['content-type']), /^text\/html/, name);
    }
  });

  it('sends every page with the strict CSP and no framing', () => {
    for (const [name, response] of served) {
      assert.equal(response.headers['content-security-policy'], PAGE_CSP, name);
      assert.equal(response.headers['x-frame-options'], 'DENY', name);
    }
  });

  it('has no script, no style attribute and no event handler in any page', () => {
    for (const [name, { text }] of served) {
      assert.doesNotMatch(text, /<script/i, name);
      assert.doesNotMatch(text, / style=/i, name);
      assert.doesNotMatch(text, /\son[a-z]+=/i, name);
    }
  });

  it('gives every page lang, a title, one main landmark and one h1', () => {
    for (const [name, { text }] of served) {
      assert.match(text, /<html lang="en">/, name);
      assert.match(text, /<title>[^<]+<\/title>/, name);
      assert.equal(text.match(/<main\b/g)?.length, 1, name);
      assert.equal(text.match(/<h1\b/g)?.length, 1, name);
    }
  });

  it('announces errors and focuses the invalid field', () => {
    const expected: Record<string, string> = {
      'reset verify, wrong code': 'code',
      'reset password, weak': 'password',
      'sign-in, wrong password': 'signin-name',
      'admin blade, error': 'groups',
    };
    for (const [name, id] of Object.entries(expected)) {
      const text = served.get(name)?.text ?? '';
      assert.match(text, /role="alert"/, name);
      const focused = [...text.matchAll(/<input [^>]*autofocus[^>]*>/g)].map((match) => match[0]);
      assert.equal(focused.length, 1, name);
      assert.match(focused[0] ?? '', new RegExp(`id="${id}"`), name);
      assert.match(focused[0] ?? '', /aria-invalid="true"/, name);
      assert.match(focused[0] ?? '', /aria-describedby="[^"]+"/, name);
    }
    assert.match(served.get('reset verify, wrong code')?.text ?? '', /Tries left: 4\./);
  });
});
