import { AgentConnection } from './agent-connection.js';
import { ChatList } from './chat-list.js';
import { ChatPanel } from './chat-panel.js';
import { login } from './login.js';
import { PresenceSwitch } from './presence-switch.js';
import { QueueView } from './queue-view.js';
import { TabsView } from './tabs-view.js';
import { VisitorPanel } from './visitor-panel.js';
import { downloadTranscript } from '../shared/transcript-download.js';

const SESSION_KEY = 'concierge.agentSession';
const PRESENCE_KEY = 'concierge.agentPresence';
const TYPING_REPEAT_MS = 2500;
const TYPING_IDLE_MS = 4000;

/**
 * The agent console: sign-in, then one `/ws/agent` connection feeding the queue, the chat tabs,
 * the selected chat's transcript and the visitor panel. It owns the chats; the views only draw.
 *
 * When the socket drops, the connection comes back by itself (backoff with jitter) and the
 * open tabs stay: the server sends every owned chat's package again, and the console asks
 * `history` after the last seq of each open chat; lines are merged by seq, never doubled. A
 * session the server no longer knows (`unauthorized`) brings back the sign-in form.
 */
export class AgentConsole {
  #doc;
  #storage;
  #session = null;
  #connection = null;
  #chats = new ChatList();
  #selectedId = null;
  #acceptRefs = new Map();
  #replyRefs = new Map();
  #historyRefs = new Map();
  #resumeRefs = new Map();
  #presenceRef = null;
  #queue;
  #tabs;
  #panel;
  #visitor;
  #presence;
  #typingSentAt = 0;
  #typingStop = null;
  #toastTimer = null;

