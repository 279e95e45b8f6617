import { isOutOfView, isVisitorNews } from './attention.js';
import { ChatList } from './chat-list.js';
import { ChatPanel } from './chat-panel.js';
import { shortTime } from './format.js';
import { TabsView } from './tabs-view.js';
import { TranscriptDialog } from './transcript-dialog.js';
import { TransferDialog } from './transfer-dialog.js';
import { VisitorPanel } from './visitor-panel.js';
import { FileUpload } from './file-upload.js';
import { AGENT_AT_CAPACITY, BAD_REQUEST, BAD_STATE, NOT_FOUND, UNAVAILABLE } from '../shared/error-codes.js';

const TYPING_REPEAT_MS = 2500;
const TYPING_IDLE_MS = 4000;
const TRANSFER_ERRORS = {
  [UNAVAILABLE]: 'That agent is not online any more, or the department does not exist. Choose another.',
  [BAD_REQUEST]: 'You cannot transfer a conversation to yourself.',
  [NOT_FOUND]: 'This conversation is no longer yours.',
  [AGENT_AT_CAPACITY]: 'That agent already has as many chats as allowed. Transfer anyway to give it to them over the limit, or choose someone else.',
};

/**
 * The agent's chats: the tabs, the selected chat's panel and visitor panel, the transfer and
 * transcript dialogs. Takes the chat frames (`assigned`, `event`, `transcript`, `typing`,
 * `receipt`, `released`, `visitor`, and `ack`/`error` for its own requests) and sends the
 * chat requests (`message`, `note`, `close`, `transfer`, `history`, `typing`, `receipt`).
 * Lines are merged by seq, so a package sent again after a reconnect never doubles one.
 *
 * A long conversation's package holds only its last events (`transcriptTotal` counts them all,
 * docs/protocol.md): the desk reads the earlier ones with `history`, page by page, and shows the
 * chat only once it has the whole transcript, so the agent never replies without it.
 */
export class ChatDesk {
  #doc;
  #connection = null;
  #attention;
  #toast;
  #chats = new ChatList();
  #selectedId = null;
  #acceptRefs = new Map();
  #replyRefs = new Map();
  #transferRefs = new Map();
  #historyRefs = new Map();
  #resumeRefs = new Map();
  /** Packages waiting for their earlier events, by conversation: {frame, events (by seq), ref}. */
  #completing = new Map();
  #completingRefs = new Map();
  #tabs;
  #panel;
  #visitor;
  #transfer;
  #history;
  #typingSentAt = 0;
  #typingIn = null;
  #typingStop = null;

  #files;

