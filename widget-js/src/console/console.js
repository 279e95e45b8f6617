import { AgentConnection } from './agent-connection.js';
import { AlertBanner } from './alert-banner.js';
import { Attention } from './attention.js';
import { Beeper } from './beeper.js';
import { ChatDesk } from './desk.js';
import { shortTime } from './format.js';
import { login } from './login.js';
import { PresenceSwitch } from './presence-switch.js';
import { QueueView } from './queue-view.js';
import { searchConversations } from './search.js';
import { SearchView } from './search-view.js';
import { Toast } from './toast.js';
import { downloadTranscript } from '../shared/transcript-download.js';

const SESSION_KEY = 'concierge.agentSession';
const PRESENCE_KEY = 'concierge.agentPresence';

/**
 * The agent console: sign-in, then one `/ws/agent` connection feeding the queue (with its
 * alerts), the presence control, the search box, and the {@link ChatDesk} (tabs, transcript,
 * composer, visitor panel, transfer and transcript dialogs).
 *
 * When the socket drops, the connection comes back by itself (backoff with jitter) and the
 * open tabs stay: the server sends every owned chat's package again, and the desk asks
 * `history` after the last seq of each open chat; lines are merged by seq, never doubled. A
 * session the server no longer knows (`unauthorized`) brings back the sign-in form.
 */
export class AgentConsole {
  #doc;
  #toaster;
  #storage;
  #session = null;
  #connection = null;
  #presenceRef = null;
  #queue;
  #alerts;
  #presence;
  #desk;
  #attention;

