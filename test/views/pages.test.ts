import assert from 'node:assert/strict';
import { PAGE_CSP, pageCsp } from '../../lib/http/pages.js';
import { es } from '../../lib/i18n/es.js';
import { html, SafeHtml } from '../../lib/views/html.js';
import { BASE_CSS } from '../../lib/views/styles.js';
import { defaultPageTemplates } from '../../lib/views/templates.js';
import { branding, pageContext, type RenderedPage, renderEveryPage } from '../support/pages.js';

const PAGE_NAMES = ['signIn', 'resetStart', 'resetVerify', 'resetPassword', 'error', 'adminPolicy', 'audit'];

/** The opening tags of every element of a kind, e.g. every `<input ...>`. */
function tags(markup: string, name: string): string[] {
  return [...markup.matchAll(new RegExp(`<${name}\\b[^>]*>`, 'gi'))].map((match) => match[0]);
}

function attribute(tag: string, name: string): string | null {
  const match = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return match ? (match[1] ?? '') : new RegExp(`\\s${name}(\\s|>|$)`).test(tag) ? '' : null;
}

/** The fields a user types in or chooses: inputs other than hidden ones, and selects. */
function fields(markup: string): string[] {
  return [...tags(markup, 'input'), ...tags(markup, 'select')].filter(
    (tag) => attribute(tag, 'type') !== 'hidden',
  );
}

function label(page: RenderedPage): string {
  return `${page.name}${page.withError ? ' (with an error)' : ''}`;
}

