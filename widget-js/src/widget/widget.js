import { Connection } from './connection.js';
import { WidgetView } from './view.js';
import { formatQueueStatus } from './queue-text.js';
import { earlierConversationItems } from './earlier-conversations.js';
import { Strings, ENGLISH } from './strings.js';

export { Strings };
import { TitleBlink } from './title-blink.js';
import { Signals } from './signals.js';
import { PanelMemory } from './visitor-memory.js';
import { showPhase, SHOWN_PHASES } from './phase-view.js';
import { clipAttributes, clipContext, helloContext } from './context-limits.js';
import { webStorage } from '../shared/web-storage.js';
import { IDENTITY_REJECTED, UNKNOWN_DEPARTMENT } from '../shared/error-codes.js';
import { TranscriptActions } from './transcript-actions.js';
import { FileCode } from './files-loader.js';

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
  /** Whether the panel was open in this tab (so a reload or another page opens it again). */
  #panelMemory;
  #localStorage;
  #strings;
  #parent = null;
  #title = new TitleBlink();
  #department;
  #identity;
  #visitor;
  #attributes;
  /** The last `availability` frame: can a person answer now? */
  #availability = null;
  #leaveRef = null;
  #leaveEmail = null;
  /** Typing indicators and receipts. */
  #signals = new Signals({
    connection: () => this.#connection,
    view: () => this.#view,
    agentName: () => this.#agent?.name ?? this.#strings.t('agent'),
  });
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
  /** The transcript's download and email, with their answers on the notice line. */
  #transcript = null;
  /** The `history` request for the earlier conversation on screen, or null. */
  #earlierRef = null;
  #pendingIds = new Set();
  #listening = false;
  /** The file code (upload, thumbnails, transcript download), loaded on first use. */
  #files = null;

  /**
   * @param options  validated options from the loader
   * @param emit     (name, detail) => void: the public events of `window.Concierge`
   * @param connectionFactory for tests: (connectionOptions) => Connection
   * @param strings   the words, in the visitor's language ({@link Strings.load})
   */
  constructor({
    options, emit, connectionFactory = (o) => new Connection(o),
    sessionStorage = webStorage('sessionStorage'), localStorage = webStorage('localStorage'), strings = ENGLISH,
  }) {
    this.#options = options;
    this.#emit = emit;
    this.#connectionFactory = connectionFactory;
    this.#localStorage = localStorage;
    this.#strings = strings;
    this.#panelMemory = new PanelMemory(sessionStorage, options.site);
    this.#department = options.department ?? null;
    this.#identity = options.identity ?? null;
    this.#visitor = { ...(options.visitor ?? {}) };
    this.#attributes = clipAttributes(options.attributes ?? {});
  }

  /** Draws the launcher (and the panel, closed) into `parent`. */
  mount(parent) {
    this.#parent = parent;
    this.#files = new FileCode(this.#options.server, {
      connect: () => this.#connect(), log: () => this.#view.messages.element, failed: () => this.#view.notify(this.#strings.t('offline')),
      sendText: (text) => this.#sendText(text),
      pending: (id, text) => { this.#pendingIds.add(id); this.#view.messages.addPending(id, text); },
      language: this.#strings.language,
    });
    this.#view = new WidgetView(this.#options, {
      toggle: () => this.toggle(),
      close: () => this.close(),
      send: (text) => this.send(text),
      human: () => this.#askForHuman(),
      suggestion: ({ entryId, question }) => this.#sendText(question, entryId),
      rate: (score, comment) => { this.#rateRef = this.#connect().rate(score, comment); },
      end: () => this.#connect().closeConversation('visitor_ended'),
      typing: () => this.#signals.typing(),
      download: () => this.#transcript.download(this.#connection, this.#options.server, () => this.#files.load()),
      transcriptEmail: () => this.#transcript.request(this.#connect(), this.#visitor.email),
      earlier: (item) => this.#showEarlier(item),
      current: () => this.#showCurrent(),
      attach: (transfer) => this.#files.attach(transfer),
      attachment: (event, item) => this.#files.show(event, item),
      preChat: (values) => this.#onPreChat(values),
      leave: (values) => this.#onLeave(values),
      leaveCancel: () => this.#view.showPane('chat'),
      leaveOpen: () => {
        this.#view.showPane('leave');
        this.#view.leave.show(this.#visitor, this.#availability?.message);
      },
    }, this.#strings);
    this.#transcript = new TranscriptActions(this.#strings, (text) => this.#view.notify(text), (t, d) => this.#emit(t, d));
    this.#view.mount(parent);
    this.#view.setConnection('idle');
    this.#setPhase('bot');
    if (this.#options.open || this.#panelMemory.wasOpen()) this.open();
    else if (Connection.hasOngoingConversation(this.#options.site)) this.#connect();
    if (!this.#listening) {
      this.#listening = true;
      // Back online: reconnect now rather than when the backoff says.
      globalThis.addEventListener?.('online', () => this.#connection?.retryNow());
      // Back to this tab with the panel open: what is on screen is read.
      globalThis.document?.addEventListener?.('visibilitychange', () => this.#signals.sendRead());
    }
  }

  open() {
    if (this.#isOpen) return;
    this.#isOpen = true;
    this.#view.setOpen(true);
    this.#setUnread(0);
    this.#panelMemory.remember(true);
    const connection = this.#connect();
    if (this.#wantsPreChat(connection)) {
      this.#view.showPane('prechat');
      this.#view.preChat.show(this.#options.preChat, this.#visitor);
    }
    this.#signals.sendRead();
    this.#emit('open', {});
  }

  close() {
    if (!this.#isOpen) return;
    this.#isOpen = false;
    this.#view.setOpen(false);
    this.#panelMemory.remember(false);
    this.#emit('close', {});
  }

  /**
   * A signed-in user of the site, vouched for by its backend (`signature` or `token`): sent in
   * the `hello`, so a socket already open says hello again. The server answers a forged one
   * with `identity_rejected` and the visitor goes on anonymously.
   */
  identify(identity) {
    this.#identity = identity;
    if (identity.name) this.#visitor.name = identity.name;
    if (identity.email) this.#visitor.email = identity.email;
    this.#connection?.restart();
  }

  /** Custom attributes for the agent, merged by key; sent at once when connected. */
  setAttributes(attributes) {
    // Only what the server takes: at most 50 keys in all (it keeps them merged), plain keys, short values.
    const known = Object.keys(this.#attributes);
    const room = 50 - known.length + Object.keys(attributes ?? {}).filter((k) => known.includes(k)).length;
    const accepted = clipAttributes(attributes, room);
    if (Object.keys(accepted).length === 0) return;
    Object.assign(this.#attributes, accepted);
    if (this.#connection?.state === 'open') this.#connection.request('context', { context: clipContext({ attributes: accepted }) });
  }

  /** The team this visitor's conversations go to (hello `department`, and the next handoff). */
  setDepartment(department) {
    this.#department = department;
  }

  /**
   * Forgets the visitor in this browser (the site's user signed out): closes the socket,
   * clears the stored token, conversation and outbox, and starts again as a new visitor.
   */
  reset() {
    this.#connection?.disconnect();
    this.#connection = null;
    Connection.forget(this.#options.site);
    try { this.#localStorage?.removeItem(this.#preChatKey); } catch { /* blocked */ }
    const wasOpen = this.#isOpen;
    this.#panelMemory.remember(false);
    this.#identity = null;
    this.#visitor = { ...(this.#options.visitor ?? {}) };
    this.#attributes = clipAttributes(this.#options.attributes ?? {}, 50, () => {});
    this.#isOpen = false;
    this.#phase = 'bot';
    this.#agent = null;
    this.#rated = false;
    this.#availability = null;
    this.#pendingIds.clear();
    this.#signals.resetReceipts();
    this.#setUnread(0);
    this.#view.unmount();
    this.mount(this.#parent);
    if (wasOpen) this.#emit('close', {});
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
    this.#view.showPane('chat');
    this.#signals.stopTyping();
    if (this.#phase === 'closed') this.#view.rating.hide();
    const id = connection.sendMessage(text, entryId);
    this.#pendingIds.add(id);
    this.#view.messages.addPending(id, text);
  }

  #askForHuman() {
    const connection = this.#connect();
    this.#handoffRef = this.#department ? connection.request('handoff', { department: this.#department }) : connection.requestHandoff();
    this.#view.setHumanButton({ label: this.#strings.t('connectingHuman'), disabled: true });
  }

  #nobodyAvailable() {
    const a = this.#availability;
    return Boolean(a) && (a.agentsAvailable === false || a.withinHours === false);
  }

  /** The pre-chat form is for a first conversation on a site that asks for it. */
  #wantsPreChat(connection) {
    const preChat = this.#options.preChat;
    if (!preChat || preChat.fields.length === 0 || connection.conversationId || connection.pendingMessages.length > 0) return false;
    try {
      return this.#localStorage?.getItem(this.#preChatKey) !== '1';
    } catch {
      return true;
    }
  }

  #onPreChat({ name, email, question }) {
    try { this.#localStorage?.setItem(this.#preChatKey, '1'); } catch { /* blocked */ }
    const changed = {};
    if (name) changed.name = this.#visitor.name = name;
    if (email) changed.email = this.#visitor.email = email;
    const connection = this.#connect();
    if (Object.keys(changed).length > 0 && connection.state === 'open') connection.request('context', { context: clipContext(changed) });
    this.#view.showPane('chat');
    if (question) this.#sendText(question);
  }

  #onLeave({ name, email, text }) {
    if (name) this.#visitor.name = name;
    this.#visitor.email = email;
    this.#leaveEmail = email;
    const fields = { email, text };
    if (name) fields.name = name;
    this.#leaveRef = this.#connect().request('leave_message', fields);
  }

  get #preChatKey() {
    return `concierge.prechat.${this.#options.site}`;
  }

  #connect() {
    if (!this.#connection) {
      this.#connection = this.#connectionFactory({
        server: this.#options.server,
        site: this.#options.site,
        context: () => this.#context(),
        department: () => this.#department,
        identity: () => this.#identity,
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
    on('availability', (frame) => {
      this.#availability = frame;
      this.#setPhase(this.#phase);
    });
    on('receipt', (frame) => {
      if (frame.role === 'agent') this.#view.messages.receipt(frame.status, frame.seq);
    });
    on('queue_status', (frame) => {
      this.#queueText = formatQueueStatus(frame, this.#strings);
      if (this.#phase === 'bot') this.#setPhase('queued');
      else if (this.#phase === 'queued') this.#view.setBanner(this.#queueText);
    });
    on('typing', (frame) => this.#signals.onTyping(frame));
    on('ack', (frame) => {
      this.#pendingIds.delete(frame.ref);
      if (frame.ref === this.#leaveRef) {
        this.#leaveRef = null;
        this.#view.leave.thank(this.#leaveEmail);
      }
      this.#transcript.answered(frame, false);
    });
    on('error', (frame) => this.#onError(frame));
    on('lost', () => this.#onLost());
    on('welcome', (frame) => {
      // A returning visitor sees their history: their closed conversations, newest first.
      const items = earlierConversationItems(frame.earlierConversations, { currentId: connection.conversationId, strings: this.#strings });
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
      this.#signals.resetReceipts();
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
          if (live && !this.#isOpen) this.#setUnread(this.#unread + 1);
        }
        if (event.author?.role === 'agent') this.#signals.agentMessage(event.seq);
        if (live) this.#emit('message', publicEvent(event));
        break;
      case 'transferred':
        if (event.agent) {
          this.#agent = event.agent;
          this.#setPhase('assigned');
        } else {
          this.#setPhase('queued');
        }
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
    this.#view.messages.reset(this.#strings.t('lost'));
    this.#agent = null;
    this.#rated = false;
    this.#handoffRef = null;
    this.#view.rating.hide();
    this.#view.setDownloadVisible(false);
    this.#setPhase('bot');
  }

  #onTranscriptState(state) {
    if (state === 'queued' && this.#phase === 'bot') this.#setPhase('queued');
    if (state === 'closed' && this.#phase !== 'closed') this.#setPhase('closed');
    if (state === 'follow_up' && this.#phase === 'bot') this.#setPhase('follow_up');
  }

  #onError(frame) {
    if (this.#transcript.answered(frame, true)) return;
    if (frame.code === IDENTITY_REJECTED) {
      // Not vouched for by the site's backend: go on anonymously, and do not say it again.
      this.#identity = null;
    }
    if (frame.code === UNKNOWN_DEPARTMENT) {
      // The server knows no such team: route without one from now on.
      this.#department = null;
      if (frame.ref && frame.ref === this.#handoffRef) {
        this.#handoffRef = this.#connection?.requestHandoff() ?? null;
        this.#emit('error', { code: frame.code, message: frame.message, ref: frame.ref });
        return;
      }
    }
    if (frame.ref && frame.ref === this.#leaveRef) {
      this.#leaveRef = null;
      this.#view.leave.failed(frame.message ?? frame.code);
    } else if (frame.ref && this.#pendingIds.delete(frame.ref)) {
      this.#view.messages.markFailed(frame.ref, frame.message ?? frame.code);
    } else if (frame.ref && frame.ref === this.#rateRef) {
      this.#view.rating.failed(frame.message ?? this.#strings.t('ratingFailed'));
    } else if (frame.ref && frame.ref === this.#handoffRef) {
      // No open conversation to hand off (e.g. nothing said yet): saying so starts one and
      // the server recognises the request for a person (docs/protocol.md, `handoff`).
      this.#handoffRef = null;
      this.#sendText(this.#strings.t('handoffText'));
    }
    this.#emit('error', { code: frame.code, message: frame.message, ref: frame.ref });
  }

  #setPhase(phase) {
    this.#phase = phase;
    this.#view.messages.setSuggestionsLive(phase === 'bot');
    showPhase(this.#view, phase, {
      t: (key, params) => this.#strings.t(key, params),
      agentName: this.#agent?.name,
      queueText: this.#queueText,
      nobodyAvailable: this.#nobodyAvailable(),
      hasConversation: Boolean(this.#connection?.conversationId),
      rated: this.#rated,
      email: this.#visitor.email ?? null,
    });
    if (!SHOWN_PHASES.has(phase)) this.#queueText = null;
  }

  #setUnread(count) {
    if (count === this.#unread) return;
    this.#unread = count;
    this.#view.setUnread(count);
    if (count > 0) this.#title.start(this.#strings.t('unreadTitle', { count }));
    else this.#title.stop();
    this.#emit('unread', { count });
  }

  /** The hello `context`: who and where the visitor is, for the agent. */
  #context() {
    return helloContext(this.#options.language, this.#visitor, this.#attributes);
  }
}

function publicEvent(event) {
  const { conversationId, seq, ts, kind, author, text, bot } = event;
  return { conversationId, seq, ts, kind, author, text, bot };
}
