/**
 * CSS colour parsing and WCAG contrast, for validating branding colours and
 * warning about low contrast. Only what a branding option may hold: hex,
 * `rgb()`/`rgba()`, `hsl()`/`hsla()` and the CSS named colours.
 *
 * @module
 */

/** A colour in sRGB: channels 0-255, alpha 0-1. */
export interface Rgba {
  r: number;
  g: number;
  b: number;
  a: number;
}

/** The CSS Color Module Level 4 named colours (plus `transparent`), as hex. */
const NAMED_COLORS: Readonly<Record<string, string>> = {
  aliceblue: 'f0f8ff',
  antiquewhite: 'faebd7',
  aqua: '00ffff',
  aquamarine: '7fffd4',
  azure: 'f0ffff',
  beige: 'f5f5dc',
  bisque: 'ffe4c4',
  black: '000000',
  blanchedalmond: 'ffebcd',
  blue: '0000ff',
  blueviolet: '8a2be2',
  brown: 'a52a2a',
  burlywood: 'deb887',
  cadetblue: '5f9ea0',
  chartreuse: '7fff00',
  chocolate: 'd2691e',
  coral: 'ff7f50',
  cornflowerblue: '6495ed',
  cornsilk: 'fff8dc',
  crimson: 'dc143c',
  cyan: '00ffff',
  darkblue: '00008b',
  darkcyan: '008b8b',
  darkgoldenrod: 'b8860b',
  darkgray: 'a9a9a9',
  darkgreen: '006400',
  darkgrey: 'a9a9a9',
  darkkhaki: 'bdb76b',
  darkmagenta: '8b008b',
  darkolivegreen: '556b2f',
  darkorange: 'ff8c00',
  darkorchid: '9932cc',
  darkred: '8b0000',
  darksalmon: 'e9967a',
  darkseagreen: '8fbc8f',
  darkslateblue: '483d8b',
  darkslategray: '2f4f4f',
  darkslategrey: '2f4f4f',
  darkturquoise: '00ced1',
  darkviolet: '9400d3',
  deeppink: 'ff1493',
  deepskyblue: '00bfff',
  dimgray: '696969',
  dimgrey: '696969',
  dodgerblue: '1e90ff',
  firebrick: 'b22222',
  floralwhite: 'fffaf0',
  forestgreen: '228b22',
  fuchsia: 'ff00ff',
  gainsboro: 'dcdcdc',
  ghostwhite: 'f8f8ff',
  gold: 'ffd700',
  goldenrod: 'daa520',
  gray: '808080',
  green: '008000',
  greenyellow: 'adff2f',
  grey: '808080',
  honeydew: 'f0fff0',
  hotpink: 'ff69b4',
  indianred: 'cd5c5c',
  indigo: '4b0082',
  ivory: 'fffff0',
  khaki: 'f0e68c',
  lavender: 'e6e6fa',
  lavenderblush: 'fff0f5',
  lawngreen: '7cfc00',
  lemonchiffon: 'fffacd',
  lightblue: 'add8e6',
  lightcoral: 'f08080',
  lightcyan: 'e0ffff',
  lightgoldenrodyellow: 'fafad2',
  lightgray: 'd3d3d3',
  lightgreen: '90ee90',
  lightgrey: 'd3d3d3',
  lightpink: 'ffb6c1',
  lightsalmon: 'ffa07a',
  lightseagreen: '20b2aa',
  lightskyblue: '87cefa',
  lightslategray: '778899',
  lightslategrey: '778899',
  lightsteelblue: 'b0c4de',
  lightyellow: 'ffffe0',
  lime: '00ff00',
  limegreen: '32cd32',
  linen: 'faf0e6',
  magenta: 'ff00ff',
  maroon: '800000',
  mediumaquamarine: '66cdaa',
  mediumblue: '0000cd',
  mediumorchid: 'ba55d3',
  mediumpurple: '9370db',
  mediumseagreen: '3cb371',
  mediumslateblue: '7b68ee',
  mediumspringgreen: '00fa9a',
  mediumturquoise: '48d1cc',
  mediumvioletred: 'c71585',
  midnightblue: '191970',
  mintcream: 'f5fffa',
  mistyrose: 'ffe4e1',
  moccasin: 'ffe4b5',
  navajowhite: 'ffdead',
  navy: '000080',
  oldlace: 'fdf5e6',
  olive: '808000',
  olivedrab: '6b8e23',
  orange: 'ffa500',
  orangered: 'ff4500',
  orchid: 'da70d6',
  palegoldenrod: 'eee8aa',
  palegreen: '98fb98',
  paleturquoise: 'afeeee',
  palevioletred: 'db7093',
  papayawhip: 'ffefd5',
  peachpuff: 'ffdab9',
  peru: 'cd853f',
  pink: 'ffc0cb',
  plum: 'dda0dd',
  powderblue: 'b0e0e6',
  purple: '800080',
  rebeccapurple: '663399',
  red: 'ff0000',
  rosybrown: 'bc8f8f',
  royalblue: '4169e1',
  saddlebrown: '8b4513',
  salmon: 'fa8072',
  sandybrown: 'f4a460',
  seagreen: '2e8b57',
  seashell: 'fff5ee',
  sienna: 'a0522d',
  silver: 'c0c0c0',
  skyblue: '87ceeb',
  slateblue: '6a5acd',
  slategray: '708090',
  slategrey: '708090',
  snow: 'fffafa',
  springgreen: '00ff7f',
  steelblue: '4682b4',
  tan: 'd2b48c',
  teal: '008080',
  thistle: 'd8bfd8',
  tomato: 'ff6347',
  turquoise: '40e0d0',
  violet: 'ee82ee',
  wheat: 'f5deb3',
  white: 'ffffff',
  whitesmoke: 'f5f5f5',
  yellow: 'ffff00',
  yellowgreen: '9acd32',
  transparent: '00000000',
};

