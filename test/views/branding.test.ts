import assert from 'node:assert/strict';
import supertest from 'supertest';
import { createIdentity } from '../../lib/identity.js';
import type { BrandingOptions, IdentityOptions } from '../../lib/options.js';
import { memoryStore } from '../../lib/store/memory/index.js';
import { contrastRatio, parseColor, type Rgba } from '../../lib/views/colors.js';
import { html } from '../../lib/views/html.js';
import { layout } from '../../lib/views/layout.js';
import { PALETTE } from '../../lib/views/styles.js';
import { buildTestApp, CapturingLogger, TEST_SECRET, type TestApp } from '../support/app.js';

function color(text: string): Rgba {
  const parsed = parseColor(text);
  assert.ok(parsed, text);
  return parsed;
}

function identityWith(extra: Partial<IdentityOptions>) {
  return createIdentity({
    store: memoryStore({ warn: () => {} }),
    secret: TEST_SECRET,
    outbox: { worker: false },
    logger: new CapturingLogger(),
    ...extra,
  });
}

async function rejectsOption(branding: BrandingOptions | Record<string, unknown>, option: RegExp) {
  await assert.rejects(identityWith({ branding: branding as BrandingOptions }), (error: unknown) => {
    assert.ok(error instanceof TypeError, String(error));
    assert.match(error.message, option);
    return true;
  });
}

