/*
 * Concierge widget loader — the one file a website includes:
 *
 *   <script src="https://chat.example.com/concierge.js" data-site="demo" async></script>
 *
 * A classic script on purpose (it works in a plain async tag, no type="module" needed), kept
 * tiny: it creates the one global, `window.Concierge`, validates options, and imports the
 * widget module from the same server only when it is needed. With `data-site` on the tag it
 * initialises itself from the tag's data attributes; without it, call `Concierge.init({...})`
 * once `window` has fired `concierge:loaded`.
 */
(function () {
  'use strict';

  if (typeof window === 'undefined' || window.Concierge) return; // included twice: keep the first

  const VERSION = '0.1.0';
  const EVENTS = ['ready', 'open', 'close', 'message', 'agentJoined', 'error'];
  const SITE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
  const COLOR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
  const EMAIL = /^[^\s@]+@[^\s@]+$/;
  const OPTIONS = {
    site: 'string', server: 'string', color: 'string', position: 'string', title: 'string',
    greeting: 'string', open: 'boolean', language: 'string', visitor: 'object', attributes: 'object',
  };

  /** The public API behind `window.Concierge`. */
  class ConciergeApi {
    #events = new EventTarget();
    #listeners = new Map();
    #server;
    #moduleUrl;
    #options = null;
    #widget = null;
    #pending = [];
    #ready = false;

    constructor(scriptSrc) {
      this.#server = new URL(scriptSrc).origin;
      this.#moduleUrl = new URL('widget/widget.js', scriptSrc).href;
    }

    /** The loader's version. */
    get version() { return VERSION; }

    /** The origin of the Concierge server, taken from this script's own `src`. */
    get server() { return this.#options ? this.#options.server : this.#server; }

    /** True once the widget is on the page (after the `ready` event). */
    get ready() { return this.#ready; }

    /** The validated options, or null before `init`. */
    get options() { return this.#options; }

    /**
     * Validates `options` and puts the widget on the page. Throws an Error naming the bad
     * option; throws when called twice.
     */
    init(options) {
      if (this.#options) throw new Error('Concierge.init: already initialised');
      this.#options = validateOptions(options, this.#server);
      this.#load();
      return this;
    }

    /** Opens the chat panel. */
    open() { this.#call('open'); }

    /** Closes (minimises) the chat panel. */
    close() { this.#call('close'); }

    /** Opens the panel when closed, closes it when open. */
    toggle() { this.#call('toggle'); }

    /** Sends `text` as the visitor, as if typed in the panel. */
    send(text) {
      if (typeof text !== 'string' || text.trim() === '') {
        throw new TypeError('Concierge.send: text must be a non-empty string');
      }
      this.#call('send', text);
    }

    /** Calls `listener(detail)` on each `name` event; see EVENTS for the names. */
    on(name, listener) {
      checkListener('on', name, listener);
      const byName = this.#listeners.get(name) || new Map();
      if (byName.has(listener)) return this;
      const wrapped = (event) => listener(event.detail);
      byName.set(listener, wrapped);
      this.#listeners.set(name, byName);
      this.#events.addEventListener(name, wrapped);
      return this;
    }

    /** Removes a listener added with `on`. */
    off(name, listener) {
      checkListener('off', name, listener);
      const byName = this.#listeners.get(name);
      const wrapped = byName && byName.get(listener);
      if (!wrapped) return this;
      byName.delete(listener);
      this.#events.removeEventListener(name, wrapped);
      return this;
    }

    #emit(name, detail) {
      this.#events.dispatchEvent(new CustomEvent(name, { detail: detail === undefined ? {} : detail }));
    }

    #call(method, arg) {
      if (!this.#options) throw new Error('Concierge.' + method + ': call Concierge.init() first');
      if (this.#widget) this.#widget[method](arg);
      else this.#pending.push([method, arg]);
    }

    async #load() {
      try {
        const widgetModule = await import(this.#moduleUrl);
        await domReady();
        this.#widget = new widgetModule.Widget({
          options: this.#options,
          emit: (name, detail) => this.#emit(name, detail),
        });
        this.#widget.mount(document.body);
        this.#ready = true;
        this.#emit('ready', { version: VERSION });
        const pending = this.#pending.splice(0);
        for (let i = 0; i < pending.length; i++) this.#widget[pending[i][0]](pending[i][1]);
      } catch (error) {
        this.#emit('error', { code: 'load_failed', message: 'Concierge could not load its widget: ' + describe(error) });
      }
    }
  }

  /** Checks every option and returns a frozen, normalised copy. */
  function validateOptions(options, defaultServer) {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw new TypeError('Concierge.init: options must be an object like {site: "demo"}');
    }
    Object.keys(options).forEach(function (key) {
      if (!Object.prototype.hasOwnProperty.call(OPTIONS, key)) {
        throw new Error('Concierge.init: unknown option "' + key + '"; known: ' + Object.keys(OPTIONS).join(', '));
      }
      const expected = OPTIONS[key];
      const actual = options[key] === null ? 'null' : Array.isArray(options[key]) ? 'array' : typeof options[key];
      if (options[key] !== undefined && actual !== expected) {
        throw new TypeError('Concierge.init: option "' + key + '" must be a ' + expected + ', got ' + actual);
      }
    });
    if (options.site === undefined) throw new Error('Concierge.init: option "site" is required (e.g. data-site="demo")');
    if (!SITE.test(options.site)) {
      throw new Error('Concierge.init: option "site" must be 1-64 letters, digits, "_", "-" or ".", got "' + options.site + '"');
    }
    let server = defaultServer;
    if (options.server !== undefined) {
      let url;
      try { url = new URL(options.server); } catch (e) { url = null; }
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
        throw new Error('Concierge.init: option "server" must be an absolute http(s) URL, got "' + options.server + '"');
      }
      server = url.origin;
    }
    if (options.color !== undefined && !COLOR.test(options.color)) {
      throw new Error('Concierge.init: option "color" must be a hex colour like "#4f46e5", got "' + options.color + '"');
    }
    if (options.position !== undefined && options.position !== 'right' && options.position !== 'left') {
      throw new Error('Concierge.init: option "position" must be "right" or "left", got "' + options.position + '"');
    }
    checkLength('title', options.title, 80);
    checkLength('greeting', options.greeting, 500);
    checkLength('language', options.language, 35);
    const visitor = validateVisitor(options.visitor);
    const attributes = validateAttributes(options.attributes);
    return Object.freeze({
      site: options.site,
      server: server,
      color: options.color || '#4f46e5',
      position: options.position || 'right',
      title: options.title || 'Chat with us',
      greeting: options.greeting === undefined ? 'Hi! Ask me anything about your order, delivery or returns.' : options.greeting,
      open: options.open === true,
      language: options.language,
      visitor: visitor,
      attributes: attributes,
    });
  }

  function validateVisitor(visitor) {
    if (visitor === undefined) return Object.freeze({});
    const copy = {};
    Object.keys(visitor).forEach(function (key) {
      if (key !== 'name' && key !== 'email') {
        throw new Error('Concierge.init: option "visitor" has unknown field "' + key + '"; known: name, email');
      }
      if (typeof visitor[key] !== 'string') throw new TypeError('Concierge.init: visitor.' + key + ' must be a string');
      checkLength('visitor.' + key, visitor[key], 200);
      copy[key] = visitor[key];
    });
    if (copy.email !== undefined && !EMAIL.test(copy.email)) {
      throw new Error('Concierge.init: visitor.email is not an e-mail address: "' + copy.email + '"');
    }
    return Object.freeze(copy);
  }

  function validateAttributes(attributes) {
    if (attributes === undefined) return Object.freeze({});
    const keys = Object.keys(attributes);
    if (keys.length > 50) throw new Error('Concierge.init: option "attributes" may hold at most 50 entries');
    const copy = {};
    keys.forEach(function (key) {
      const value = attributes[key];
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        throw new TypeError('Concierge.init: attributes.' + key + ' must be a string, number or boolean');
      }
      checkLength('attributes.' + key, String(value), 500);
      copy[key] = String(value);
    });
    return Object.freeze(copy);
  }

  function checkLength(name, value, max) {
    if (value !== undefined && value.length > max) {
      throw new Error('Concierge.init: option "' + name + '" is longer than ' + max + ' characters');
    }
  }

  function checkListener(method, name, listener) {
    if (EVENTS.indexOf(name) < 0) {
      throw new Error('Concierge.' + method + ': unknown event "' + name + '"; known: ' + EVENTS.join(', '));
    }
    if (typeof listener !== 'function') throw new TypeError('Concierge.' + method + ': listener must be a function');
  }

  /** Options written on the script tag: data-site, data-color, data-position, data-title, data-greeting, data-open. */
  function optionsFromTag(tag) {
    const data = tag.dataset;
    const options = { site: data.site };
    ['color', 'position', 'title', 'greeting', 'language'].forEach(function (key) {
      if (data[key] !== undefined) options[key] = data[key];
    });
    if (data.open !== undefined) options.open = data.open === '' || data.open === 'true';
    return options;
  }

  function findLoaderScript() {
    const scripts = document.querySelectorAll('script[src]');
    for (let i = scripts.length - 1; i >= 0; i--) {
      if (/\/concierge\.js(?:[?#]|$)/.test(scripts[i].src)) return scripts[i];
    }
    return null;
  }

  function domReady() {
    if (document.body) return Promise.resolve();
    return new Promise(function (resolve) { document.addEventListener('DOMContentLoaded', resolve, { once: true }); });
  }

  function describe(error) {
    return error && error.message ? error.message : String(error);
  }

  const tag = document.currentScript || findLoaderScript();
  if (!tag || !tag.src) {
    if (typeof console !== 'undefined') console.error('Concierge: cannot find my own <script src=".../concierge.js"> tag');
    return;
  }
  const api = new ConciergeApi(tag.src);
  window.Concierge = api;
  window.dispatchEvent(new CustomEvent('concierge:loaded', { detail: { version: VERSION } }));
  if (tag.dataset && tag.dataset.site !== undefined) {
    try {
      api.init(optionsFromTag(tag));
    } catch (error) {
      if (typeof console !== 'undefined') console.error(describe(error));
    }
  }
})();
