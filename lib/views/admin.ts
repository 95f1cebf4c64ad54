import type { EligibilityReport } from '../admin/report.js';
import type { AuditEvent, PasswordResetPolicy, ResetScope } from '../store/types.js';
import { html } from './html.js';
import { alert, csrfField, layout, notice, type PageContext, t } from './layout.js';

export interface PolicyBladeModel {
  policy: PasswordResetPolicy;
  report: EligibilityReport;
  /** The groups field as typed (after an error) or as stored. */
  groupsText: string;
  /** The choice to show checked (after an error, the one submitted). */
  enabled: ResetScope;
  saved: boolean;
  error: string | null;
  errorField: string | null;
}

const CHOICES: ResetScope[] = ['none', 'selected', 'all'];

/** The "Password reset" blade: who can reset, Save, last change, counts. */
export function policyBlade(context: PageContext, model: PolicyBladeModel): string {
  const { policy, report } = model;
  const label = {
    none: 'admin.enabled.none',
    selected: 'admin.enabled.selected',
    all: 'admin.enabled.all',
  } as const;
  const lastChange =
    policy.updatedAt && policy.updatedBy
      ? t(context, 'admin.lastChange', { actor: policy.updatedBy, time: policy.updatedAt.toISOString() })
      : t(context, 'admin.neverChanged');
  const groupsInvalid = model.errorField === 'groups';
  return layout(
    context,
    t(context, 'page.admin.title'),
    html`<h1>${t(context, 'page.admin.title')}</h1>
${notice(model.saved ? t(context, 'admin.saved') : null)}
${alert(model.error)}
<p>${t(context, 'page.admin.intro')}</p>
<form method="post" action="${context.basePath}/password-reset" novalidate>
${csrfField(context)}
<fieldset class="sspr-choices">
<legend id="enabled-legend">${t(context, 'admin.enabled.legend')}</legend>
${CHOICES.map(
  (choice) =>
    html`<div class="sspr-radio"><input type="radio" id="enabled-${choice}" name="enabled" value="${choice}"${
      model.enabled === choice ? html` checked` : html``
    }><label for="enabled-${choice}">${t(context, label[choice])}</label> <span class="sspr-count">(${t(
      context,
      'admin.covers',
      { count: report.byChoice[choice] },
    )})</span></div>`,
)}
</fieldset>
<div class="sspr-groups">
<label for="groups">${t(context, 'admin.groups.label')}</label>
<p class="sspr-hint" id="groups-hint">${t(context, 'admin.groups.hint')}</p>
<input id="groups" name="groups" type="text" value="${model.groupsText}" aria-describedby="groups-hint${groupsInvalid ? ' groups-error' : ''}" aria-invalid="${groupsInvalid ? 'true' : 'false'}">
${groupsInvalid ? html`<p class="sspr-field-error" id="groups-error">${model.error}</p>` : html``}
</div>
<div class="sspr-actions"><button type="submit">${t(context, 'admin.save')}</button></div>
</form>
<p class="sspr-last-change">${lastChange}</p>
<h2>${t(context, 'admin.report.heading')}</h2>
<table>
<tbody>
<tr><th scope="row">${t(context, 'admin.report.total')}</th><td>${report.total}</td></tr>
<tr><th scope="row">${t(context, 'admin.report.covered')}</th><td>${report.covered}</td></tr>
<tr><th scope="row">${t(context, 'admin.report.notCovered')}</th><td>${report.notCovered}</td></tr>
<tr><th scope="row">${t(context, 'admin.report.withoutEmail')}</th><td>${report.withoutEmail}</td></tr>
${report.groups.map((group) => html`<tr><th scope="row">${group.group}</th><td>${group.covered} / ${group.members}</td></tr>`)}
</tbody>
</table>
<p class="sspr-links"><a href="${context.basePath}/audit">${t(context, 'admin.audit.link')}</a></p>`,
  );
}

export interface AuditPageModel {
  events: AuditEvent[];
  filters: { type: string; userId: string; since: string };
  types: readonly string[];
  nextHref: string | null;
}

/** The audit log with its filters. */
export function auditPage(context: PageContext, model: AuditPageModel): string {
  return layout(
    context,
    t(context, 'page.audit.title'),
    html`<h1>${t(context, 'page.audit.title')}</h1>
<form method="get" action="${context.basePath}/audit">
<label for="type">${t(context, 'audit.filter.type')}</label>
<select id="type" name="type">
<option value="">${t(context, 'audit.filter.any')}</option>
${model.types.map(
  (type) =>
    html`<option value="${type}"${model.filters.type === type ? html` selected` : html``}>${type}</option>`,
)}
</select>
<label for="userId">${t(context, 'audit.filter.userId')}</label>
<input id="userId" name="userId" type="text" value="${model.filters.userId}">
<label for="since">${t(context, 'audit.filter.since')}</label>
<input id="since" name="since" type="text" inputmode="numeric" value="${model.filters.since}">
<div class="sspr-actions"><button type="submit">${t(context, 'audit.filter.apply')}</button></div>
</form>
${
  model.events.length === 0
    ? html`<p>${t(context, 'audit.empty')}</p>`
    : html`<table>
<thead><tr><th scope="col">${t(context, 'audit.col.time')}</th><th scope="col">${t(context, 'audit.col.type')}</th><th scope="col">${t(context, 'audit.col.user')}</th><th scope="col">${t(context, 'audit.col.actor')}</th><th scope="col">${t(context, 'audit.col.ip')}</th><th scope="col">${t(context, 'audit.col.details')}</th></tr></thead>
<tbody>
${model.events.map(
  (event) =>
    html`<tr><td>${event.at.toISOString()}</td><td>${event.type}</td><td>${event.userId ?? ''}</td><td>${event.actor ?? ''}</td><td>${event.ip ?? ''}</td><td><code>${Object.keys(event.data).length > 0 ? JSON.stringify(event.data) : ''}</code></td></tr>`,
)}
</tbody>
</table>`
}
${model.nextHref ? html`<p class="sspr-links"><a href="${model.nextHref}">${t(context, 'audit.next')}</a></p>` : html``}
<p class="sspr-links"><a href="${context.basePath}/password-reset">${t(context, 'admin.back')}</a></p>`,
  );
}
