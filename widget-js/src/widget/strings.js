import en from './locales/en.js';

/**
 * The languages the widget has words for. English is built in; the others are locale files
 * (`locales/<language>.js`, same keys) fetched from the Concierge server only when needed, so
 * every further language costs the page nothing.
 */
export const LANGUAGES = Object.freeze(['en', 'fr', 'de']);

/**
 * The first of `candidates` (language tags such as "fr-CA", or arrays of them, e.g.
 * `navigator.languages`) whose primary subtag the widget has a locale for; "en" otherwise.
 */
export function pickLanguage(...candidates) {
  for (const tag of candidates.flat()) {
    if (typeof tag !== 'string') continue;
    const primary = tag.toLowerCase().split(/[-_]/)[0];
    if (LANGUAGES.includes(primary)) return primary;
  }
  return 'en';
}

/**
 * The widget's words in one language. `t(key, params)` fills `{name}` placeholders from
 * `params`; a key missing from the locale falls back to English, an unknown key is returned as is.
 */
export class Strings {
  #language;
  #table;

  /** @param language a supported language @param table its words (English when omitted) */
  constructor(language = 'en', table = en) {
    this.#language = language;
    this.#table = table;
  }

  /**
   * The Strings for the best of `candidates` (see {@link pickLanguage}): its locale file is
   * imported from `baseUrl` (the directory holding `locales/`); English when it cannot be had.
   */
  static async load(candidates, baseUrl) {
    const language = pickLanguage(candidates);
    if (language === 'en') return ENGLISH;
    try {
      const module = await import(new URL(`locales/${language}.js`, baseUrl).href);
      return new Strings(language, module.default);
    } catch {
      return ENGLISH;
    }
  }

  get language() {
    return this.#language;
  }

  t(key, params) {
    const text = this.#table[key] ?? en[key] ?? key;
    if (!params) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (params[name] === undefined ? whole : String(params[name])));
  }
}

/** English, for code that is given no Strings (and for tests). */
export const ENGLISH = new Strings('en', en);
