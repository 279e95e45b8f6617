// The limits of the visitor's context (docs/protocol.md, "Limits of the visitor's context"). The
// server refuses a hello or context frame over one of them, so the widget clips what it sends:
// a page with a very long URL or title, or a site attribute the server cannot take, never makes
// the chat fail.

/** The server's limits, in characters (a string's `length`). */
export const CONTEXT_LIMITS = Object.freeze({
  name: 200, email: 254, language: 35, timeZone: 64, userAgent: 512, url: 2048, title: 300,
  attributes: 50, value: 1000, total: 16384,
});

const KEY = /^[A-Za-z0-9_.-]{1,64}$/;
// eslint-disable-next-line no-control-regex -- matching control characters is the point: they become spaces
const CONTROL = /[\u0000-\u001f\u007f-\u009f]+/g;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** `value` as one line (control characters become a space) of at most `max` characters; undefined stays so. */
export function clipLine(value, max) {
  if (value === undefined || value === null) return undefined;
  let s = String(value).replace(CONTROL, ' ');
  if (s.length > max) {
    const cut = s.charCodeAt(max - 1) >= 0xd800 && s.charCodeAt(max - 1) <= 0xdbff ? max - 1 : max;
    s = s.slice(0, cut); // never half of a surrogate pair
  }
  return s;
}

/** An email the server takes, or undefined. */
export function clipEmail(value) {
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  return s.length <= CONTEXT_LIMITS.email && EMAIL.test(s) ? s : undefined;
}

/**
 * The attributes the server takes: keys of `[A-Za-z0-9_.-]{1,64}`, values as clipped strings,
 * at most `room` keys. What is left out is named to `warn` (the console by default).
 */
export function clipAttributes(attributes, room = CONTEXT_LIMITS.attributes, warn = defaultWarn) {
  const out = {};
  let count = 0;
  for (const [key, value] of Object.entries(attributes ?? {})) {
    if (!KEY.test(key)) {
      warn(`Concierge: attribute "${key.slice(0, 64)}" not sent: keys are 1 to 64 of A-Z a-z 0-9 _ . -`);
    } else if (value === undefined || value === null) {
      warn(`Concierge: attribute "${key}" not sent: it has no value`);
    } else if (count >= room) {
      warn(`Concierge: attribute "${key}" not sent: at most ${CONTEXT_LIMITS.attributes} attributes`);
    } else {
      out[key] = clipLine(value, CONTEXT_LIMITS.value);
      count++;
    }
  }
  return out;
}

/**
 * A hello or context frame's `context`, clipped to the limits: texts cut, a bad email left out,
 * attributes as {@link clipAttributes}, and attributes dropped from the last while the whole is
 * over the total.
 */
export function clipContext(context, warn = defaultWarn) {
  const out = {};
  for (const field of ['name', 'language', 'timeZone', 'userAgent']) {
    const v = clipLine(context[field], CONTEXT_LIMITS[field]);
    if (v !== undefined) out[field] = v;
  }
  if (context.email !== undefined) {
    const email = clipEmail(context.email);
    if (email !== undefined) out.email = email;
  }
  if (context.page) {
    const page = {};
    const url = clipLine(context.page.url, CONTEXT_LIMITS.url);
    const title = clipLine(context.page.title, CONTEXT_LIMITS.title);
    const referrer = clipLine(context.page.referrer, CONTEXT_LIMITS.url);
    if (url !== undefined) page.url = url;
    if (title !== undefined) page.title = title;
    if (referrer !== undefined) page.referrer = referrer;
    out.page = page;
  }
  if (context.attributes) {
    const attributes = clipAttributes(context.attributes, CONTEXT_LIMITS.attributes, warn);
    let size = ['name', 'email', 'language', 'timeZone', 'userAgent'].reduce((n, f) => n + (out[f]?.length ?? 0), 0)
      + (out.page ? (out.page.url?.length ?? 0) + (out.page.title?.length ?? 0) + (out.page.referrer?.length ?? 0) : 0);
    for (const [key, value] of Object.entries(attributes)) size += key.length + value.length;
    const keys = Object.keys(attributes);
    while (size > CONTEXT_LIMITS.total && keys.length > 0) {
      const key = keys.pop();
      size -= key.length + attributes[key].length;
      delete attributes[key];
      warn(`Concierge: attribute "${key}" not sent: the context is over ${CONTEXT_LIMITS.total} characters`);
    }
    if (Object.keys(attributes).length > 0) out.attributes = attributes;
  }
  return out;
}

function defaultWarn(message) {
  globalThis.console?.warn(message);
}

/**
 * The hello `context`: who and where the visitor is, for the agent (the page, language, time
 * zone and browser, and what the page said of the visitor), within the limits above.
 */
export function helloContext(language, visitor, attributes) {
  const context = {
    language: language ?? navigator.language,
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    userAgent: navigator.userAgent,
    page: { url: location.href, title: document.title, referrer: document.referrer },
  };
  if (visitor.name) context.name = visitor.name;
  if (visitor.email) context.email = visitor.email;
  if (Object.keys(attributes).length > 0) context.attributes = { ...attributes };
  return clipContext(context);
}
