import { Connection } from './connection.js';
import { WidgetView } from './view.js';
import { formatQueueStatus } from './queue-text.js';
import { earlierConversationItems } from './earlier-conversations.js';
import { downloadTranscript } from '../shared/transcript-download.js';

const TYPING_REPEAT_MS = 2500;
const TYPING_IDLE_MS = 4000;
const TYPING_SHOWN_MS = 6000;
const HANDOFF_TEXT = 'I would like to talk to a person.';
const LOST_TEXT = 'Your earlier conversation is no longer available. You can start a new one below.';

/**
 * The visitor's chat widget, imported on demand by the `concierge.js` loader. It connects the
 * {@link WidgetView} to a {@link Connection} and follows the conversation's state: with the
 * bot, queued (position and wait), with an agent, closed (rating).
 *
 * No socket is opened until the visitor opens the panel or sends something, unless this
 * browser already has a conversation going (stored visitor token and conversation id) or this
 * tab has messages waiting to be sent. Those show at once as "Sending…", also after a reload,
 * and go out when the connection is back.
 */
export class Widget {
  #options;
  #emit;
  #connectionFactory;
  #sessionStorage;
  #view = null;
  #connection = null;
  #isOpen = false;
  #phase = 'bot';
  #agent = null;
  #rated = false;
  #unread = 0;
  #queueText = null;
  #handoffRef = null;
  #rateRef = null;
  /** The `history` request for the earlier conversation on screen, or null. */
  #earlierRef = null;
  #pendingIds = new Set();
  #typingSentAt = 0;
  #typingStop = null;
  #typingHide = null;

  /**
   * @param options  validated options from the loader
   * @param emit     (name, detail) => void: the public events of `window.Concierge`
   * @param connectionFactory for tests: (connectionOptions) => Connection
   */
  constructor({ options, emit, connectionFactory = (o) => new Connection(o), sessionStorage = safeSessionStorage() }) {
    this.#options = options;
    this.#emit = emit;
    this.#connectionFactory = connectionFactory;
    this.#sessionStorage = sessionStorage;
  }

