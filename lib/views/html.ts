import escapeHtml from 'escape-html';

/** Markup that is already safe: produced by {@link html}, or trusted markup the library marks itself. */
export class SafeHtml {
  /** @param value - markup that is already safe to send. */
  constructor(readonly value: string) {}
  /** The markup. */
  toString(): string {
    return this.value;
  }
}

/** What {@link html} accepts between markup: text and numbers (escaped), SafeHtml (kept), lists, and nothing (`null`, `undefined`, `false`). */
export type Interpolation =
  | SafeHtml
  | string
  | number
  | boolean
  | null
  | undefined
  | readonly Interpolation[];

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/**
 * A tagged template that escapes every interpolated value with `escape-html`
 * unless it is itself {@link SafeHtml}. Every page and mail is built with it,
 * so nothing user-supplied reaches markup unescaped. Attribute values must be
 * quoted in the template.
 */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i += 1)
    out += render(values[i] as Interpolation) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

/** Marks trusted markup (never user input) as safe. */
export function unsafeRaw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