  constructor(doc = document, storage = globalThis.sessionStorage) {
    this.#doc = doc;
    this.#storage = storage;
    this.#queue = new QueueView(doc.querySelector('.queue'), { onAccept: (id) => this.#accept(id) });
    this.#tabs = new TabsView(doc.getElementById('tabs'), { onSelect: (id) => this.#select(id) });
    this.#panel = new ChatPanel(doc, {
      reply: (text) => this.#reply(text),
      close: () => this.#closeSelected(),
      remove: () => this.#removeSelected(),
      typing: () => this.#typing(),
      download: () => this.#downloadSelected(),
    });
    this.#visitor = new VisitorPanel(doc.getElementById('visitor'), { onOpenEarlier: (id) => this.#openEarlier(id) });
    this.#presence = new PresenceSwitch(doc.getElementById('presence'), {
      initial: this.#read(PRESENCE_KEY) ?? 'online',
      onChange: (status) => this.#sendPresence(status),
    });
  }

  /** Shows the sign-in form, or goes straight in with a session kept in this tab. */
  start() {
    this.#doc.getElementById('signin-form').addEventListener('submit', (event) => this.#onSignIn(event));
    this.#doc.getElementById('signout').addEventListener('click', () => this.#signOut());
    const saved = this.#read(SESSION_KEY);
    if (saved) {
      try {
        this.#enter(JSON.parse(saved));
        return;
      } catch { /* a broken session: sign in again */ }
    }
    this.#doc.getElementById('username').focus();
  }

  async #onSignIn(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const error = this.#doc.getElementById('signin-error');
    const username = form.username.value.trim();
    const password = form.password.value;
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
    this.#connection = new AgentConnection({ token: session.token });
    this.#listen(this.#connection);
    this.#connection.connect();
  }

  #signOut(message = '') {
    this.#connection?.disconnect();
    this.#connection = null;
    this.#session = null;
    this.#remove(SESSION_KEY);
    this.#chats.clear();
    this.#selectedId = null;
    this.#renderChats();
    this.#doc.getElementById('app').hidden = true;
    this.#doc.getElementById('signin').hidden = false;
    this.#doc.getElementById('signin-error').textContent = message;
    this.#doc.getElementById('username').focus();
  }

  #listen(connection) {
    const on = (type, fn) => connection.addEventListener(type, (e) => fn(e.detail));
    on('state', ({ state }) => this.#showConnection(state));
    on('welcome', (frame) => {
      if (frame.agent?.name) this.#doc.getElementById('agent-name').textContent = frame.agent.name;
      this.#sendPresence(this.#presence.wanted);
      this.#resume();
    });
    on('queue', (frame) => this.#queue.render(frame.entries));
    on('assigned', (frame) => this.#onAssigned(frame));
    on('event', (frame) => this.#onEvent(frame));
    on('transcript', (frame) => this.#onTranscript(frame));
    on('typing', (frame) => {
      if (frame.role === 'visitor' && frame.conversationId === this.#selectedId) this.#panel.setVisitorTyping(frame.typing);
    });
    on('ack', (frame) => this.#onAck(frame));
    on('error', (frame) => this.#onError(frame));
    on('unauthorized', () => this.#signOut('Your session has ended. Please sign in again.'));
  }

  #onAssigned(frame) {
    const { chat, created, fresh } = this.#chats.assign(frame);
    const conversationId = chat.conversationId;
    const accepted = [...this.#acceptRefs.values()].includes(conversationId);
    if (!created && conversationId === this.#selectedId) {
      fresh.forEach((event) => this.#panel.transcript.append(event));
      this.#panel.refresh();
    }
    if (created && !accepted && this.#selectedId !== null) chat.markUnread();
    for (const [ref, id] of this.#acceptRefs) if (id === conversationId) this.#acceptRefs.delete(ref);
    if (accepted || this.#selectedId === null) this.#select(conversationId);
    else this.#renderChats();
    if (accepted) this.#panel.focusReply();
  }

  #onEvent(frame) {
    this.#addEvents(frame.conversationId, [frame]);
  }

  /** Live events, or those a `history` after a reconnect brings: each drawn once. */
  #addEvents(conversationId, events) {
    const added = this.#chats.add(conversationId, events);
    if (!added) return;
    const { chat, fresh } = added;
    for (const event of fresh) {
      if (event.id) this.#replyRefs.delete(event.id);
      if (chat.conversationId === this.#selectedId) {
        this.#panel.transcript.append(event);
        if (event.author?.role === 'visitor') this.#panel.setVisitorTyping(false);
      } else if (event.author?.role !== 'agent') {
        chat.markUnread();
      }
    }
    if (fresh.length > 0) {
      if (chat.conversationId === this.#selectedId) this.#panel.refresh();
      this.#renderChats();
    }
  }

  #onTranscript(frame) {
    const resumed = this.#resumeRefs.get(frame.ref);
    if (resumed !== undefined) {
      this.#resumeRefs.delete(frame.ref);
      this.#addEvents(resumed, (frame.events ?? []).map((event) => ({ conversationId: resumed, ...event })));
      return;
    }
    const earlier = this.#historyRefs.get(frame.ref);
    if (earlier === undefined) return;
    this.#historyRefs.delete(frame.ref);
    this.#visitor.showEarlier(earlier, frame.events ?? []);
  }

  #onAck(frame) {
    if (frame.ref && frame.ref === this.#presenceRef) {
      this.#presenceRef = null;
      this.#presence.confirm(this.#presence.wanted);
    }
  }

  #onError(frame) {
    const accepted = this.#acceptRefs.get(frame.ref);
    if (accepted !== undefined) {
      this.#acceptRefs.delete(frame.ref);
      this.#queue.acceptFailed(accepted);
      this.#toast(frame.code === 'bad_state' ? 'Someone else took that conversation.' : frame.message ?? 'Could not accept.');
      return;
    }
    const replyTo = this.#replyRefs.get(frame.ref);
    if (replyTo !== undefined) {
      this.#replyRefs.delete(frame.ref);
      this.#chats.get(replyTo)?.dropPending(frame.ref);
      if (replyTo === this.#selectedId) this.#panel.transcript.failPending(frame.ref, frame.message ?? frame.code);
    }
    if (this.#historyRefs.delete(frame.ref)) {
      this.#toast('That conversation cannot be opened.');
      return;
    }
    if (this.#resumeRefs.delete(frame.ref)) return; // the chat is gone; its package will not come again
    this.#toast(frame.message ?? `Error: ${frame.code}`);
  }

  #accept(conversationId) {
    const ref = this.#connection?.request('accept', { conversationId });
    if (ref) this.#acceptRefs.set(ref, conversationId);
  }

  #reply(text) {
    const chat = this.#chats.get(this.#selectedId);
    if (!chat || !this.#connection) return;
    this.#stopTyping();
    const id = this.#connection.request('message', { conversationId: chat.conversationId, text });
    this.#replyRefs.set(id, chat.conversationId);
    chat.addPending(id, text);
    this.#panel.transcript.addPending(id, text);
  }

  #closeSelected() {
    if (this.#selectedId) this.#connection?.request('close', { conversationId: this.#selectedId, reason: 'resolved' });
  }

  #removeSelected() {
    this.#chats.delete(this.#selectedId);
    const next = this.#chats.values()[0]?.conversationId ?? null;
    this.#selectedId = null;
    if (next) this.#select(next);
    else this.#renderChats();
  }

  /** After a (re)connect: what each open chat missed while the socket was down. */
  #resume() {
    this.#resumeRefs.clear();
    for (const { conversationId, afterSeq } of this.#chats.resumePoints()) {
      const ref = this.#connection?.request('history', { conversationId, afterSeq });
      if (ref) this.#resumeRefs.set(ref, conversationId);
    }
  }

  async #downloadSelected() {
    const conversationId = this.#selectedId;
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

  #openEarlier(conversationId) {
    const ref = this.#connection?.request('history', { conversationId, afterSeq: 0 });
    if (ref) this.#historyRefs.set(ref, conversationId);
  }

  #sendPresence(status) {
    this.#write(PRESENCE_KEY, status);
    this.#presenceRef = this.#connection?.request('presence', { status }) ?? null;
  }

  #select(conversationId) {
    const chat = this.#chats.get(conversationId) ?? null;
    this.#selectedId = chat ? conversationId : null;
    chat?.markRead();
    this.#panel.show(chat);
    this.#visitor.show(chat);
    this.#renderChats();
  }

  #renderChats() {
    if (this.#selectedId === null) {
      this.#panel.show(null);
      this.#visitor.show(null);
    }
    const chats = this.#chats.values().map((chat) => ({
      conversationId: chat.conversationId, title: chat.visitorName, unread: chat.unread, closed: chat.closed,
    }));
    this.#tabs.render(chats, this.#selectedId);
    const unread = chats.reduce((sum, chat) => sum + chat.unread, 0);
    this.#doc.title = unread > 0 ? `(${unread}) Concierge — Agent console` : 'Concierge — Agent console';
  }

  #typing() {
    if (!this.#selectedId || !this.#connection) return;
    const now = Date.now();
    if (now - this.#typingSentAt > TYPING_REPEAT_MS) {
      this.#connection.typing(this.#selectedId, true);
      this.#typingSentAt = now;
    }
    clearTimeout(this.#typingStop);
    this.#typingStop = setTimeout(() => this.#stopTyping(), TYPING_IDLE_MS);
  }

  #stopTyping() {
    clearTimeout(this.#typingStop);
    if (this.#typingSentAt !== 0 && this.#selectedId) this.#connection?.typing(this.#selectedId, false);
    this.#typingSentAt = 0;
  }

  #showConnection(state) {
    const el = this.#doc.getElementById('connection');
    el.dataset.state = state;
    el.textContent = { open: 'Connected', connecting: 'Connecting…', reconnecting: 'Reconnecting…', closed: 'Offline' }[state] ?? state;
  }

  #toast(message) {
    const toast = this.#doc.getElementById('toast');
    toast.textContent = message;
    toast.hidden = false;
    clearTimeout(this.#toastTimer);
    this.#toastTimer = setTimeout(() => { toast.hidden = true; }, 5000);
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