  /** Draws the launcher (and the panel, closed) into `parent`. */
  mount(parent) {
    this.#view = new WidgetView(this.#options, {
      toggle: () => this.toggle(),
      close: () => this.close(),
      send: (text) => this.send(text),
      human: () => this.#askForHuman(),
      suggestion: ({ entryId, question }) => this.#sendText(question, entryId),
      rate: (score, comment) => { this.#rateRef = this.#connect().rate(score, comment); },
      end: () => this.#connect().closeConversation('visitor_ended'),
      typing: () => this.#typing(),
      download: () => this.#download(),
      earlier: (item) => this.#showEarlier(item),
      current: () => this.#showCurrent(),
    });
    this.#view.mount(parent);
    this.#view.setConnection('idle');
    this.#setPhase('bot');
    if (this.#options.open || this.#wasOpen()) this.open();
    else if (Connection.hasOngoingConversation(this.#options.site)) this.#connect();
    // Back online: reconnect now rather than when the backoff says.
    globalThis.addEventListener?.('online', () => this.#connection?.retryNow());
  }

  open() {
    if (this.#isOpen) return;
    this.#isOpen = true;
    this.#view.setOpen(true);
    this.#unread = 0;
    this.#view.setUnread(0);
    this.#remember(true);
    this.#connect();
    this.#emit('open', {});
  }

  close() {
    if (!this.#isOpen) return;
    this.#isOpen = false;
    this.#view.setOpen(false);
    this.#remember(false);
    this.#emit('close', {});
  }

  toggle() {
    if (this.#isOpen) this.close();
    else this.open();
  }

  /** Sends `text` as the visitor. */
  send(text) {
    this.#sendText(text);
  }

  #sendText(text, entryId) {
    const connection = this.#connect();
    this.#showCurrent();
    this.#stopTyping();
    if (this.#phase === 'closed') this.#view.rating.hide();
    const id = connection.sendMessage(text, entryId);
    this.#pendingIds.add(id);
    this.#view.messages.addPending(id, text);
  }

  #askForHuman() {
    const connection = this.#connect();
    this.#handoffRef = connection.requestHandoff();
    this.#view.setHumanButton({ label: 'Connecting you…', disabled: true });
  }

  #connect() {
    if (!this.#connection) {
      this.#connection = this.#connectionFactory({
        server: this.#options.server,
        site: this.#options.site,
        context: () => this.#context(),
      });
      this.#listen(this.#connection);
      // Messages this tab sent before a reload that the server has not acknowledged yet.
      for (const { id, text } of this.#connection.pendingMessages) {
        this.#pendingIds.add(id);
        this.#view.messages.addPending(id, text);
      }
      this.#view.setDownloadVisible(Boolean(this.#connection.conversationId));
    }
    this.#connection.connect();
    return this.#connection;
  }

  #listen(connection) {
    const on = (type, fn) => connection.addEventListener(type, (e) => fn(e.detail));
    on('state', ({ state }) => this.#view.setConnection(state));
    on('conversation', ({ conversationId, previous }) => this.#onConversation(conversationId, previous));
    on('event', ({ event, live }) => this.#onEvent(event, live));
    on('transcript', ({ state }) => this.#onTranscriptState(state));
    on('queue_status', (frame) => {
      this.#queueText = formatQueueStatus(frame);
      if (this.#phase === 'bot') this.#setPhase('queued');
      else if (this.#phase === 'queued') this.#view.setBanner(this.#queueText);
    });
    on('typing', (frame) => this.#onTyping(frame));
    on('ack', (frame) => this.#pendingIds.delete(frame.ref));
    on('error', (frame) => this.#onError(frame));
    on('lost', () => this.#onLost());
    on('welcome', (frame) => {
      // A returning visitor sees their history: their closed conversations, newest first.
      const items = earlierConversationItems(frame.earlierConversations, { currentId: connection.conversationId });
      this.#view.earlier.setItems(items);
    });
    on('earlier', (answer) => this.#onEarlier(answer));
  }

  /** One of the visitor's earlier conversations, read-only, in place of the current one. */
  #showEarlier(item) {
    const connection = this.#connect();
    this.#view.showEarlier(item);
    this.#earlierRef = connection.fetchEarlier(item.conversationId);
    if (this.#earlierRef === null) this.#view.earlier.showFailed();
  }

  #onEarlier({ ref, conversationId, events, error }) {
    if (ref !== this.#earlierRef) return;
    this.#earlierRef = null;
    if (error) this.#view.earlier.showFailed();
    else this.#view.earlier.showTranscript(conversationId, events);
  }

  #showCurrent() {
    this.#earlierRef = null;
    this.#view.showCurrent();
  }

  #onConversation(conversationId, previous) {
    this.#view.messages.startConversation(conversationId, { divider: previous !== null });
    this.#view.setDownloadVisible(true);
    if (previous !== null) {
      this.#agent = null;
      this.#rated = false;
      this.#view.rating.hide();
      this.#setPhase('bot');
    } else {
      this.#view.setEndVisible(this.#phase !== 'closed');
    }
  }

  #onEvent(event, live) {
    this.#view.messages.render(event);
    switch (event.kind) {
      case 'message':
      case 'bot':
        if (event.author?.role !== 'visitor') {
          this.#view.setTyping(null);
          if (live && !this.#isOpen) this.#view.setUnread(++this.#unread);
        }
        if (live) this.#emit('message', publicEvent(event));
        break;
      case 'handoff':
      case 'queued':
        if (this.#phase === 'bot') this.#setPhase('queued');
        break;
      case 'assigned':
        this.#agent = event.agent ?? { name: 'An agent' };
        this.#setPhase('assigned');
        if (live) this.#emit('agentJoined', { conversationId: event.conversationId, agent: this.#agent });
        break;
      case 'closed':
        this.#setPhase('closed');
        break;
      case 'rated':
        this.#rated = true;
        this.#view.rating.thank(event.score);
        break;
      default:
        break;
    }
  }

  /** The server no longer has the conversation on screen: say so and start clean. */
  #onLost() {
    this.#view.messages.reset(LOST_TEXT);
    this.#agent = null;
    this.#rated = false;
    this.#handoffRef = null;
    this.#view.rating.hide();
    this.#view.setDownloadVisible(false);
    this.#setPhase('bot');
  }

  async #download() {
    const connection = this.#connection;
    const conversationId = connection?.conversationId;
    const token = connection?.visitorToken;
    if (!conversationId || !token) return;
    try {
      await downloadTranscript({
        server: this.#options.server, conversationId, authorization: `Visitor ${token}`, format: 'txt',
      });
    } catch (failure) {
      this.#view.notify(`The transcript could not be downloaded: ${failure.message}`);
      this.#emit('error', { code: failure.code ?? 'download_failed', message: failure.message });
    }
  }

  #onTranscriptState(state) {
    if (state === 'queued' && this.#phase === 'bot') this.#setPhase('queued');
    if (state === 'closed' && this.#phase !== 'closed') this.#setPhase('closed');
  }

  #onTyping(frame) {
    if (frame.role !== 'agent') return;
    clearTimeout(this.#typingHide);
    if (!frame.typing) {
      this.#view.setTyping(null);
      return;
    }
    this.#view.setTyping(this.#agent?.name ?? 'Agent');
    this.#typingHide = setTimeout(() => this.#view.setTyping(null), TYPING_SHOWN_MS);
  }

  #onError(frame) {
    if (frame.ref && this.#pendingIds.delete(frame.ref)) {
      this.#view.messages.markFailed(frame.ref, frame.message ?? frame.code);
    } else if (frame.ref && frame.ref === this.#rateRef) {
      this.#view.rating.failed(frame.message ?? 'Your rating could not be saved.');
    } else if (frame.ref && frame.ref === this.#handoffRef) {
      // No open conversation to hand off (e.g. nothing said yet): saying so starts one and
      // the server recognises the request for a person (docs/protocol.md, `handoff`).
      this.#handoffRef = null;
      this.#sendText(HANDOFF_TEXT);
    }
    this.#emit('error', { code: frame.code, message: frame.message, ref: frame.ref });
  }

  #setPhase(phase) {
    this.#phase = phase;
    const view = this.#view;
    const agentName = this.#agent?.name;
    view.setTyping(null);
    view.setEndVisible(phase !== 'closed' && Boolean(this.#connection?.conversationId));
    switch (phase) {
      case 'queued':
        view.setHeader({ subtitle: 'Waiting for a person' });
        view.setBanner(this.#queueText ?? 'Connecting you with a person…');
        view.setHumanButton({ label: 'Waiting for a person…', disabled: true });
        break;
      case 'assigned':
        view.setHeader({ subtitle: agentName, agentName });
        view.setBanner(null);
        view.setHumanButton({ label: `${agentName} is here to help`, disabled: true });
        break;
      case 'closed':
        view.setHeader({ subtitle: 'Conversation closed', agentName });
        view.setBanner(null);
        view.setHumanButton({ label: 'Talk to a human', disabled: false });
        if (!this.#rated) view.rating.ask();
        break;
      default:
        view.setHeader({ subtitle: 'Replies instantly' });
        view.setBanner(null);
        view.setHumanButton({ label: 'Talk to a human', disabled: false });
        this.#queueText = null;
    }
  }

  #typing() {
    const connection = this.#connection;
    if (!connection) return;
    const now = Date.now();
    if (now - this.#typingSentAt > TYPING_REPEAT_MS) {
      connection.typing(true);
      this.#typingSentAt = now;
    }
    clearTimeout(this.#typingStop);
    this.#typingStop = setTimeout(() => this.#stopTyping(), TYPING_IDLE_MS);
  }

  #stopTyping() {
    clearTimeout(this.#typingStop);
    if (this.#typingSentAt !== 0) this.#connection?.typing(false);
    this.#typingSentAt = 0;
  }

  /** The hello `context`: who and where the visitor is, for the agent. */
  #context() {
    const { visitor, attributes, language } = this.#options;
    const context = {
      language: language ?? navigator.language,
      timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      userAgent: navigator.userAgent,
      page: { url: location.href, title: document.title, referrer: document.referrer },
    };
    if (visitor.name) context.name = visitor.name;
    if (visitor.email) context.email = visitor.email;
    if (Object.keys(attributes).length > 0) context.attributes = { ...attributes };
    return context;
  }

  get #openKey() {
    return `concierge.open.${this.#options.site}`;
  }

  #wasOpen() {
    try {
      return this.#sessionStorage?.getItem(this.#openKey) === '1';
    } catch {
      return false;
    }
  }

  #remember(open) {
    try {
      if (open) this.#sessionStorage?.setItem(this.#openKey, '1');
      else this.#sessionStorage?.removeItem(this.#openKey);
    } catch { /* storage blocked */ }
  }
}

function publicEvent(event) {
  const { conversationId, seq, ts, kind, author, text, bot } = event;
  return { conversationId, seq, ts, kind, author, text, bot };
}

function safeSessionStorage() {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null;
  }
}
