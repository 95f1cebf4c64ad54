import type { EligibilityReport } from '../admin/report.js';
import type { AuditEvent, PasswordResetPolicy, ResetScope } from '../store/types.js';
import { html } from './html.js';
import { csrfField, errorSummary, fieldState, layout, notice, type PageContext, t } from './layout.js';

/** The model of the "Password reset" policy blade. */
export interface PolicyBladeModel {
  /** The stored policy. */
  policy: PasswordResetPolicy;
  /** Who the stored policy covers. */
  report: EligibilityReport;
  /** The groups field as typed (after an error) or as stored. */
  groupsText: string;
  /** The choice to show checked (after an error, the one submitted). */
  enabled: ResetScope;
  /** Show "Your changes have been saved." */
  saved: boolean;
  /** The error to show, in the page's language, or null. */
  error: string | null;
  /** The field the error belongs to (`enabled` or `groups`), or null. */
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
  const groupsInvalid = model.error !== null && model.errorField === 'groups';
  const enabledInvalid = model.error !== null && model.errorField === 'enabled';
  const focusedChoice = CHOICES.find((choice) => choice === model.enabled) ?? 'none';
  return layout(
    context,
    t(context, 'page.admin.title'),
    html`<h1>${t(context, 'page.admin.title')}</h1>
${notice(model.saved ? t(context, 'admin.saved') : null)}
${errorSummary(context, model.error, groupsInvalid ? 'groups' : enabledInvalid ? `enabled-${focusedChoice}` : null)}
<p>${t(context, 'page.admin.intro')}</p>
<form method="post" action="${context.basePath}/password-reset" novalidate>
${csrfField(context)}
<fieldset class="sspr-choices">
<legend id="enabled-legend">${t(context, 'admin.enabled.legend')}</legend>
${enabledInvalid ? html`<p class="sspr-field-error" id="enabled-error">${model.error}</p>` : html``}
${CHOICES.map(
  (choice) =>
    html`<div class="sspr-radio"><input type="radio" id="enabled-${choice}" name="enabled" value="${choice}"${
      model.enabled === choice ? html` checked` : html``
    }${
      enabledInvalid
        ? fieldState({ invalid: true, describedBy: ['enabled-error'], autofocus: choice === focusedChoice })
        : html``
    }><label for="enabled-${choice}">${t(context, label[choice])}</label> <span class="sspr-count">(${
      report.byChoice[choice] === 1
        ? t(context, 'admin.coversOne')
        : t(context, 'admin.covers', { count: report.byChoice[choice] })
    })</span></div>`,
)}
</fieldset>
<div class="sspr-groups">
<label for="groups">${t(context, 'admin.groups.label')}</label>
<p class="sspr-hint" id="groups-hint">${t(context, 'admin.groups.hint')}</p>
<input id="groups" name="groups" type="text" value="${model.groupsText}"${fieldState({ invalid: groupsInvalid, describedBy: ['groups-hint', groupsInvalid ? 'groups-error' : null], autofocus: groupsInvalid })}>
${groupsInvalid ? html`<p class="sspr-field-error" id="groups-error">${model.error}</p>` : html``}
</div>
<div class="sspr-actions"><button type="submit">${t(context, 'admin.save')}</button></div>
</form>
<p class="sspr-last-change">${lastChange}</p>
<h2 id="report-heading">${t(context, 'admin.report.heading')}</h2>
<table aria-labelledby="report-heading">
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

/** The model of the audit log page. */
export interface AuditPageModel {
  /** The events of this page, newest first. */
  events: AuditEvent[];
  /** The filters as given, to fill the form again. */
  filters: { type: string; userId: string; since: string };
  /** The event types the type filter offers. */
  types: readonly string[];
  /** The link to older events, or null on the last page. */
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
<input id="since" name="since" type="text" value="${model.filters.since}">
<div class="sspr-actions"><button type="submit">${t(context, 'audit.filter.apply')}</button></div>
</form>
${
  model.events.length === 0
    ? html`<p>${t(context, 'audit.empty')}</p>`
    : html`<table>
<caption class="sspr-visually-hidden">${t(context, 'page.audit.title')}</caption>
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
