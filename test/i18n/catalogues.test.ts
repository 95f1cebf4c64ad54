import assert from 'node:assert/strict';
import { PASSWORD_PROBLEM_CODES, PasswordPolicy } from '../../lib/accounts/password-policy.js';
import { ERROR_CATALOGUE, SsprError } from '../../lib/errors.js';
import { en, format, type MessageKey, placeholders } from '../../lib/i18n/en.js';
import { buildCatalogues, Messages, SHIPPED_CATALOGUES } from '../../lib/i18n/messages.js';

const ENGLISH_KEYS = Object.keys(en).sort();

describe('message catalogues', () => {
  it('ships English and Spanish', () => {
    assert.deepEqual(Object.keys(SHIPPED_CATALOGUES).sort(), ['en', 'es']);
  });

  for (const [tag, catalogue] of Object.entries(SHIPPED_CATALOGUES)) {
    describe(`${tag}`, () => {
      it('has exactly the keys of the English catalogue', () => {
        const keys = Object.keys(catalogue);
        const missing = ENGLISH_KEYS.filter((key) => !keys.includes(key));
        const extra = keys.filter((key) => !Object.hasOwn(en, key));
        assert.deepEqual({ missing, extra }, { missing: [], extra: [] });
      });

      it('uses the same placeholders as English in every message', () => {
        const differing = ENGLISH_KEYS.filter((key) => {
          const theirs = [...placeholders(catalogue[key as MessageKey] ?? '')].sort();
          const ours = [...placeholders(en[key as MessageKey])].sort();
          return theirs.join() !== ours.join();
        });
        assert.deepEqual(differing, []);
      });

      it('has no empty message', () => {
        assert.deepEqual(
          ENGLISH_KEYS.filter((key) => !catalogue[key as MessageKey]?.trim()),
          [],
        );
      });
    });
  }

  it('has a message for every error code, the same as the error catalogue in English', () => {
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
      assert.equal(en[`error.${code}` as MessageKey], entry.message, code);
    }
  });

  it('has a message for every password problem code, with its numbers as placeholders', () => {
    for (const code of PASSWORD_PROBLEM_CODES) assert.ok(Object.hasOwn(en, `password.${code}`), code);
    assert.deepEqual([...placeholders(en['password.too_short'])], ['min']);
    assert.deepEqual([...placeholders(en['password.too_long'])], ['max']);
    assert.deepEqual([...placeholders(en['password.too_few_classes'])], ['classes']);
  });

  it("says each password rule in English exactly as the policy's own messages do", () => {
    const policy = new PasswordPolicy({ minLength: 12, maxLength: 64, minCharacterClasses: 3 });
    const rules = { min: 12, max: 64, classes: 3 };
    const problems = [
      policy.check(42),
      policy.check('x'.repeat(65)),
      policy.check('password'),
      policy.check('alice-was-here-2025', { email: 'alice@example.com' }),
      policy.check('tab\there and long enough'),
    ].flatMap((result) => result.problems);
    assert.deepEqual(
      [...new Set(problems.map((problem) => problem.code))].sort(),
      [...PASSWORD_PROBLEM_CODES].sort(),
    );
    for (const problem of problems) {
      assert.equal(format(en[`password.${problem.code}`], rules), problem.message, problem.code);
    }
  });

  it('translates the Azure labels the way Azure does in Spanish', () => {
    const es = SHIPPED_CATALOGUES.es;
    assert.ok(es);
    assert.equal(es['field.email'], 'Dirección de correo electrónico');
    assert.equal(es['button.sendCode'], 'Enviar código de verificación');
    assert.equal(es['field.code'], 'Código de verificación');
    assert.equal(es['button.verifyCode'], 'Verificar código');
    assert.equal(es['button.sendNewCode'], 'Enviar nuevo código');
    assert.equal(es['button.changeEmail'], 'Cambiar correo electrónico');
    assert.equal(es['field.newPassword'], 'Nueva contraseña');
    assert.equal(es['field.confirmPassword'], 'Confirmar nueva contraseña');
    assert.equal(es['button.continue'], 'Continuar');
    assert.equal(es['button.signin'], 'Iniciar sesión');
    assert.equal(es['link.cantAccess'], '¿No puede acceder a su cuenta?');
  });

  describe('format', () => {
    it('fills placeholders and leaves unknown ones', () => {
      assert.equal(format('{a} and {b}', { a: 1 }), '1 and {b}');
    });
  });
});

