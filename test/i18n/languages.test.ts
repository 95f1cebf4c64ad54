import assert from 'node:assert/strict';
import supertest from 'supertest';
import { en, type MessageKey } from '../../lib/i18n/en.js';
import { createIdentity } from '../../lib/identity.js';
import { memoryStore } from '../../lib/store/memory/index.js';
import { agentWithCsrf, buildTestApp, csrfFromPage, TEST_SECRET, type TestApp } from '../support/app.js';
import { SmtpCapture } from '../support/smtp.js';

const ALICE = { email: 'alice@example.com', password: 'correct horse battery staple' };
const ANA = { email: 'ana@example.com', password: 'caballo correcto pila grapa', language: 'es' };

type Agent = ReturnType<typeof supertest.agent>;

/** A complete catalogue for a made-up host language: English with a marker. */
function pseudoCatalogue(): Record<MessageKey, string> {
  return Object.fromEntries(
    (Object.keys(en) as MessageKey[]).map((key) => [key, `[xx] ${en[key]}`]),
  ) as Record<MessageKey, string>;
}

describe('languages', () => {
  let smtp: SmtpCapture;
  let t: TestApp;

  before(async () => {
    smtp = await SmtpCapture.start();
  });
  after(async () => {
    await smtp.stop();
  });

  async function build(identity: NonNullable<Parameters<typeof buildTestApp>[0]>['identity'] = {}) {
    const app = await buildTestApp({ mailer: smtp.mailer(), identity });
    await app.idp.users.create({ ...ALICE });
    await app.idp.users.create({ ...ANA });
    await app.idp.policy.set({ enabled: 'all' }, { actor: 'admin' });
    return app;
  }

  beforeEach(async () => {
    smtp.clear();
    t = await build();
  });
  afterEach(async () => {
    await t.idp.close();
  });

  /** Starts a reset as pages, in a language, and returns the agent on the code page. */
  async function startAsPages(agent: Agent, email: string, language: string) {
    const first = await agent.get('/auth/reset').set('Accept-Language', language).expect(200);
    const csrfToken = csrfFromPage(first.text);
    await agent
      .post('/auth/reset')
      .set('Accept-Language', language)
      .type('form')
      .send({ email, _csrf: csrfToken })
      .expect(303);
    return { first, csrfToken };
  }

  describe('pages follow Accept-Language', () => {
    it('serves the sign-in page in Spanish, with lang="es"', async () => {
      const page = await supertest(t.app)
        .get('/auth/signin')
        .set('Accept-Language', 'es-ES,es;q=0.9')
        .expect(200);
      assert.match(page.text, /<html lang="es">/);
      assert.match(page.text, /<title>Iniciar sesión - Contoso<\/title>/);
      assert.match(page.text, /<label for="signin-name">Dirección de correo electrónico<\/label>/);
      assert.match(page.text, /<label for="signin-password">Contraseña<\/label>/);
      assert.match(page.text, /<button type="submit">Iniciar sesión<\/button>/);
      assert.match(page.text, />¿No puede acceder a su cuenta\?</);
      assert.match(String(page.headers.vary), /Accept-Language/i);
    });

    it('serves English without Accept-Language, or when no catalogue matches', async () => {
      for (const header of [undefined, 'fr-FR, de;q=0.8', '*']) {
        const request = supertest(t.app).get('/auth/signin');
        if (header) request.set('Accept-Language', header);
        const page = await request.expect(200);
        assert.match(page.text, /<html lang="en">/, header);
        assert.match(page.text, /<button type="submit">Sign in<\/button>/, header);
      }
    });

    it('picks the best of the catalogues by quality', async () => {
      const page = await supertest(t.app)
        .get('/auth/signin')
        .set('Accept-Language', 'fr;q=1, es;q=0.8, en;q=0.5')
        .expect(200);
      assert.match(page.text, /<html lang="es">/);
    });

    it('walks the reset pages in Spanish', async () => {
      const agent = supertest.agent(t.app);
      const { first, csrfToken } = await startAsPages(agent, ALICE.email, 'es');
      assert.match(first.text, /<label for="email">Dirección de correo electrónico<\/label>/);
      assert.match(first.text, /<button type="submit">Enviar código de verificación<\/button>/);
      const codePage = await agent.get('/auth/reset/verify').set('Accept-Language', 'es').expect(200);
      assert.match(codePage.text, /<html lang="es">/);
      assert.match(codePage.text, /<label for="code">Código de verificación<\/label>/);
      assert.match(codePage.text, />Verificar código</);
      assert.match(codePage.text, />Enviar nuevo código</);
      assert.match(codePage.text, />Cambiar correo electrónico</);
      assert.match(codePage.text, /El código tiene 6 dígitos\. Caduca en 10 minutos\./);

      const wrong = await agent
        .post('/auth/reset/verify')
        .set('Accept-Language', 'es')
        .type('form')
        .send({ code: '000000', _csrf: csrfToken });
      assert.equal(wrong.status, 400);
      assert.match(wrong.text, /El código no es correcto\. Intentos restantes: 4\./);
      assert.match(wrong.text, /<h2 class="sspr-alert-heading">Hay un problema<\/h2>/);

      await t.idp.outbox.deliverDue();
      await agent
        .post('/auth/reset/verify')
        .set('Accept-Language', 'es')
        .type('form')
        .send({ code: smtp.codeFor(ALICE.email), _csrf: csrfToken })
        .expect(303);
      const passwordPage = await agent.get('/auth/reset/password').set('Accept-Language', 'es').expect(200);
      assert.match(passwordPage.text, /<label for="password">Nueva contraseña<\/label>/);
      assert.match(passwordPage.text, /<label for="confirmPassword">Confirmar nueva contraseña<\/label>/);
      assert.match(passwordPage.text, /<button type="submit">Continuar<\/button>/);

      const weak = await agent
        .post('/auth/reset/password')
        .set('Accept-Language', 'es')
        .type('form')
        .send({ password: 'password', confirmPassword: 'password', _csrf: csrfToken });
      assert.equal(weak.status, 400);
      assert.match(weak.text, /Elija una contraseña más segura\./);
      assert.match(weak.text, /<li>Esta contraseña es demasiado común\./);

      const differ = await agent
        .post('/auth/reset/password')
        .set('Accept-Language', 'es')
        .type('form')
        .send({ password: 'a brand new passphrase 42', confirmPassword: 'something else', _csrf: csrfToken });
      assert.equal(differ.status, 400);
      assert.match(differ.text, /Las contraseñas no coinciden\./);
    });

    it('serves the error page in Spanish', async () => {
      const response = await supertest(t.app)
        .post('/auth/reset')
        .set('Accept-Language', 'es')
        .type('form')
        .send({ email: ALICE.email, _csrf: 'not-the-token' });
      assert.equal(response.status, 403);
      assert.match(response.text, /<html lang="es">/);
      assert.match(response.text, /Su sesión ha caducado\. Vuelva a cargar la página e inténtelo de nuevo\./);
    });
  });

  describe('JSON errors follow Accept-Language', () => {
    it('says invalid_credentials in Spanish, keeping the code', async () => {
      const { agent, csrfToken } = await agentWithCsrf(t.app);
      const response = await agent
        .post('/auth/signin')
        .set('Accept-Language', 'es')
        .set('x-csrf-token', csrfToken)
        .send({ email: ALICE.email, password: 'wrong wrong wrong' });
      assert.equal(response.status, 401);
      assert.deepEqual(response.body, {
        error: {
          code: 'invalid_credentials',
          message: 'El nombre de inicio de sesión o la contraseña no son correctos.',
        },
      });
      assert.match(String(response.headers.vary), /Accept-Language/i);
    });

    it('keeps the English messages for English requests', async () => {
      const { agent, csrfToken } = await agentWithCsrf(t.app);
      const response = await agent
        .post('/auth/signin')
        .set('x-csrf-token', csrfToken)
        .send({ email: ALICE.email, password: 'wrong wrong wrong' });
      assert.equal(response.body.error.message, 'Your sign-in name or password is incorrect.');
    });

    it('says the reasons of a weak password in Spanish', async () => {
      const { agent, csrfToken } = await agentWithCsrf(t.app);
      const started = await agent
        .post('/auth/reset')
        .set('x-csrf-token', csrfToken)
        .send({ email: ALICE.email });
      await t.idp.outbox.deliverDue();
      const flowId = started.body.flowId as string;
      await agent
        .post('/auth/reset/verify')
        .set('x-csrf-token', csrfToken)
        .send({ flowId, code: smtp.codeFor(ALICE.email) })
        .expect(200);
      const response = await agent
        .post('/auth/reset/password')
        .set('Accept-Language', 'es')
        .set('x-csrf-token', csrfToken)
        .send({ flowId, password: 'short' });
      assert.equal(response.status, 400);
      assert.equal(response.body.error.code, 'weak_password');
      assert.equal(response.body.error.message, 'Elija una contraseña más segura.');
      const reasons = response.body.error.reasons as Array<{ code: string; message: string }>;
      assert.deepEqual(
        reasons.find((reason) => reason.code === 'too_short'),
        { code: 'too_short', message: 'Use al menos 8 caracteres.' },
      );
    });

    it('says a field error with its field name in Spanish', async () => {
      const { agent, csrfToken } = await agentWithCsrf(t.app);
      const response = await agent
        .post('/auth/reset')
        .set('Accept-Language', 'es')
        .set('x-csrf-token', csrfToken)
        .send({ email: ['a@example.com'] });
      assert.equal(response.status, 400);
      assert.equal(response.body.error.code, 'invalid_request');
      assert.equal(response.body.error.field, 'email');
      assert.equal(response.body.error.message, 'El campo email es obligatorio y debe ser texto.');
    });
  });

  describe('mail language', () => {
    it("mails an account in its stored language, whatever the request's", async () => {
      const { agent, csrfToken } = await agentWithCsrf(t.app);
      await agent
        .post('/auth/reset')
        .set('Accept-Language', 'en')
        .set('x-csrf-token', csrfToken)
        .send({ email: ANA.email })
        .expect(202);
      assert.equal(await t.idp.outbox.deliverDue(), 1);
      const mail = smtp.to(ANA.email)[0];
      assert.ok(mail);
      assert.equal(mail.subject, 'Código de verificación de correo electrónico de la cuenta de Contoso');
      assert.match(mail.text, /Su código: \d{6}/);
      assert.match(mail.text, /El código caduca en 10 minutos\./);
      assert.match(mail.html, /<html lang="es">/);
      assert.match(mail.html, /Verifique su dirección de correo electrónico/);
      assert.match(smtp.codeFor(ANA.email), /^\d{6}$/);
    });

    it("mails an account without a language in the request's language", async () => {
      const { agent, csrfToken } = await agentWithCsrf(t.app);
      await agent
        .post('/auth/reset')
        .set('Accept-Language', 'es-MX')
        .set('x-csrf-token', csrfToken)
        .send({ email: ALICE.email })
        .expect(202);
      await t.idp.outbox.deliverDue();
      assert.match(smtp.to(ALICE.email)[0]?.subject ?? '', /^Código de verificación/);
    });

    it('mails in English by default', async () => {
      const { agent, csrfToken } = await agentWithCsrf(t.app);
      await agent.post('/auth/reset').set('x-csrf-token', csrfToken).send({ email: ALICE.email }).expect(202);
      await t.idp.outbox.deliverDue();
      assert.equal(smtp.to(ALICE.email)[0]?.subject, 'Contoso account email verification code');
    });

    it('sends "your password was changed" in the stored language', async () => {
      const { agent, csrfToken } = await agentWithCsrf(t.app);
      const started = await agent
        .post('/auth/reset')
        .set('x-csrf-token', csrfToken)
        .send({ email: ANA.email });
      await t.idp.outbox.deliverDue();
      const flowId = started.body.flowId as string;
      await agent
        .post('/auth/reset/verify')
        .set('x-csrf-token', csrfToken)
        .send({ flowId, code: smtp.codeFor(ANA.email) })
        .expect(200);
      await agent
        .post('/auth/reset/password')
        .set('x-csrf-token', csrfToken)
        .send({ flowId, password: 'una frase nueva y larga 42' })
        .expect(200);
      await t.idp.outbox.deliverDue();
      const changed = smtp.to(ANA.email).at(-1);
      assert.equal(changed?.subject, 'Se ha cambiado su contraseña de Contoso');
      assert.match(changed?.text ?? '', /La contraseña de su cuenta de Contoso se cambió el .+ UTC\./);
    });
  });

  describe('host catalogues', () => {
    it('replaces one string with an override, leaving the others', async () => {
      await t.idp.close();
      t = await build({ messages: { en: { 'button.signin': 'Log in' }, es: { 'button.signin': 'Entrar' } } });
      const english = await supertest(t.app).get('/auth/signin').expect(200);
      assert.match(english.text, /<button type="submit">Log in<\/button>/);
      assert.match(english.text, /<label for="signin-password">Password<\/label>/);
      const spanish = await supertest(t.app).get('/auth/signin').set('Accept-Language', 'es').expect(200);
      assert.match(spanish.text, /<button type="submit">Entrar<\/button>/);
    });

    it('overrides error messages too', async () => {
      await t.idp.close();
      t = await build({ messages: { en: { 'error.invalid_credentials': 'Wrong name or password.' } } });
      const { agent, csrfToken } = await agentWithCsrf(t.app);
      const response = await agent
        .post('/auth/signin')
        .set('x-csrf-token', csrfToken)
        .send({ email: ALICE.email, password: 'wrong wrong wrong' });
      assert.equal(response.body.error.message, 'Wrong name or password.');
    });

    it('serves a host-added language for pages, errors and mail', async () => {
      await t.idp.close();
      t = await build({ messages: { xx: pseudoCatalogue() } });
      const page = await supertest(t.app).get('/auth/reset').set('Accept-Language', 'xx').expect(200);
      assert.match(page.text, /<html lang="xx">/);
      assert.match(page.text, /<button type="submit">\[xx\] Send verification code<\/button>/);
      const { agent, csrfToken } = await agentWithCsrf(t.app);
      const error = await agent
        .post('/auth/signin')
        .set('Accept-Language', 'xx')
        .set('x-csrf-token', csrfToken)
        .send({ email: ALICE.email, password: 'wrong wrong wrong' });
      assert.equal(error.body.error.message, '[xx] Your sign-in name or password is incorrect.');
      await agent
        .post('/auth/reset')
        .set('Accept-Language', 'xx')
        .set('x-csrf-token', csrfToken)
        .send({ email: ALICE.email })
        .expect(202);
      await t.idp.outbox.deliverDue();
      assert.equal(smtp.to(ALICE.email)[0]?.subject, '[xx] Contoso account email verification code');
    });

    it('uses defaultLanguage when nothing matches', async () => {
      await t.idp.close();
      t = await build({ defaultLanguage: 'es' });
      const page = await supertest(t.app).get('/auth/signin').set('Accept-Language', 'fr').expect(200);
      assert.match(page.text, /<html lang="es">/);
      const english = await supertest(t.app).get('/auth/signin').set('Accept-Language', 'en').expect(200);
      assert.match(english.text, /<html lang="en">/);
    });

    it('refuses an incomplete new language and an unknown defaultLanguage at construction', async () => {
      const base = { store: memoryStore({ warn: () => {} }), secret: TEST_SECRET, outbox: { worker: false } };
      await assert.rejects(
        createIdentity({ ...base, messages: { fr: { 'button.signin': 'Se connecter' } } }),
        (error: unknown) =>
          error instanceof TypeError &&
          /options\.messages\.fr .*missing keys: .*field\.email/.test(error.message),
      );
      await assert.rejects(
        createIdentity({ ...base, defaultLanguage: 'fr' }),
        (error: unknown) => error instanceof TypeError && /options\.defaultLanguage/.test(error.message),
      );
    });
  });
});
