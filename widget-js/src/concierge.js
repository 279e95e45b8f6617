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

  if (typeof window === 'undefined') return;
  // Included twice: keep the first. The placeholder the embed snippet defines (a function
  // queueing calls in `q` until this script runs) is replaced.
  const early = window.Concierge;
  if (early && typeof early.init === 'function') return;

  const VERSION = '0.2.0';
  const EVENTS = ['ready', 'open', 'close', 'message', 'agentJoined', 'unread', 'error'];
  const METHODS = ['init', 'open', 'close', 'toggle', 'identify', 'setAttributes', 'setDepartment', 'send', 'reset', 'on', 'off'];
  const SITE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
  const COLOR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
  const EMAIL = /^[^\s@]+@[^\s@]+$/;
  const DEPARTMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
  const LANGUAGE = /^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$/;
  const PRE_CHAT_FIELDS = ['name', 'email', 'question'];
  const OPTIONS = {
    site: 'string', server: 'string', color: 'string', position: 'string', title: 'string',
    greeting: 'string', open: 'boolean', language: 'string', department: 'string', visitor: 'object',
    attributes: 'object', identity: 'object', preChat: 'boolean|object',
  };
  const DEFAULTS = { color: '#4f46e5', position: 'right', open: false, preChat: null };
  /** What the site's settings (GET /api/sites/{key}) may set; the page's own options win. */
  const SITE_SETTINGS = ['color', 'position', 'title', 'greeting', 'language', 'department', 'preChat'];

  /** The public API behind `window.Concierge`. */
  class ConciergeApi {
    #events = new EventTarget();
    #listeners = new Map();
    #server;
    #moduleUrl;
    #given = null;
    #site = {};
    #widget = null;
    #pending = [];
    #ready = false;

    constructor(scriptSrc) {
      this.#server = new URL(scriptSrc).origin;
      this.#moduleUrl = new URL('widget/widget.js', scriptSrc).href;
    }

    /** Where the widget's locale files are: `<server>/widget/locales/<language>.js`. */
    get #widgetBase() {
      return this.server + '/widget/';
    }

    /** The loader's version. */
    get version() { return VERSION; }

    /** The origin of the Concierge server, taken from this script's own `src`. */
    get server() { return this.#given ? this.#given.server : this.#server; }

    /** True once the widget is on the page (after the `ready` event). */
    get ready() { return this.#ready; }

    /**
     * The options in force, or null before `init`: the defaults, under the site's settings
     * from the server (once loaded), under the options given to `init`.
     */
    get options() {
      if (!this.#given) return null;
      const merged = Object.assign({}, DEFAULTS, this.#site, this.#given);
      merged.visitor = this.#given.visitor || Object.freeze({});
      merged.attributes = this.#given.attributes || Object.freeze({});
      return Object.freeze(merged);
    }

    /**
     * Validates `options` and puts the widget on the page. Throws an Error naming the bad
     * option; throws when called twice.
     */
    init(options) {
      if (this.#given) throw new Error('Concierge.init: already initialised');
      this.#given = validateOptions(options, this.#server);
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
      if (text.length > 4000) throw new RangeError('Concierge.send: text is longer than 4000 characters');
      this.#call('send', text);
    }

    /**
     * A signed-in user of your site: {userId, name?, email?, signature} where `signature` is
     * the hex HMAC-SHA256 of userId under the site's secret, computed by your backend; or
     * {userId, ..., token} with an expiring token from your backend; plus `emailSignature`
     * when your backend vouches for the email too (docs/widget.md).
     */
    identify(identity) {
      this.#call('identify', validateIdentity(identity, 'Concierge.identify'));
    }

    /** Custom attributes shown to the agent (merged by key): strings, numbers or booleans. */
    setAttributes(attributes) {
      if (attributes === null || typeof attributes !== 'object' || Array.isArray(attributes)) {
        throw new TypeError('Concierge.setAttributes: attributes must be an object like {plan: "gold"}');
      }
      this.#call('setAttributes', validateAttributes(attributes, 'Concierge.setAttributes: attributes'));
    }

    /** The team (department) this visitor's conversations go to, e.g. "billing". */
    setDepartment(department) {
      this.#call('setDepartment', checkDepartment(department, 'Concierge.setDepartment: department'));
    }

    /** Forgets the visitor in this browser (e.g. when your user signs out). */
    reset() { this.#call('reset'); }

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
      if (!this.#given) throw new Error('Concierge.' + method + ': call Concierge.init() first');
      if (this.#widget) this.#widget[method](arg);
      else this.#pending.push([method, arg]);
    }

    async #load() {
      try {
        const [widgetModule, site] = await Promise.all([importWidget(this.#moduleUrl), this.#siteSettings()]);
        if (site === null) return;
        this.#site = site;
        const options = this.options;
        const languages = [options.language].concat(navigator.languages || [navigator.language]);
        const strings = await widgetModule.Strings.load(languages, this.#widgetBase);
        await domReady();
        this.#widget = new widgetModule.Widget({
          options: options,
          strings: strings,
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

    /**
     * The site's settings from the server, checked like options (a bad value is left out);
     * {} when they cannot be fetched (the widget still works with its defaults); null for a
     * site the server does not know (reported as an `error` event).
     */
    async #siteSettings() {
      if (typeof fetch !== 'function') return {};
      let response;
      try {
        response = await fetch(this.server + '/api/sites/' + encodeURIComponent(this.#given.site), { credentials: 'omit' });
      } catch {
        return {};
      }
      if (response.status === 404) {
        this.#emit('error', { code: 'unknown_site', message: 'Concierge: the server knows no site "' + this.#given.site + '"' });
        return null;
      }
      if (!response.ok) return {};
      let body;
      try { body = await response.json(); } catch { return {}; }
      return siteOptions(body);
    }
  }

  /** The site's settings as options: each checked like the page's, a bad one dropped. */
  function siteOptions(body) {
    const out = {};
    if (!body || typeof body !== 'object') return out;
    const candidate = {};
    SITE_SETTINGS.forEach(function (key) { if (body[key] !== undefined && body[key] !== null) candidate[key] = body[key]; });
    if (body.colors && typeof body.colors === 'object' && typeof body.colors.brand === 'string') candidate.color = body.colors.brand;
    Object.keys(candidate).forEach(function (key) {
      const one = { site: 'x' };
      one[key] = candidate[key];
      try {
        const checked = validateOptions(one, 'http://x');
        if (checked[key] !== undefined) out[key] = checked[key];
      } catch { /* a bad setting is left out */ }
    });
    return Object.freeze(out);
  }

  /** Checks every option and returns a frozen, normalised copy of those given. */
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
      if (options[key] !== undefined && expected.split('|').indexOf(actual) < 0) {
        throw new TypeError('Concierge.init: option "' + key + '" must be a ' + expected.replace('|', ' or ') + ', got ' + actual);
      }
    });
    if (options.site === undefined) throw new Error('Concierge.init: option "site" is required (e.g. data-site="demo")');
    if (!SITE.test(options.site)) {
      throw new Error('Concierge.init: option "site" must be 1-64 letters, digits, "_", "-" or ".", got "' + options.site + '"');
    }
    let server = defaultServer;
    if (options.server !== undefined) {
      let url;
      try { url = new URL(options.server); } catch { url = null; }
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
    if (options.language !== undefined && !LANGUAGE.test(options.language)) {
      throw new Error('Concierge.init: option "language" must be a language tag like "fr" or "de-CH", got "' + options.language + '"');
    }
    checkLength('title', options.title, 80);
    checkLength('greeting', options.greeting, 500);
    const out = { site: options.site, server: server };
    ['color', 'position', 'title', 'greeting', 'open', 'language'].forEach(function (key) {
      if (options[key] !== undefined) out[key] = options[key];
    });
    if (options.department !== undefined) out.department = checkDepartment(options.department, 'Concierge.init: option "department"');
    if (options.visitor !== undefined) out.visitor = validateVisitor(options.visitor);
    if (options.attributes !== undefined) out.attributes = validateAttributes(options.attributes, 'Concierge.init: attributes');
    if (options.identity !== undefined) out.identity = validateIdentity(options.identity, 'Concierge.init: option "identity"');
    if (options.preChat !== undefined) out.preChat = validatePreChat(options.preChat);
    return Object.freeze(out);
  }

  function checkDepartment(department, what) {
    if (typeof department !== 'string' || !DEPARTMENT.test(department)) {
      throw new TypeError(what + ' must be 1-64 letters, digits, "_", "-" or ".", got ' + JSON.stringify(department));
    }
    return department;
  }

  /** true: name, email and question, email required; {fields, required}; false: no form. */
  function validatePreChat(preChat) {
    if (preChat === false) return null;
    if (preChat === true) return Object.freeze({ fields: Object.freeze(PRE_CHAT_FIELDS.slice()), required: Object.freeze(['email']) });
    if (preChat.enabled === false) return null;
    const fields = preChat.fields === undefined ? PRE_CHAT_FIELDS.slice() : preChat.fields;
    const required = preChat.required === undefined ? [] : preChat.required;
    [['fields', fields], ['required', required]].forEach(function (pair) {
      if (!Array.isArray(pair[1]) || pair[1].some(function (f) { return PRE_CHAT_FIELDS.indexOf(f) < 0; })) {
        throw new Error('Concierge.init: preChat.' + pair[0] + ' must be a list of "name", "email", "question"');
      }
    });
    required.forEach(function (f) {
      if (fields.indexOf(f) < 0) throw new Error('Concierge.init: preChat.required names "' + f + '", which is not in preChat.fields');
    });
    return Object.freeze({ fields: Object.freeze(fields.slice()), required: Object.freeze(required.slice()) });
  }

  function validateIdentity(identity, what) {
    if (identity === null || typeof identity !== 'object' || Array.isArray(identity)) {
      throw new TypeError(what + ' must be an object like {userId, name, email, signature}');
    }
    const known = ['userId', 'name', 'email', 'signature', 'token', 'emailSignature'];
    const copy = {};
    Object.keys(identity).forEach(function (key) {
      if (known.indexOf(key) < 0) throw new Error(what + ' has unknown field "' + key + '"; known: ' + known.join(', '));
      if (identity[key] === undefined) return;
      if (typeof identity[key] !== 'string') throw new TypeError(what + '.' + key + ' must be a string');
      copy[key] = identity[key];
    });
    if (!copy.userId || copy.userId.length > 128) throw new Error(what + '.userId must be a string of 1-128 characters');
    if ((copy.signature === undefined) === (copy.token === undefined)) {
      throw new Error(what + ' needs exactly one of signature (hex HMAC-SHA256 of userId) or token, made by your backend');
    }
    if (copy.signature !== undefined && !/^[0-9a-fA-F]{64}$/.test(copy.signature)) {
      throw new Error(what + '.signature must be 64 hex digits (HMAC-SHA256 of userId)');
    }
    if (copy.token !== undefined && (copy.token.length > 1000 || copy.token.length === 0)) {
      throw new Error(what + '.token must be 1-1000 characters');
    }
    if (copy.emailSignature !== undefined && (copy.email === undefined || !/^[0-9a-fA-F]{64}$/.test(copy.emailSignature))) {
      throw new Error(what + '.emailSignature must be 64 hex digits (HMAC-SHA256 of userId and email under the email key) and needs email');
    }
    if (copy.name !== undefined && copy.name.length > 200) throw new Error(what + '.name is longer than 200 characters');
    if (copy.email !== undefined && !EMAIL.test(copy.email)) throw new Error(what + '.email is not an e-mail address: "' + copy.email + '"');
    return Object.freeze(copy);
  }

  function validateVisitor(visitor) {
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

  function validateAttributes(attributes, what) {
    const keys = Object.keys(attributes);
    if (keys.length > 50) throw new Error(what + ' may hold at most 50 entries');
    const copy = {};
    keys.forEach(function (key) {
      const value = attributes[key];
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        throw new TypeError(what + '.' + key + ' must be a string, number or boolean');
      }
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(key)) {
        throw new Error(what + ': key "' + key.slice(0, 20) + '" must be 1 to 64 of the characters A-Z a-z 0-9 _ . -');
      }
      if (String(value).length > 500) throw new Error(what + '.' + key + ' is longer than 500 characters');
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

  /**
   * Options written on the script tag: data-site, data-color, data-position, data-title,
   * data-greeting, data-language, data-department, data-open.
   */
  function optionsFromTag(tag) {
    const data = tag.dataset;
    const options = { site: data.site };
    ['color', 'position', 'title', 'greeting', 'language', 'department'].forEach(function (key) {
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

  /**
   * The widget module: in the built (bundled, minified) concierge.js it is inside this very
   * file, CONCIERGE_BUNDLED being defined by the build (scripts/build.mjs); from the plain
   * sources it is imported from the server next to this script.
   */
  function importWidget(moduleUrl) {
    if (typeof CONCIERGE_BUNDLED !== 'undefined') return import('./widget/widget.js');
    return import(moduleUrl);
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
  // Calls made before this script loaded, through the snippet of docs/widget.md:
  //   window.Concierge = function () { (Concierge.q = Concierge.q || []).push(arguments); }
  const queued = early && Array.isArray(early.q) ? Array.prototype.slice.call(early.q) : [];
  window.Concierge = callable(api);
  window.dispatchEvent(new CustomEvent('concierge:loaded', { detail: { version: VERSION } }));
  const queuedInit = queued.some(function (args) { return args[0] === 'init'; });
  if (!queuedInit && tag.dataset && tag.dataset.site !== undefined) {
    try {
      api.init(optionsFromTag(tag));
    } catch (error) {
      if (typeof console !== 'undefined') console.error(describe(error));
    }
  }
  // `init` first (it may come after `on` or `open` in the queue), then the rest in order.
  queued.sort(function (a, b) { return (a[0] === 'init' ? 0 : 1) - (b[0] === 'init' ? 0 : 1); });
  queued.forEach(function (args) {
    try {
      window.Concierge.apply(null, Array.prototype.slice.call(args));
    } catch (error) {
      if (typeof console !== 'undefined') console.error(describe(error));
    }
  });

  /**
   * The global: the API object's methods and getters, on a function so that the snippet's
   * style, `Concierge('open')`, keeps working after the script has loaded.
   */
  function callable(target) {
    const fn = function (method) {
      if (METHODS.indexOf(method) < 0) throw new Error('Concierge: unknown method "' + method + '"; known: ' + METHODS.join(', '));
      const result = target[method].apply(target, Array.prototype.slice.call(arguments, 1));
      return result === target ? fn : result;
    };
    METHODS.forEach(function (name) {
      fn[name] = function () {
        const result = target[name].apply(target, arguments);
        return result === target ? fn : result;
      };
    });
    ['version', 'server', 'ready', 'options'].forEach(function (name) {
      Object.defineProperty(fn, name, { get: function () { return target[name]; }, enumerable: true });
    });
    return Object.freeze(fn);
  }
})();