describe('host catalogues (the messages option)', () => {
  it('overrides one string of a shipped language and keeps the rest', () => {
    const catalogues = buildCatalogues({ en: { 'button.signin': 'Log in' } });
    assert.equal(catalogues.en?.['button.signin'], 'Log in');
    assert.equal(catalogues.en?.['field.password'], 'Password');
    assert.equal(SHIPPED_CATALOGUES.en?.['button.signin'], 'Sign in', 'the shipped catalogue is untouched');
  });

  it('adds a complete new language', () => {
    const fr = Object.fromEntries(ENGLISH_KEYS.map((key) => [key, `fr:${en[key as MessageKey]}`]));
    const catalogues = buildCatalogues({ fr });
    assert.equal(catalogues.fr?.['button.signin'], 'fr:Sign in');
  });

  it('refuses an incomplete new language, listing the missing keys', () => {
    assert.throws(
      () => buildCatalogues({ fr: { 'button.signin': 'Se connecter' } }),
      (error: unknown) => {
        assert.ok(error instanceof TypeError);
        assert.match(error.message, /options\.messages\.fr is a new language and must be complete/);
        assert.match(error.message, /missing keys: .*field\.email/);
        assert.doesNotMatch(error.message, /button\.signin/);
        return true;
      },
    );
  });

  it('refuses unknown keys, empty messages, unknown placeholders and bad language tags', () => {
    assert.throws(
      () => buildCatalogues({ en: { 'button.signon': 'x' } }),
      /has an unknown key: button\.signon/,
    );
    assert.throws(() => buildCatalogues({ en: { 'button.signin': '' } }), /must be a non-empty string/);
    assert.throws(
      () => buildCatalogues({ en: { 'mail.code.expiry': 'Valid for {minuets} minutes.' } }),
      /placeholders the message does not have: \{minuets\}/,
    );
    assert.throws(() => buildCatalogues({ 'not a tag': {} }), /is not a language tag/);
    assert.throws(() => buildCatalogues([]), /options\.messages must be an object/);
  });

  it('lets any message use {companyName}', () => {
    const catalogues = buildCatalogues({ en: { 'page.signin.heading': 'Sign in to {companyName}' } });
    assert.equal(catalogues.en?.['page.signin.heading'], 'Sign in to {companyName}');
  });
});

describe('Messages', () => {
  const messages = new Messages(buildCatalogues(), 'en');

  it('resolves language tags to catalogues', () => {
    assert.equal(messages.resolve('es'), 'es');
    assert.equal(messages.resolve('es-MX'), 'es');
    assert.equal(messages.resolve('ES'), 'es');
    assert.equal(messages.resolve('fr'), 'en');
    assert.equal(messages.resolve(null), 'en');
    assert.deepEqual(messages.languages, ['en', 'es']);
    assert.deepEqual(new Messages(buildCatalogues(), 'es').languages, ['es', 'en']);
  });

  it('says catalogue errors in the language asked for', () => {
    assert.equal(
      messages.errorMessage(new SsprError('invalid_credentials'), 'es'),
      'El nombre de inicio de sesión o la contraseña no son correctos.',
    );
    assert.equal(
      messages.errorMessage(new SsprError('invalid_credentials'), 'en'),
      'Your sign-in name or password is incorrect.',
    );
  });

  it('recognises the messages thrown with placeholders', () => {
    const missing = new SsprError('invalid_request', 'email is required and must be a string.');
    assert.equal(messages.errorMessage(missing, 'es'), 'El campo email es obligatorio y debe ser texto.');
  });

  it('says how many tries are left for a wrong code', () => {
    const wrong = new SsprError('invalid_code', undefined, { details: { attemptsLeft: 3 } });
    assert.equal(messages.errorMessage(wrong, 'en'), 'That code is not correct. Tries left: 3.');
    assert.equal(messages.errorMessage(wrong, 'es'), 'El código no es correcto. Intentos restantes: 3.');
  });

  it('keeps an unknown message in English, and falls back to the code message elsewhere', () => {
    const custom = new SsprError('forbidden', 'Only on Tuesdays.');
    assert.equal(messages.errorMessage(custom, 'en'), 'Only on Tuesdays.');
    assert.equal(messages.errorMessage(custom, 'es'), 'No tiene permiso para hacer eso.');
  });

  it('says password rules with their numbers', () => {
    const rules = { min: 12, max: 64, classes: 3 };
    assert.equal(messages.passwordReason('too_short', 'en', rules), 'Use at least 12 characters.');
    assert.equal(messages.passwordReason('too_long', 'es', rules), 'Use 64 caracteres como máximo.');
    assert.match(messages.passwordReason('too_few_classes', 'es', rules) ?? '', /^Use al menos 3 de/);
    assert.equal(messages.passwordReason('no_such_rule', 'en', rules), null);
  });
});
