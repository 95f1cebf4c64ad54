/** The default stylesheet, served at `<mount>/assets/sspr.css` (no inline styles, so a strict CSP works). */
export const BASE_CSS_CORE = `*,*::before,*::after{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;line-height:1.5;color:#1b1b1b;background:var(--sspr-background,#f2f2f2)}
body{margin:0;min-height:100vh;display:flex;flex-direction:column;align-items:center;justify-content:flex-start;padding:2rem 1rem}
main.sspr-card{width:100%;max-width:440px;background:#fff;padding:2.75rem 2.75rem 2rem;box-shadow:0 2px 6px rgba(0,0,0,.2)}
@media (max-width:480px){body{padding:0}main.sspr-card{box-shadow:none;padding:1.5rem;min-height:100vh;max-width:none}}
.sspr-logo{display:block;max-height:36px;max-width:200px;margin-bottom:1rem}
.sspr-company{font-weight:600;color:#1b1b1b;margin:0 0 1rem}
h1{font-size:1.5rem;font-weight:600;margin:0 0 1rem}
p{margin:0 0 1rem}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
input[type=email],input[type=text],input[type=password],input[type=search]{width:100%;font:inherit;padding:.5rem .6rem;border:1px solid #666;border-radius:2px;background:#fff;color:#1b1b1b}
input[aria-invalid=true]{border-color:#a80000}
.sspr-field-error{color:#a80000;font-size:.9rem;margin:.25rem 0 0}
button,.sspr-button{display:inline-block;font:inherit;font-weight:600;padding:.5rem 1.5rem;margin-top:1.5rem;border:1px solid var(--sspr-accent,#0067b8);background:var(--sspr-accent,#0067b8);color:#fff;cursor:pointer;border-radius:2px;text-decoration:none}
button.sspr-secondary{background:#fff;color:var(--sspr-accent,#0067b8)}
a{color:var(--sspr-accent,#0067b8)}
:focus-visible{outline:3px solid #1b1b1b;outline-offset:2px}
.sspr-alert{border-left:4px solid #a80000;background:#fde7e9;padding:.75rem 1rem;margin:0 0 1rem}
.sspr-notice{border-left:4px solid #107c10;background:#dff6dd;padding:.75rem 1rem;margin:0 0 1rem}
.sspr-links{margin-top:1.5rem;font-size:.95rem}
.sspr-actions{display:flex;gap:.75rem;flex-wrap:wrap;align-items:center}
.sspr-actions button{margin-top:1rem}
.sspr-inline{display:inline}
fieldset{border:0;padding:0;margin:1rem 0 0}
legend{font-weight:600;margin-bottom:.5rem}
.sspr-radio{display:flex;align-items:center;gap:.5rem;margin:.25rem 0}
.sspr-radio label{display:inline;font-weight:400;margin:0}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}
footer.sspr-footer{margin-top:1.5rem;font-size:.85rem;color:#444}
.sspr-visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;

/** The theme stylesheet for the configured colours, served at `<mount>/assets/theme.css`. */
export function themeCss(branding: { accentColor: string; backgroundColor: string }): string {
  return `:root{--sspr-accent:${branding.accentColor};--sspr-background:${branding.backgroundColor}}\n`;
}

/** Admin extras: the group field shows only while "Selected" is checked (CSS only, no script). */
export const ADMIN_CSS = `main.sspr-card:has(.sspr-choices){max-width:640px}
.sspr-count{color:#555;font-size:.9rem}
.sspr-hint{color:#444;font-size:.9rem;margin:0 0 .25rem}
form:has(#enabled-none:checked) .sspr-groups,form:has(#enabled-all:checked) .sspr-groups{display:none}
h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
select{font:inherit;padding:.4rem}
`;

/** Everything served as `assets/sspr.css`. */
export const BASE_CSS = BASE_CSS_CORE + ADMIN_CSS;