const HEX = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i;
const FUNCTION = /^(rgba?|hsla?)\(\s*([^()]*?)\s*\)$/i;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function fromHex(digits: string): Rgba {
  const full = digits.length <= 4 ? [...digits].map((digit) => digit + digit).join('') : digits;
  const channel = (index: number) => Number.parseInt(full.slice(index * 2, index * 2 + 2), 16);
  return { r: channel(0), g: channel(1), b: channel(2), a: full.length === 8 ? channel(3) / 255 : 1 };
}

/** A number, or a percentage of `percentOf`; null when `text` is neither. */
function numeric(text: string, percentOf: number | null): number | null {
  if (text.endsWith('%')) {
    const value = text.slice(0, -1);
    return percentOf !== null && NUMBER.test(value) ? (Number(value) / 100) * percentOf : null;
  }
  return NUMBER.test(text) ? Number(text) : null;
}

function clamp(value: number, max: number): number {
  return Math.min(max, Math.max(0, value));
}

/** Splits `rgb()`/`hsl()` arguments, in the legacy comma form or the modern space-and-slash form. */
function argumentsOf(body: string): { values: string[]; alpha: string | null } | null {
  if (body.includes(',')) {
    const parts = body.split(',').map((part) => part.trim());
    if (parts.length !== 3 && parts.length !== 4) return null;
    return { values: parts.slice(0, 3), alpha: parts[3] ?? null };
  }
  const [main = '', alpha, ...rest] = body.split('/').map((part) => part.trim());
  if (rest.length > 0) return null;
  const values = main.split(/\s+/).filter((part) => part !== '');
  if (values.length !== 3) return null;
  return { values, alpha: alpha ?? null };
}

function hue(text: string): number | null {
  const match = /^(.*?)(deg|grad|rad|turn)?$/i.exec(text);
  const value = match?.[1] !== undefined && NUMBER.test(match[1]) ? Number(match[1]) : null;
  if (value === null) return null;
  const unit = (match?.[2] ?? 'deg').toLowerCase();
  const degrees =
    unit === 'grad'
      ? value * 0.9
      : unit === 'rad'
        ? (value * 180) / Math.PI
        : unit === 'turn'
          ? value * 360
          : value;
  return ((degrees % 360) + 360) % 360;
}

function fromHsl(h: number, s: number, l: number): { r: number; g: number; b: number } {
  const k = (n: number) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)));
  return { r: f(0) * 255, g: f(8) * 255, b: f(4) * 255 };
}

/**
 * Parses a CSS colour: `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`, `rgb()`,
 * `rgba()`, `hsl()`, `hsla()` (comma or space syntax) or a named colour.
 * Returns null for anything else, including `var()`, `currentcolor` and
 * anything that could break out of a CSS declaration.
 */
export function parseColor(text: string): Rgba | null {
  const value = text.trim();
  const hex = HEX.exec(value);
  if (hex?.[1]) return fromHex(hex[1]);
  const named = Object.hasOwn(NAMED_COLORS, value.toLowerCase())
    ? NAMED_COLORS[value.toLowerCase()]
    : undefined;
  if (named) return fromHex(named);
  const call = FUNCTION.exec(value);
  if (!call?.[1] || call[2] === undefined) return null;
  const args = argumentsOf(call[2]);
  if (!args) return null;
  const alpha = args.alpha === null ? 1 : numeric(args.alpha, 1);
  if (alpha === null) return null;
  const [first = '', second = '', third = ''] = args.values;
  if (call[1].toLowerCase().startsWith('rgb')) {
    const channels = [first, second, third].map((part) => numeric(part, 255));
    if (channels.some((channel) => channel === null)) return null;
    const [r = 0, g = 0, b = 0] = channels as number[];
    return { r: clamp(r, 255), g: clamp(g, 255), b: clamp(b, 255), a: clamp(alpha, 1) };
  }
  const h = hue(first);
  const s = second.endsWith('%') ? numeric(second, 1) : null;
  const l = third.endsWith('%') ? numeric(third, 1) : null;
  if (h === null || s === null || l === null) return null;
  return { ...fromHsl(h, clamp(s, 1), clamp(l, 1)), a: clamp(alpha, 1) };
}

/** WCAG 2 relative luminance of an opaque colour. */
export function relativeLuminance(color: Rgba): number {
  const linear = (channel: number) => {
    const c = channel / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(color.r) + 0.7152 * linear(color.g) + 0.0722 * linear(color.b);
}

/** `foreground` composited over an opaque `background`. */
function over(foreground: Rgba, background: Rgba): Rgba {
  const mix = (top: number, bottom: number) => top * foreground.a + bottom * (1 - foreground.a);
  return {
    r: mix(foreground.r, background.r),
    g: mix(foreground.g, background.g),
    b: mix(foreground.b, background.b),
    a: 1,
  };
}

const WHITE: Rgba = { r: 255, g: 255, b: 255, a: 1 };

/**
 * The WCAG 2 contrast ratio (1 to 21) of two colours. A translucent colour is
 * first composited over the other one (and that one over white).
 */
export function contrastRatio(first: Rgba, second: Rgba): number {
  const base = over(second, WHITE);
  const top = over(first, base);
  const [light, dark] = [relativeLuminance(top), relativeLuminance(base)].sort((x, y) => y - x) as [
    number,
    number,
  ];
  return (light + 0.05) / (dark + 0.05);
}
