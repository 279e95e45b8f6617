// Tiny DOM builder shared by the widget and the console.
// Text is only ever set through textContent or text nodes: message text is data, never markup.
import { splitLinks } from './links.js';

/**
 * Creates an element. `props` keys: `text` (textContent), `class`, `dataset` (object),
 * `on` (object of event listeners), `hidden`, any other key is set as an attribute
 * (`true` → empty attribute, `false`/`null`/`undefined` → omitted).
 * Children may be nodes, strings (added as text nodes), or null/false (skipped).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  applyProps(el, props);
  append(el, ...children);
  return el;
}

/** Creates an SVG element in the SVG namespace, same `props` rules as `h`. */
export function svg(tag, props = {}, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  applyProps(el, props);
  append(el, ...children);
  return el;
}

/** Appends nodes or strings (as text nodes), skipping null/undefined/false. */
export function append(parent, ...children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return parent;
}

/** Removes every child of `el`. */
export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

function applyProps(el, props) {
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') el.textContent = String(value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'on') for (const [type, fn] of Object.entries(value)) el.addEventListener(type, fn);
    else if (key === 'hidden') el.hidden = Boolean(value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
}

/**
 * Message text as nodes: text nodes, and <a> elements (textContent = the address) for the
 * http(s) addresses in it, opening in a new tab without access to this page.
 */
export function linkified(text) {
  return splitLinks(text).map((part) => (part.href
    ? h('a', { href: part.href, target: '_blank', rel: 'noopener noreferrer nofollow', text: part.text })
    : document.createTextNode(part.text)));
}
