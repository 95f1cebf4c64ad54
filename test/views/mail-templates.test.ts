import assert from 'node:assert/strict';
import { en } from '../../lib/i18n/en.js';
import { es } from '../../lib/i18n/es.js';
import { defaultMailTemplates, type MailContext, type RenderedMail } from '../../lib/mail/templates.js';
import { agentWithCsrf, buildTestApp, type TestApp } from '../support/app.js';
import { SmtpCapture } from '../support/smtp.js';

const CONTEXT: MailContext = {
  companyName: 'Contoso',
  accentColor: '#5c2d91',
  backgroundColor: '#f2f2f2',
  logoUrl: 'https://contoso.example/logo.svg',
  footerLinks: [
    { text: 'Privacy', url: 'https://contoso.example/privacy' },
    { text: 'Help', url: 'https://contoso.example/help' },
  ],
  messages: en,
  lang: 'en',
};

const CODE = '012345';

function everyMail(context: MailContext = CONTEXT): Array<[string, RenderedMail]> {
  return [
    [
      'resetCode',
      defaultMailTemplates.resetCode(context, {
        code: CODE,
        expiresInMinutes: 10,
        verifyUrl: 'https://app.example.com/auth/reset/verify',
      }),
    ],
    ['resetNotEnabled', defaultMailTemplates.resetNotEnabled(context, {})],
    [
      'passwordChanged',
      defaultMailTemplates.passwordChanged(context, {
        changedAt: new Date('2025-03-04T05:06:00Z'),
        signInUrl: 'https://app.example.com/auth/signin',
      }),
    ],
    ['unknownRecipient', defaultMailTemplates.unknownRecipient(context, {})],
  ];
}