  constructor(doc = document, storage = globalThis.sessionStorage) {
    this.#doc = doc;
    this.#toaster = new Toast(doc);
    this.#storage = storage;
    const beeper = new Beeper();
    const unlock = () => beeper.unlock();
    doc.addEventListener('pointerdown', unlock);
    doc.addEventListener('keydown', unlock);
    this.#attention = new Attention({
      doc,
      beeper: { beep: (options) => { beeper.beep(options); doc.documentElement.dataset.beeps = String(beeper.count); } },
    });
    this.#queue = new QueueView(doc.querySelector('.queue'), {
      onAccept: (id) => this.#accept(id),
      onPage: (offset) => this.#connection?.request('queue', { offset }),
    });
    this.#alerts = new AlertBanner(doc.getElementById('alerts'), { onShow: (id) => this.#queue.focusEntry(id) });
    this.#desk = new ChatDesk(doc, { attention: this.#attention, toast: (message) => this.#toast(message), token: () => this.#session?.token });
    this.#desk.onDownload = (id) => this.#download(id);
    this.#desk.onAcceptFailed = (id) => this.#queue.acceptFailed(id);
    this.#presence = new PresenceSwitch(doc.getElementById('presence'), {
      initial: this.#read(PRESENCE_KEY) ?? 'online',
      onChange: (status) => this.#sendPresence(status),
    });
    new SearchView(doc, {
      search: (query) => searchConversations(query, { token: this.#session?.token }),
      onOpen: (result) => this.#desk.openHistory(result.conversationId, {
        title: `Conversation with ${result.visitorName || 'a visitor'}`,
        meta: [shortTime(result.startedAt), result.firstLine].filter(Boolean).join(' · '),
        visitorName: result.visitorName,
      }),
    });
  }

  /** Shows the sign-in form, or goes straight in with a session kept in this tab. */
  start() {
    this.#doc.getElementById('signin-form').addEventListener('submit', (event) => this.#onSignIn(event));
    this.#doc.getElementById('signout').addEventListener('click', () => this.#signOutEverywhere());
    const saved = this.#read(SESSION_KEY);
    if (saved) {
      try {
        this.#enter(JSON.parse(saved));
        return;
      } catch { /* a broken session: sign in again */ }
    }
    const awayBox = this.#doc.getElementById('signin-away');
    if (awayBox) awayBox.checked = this.#presence.wanted === 'away';
    this.#doc.getElementById('username').focus();
  }

  async #onSignIn(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const error = this.#doc.getElementById('signin-error');
    const username = form.username.value.trim();
    const password = form.password.value;
    const away = Boolean(form.away?.checked);
    if (!username || !password) {
      error.textContent = 'Enter your username and password.';
      return;
    }
    const button = form.querySelector('button');
    button.disabled = true;
    error.textContent = '';
    try {
      const session = await login(username, password);
      this.#write(SESSION_KEY, JSON.stringify(session));
      form.password.value = '';
      // "Appear away": the hello says away, so nothing is assigned until the agent goes online.
      this.#presence.request(away ? 'away' : 'online');
      this.#enter(session);
    } catch (failure) {
      error.textContent = failure.message;
    } finally {
      button.disabled = false;
    }
  }

  #enter(session) {
    this.#session = session;
    this.#doc.getElementById('signin').hidden = true;
    this.#doc.getElementById('app').hidden = false;
    this.#doc.getElementById('agent-name').textContent = session.agent?.name ?? session.agent?.id ?? '';
    this.#queue.render([]);
    this.#desk.setTeam({ selfId: session.agent?.id ?? null });
    this.#connection = new AgentConnection({ token: session.token, presence: () => this.#presence.wanted });
    this.#desk.attach(this.#connection);
    this.#listen(this.#connection);
    this.#connection.connect();
  }

  /**
   * The agent signs out: the server invalidates the token and closes every socket opened with
   * it (other tabs included), so a console left open elsewhere stops working too.
   */
  #signOutEverywhere() {
    const token = this.#session?.token;
    if (token && typeof fetch === 'function') {
      fetch('/api/agent/logout', { method: 'POST', headers: { Authorization: `Bearer ${token}` } })
        .catch(() => { /* offline: the token still expires on its own */ });
    }
    this.#signOut();
  }

  #signOut(message = '') {
    this.#connection?.disconnect();
    this.#connection = null;
    this.#session = null;
    this.#remove(SESSION_KEY);
    this.#desk.reset();
    this.#doc.getElementById('app').hidden = true;
    this.#doc.getElementById('signin').hidden = false;
    this.#doc.getElementById('signin-error').textContent = message;
    this.#doc.getElementById('username').focus();
  }

  #listen(connection) {
    const on = (type, fn) => connection.addEventListener(type, (e) => fn(e.detail));
    const desk = this.#desk;
    on('state', ({ state }) => this.#showConnection(state));
    on('welcome', (frame) => {
      if (frame.agent?.name) this.#doc.getElementById('agent-name').textContent = frame.agent.name;
      if (frame.agent?.id) desk.setTeam({ selfId: frame.agent.id });
      this.#sendPresence(this.#presence.wanted);
      desk.resume();
      // A new socket starts on the first page of the queue: back to the page the agent was on.
      if (this.#queue.offset > 0) connection.request('queue', { offset: this.#queue.offset });
    });
    on('queue', (frame) => {
      this.#queue.render(frame);
      const entries = frame.entries ?? [];
      // Alerts of visitors no longer waiting go; a page of a longer queue cannot tell.
      if (!(frame.offset > 0) && !(frame.total > entries.length)) this.#alerts.keepOnly(entries.map((e) => e.conversationId));
    });
    on('agents', (frame) => desk.setTeam({ agents: frame.agents ?? [] }));
    on('settings', (frame) => {
      desk.setTeam({ departments: frame.departments ?? [] });
      desk.composer.setCannedReplies(frame.cannedReplies ?? []);
      this.#queue.setAlertSeconds(frame.queueAlertSeconds);
    });
    on('alert', (frame) => {
      this.#alerts.add(frame);
      this.#attention.alarm(frame.message ?? 'A visitor has waited too long.');
    });
    on('assigned', (frame) => desk.onAssigned(frame));
    on('event', (frame) => desk.onEvent(frame));
    on('transcript', (frame) => desk.onTranscript(frame));
    on('typing', (frame) => desk.onTyping(frame));
    on('receipt', (frame) => desk.onReceipt(frame));
    on('released', (frame) => desk.onReleased(frame));
    on('visitor', (frame) => desk.onVisitor(frame));
    on('ack', (frame) => this.#onAck(frame));
    on('error', (frame) => this.#onError(frame));
    on('unauthorized', () => this.#signOut('Your session has ended. Please sign in again.'));
  }

  #onAck(frame) {
    if (frame.ref && frame.ref === this.#presenceRef) {
      this.#presenceRef = null;
      this.#presence.confirm(this.#presence.wanted);
    }
  }

  #onError(frame) {
    if (this.#desk.onError(frame)) return;
    this.#toast(frame.message ?? `Error: ${frame.code}`);
  }

  #accept(conversationId) {
    const ref = this.#connection?.request('accept', { conversationId });
    if (ref) this.#desk.accepting(ref, conversationId);
  }

  async #download(conversationId) {
    if (!conversationId || !this.#session) return;
    try {
      const filename = await downloadTranscript({
        server: globalThis.location.origin, conversationId, authorization: `Bearer ${this.#session.token}`, format: 'txt',
      });
      this.#toast(`Saved ${filename}`);
    } catch (failure) {
      this.#toast(`The transcript could not be downloaded: ${failure.message}`);
    }
  }

  #sendPresence(status) {
    this.#write(PRESENCE_KEY, status);
    this.#presenceRef = this.#connection?.request('presence', { status }) ?? null;
  }

  #showConnection(state) {
    const el = this.#doc.getElementById('connection');
    el.dataset.state = state;
    el.textContent = { open: 'Connected', connecting: 'Connecting…', reconnecting: 'Reconnecting…', closed: 'Offline' }[state] ?? state;
  }

  #toast(message) {
    this.#toaster.show(message);
  }

  #read(key) {
    try { return this.#storage?.getItem(key) ?? null; } catch { return null; }
  }

  #write(key, value) {
    try { this.#storage?.setItem(key, value); } catch { /* storage blocked: the session lasts this page */ }
  }

  #remove(key) {
    try { this.#storage?.removeItem(key); } catch { /* blocked */ }
  }
}

if (typeof document !== 'undefined' && document.getElementById('signin-form')) {
  new AgentConsole().start();
}
