/**
 * The default theme's colours. Every text colour is at least 4.5:1 (WCAG AA)
 * against the background it is shown on; the tests check each pair.
 */
export const PALETTE = Object.freeze({
  /** Body text, on the white card and on the page background. */
  text: '#1b1b1b',
  /** The card. */
  surface: '#ffffff',
  /** The page background (the default of `branding.backgroundColor`). */
  background: '#f2f2f2',
  /** Hints under labels and the footer text. */
  hint: '#444444',
  /** Counts beside the admin choices. */
  muted: '#555555',
  /** Field borders (non-text: at least 3:1). */
  border: '#666666',
  /** Error text and the invalid field's border. */
  error: '#a80000',
  /** The error summary's background. */
  errorBackground: '#fde7e9',
  /** The notice's background. */
  noticeBackground: '#dff6dd',
  /** The notice's left border. */
  noticeBorder: '#107c10',
  /** Links and buttons (the default of `branding.accentColor`). */
  accent: '#0067b8',
  /** The focus ring. */
  focus: '#1b1b1b',
});

const P = PALETTE;

/** The default stylesheet, served at `<mount>/assets/sspr.css` (no inline styles, so a strict CSP works). */
export const BASE_CSS_CORE = `*,*::before,*::after{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;line-height:1.5;color:${P.text};background:var(--sspr-background,${P.background})}
body{margin:0;min-height:100vh;display:flex;flex-direction:column;align-items:center;justify-content:flex-start;padding:2rem 1rem}
main.sspr-card{width:100%;max-width:440px;background:${P.surface};padding:2.75rem 2.75rem 2rem;box-shadow:0 2px 6px rgba(0,0,0,.2)}
@media (max-width:480px){body{padding:0}main.sspr-card{box-shadow:none;padding:1.5rem;min-height:100vh;max-width:none}}
.sspr-logo{display:block;max-height:36px;max-width:200px;margin-bottom:1rem}
.sspr-company{font-weight:600;color:${P.text};margin:0 0 1rem}
h1{font-size:1.5rem;font-weight:600;margin:0 0 1rem}
p{margin:0 0 1rem}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
input[type=email],input[type=text],input[type=password],input[type=search]{width:100%;font:inherit;padding:.5rem .6rem;border:1px solid ${P.border};border-radius:2px;background:${P.surface};color:${P.text}}
input.sspr-code{font-family:ui-monospace,Consolas,Menlo,monospace;font-size:1.25rem;letter-spacing:.2em}
input[aria-invalid=true]{border:2px solid ${P.error}}
.sspr-field-error{color:${P.error};font-size:.9rem;margin:.25rem 0 0}
.sspr-field-error p{margin:0}
.sspr-field-error ul{margin:.25rem 0 0;padding-left:1.25rem}
button,.sspr-button{display:inline-block;font:inherit;font-weight:600;padding:.5rem 1.5rem;margin-top:1.5rem;border:1px solid var(--sspr-accent,${P.accent});background:var(--sspr-accent,${P.accent});color:${P.surface};cursor:pointer;border-radius:2px;text-decoration:none}
button.sspr-secondary{background:${P.surface};color:var(--sspr-accent,${P.accent})}
a{color:var(--sspr-accent,${P.accent})}
a:hover{text-decoration-thickness:2px}
:focus-visible{outline:3px solid ${P.focus};outline-offset:2px}
input:focus-visible,button:focus-visible{outline:3px solid ${P.focus};outline-offset:2px;box-shadow:0 0 0 5px ${P.surface}}
.sspr-alert{border-left:4px solid ${P.error};background:${P.errorBackground};color:${P.text};padding:.75rem 1rem;margin:0 0 1rem}
.sspr-alert p{margin:0}
.sspr-alert a{color:${P.error};font-weight:600}
.sspr-alert-heading{font-size:1rem;font-weight:600;margin:0 0 .25rem}
.sspr-notice{border-left:4px solid ${P.noticeBorder};background:${P.noticeBackground};color:${P.text};padding:.75rem 1rem;margin:0 0 1rem}
.sspr-signin-text{color:${P.text}}
.sspr-links{margin-top:1.5rem;font-size:.95rem}
.sspr-last-change{margin-top:1rem;color:${P.hint}}
.sspr-actions{display:flex;gap:.75rem;flex-wrap:wrap;align-items:center}
.sspr-actions button{margin-top:1rem}
.sspr-inline{display:inline}
fieldset{border:0;padding:0;margin:1rem 0 0}
legend{font-weight:600;margin-bottom:.5rem}
.sspr-radio{display:flex;align-items:center;gap:.5rem;margin:.25rem 0}
.sspr-radio label{display:inline;font-weight:400;margin:0}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}
footer.sspr-footer{width:100%;max-width:440px;margin-top:1rem;padding:.75rem 1rem;font-size:.85rem;color:${P.hint};background:${P.surface}}
footer.sspr-footer ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1.25rem}
.sspr-visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;

/** The theme stylesheet for the configured colours, served at `<mount>/assets/theme.css`. */
export function themeCss(branding: { accentColor: string; backgroundColor: string }): string {
  return `:root{--sspr-accent:${branding.accentColor};--sspr-background:${branding.backgroundColor}}\n`;
}

/** Admin extras: the group field shows only while "Selected" is checked (CSS only, no script). */
export const ADMIN_CSS = `main.sspr-card:has(.sspr-choices){max-width:640px}
.sspr-count{color:${P.muted};font-size:.9rem}
.sspr-hint{color:${P.hint};font-size:.9rem;margin:0 0 .25rem}
form:has(#enabled-none:checked) .sspr-groups,form:has(#enabled-all:checked) .sspr-groups{display:none}
h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
select{font:inherit;padding:.4rem;border:1px solid ${P.border};color:${P.text};background:${P.surface}}
`;

/** Everything served as `assets/sspr.css`. */
export const BASE_CSS = BASE_CSS_CORE + ADMIN_CSS;