describe('mail templates', () => {
  for (const [name, mail] of everyMail()) {
    describe(name, () => {
      it('has a subject, a text part and an HTML part', () => {
        assert.ok(mail.subject.length > 0);
        assert.ok(mail.text.trim().length > 0);
        assert.match(mail.html, /^<!doctype html>\n<html lang="en">/);
        assert.match(mail.html, /<h1[^>]*>[^<]+<\/h1>/);
      });

      it('carries the branding: company, logo, accent colour and footer', () => {
        assert.match(mail.subject, /Contoso/);
        assert.match(mail.html, /<img src="https:\/\/contoso\.example\/logo\.svg" alt="Contoso"/);
        assert.match(mail.html, /border-top:4px solid #5c2d91/);
        assert.match(mail.html, /This message was sent by Contoso\./);
        assert.match(mail.html, /<a href="https:\/\/contoso\.example\/privacy"[^>]*>Privacy<\/a>/);
        assert.match(mail.text, /This message was sent by Contoso\./);
        assert.match(
          mail.text,
          /Privacy: https:\/\/contoso\.example\/privacy\nHelp: https:\/\/contoso\.example\/help/,
        );
      });

      it('never puts digits that could be a code in the subject', () => {
        assert.doesNotMatch(mail.subject, /\d{4,}/);
      });

      it('has no script', () => {
        assert.doesNotMatch(mail.html, /<script|\son[a-z]+=/i);
      });
    });
  }

  describe('the code mail', () => {
    const mail = defaultMailTemplates.resetCode(CONTEXT, {
      code: CODE,
      expiresInMinutes: 10,
      verifyUrl: null,
    });

    it('shows the code large, in a monospace font, easy to select', () => {
      const element = new RegExp(`<span style="([^"]+)">${CODE}</span>`).exec(mail.html);
      assert.ok(element, 'the code is in its own element');
      const style = element[1] ?? '';
      const size = Number(/font-size:(\d+)px/.exec(style)?.[1]);
      assert.ok(size >= 28, `font-size ${size}px`);
      assert.match(style, /monospace/);
      assert.match(style, /user-select:all/);
    });

    it('puts the code on its own labelled line in the text part, keeping leading zeros', () => {
      assert.match(mail.text, /^Your code: 012345$/m);
    });

    it('states when the code expires, in both parts', () => {
      assert.match(mail.text, /The code expires in 10 minutes\./);
      assert.match(mail.html, /The code expires in 10 minutes\./);
    });

    it('links to the code page only when there is a URL', () => {
      assert.doesNotMatch(mail.text, /Enter the code on this page/);
      const linked = everyMail()[0]?.[1];
      assert.match(
        linked?.text ?? '',
        /Enter the code on this page: https:\/\/app\.example\.com\/auth\/reset\/verify/,
      );
    });
  });

  it('shows the company name as text without a logo, and no footer links without any', () => {
    const mail = defaultMailTemplates.resetNotEnabled({ ...CONTEXT, logoUrl: null, footerLinks: [] }, {});
    assert.doesNotMatch(mail.html, /<img/);
    assert.match(mail.html, /<p style="[^"]*font-weight:600">Contoso<\/p>/);
    assert.doesNotMatch(mail.html, /Privacy/);
  });

  it('escapes the branding and the values', () => {
    const mail = defaultMailTemplates.resetCode(
      {
        ...CONTEXT,
        companyName: '<b>Evil</b> & co',
        footerLinks: [{ text: '<i>x</i>', url: 'https://x.example/?a=1&b=2' }],
      },
      { code: CODE, expiresInMinutes: 10, verifyUrl: 'https://app.example.com/a?b=1&c="2"' },
    );
    assert.doesNotMatch(mail.html, /<b>Evil|<i>x/);
    assert.match(mail.html, /&lt;b&gt;Evil&lt;\/b&gt; &amp; co/);
    assert.match(mail.html, /href="https:\/\/app\.example\.com\/a\?b=1&amp;c=&quot;2&quot;"/);
  });

  it('speaks the language of the context', () => {
    for (const [name, mail] of everyMail({ ...CONTEXT, messages: es, lang: 'es' })) {
      assert.match(mail.html, /<html lang="es">/, name);
      assert.match(mail.text, /Este mensaje lo ha enviado Contoso\./, name);
    }
    const [, code] = everyMail({ ...CONTEXT, messages: es, lang: 'es' })[0] ?? [];
    assert.equal(code?.subject, 'Código de verificación de correo electrónico de la cuenta de Contoso');
    assert.match(code?.text ?? '', /^Su código: 012345$/m);
    assert.match(code?.text ?? '', /El código caduca en 10 minutos\./);
  });

  it('dates the password change in the language of the mail', () => {
    const changedAt = new Date('2025-03-04T05:06:00Z');
    const spanish = defaultMailTemplates.passwordChanged(
      { ...CONTEXT, messages: es, lang: 'es' },
      { changedAt, signInUrl: null },
    );
    assert.match(spanish.text, /se cambió el 4 de marzo de 2025\D+5:06 UTC\./);
  });

  describe('as sent', () => {
    let smtp: SmtpCapture;
    let t: TestApp;
    before(async () => {
      smtp = await SmtpCapture.start();
    });
    after(async () => {
      await smtp.stop();
    });
    afterEach(async () => {
      await t.idp.close();
    });

    it('gives replaced templates the branding, with site paths made absolute from baseUrl', async () => {
      const seen: MailContext[] = [];
      t = await buildTestApp({
        mailer: smtp.mailer(),
        identity: {
          branding: {
            companyName: 'Contoso',
            logoUrl: '/brand/logo.png',
            accentColor: 'navy',
            footerLinks: [{ text: 'Help', url: '/help' }],
          },
          mailTemplates: {
            resetCode(context, model) {
              seen.push(context);
              return defaultMailTemplates.resetCode(context, model);
            },
          },
        },
      });
      await t.idp.users.create({ email: 'alice@example.com', password: 'correct horse battery staple' });
      await t.idp.policy.set({ enabled: 'all' }, { actor: 'admin' });
      const { agent, csrfToken } = await agentWithCsrf(t.app);
      await agent
        .post('/auth/reset')
        .set('Accept-Language', 'es')
        .set('x-csrf-token', csrfToken)
        .send({ email: 'alice@example.com' })
        .expect(202);
      await t.idp.outbox.deliverDue();
      assert.equal(seen.length, 1);
      const context = seen[0];
      assert.equal(context?.companyName, 'Contoso');
      assert.equal(context?.accentColor, 'navy');
      assert.equal(context?.logoUrl, 'https://app.example.com/brand/logo.png');
      assert.deepEqual(context?.footerLinks, [{ text: 'Help', url: 'https://app.example.com/help' }]);
      assert.equal(context?.lang, 'es');
      assert.equal(context?.messages, es);
      const mail = smtp.to('alice@example.com')[0];
      assert.match(mail?.text ?? '', /Help: https:\/\/app\.example\.com\/help/);
      assert.match(mail?.html ?? '', /<img src="https:\/\/app\.example\.com\/brand\/logo\.png"/);
    });
  });
});