describe('page rendering', () => {
  const pages = renderEveryPage();

  it('renders every page, fresh and with an error', () => {
    assert.deepEqual([...new Set(pages.map((page) => page.name))], PAGE_NAMES);
  });

  describe('the strict CSP holds: nothing inline', () => {
    for (const page of pages) {
      it(`${label(page)} has no script, no style attribute or element, no event handler`, () => {
        assert.doesNotMatch(page.markup, /<script/i);
        assert.doesNotMatch(page.markup, /\sstyle=/i);
        assert.doesNotMatch(page.markup, /<style/i);
        assert.doesNotMatch(page.markup, /\son[a-z]+\s*=/i);
        assert.doesNotMatch(page.markup, /javascript:/i);
      });
    }

    it('PAGE_CSP allows no inline script or style', () => {
      assert.match(PAGE_CSP, /script-src 'self';/);
      assert.match(PAGE_CSP, /style-src 'self';/);
      assert.doesNotMatch(PAGE_CSP, /unsafe-inline|unsafe-eval/);
    });

    it("adds only a custom stylesheet's origin to style-src", () => {
      assert.equal(pageCsp(null), PAGE_CSP);
      assert.equal(pageCsp('/brand/site.css'), PAGE_CSP);
      const csp = pageCsp('https://cdn.contoso.example:8443/brand/site.css?v=2');
      assert.match(csp, /style-src 'self' https:\/\/cdn\.contoso\.example:8443;/);
      assert.doesNotMatch(csp, /brand|v=2/);
      assert.equal(csp.replace(' https://cdn.contoso.example:8443', ''), PAGE_CSP);
    });
  });

  describe('escaping', () => {
    it('escapes every interpolated value and keeps SafeHtml as it is', () => {
      const value = `"><script>alert(1)</script>'&`;
      assert.equal(
        html`<p title="${value}">${value}</p>`.value,
        '<p title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&#39;&amp;">&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&#39;&amp;</p>',
      );
      assert.equal(html`<p>${new SafeHtml('<b>x</b>')}</p>`.value, '<p><b>x</b></p>');
    });

    it('escapes what users typed and the branding in every page', () => {
      const evil = '"><img src=x onerror=alert(1)>';
      const context = pageContext({
        branding: branding({
          companyName: evil,
          signInText: evil,
          footerLinks: [{ text: evil, url: '/privacy' }],
        }),
      });
      for (const page of renderEveryPage(context)) {
        assert.doesNotMatch(page.markup, /<img src=x/, label(page));
        assert.match(page.markup, /&quot;&gt;&lt;img src=x onerror=alert\(1\)&gt;/, label(page));
      }
    });
  });

  describe('document structure', () => {
    for (const page of pages) {
      it(`${label(page)} has lang on <html>, a <title>, one <main> and one <h1>`, () => {
        assert.match(page.markup, /^<!doctype html>\n<html lang="en">/);
        assert.match(page.markup, /<title>[^<]+ - Contoso<\/title>/);
        assert.equal(tags(page.markup, 'main').length, 1);
        assert.equal(tags(page.markup, 'h1').length, 1);
        assert.match(page.markup, /<link rel="stylesheet" href="\/auth\/assets\/sspr\.css">/);
      });
    }

    it('follows the language of the context', () => {
      for (const page of renderEveryPage(pageContext({ lang: 'es', messages: es }))) {
        assert.match(page.markup, /<html lang="es">/, label(page));
      }
    });
  });

  describe('forms', () => {
    for (const page of pages) {
      it(`${label(page)} labels every field`, () => {
        for (const field of fields(page.markup)) {
          const id = attribute(field, 'id');
          assert.ok(id, `field without id: ${field}`);
          assert.match(page.markup, new RegExp(`<label for="${id}">[^<]+</label>`), field);
        }
      });

      it(`${label(page)} gives every credential field an autocomplete`, () => {
        for (const field of fields(page.markup)) {
          const type = attribute(field, 'type');
          const name = attribute(field, 'name') ?? '';
          if (type === 'password' || type === 'email' || ['email', 'username', 'code'].includes(name)) {
            assert.ok(attribute(field, 'autocomplete'), `no autocomplete: ${field}`);
          }
        }
      });

      it(`${label(page)} autofocuses at most one field`, () => {
        const focused = fields(page.markup).filter((field) => attribute(field, 'autofocus') !== null);
        assert.ok(focused.length <= 1, focused.join('\n'));
      });
    }

    it('uses the autocomplete tokens password managers expect', () => {
      const byName = Object.fromEntries(
        pages.filter((page) => !page.withError).map((p) => [p.name, p.markup]),
      );
      assert.match(byName.signIn ?? '', /id="signin-name"[^>]*autocomplete="username"/);
      assert.match(byName.signIn ?? '', /id="signin-password"[^>]*autocomplete="current-password"/);
      assert.match(byName.resetStart ?? '', /id="email"[^>]*autocomplete="email"/);
      assert.match(byName.resetVerify ?? '', /id="code"[^>]*autocomplete="one-time-code"/);
      assert.match(byName.resetPassword ?? '', /id="password"[^>]*autocomplete="new-password"/);
      assert.match(byName.resetPassword ?? '', /id="confirmPassword"[^>]*autocomplete="new-password"/);
    });

    it('asks for the code with a numeric keyboard', () => {
      const verify = pages.find((page) => page.name === 'resetVerify')?.markup ?? '';
      assert.match(verify, /<input id="code"[^>]*inputmode="numeric"/);
    });

    it('autofocuses the first field of a fresh form page', () => {
      const expected: Record<string, string> = {
        signIn: 'signin-name',
        resetStart: 'email',
        resetVerify: 'code',
        resetPassword: 'password',
      };
      for (const page of pages.filter((p) => !p.withError && p.name in expected)) {
        const focused = fields(page.markup).filter((field) => attribute(field, 'autofocus') !== null);
        assert.equal(focused.length, 1, page.name);
        assert.equal(attribute(focused[0] ?? '', 'id'), expected[page.name], page.name);
      }
    });
  });

  describe('styles', () => {
    it('shows a visible focus ring and never removes outlines', () => {
      assert.match(BASE_CSS, /:focus-visible\{outline:3px solid #1b1b1b/);
      assert.match(BASE_CSS, /input:focus-visible,button:focus-visible\{outline:3px solid/);
      assert.doesNotMatch(BASE_CSS, /outline:\s*(none|0)\b/);
    });

    it('marks invalid fields by more than colour (a thicker border) and styles the error text', () => {
      assert.match(BASE_CSS, /input\[aria-invalid=true\]\{border:2px solid #a80000\}/);
      assert.match(BASE_CSS, /\.sspr-field-error\{color:#a80000/);
    });
  });

  describe('errors', () => {
    const withErrors = pages.filter((page) => page.withError && page.name !== 'error');

    for (const page of withErrors) {
      it(`${label(page)} announces the error and ties it to the invalid field`, () => {
        assert.match(page.markup, /role="alert"/);
        const invalid = fields(page.markup).filter((field) => attribute(field, 'aria-invalid') === 'true');
        assert.ok(invalid.length > 0, 'no field is marked invalid');
        for (const field of invalid) {
          const ids = (attribute(field, 'aria-describedby') ?? '').split(' ').filter(Boolean);
          assert.ok(ids.length > 0, `invalid field not described: ${field}`);
          for (const id of ids) assert.match(page.markup, new RegExp(`id="${id}"`), `missing #${id}`);
        }
        const focused = fields(page.markup).filter((field) => attribute(field, 'autofocus') !== null);
        assert.equal(focused.length, 1);
        assert.equal(focused[0], invalid[0], 'focus goes to the first invalid field');
      });

      it(`${label(page)} links the error summary to the field`, () => {
        const summary = /<div class="sspr-alert" role="alert">[\s\S]*?<\/div>/.exec(page.markup)?.[0] ?? '';
        const target = /<a href="#([\w-]+)">/.exec(summary)?.[1];
        assert.ok(target, summary);
        assert.match(page.markup, new RegExp(`<input id="${target}"`));
      });
    }

    it('marks only the field the error is about', () => {
      const password = pages.find((page) => page.name === 'resetPassword' && page.withError)?.markup ?? '';
      assert.match(password, /<input id="password"[^>]*aria-invalid="true"/);
      assert.match(password, /<input id="confirmPassword"[^>]*aria-invalid="false"/);
      assert.match(password, /<li>Use at least 8 characters\.<\/li>/);
    });

    it('shows page-level errors (no field) in an alert, and still focuses the first field', () => {
      const markup = defaultPageTemplates.resetVerify(pageContext(), {
        email: 'a@example.com',
        codeDigits: 6,
        codeMinutes: 10,
        error: 'This password reset was not found. Start again.',
        errorField: 'flowId',
        notice: null,
      });
      assert.match(markup, /role="alert"[\s\S]*This password reset was not found/);
      assert.doesNotMatch(markup, /href="#flowId"/);
      assert.match(markup, /<input id="code"[^>]*aria-invalid="false"[^>]*autofocus/);
    });
  });
});