describe('branding', () => {
  describe('colours', () => {
    it('parses hex, rgb(), hsl() and named colours', () => {
      assert.deepEqual(parseColor('#0067b8'), { r: 0, g: 103, b: 184, a: 1 });
      assert.deepEqual(parseColor('#06b'), { r: 0, g: 102, b: 187, a: 1 });
      assert.deepEqual(parseColor('rgb(0, 103, 184)'), { r: 0, g: 103, b: 184, a: 1 });
      assert.deepEqual(parseColor('rgb(0 103 184 / 50%)'), { r: 0, g: 103, b: 184, a: 0.5 });
      assert.deepEqual(parseColor('rgba(100%, 0%, 0%, .5)'), { r: 255, g: 0, b: 0, a: 0.5 });
      assert.deepEqual(parseColor('RebeccaPurple'), { r: 102, g: 51, b: 153, a: 1 });
      const hsl = parseColor('hsl(120deg 100% 25%)');
      assert.deepEqual(hsl && [Math.round(hsl.r), Math.round(hsl.g), Math.round(hsl.b)], [0, 128, 0]);
    });

    it('refuses anything else', () => {
      for (const text of [
        'notacolor',
        'red;}',
        'url(x)',
        'var(--x)',
        'rgb(0,0)',
        '#12345',
        'currentcolor',
        '',
      ]) {
        assert.equal(parseColor(text), null, text);
      }
    });

    it('computes WCAG contrast ratios', () => {
      assert.equal(contrastRatio(color('#000'), color('#fff')), 21);
      assert.equal(contrastRatio(color('#fff'), color('#fff')), 1);
      assert.equal(Math.round(contrastRatio(color('#777'), color('#fff')) * 100) / 100, 4.48);
    });

    it('keeps the default theme at WCAG AA contrast', () => {
      const pairs: Array<[string, string, string, number]> = [
        ['text on the card', PALETTE.text, PALETTE.surface, 4.5],
        ['text on the page background', PALETTE.text, PALETTE.background, 4.5],
        ['hints on the card', PALETTE.hint, PALETTE.surface, 4.5],
        ['counts on the card', PALETTE.muted, PALETTE.surface, 4.5],
        ['field errors on the card', PALETTE.error, PALETTE.surface, 4.5],
        ['error links in the summary', PALETTE.error, PALETTE.errorBackground, 4.5],
        ['text in the error summary', PALETTE.text, PALETTE.errorBackground, 4.5],
        ['text in a notice', PALETTE.text, PALETTE.noticeBackground, 4.5],
        ['links on the card', PALETTE.accent, PALETTE.surface, 4.5],
        ['button text on the accent', PALETTE.surface, PALETTE.accent, 4.5],
        ['the focus ring on the card', PALETTE.focus, PALETTE.surface, 3],
        ['field borders on the card', PALETTE.border, PALETTE.surface, 3],
      ];
      for (const [what, foreground, background, minimum] of pairs) {
        const ratio = contrastRatio(color(foreground), color(background));
        assert.ok(ratio >= minimum, `${what}: ${ratio.toFixed(2)} < ${minimum}`);
      }
    });
  });

  describe('validation at construction', () => {
    it('accepts every kind of CSS colour', async () => {
      for (const accentColor of ['#0067b8', 'rgb(0 103 184)', 'hsl(206, 100%, 36%)', 'navy']) {
        const idp = await identityWith({ branding: { accentColor, backgroundColor: 'whitesmoke' } });
        assert.equal(idp.options.branding.accentColor, accentColor);
        await idp.close();
      }
    });

    it('refuses colours that are not CSS colours, naming the option', async () => {
      await rejectsOption({ accentColor: 'blurple' }, /options\.branding\.accentColor must be a CSS colour/);
      await rejectsOption({ accentColor: 'red;} body{display:none' }, /options\.branding\.accentColor/);
      await rejectsOption({ backgroundColor: 'url(x.png)' }, /options\.branding\.backgroundColor/);
    });

    it('refuses URLs that are not https or site paths', async () => {
      for (const url of ['http://cdn.example/x.css', '//cdn.example/x.css', 'javascript:alert(1)', 'x.css']) {
        await rejectsOption({ customCssUrl: url }, /options\.branding\.customCssUrl must be an https URL/);
      }
      await rejectsOption({ customCssUrl: 'https://a;b.example/x.css' }, /customCssUrl/);
      await rejectsOption({ customCssUrl: 'https://cdn.example/x".css' }, /customCssUrl/);
      await rejectsOption({ logoUrl: 'data:image/png;base64,AAAA' }, /options\.branding\.logoUrl/);
    });

    it('refuses bad footer links, naming the link', async () => {
      const link = { text: 'Privacy', url: '/privacy' };
      await rejectsOption(
        { footerLinks: Array(11).fill(link) },
        /branding\.footerLinks must be a list of at most 10/,
      );
      await rejectsOption(
        { footerLinks: [link, { text: 'Terms', url: 'ftp://x' }] },
        /footerLinks\[1\]\.url/,
      );
      await rejectsOption({ footerLinks: [{ text: '', url: '/x' }] }, /footerLinks\[0\]\.text/);
      await rejectsOption({ footerLinks: ['/x'] }, /footerLinks\[0\] must be \{ text, url \}/);
      await rejectsOption({ footerLinks: { text: 'x', url: '/x' } }, /branding\.footerLinks must be a list/);
    });

    it('refuses an empty or long sign-in text', async () => {
      await rejectsOption({ signInText: ' ' }, /options\.branding\.signInText/);
      await rejectsOption({ signInText: 'x'.repeat(501) }, /options\.branding\.signInText/);
    });

    it('fills the defaults', async () => {
      const idp = await identityWith({});
      assert.deepEqual(idp.options.branding, {
        companyName: 'Your account',
        logoUrl: null,
        accentColor: '#0067b8',
        backgroundColor: '#f2f2f2',
        customCssUrl: null,
        signInText: null,
        footerLinks: [],
      });
      await idp.close();
    });
  });

  describe('the low-contrast warning', () => {
    it('warns once at start-up when white text on the accent is below 4.5:1', async () => {
      const logger = new CapturingLogger();
      const idp = await identityWith({ logger, branding: { accentColor: '#ffb900' } });
      const warnings = logger.lines.filter((line) => line.includes('branding.low_contrast'));
      assert.equal(warnings.length, 1);
      const warning = JSON.parse(warnings[0] ?? '{}');
      assert.equal(warning.level, 'warn');
      assert.equal(warning.option, 'branding.accentColor');
      assert.ok(warning.ratio < 4.5);
      await idp.close();
    });

    it('stays quiet for the default accent and for dark ones', async () => {
      for (const accentColor of [undefined, '#107c10', 'navy']) {
        const logger = new CapturingLogger();
        const idp = await identityWith({ logger, branding: accentColor ? { accentColor } : {} });
        assert.equal(logger.lines.filter((line) => line.includes('low_contrast')).length, 0, accentColor);
        await idp.close();
      }
    });
  });

  describe('on the pages', () => {
    let t: TestApp;
    afterEach(async () => {
      await t.idp.close();
    });

    it('shows the sign-in text, the logo, the footer links and the custom stylesheet after the theme', async () => {
      t = await buildTestApp({
        identity: {
          branding: {
            companyName: 'Contoso',
            logoUrl: '/brand/logo.svg',
            signInText: 'Use your Contoso work account.',
            customCssUrl: 'https://cdn.contoso.example/brand/sspr.css',
            footerLinks: [
              { text: 'Privacy & cookies', url: 'https://contoso.example/privacy' },
              { text: 'Help', url: '/help' },
            ],
          },
        },
      });
      const page = await supertest(t.app).get('/auth/signin').expect(200);
      assert.match(page.text, /<p class="sspr-signin-text">Use your Contoso work account\.<\/p>/);
      assert.match(page.text, /<img class="sspr-logo" src="\/brand\/logo\.svg" alt="Contoso">/);
      assert.match(
        page.text,
        /<footer class="sspr-footer">\n<ul><li><a href="https:\/\/contoso\.example\/privacy">Privacy &amp; cookies<\/a><\/li><li><a href="\/help">Help<\/a><\/li><\/ul>\n<\/footer>/,
      );
      assert.match(
        page.text,
        /href="\/auth\/assets\/theme\.css">\n<link rel="stylesheet" href="https:\/\/cdn\.contoso\.example\/brand\/sspr\.css">/,
      );
      assert.match(
        String(page.headers['content-security-policy']),
        /style-src 'self' https:\/\/cdn\.contoso\.example;/,
      );
      const reset = await supertest(t.app).get('/auth/reset').expect(200);
      assert.match(reset.text, /<footer class="sspr-footer">/);
      assert.doesNotMatch(reset.text, /sspr-signin-text/);
    });

    it('has no footer and the plain CSP without branding', async () => {
      t = await buildTestApp();
      const page = await supertest(t.app).get('/auth/signin').expect(200);
      assert.doesNotMatch(page.text, /<footer/);
      assert.match(String(page.headers['content-security-policy']), /style-src 'self';/);
    });

    it('serves the colours in theme.css', async () => {
      t = await buildTestApp({
        identity: { branding: { accentColor: 'rgb(0 90 158)', backgroundColor: 'navy' } },
      });
      const css = await supertest(t.app).get('/auth/assets/theme.css').expect(200);
      assert.equal(css.text, ':root{--sspr-accent:rgb(0 90 158);--sspr-background:navy}\n');
    });
  });

  describe('page templates', () => {
    let t: TestApp;
    afterEach(async () => {
      await t?.idp.close();
    });

    it('renders through a replaced template, with the context and the model', async () => {
      t = await buildTestApp({
        identity: {
          pageTemplates: {
            signIn: (context, model) =>
              layout(context, 'Custom', html`<h1>Custom ${model.signInName} ${context.lang}</h1>`),
          },
        },
      });
      const page = await supertest(t.app).get('/auth/signin').set('Accept-Language', 'es').expect(200);
      assert.match(page.text, /<h1>Custom email es<\/h1>/);
      const reset = await supertest(t.app).get('/auth/reset').expect(200);
      assert.match(reset.text, /Send verification code/, 'the other pages keep the defaults');
    });

    it('renders errors through a replaced error template', async () => {
      t = await buildTestApp({
        identity: {
          pageTemplates: {
            error: (context, model) =>
              layout(
                context,
                'Oops',
                html`<h1>Oops ${model.code} ${model.status}</h1><p>${model.message}</p>`,
              ),
          },
        },
      });
      const response = await supertest(t.app).get('/auth/session').set('Accept', 'text/html');
      assert.equal(response.status, 401);
      assert.match(response.text, /<h1>Oops unauthenticated 401<\/h1><p>You need to sign in\.<\/p>/);
    });

    it('refuses unknown templates and non-functions, naming them', async () => {
      await assert.rejects(
        identityWith({ pageTemplates: { signon: () => '' } as never }),
        /options\.pageTemplates\.signon is not a known page template/,
      );
      await assert.rejects(
        identityWith({ pageTemplates: { signIn: 'x' } as never }),
        /options\.pageTemplates\.signIn must be a function/,
      );
    });
  });
});