  /** @param token () => the agent's session token (for file uploads and links) */
  constructor(doc, { attention, toast, token }) {
    this.#doc = doc;
    this.#files = new FileUpload(doc.getElementById('upload-status'), { token, send: (id, attachment) => this.#sendFile(id, attachment) });
    const fileLink = (event, attachment, download) => this.#files.link(event, attachment, download);
    this.#attention = attention;
    this.#toast = toast;
    this.#tabs = new TabsView(doc.getElementById('tabs'), { onSelect: (id) => this.select(id) });
    this.#panel = new ChatPanel(doc, {
      send: (text, kind) => this.#send(text, kind),
      close: (reason) => this.#closeSelected(reason),
      remove: () => this.#removeSelected(),
      typing: () => this.#typing(),
      download: () => this.onDownload?.(this.#selectedId),
      transfer: () => this.#openTransfer(),
      attach: (transfer) => this.#files.attach(transfer, this.#selected()?.active ? this.#selectedId : null),
      fileLink,
    });
    this.#visitor = new VisitorPanel(doc.getElementById('visitor'), {
      onOpenEarlier: (c) => this.openHistory(c.conversationId, { title: `Earlier conversation of ${this.#selected()?.visitorName ?? 'the visitor'}`, meta: [shortTime(c.startedAt), c.firstLine].filter(Boolean).join(' · ') }),
    });
    this.#transfer = new TransferDialog(doc, { onTransfer: (fields) => this.#sendTransfer(fields) });
    this.#history = new TranscriptDialog(doc, { fileLink });
    doc.addEventListener('visibilitychange', () => { if (!doc.hidden) this.#seen(); });
  }

  /** Called with the selected conversation id when the agent asks for a download. */
  onDownload = null;

  get composer() {
    return this.#panel.composer;
  }

  /** A new connection (after sign-in): requests go through it. */
  attach(connection) {
    this.#connection = connection;
  }

  /** Signed out: forget every chat. */
  reset() {
    this.#chats.clear();
    this.#completing.clear();
    this.#completingRefs.clear();
    this.#selectedId = null;
    this.#transfer.close();
    this.#render();
  }

  /** The team for the transfer dialog: `agents` frames, `settings.departments`, and who you are. */
  setTeam(team) {
    this.#transfer.setTeam(team);
  }

  /** Remembers an `accept` request, so its chat is shown when its package comes. */
  accepting(ref, conversationId) {
    this.#acceptRefs.set(ref, conversationId);
  }

  /** After a (re)connect: what each open chat missed while the socket was down. */
  resume() {
    this.#resumeRefs.clear();
    for (const chat of this.#chats.values()) chat.receipts.forgetSent();
    for (const { conversationId, afterSeq } of this.#chats.resumePoints()) this.#readMissed(conversationId, afterSeq);
    // Reads of earlier events cut off by the drop go on from where they were.
    this.#completingRefs.clear();
    for (const [conversationId, waiting] of this.#completing) this.#readEarlier(conversationId, waiting.lastSeq);
  }

  #readMissed(conversationId, afterSeq) {
    const ref = this.#connection?.request('history', { conversationId, afterSeq });
    if (ref) this.#resumeRefs.set(ref, conversationId);
  }

  #readEarlier(conversationId, afterSeq) {
    const ref = this.#connection?.request('history', { conversationId, afterSeq });
    if (ref) this.#completingRefs.set(ref, conversationId);
  }

  /** Opens an earlier conversation read-only in the transcript dialog (`history` from seq 0). */
  openHistory(conversationId, { title, meta, visitorName } = {}) {
    const ref = this.#connection?.request('history', { conversationId, afterSeq: 0 });
    if (!ref) return;
    this.#historyRefs.set(ref, { conversationId, visitorName, events: [] });
    this.#history.open(conversationId, { title, meta });
  }

  /**
   * An `assigned` frame. A package with only the last events of a conversation whose earlier
   * ones this console does not have waits here while `history` brings them.
   */
  onAssigned(frame) {
    const handoff = frame.handoff ?? {};
    const conversationId = handoff.conversationId ?? frame.conversationId;
    const transcript = handoff.transcript ?? [];
    const firstSeq = transcript[0]?.seq;
    const partial = Number.isInteger(handoff.transcriptTotal) && handoff.transcriptTotal > transcript.length
      && Number.isInteger(firstSeq) && firstSeq > 1;
    const known = this.#chats.get(conversationId);
    if (partial && !(known && known.lastSeq >= firstSeq - 1)) {
      const waiting = this.#completing.get(conversationId);
      if (waiting) {
        waiting.frame = frame; // sent again (a reconnect): the read goes on
        return;
      }
      const from = known ? known.lastSeq : 0; // an open chat only needs what it missed
      this.#completing.set(conversationId, { frame, events: new Map(), lastSeq: from });
      this.#readEarlier(conversationId, from);
      return;
    }
    this.#showAssigned(frame);
  }

  /** A page of a package's earlier events: the next page, or the chat once it is whole. */
  #onEarlierPage(conversationId, frame) {
    const waiting = this.#completing.get(conversationId);
    if (!waiting) return;
    for (const event of frame.events ?? []) waiting.events.set(event.seq, event);
    const last = frame.events?.at(-1)?.seq;
    if (Number.isInteger(last)) waiting.lastSeq = Math.max(waiting.lastSeq, last);
    if (frame.more === true && Number.isInteger(last)) {
      this.#readEarlier(conversationId, last);
      return;
    }
    this.#completing.delete(conversationId);
    for (const event of waiting.frame.handoff?.transcript ?? []) if (!waiting.events.has(event.seq)) waiting.events.set(event.seq, event);
    const transcript = [...waiting.events.values()].sort((a, b) => a.seq - b.seq);
    this.#showAssigned({ ...waiting.frame, handoff: { ...waiting.frame.handoff, transcript, transcriptTotal: transcript.length } });
  }

  #showAssigned(frame) {
    const { chat, created, fresh } = this.#chats.assign(frame);
    const conversationId = chat.conversationId;
    const accepted = [...this.#acceptRefs.values()].includes(conversationId);
    for (const [ref, id] of this.#acceptRefs) if (id === conversationId) this.#acceptRefs.delete(ref);
    if (!created && conversationId === this.#selectedId) {
      fresh.forEach((event) => this.#panel.transcript.append(event));
      this.#panel.refresh();
      this.#visitor.show(chat);
    }
    const willShow = accepted || this.#selectedId === null || conversationId === this.#selectedId;
    if ((created || fresh.length > 0) && !accepted && (!willShow || this.#doc.hidden)) {
      chat.markUnread();
      const from = chat.handoff.transferredFrom;
      this.#attention.notify(from ? `${from.name ?? from.id} transferred ${chat.visitorName} to you` : `New chat: ${chat.visitorName}`);
    }
    this.#receipt(chat, 'delivered');
    if (accepted || this.#selectedId === null) this.select(conversationId);
    else this.#render();
    if (accepted) this.#panel.focusReply();
  }

  onEvent(frame) {
    const waiting = this.#completing.get(frame.conversationId);
    if (waiting && Number.isInteger(frame.seq)) waiting.events.set(frame.seq, frame); // shown with the chat
    this.#addEvents(frame.conversationId, [frame]);
  }

  /** A `transcript` frame: an earlier conversation for the dialog, or what an open chat missed. */
  onTranscript(frame) {
    const last = frame.events?.at(-1)?.seq;
    const more = frame.more === true && Number.isInteger(last);
    const completing = this.#completingRefs.get(frame.ref);
    if (completing !== undefined) {
      this.#completingRefs.delete(frame.ref);
      this.#onEarlierPage(completing, frame);
      return;
    }
    const resumed = this.#resumeRefs.get(frame.ref);
    if (resumed !== undefined) {
      this.#resumeRefs.delete(frame.ref);
      this.#addEvents(resumed, (frame.events ?? []).map((event) => ({ conversationId: resumed, ...event })));
      if (more) this.#readMissed(resumed, last);
      return;
    }
    const earlier = this.#historyRefs.get(frame.ref);
    if (earlier === undefined) return;
    this.#historyRefs.delete(frame.ref);
    earlier.events.push(...(frame.events ?? []));
    if (more) {
      const ref = this.#connection?.request('history', { conversationId: earlier.conversationId, afterSeq: last });
      if (ref) {
        this.#historyRefs.set(ref, earlier);
        return;
      }
    }
    this.#history.fill(earlier.conversationId, earlier.events, { visitorName: earlier.visitorName, state: frame.state });
  }

  onTyping(frame) {
    if (frame.role === 'visitor' && frame.conversationId === this.#selectedId) this.#panel.setVisitorTyping(frame.typing);
  }

  onReceipt(frame) {
    const chat = this.#chats.get(frame.conversationId);
    if (!chat || frame.role === 'agent') return;
    if (chat.receipts.record(frame.status, frame.seq) && chat.conversationId === this.#selectedId) this.#panel.transcript.refreshReceipts();
  }

  /** The conversation went elsewhere (this agent transferred it): the tab stays, read-only, marked. */
  onReleased(frame) {
    const chat = this.#chats.get(frame.conversationId);
    for (const [ref, id] of this.#transferRefs) if (id === frame.conversationId) this.#transferRefs.delete(ref);
    if (this.#transfer.conversationId === frame.conversationId) this.#transfer.close();
    if (!chat) return;
    chat.release(frame);
    chat.markRead();
    this.#toast(`${chat.visitorName} was transferred to ${chat.releasedTo}.`);
    if (chat.conversationId === this.#selectedId) this.#panel.refresh();
    this.#render();
  }

  onVisitor(frame) {
    const chat = this.#chats.get(frame.conversationId);
    if (!chat) return;
    chat.updateVisitor(frame);
    if (chat.conversationId === this.#selectedId) {
      this.#visitor.show(chat);
      this.#panel.refresh();
    }
    this.#render();
  }

  /** Returns true when `ref` was one of the desk's requests and the error is handled. */
  onError(frame) {
    const accepted = this.#acceptRefs.get(frame.ref);
    if (accepted !== undefined) {
      this.#acceptRefs.delete(frame.ref);
      this.onAcceptFailed?.(accepted);
      this.#toast(frame.code === BAD_STATE ? 'Someone else took that conversation.' : frame.message ?? 'Could not accept.');
      return true;
    }
    const transferred = this.#transferRefs.get(frame.ref);
    if (transferred !== undefined) {
      this.#transferRefs.delete(frame.ref);
      const message = TRANSFER_ERRORS[frame.code] ?? frame.message ?? `The transfer failed (${frame.code}).`;
      if (this.#transfer.conversationId === transferred) this.#transfer.failed(message, { confirm: frame.code === AGENT_AT_CAPACITY });
      else this.#toast(message);
      return true;
    }
    const replyTo = this.#replyRefs.get(frame.ref);
    if (replyTo !== undefined) {
      this.#replyRefs.delete(frame.ref);
      this.#chats.get(replyTo)?.dropPending(frame.ref);
      if (replyTo === this.#selectedId) this.#panel.transcript.failPending(frame.ref, frame.message ?? frame.code);
      return true;
    }
    const earlier = this.#historyRefs.get(frame.ref);
    if (earlier !== undefined) {
      this.#historyRefs.delete(frame.ref);
      this.#history.failed(earlier.conversationId, 'That conversation cannot be opened.');
      return true;
    }
    const completing = this.#completingRefs.get(frame.ref);
    if (completing !== undefined) {
      this.#completingRefs.delete(frame.ref);
      const waiting = this.#completing.get(completing);
      if (frame.code === NOT_FOUND) {
        this.#completing.delete(completing); // gone: no chat to show
      } else if (waiting) {
        // The server could not read it now: try again shortly, from where the read got to.
        setTimeout(() => { if (this.#completing.get(completing) === waiting) this.#readEarlier(completing, waiting.lastSeq); }, 1000);
      }
      return true;
    }
    return this.#resumeRefs.delete(frame.ref); // the chat is gone; its package will not come again
  }

  /** Called with a conversation id when an `accept` is refused. */
  onAcceptFailed = null;

  select(conversationId) {
    const chat = this.#chats.get(conversationId) ?? null;
    this.#selectedId = chat ? conversationId : null;
    this.#panel.show(chat);
    this.#visitor.show(chat);
    this.#seen();
  }

  /** The selected chat is on screen: its lines are read. */
  #seen() {
    const chat = this.#selected();
    if (chat && !this.#doc.hidden) {
      chat.markRead();
      this.#receipt(chat, 'read');
    }
    this.#render();
  }

  #selected() {
    return this.#selectedId === null ? null : this.#chats.get(this.#selectedId) ?? null;
  }

  #outOfView(conversationId) {
    return isOutOfView(conversationId, { selectedId: this.#selectedId, pageHidden: Boolean(this.#doc.hidden) });
  }

  /** Live events, or those a `history` after a reconnect brings: each drawn once. */
  #addEvents(conversationId, events) {
    const added = this.#chats.add(conversationId, events);
    if (!added || added.fresh.length === 0) return;
    const { chat, fresh } = added;
    const shown = chat.conversationId === this.#selectedId;
    for (const event of fresh) {
      if (event.id) this.#replyRefs.delete(event.id);
      if (shown) this.#panel.transcript.append(event);
      if (event.author?.role === 'visitor' && shown) this.#panel.setVisitorTyping(false);
      if (isVisitorNews(event) && this.#outOfView(chat.conversationId)) {
        chat.markUnread();
        this.#attention.notify(`${chat.visitorName}: ${event.text ?? 'new message'}`);
      }
    }
    if (fresh.some((event) => event.author?.role === 'visitor')) this.#receipt(chat, 'delivered');
    if (shown) {
      this.#panel.refresh();
      this.#seen();
    } else {
      this.#render();
    }
  }

  #receipt(chat, status) {
    if (!this.#connection || !chat.active) return;
    const seq = chat.receipts.toSend(status, chat.lastVisitorSeq);
    if (seq !== null && !this.#connection.receipt(chat.conversationId, seq, status)) chat.receipts.forgetSent();
  }

  #send(text, kind) {
    const chat = this.#selected();
    if (!chat || !chat.active || !this.#connection) return;
    if (kind === 'message') this.#stopTyping();
    const type = kind === 'note' ? 'note' : 'message';
    const id = this.#connection.request(type, { conversationId: chat.conversationId, text });
    this.#replyRefs.set(id, chat.conversationId);
    chat.addPending(id, text, type);
    this.#panel.transcript.addPending(id, text, type);
  }

  #sendFile(conversationId, attachment) {
    const chat = this.#chats.get(conversationId);
    if (!chat?.active || !this.#connection) return;
    const id = this.#connection.request('message', { conversationId, text: '', attachmentId: attachment.id });
    this.#replyRefs.set(id, conversationId);
    chat.addPending(id, attachment.name, 'message');
    if (conversationId === this.#selectedId) this.#panel.transcript.addPending(id, attachment.name, 'message');
  }

  #closeSelected(reason) {
    if (this.#selectedId) this.#connection?.request('close', { conversationId: this.#selectedId, reason: reason || 'resolved' });
  }

  #removeSelected() {
    this.#chats.delete(this.#selectedId);
    const next = this.#chats.values()[0]?.conversationId ?? null;
    this.#selectedId = null;
    if (next) this.select(next);
    else this.#render();
  }

  #openTransfer() {
    const chat = this.#selected();
    if (chat?.active) this.#transfer.open(chat);
  }

  #sendTransfer(fields) {
    this.#stopTyping();
    const ref = this.#connection?.request('transfer', fields);
    if (ref) this.#transferRefs.set(ref, fields.conversationId);
    else this.#transfer.failed('Not connected. Try again in a moment.');
  }

  #render() {
    if (this.#selectedId === null) {
      this.#panel.show(null);
      this.#visitor.show(null);
    }
    const chats = this.#chats.values().map((chat) => ({
      conversationId: chat.conversationId, title: chat.visitorName, unread: chat.unread, closed: chat.closed, releasedTo: chat.releasedTo,
    }));
    this.#tabs.render(chats, this.#selectedId);
    this.#attention.setUnread(chats.reduce((sum, chat) => sum + chat.unread, 0));
  }

  #typing() {
    if (!this.#selectedId || !this.#connection) return;
    if (this.#typingIn !== this.#selectedId) this.#stopTyping();
    const now = Date.now();
    if (now - this.#typingSentAt > TYPING_REPEAT_MS) {
      this.#connection.typing(this.#selectedId, true);
      this.#typingSentAt = now;
      this.#typingIn = this.#selectedId;
    }
    clearTimeout(this.#typingStop);
    this.#typingStop = setTimeout(() => this.#stopTyping(), TYPING_IDLE_MS);
  }

  #stopTyping() {
    clearTimeout(this.#typingStop);
    if (this.#typingSentAt !== 0 && this.#typingIn) this.#connection?.typing(this.#typingIn, false);
    this.#typingSentAt = 0;
    this.#typingIn = null;
  }
}
