import { h, clear } from '../shared/dom.js';
import { icon } from './icons.js';
import { MessageList } from './message-list.js';
import { RatingForm } from './rating-form.js';
import { EarlierView } from './earlier-view.js';
import { PreChatForm } from './pre-chat-form.js';
import { LeaveMessageForm } from './leave-message-form.js';
import { STYLES, textColorOn } from './styles.js';

/**
 * The widget's DOM, in a shadow root on its own host element: a launcher button and a panel
 * with a header, a queue banner, the message log, a typing line, the rating form, the
 * "Talk to a human" button and the composer. It only draws and reports what the visitor
 * does through the callbacks; {@link Widget} decides.
 */
export class WidgetView {
  #options;
  #on;
  #strings;
  #preChat;
  #leave;
  #host = null;
  #launcher;
  #badge;
  #panel;
  #avatar;
  #subtitle;
  #subtitleText = '';
  #reconnecting = false;
  #dot;
  #endButton;
  #downloadButton;
  #banner;
  #notice;
  #noticeTimer = null;
  #bannerText;
  #typing;
  #typingText;
  #human;
  #leaveButton;
  #input;
  #messages;
  #rating;
  #transcriptButton;
  #earlier;

  /**
   * @param options validated widget options (title, greeting, color, position)
   * @param on callbacks: toggle(), close(), send(text), human(), suggestion({entryId, question}),
   *   rate(score, comment), end(), typing(), download(), earlier(item) (an earlier conversation
   *   chosen), current() ("Back to the current conversation"), preChat(values), leave(values),
   *   leaveCancel(), leaveOpen(), transcriptEmail(), attach(files) (a paste's clipboardData, a
   *   drop's dataTransfer or the file input, holding the file the visitor chose),
   *   attachment(event, item) (draw the file of a message event into its item)
   * @param strings the widget's words ({@link Strings})
   */
  constructor(options, on, strings) {
    this.#options = options;
    this.#on = on;
    this.#strings = strings;
    this.#subtitleText = strings.t('subtitleBot');
    this.#messages = new MessageList({ onSuggestion: (s) => on.suggestion(s), onAttachment: (e, item) => on.attachment(e, item), strings });
    this.#rating = new RatingForm({ onRate: (score, comment) => on.rate(score, comment), strings });
    this.#earlier = new EarlierView({ onChoose: (item) => on.earlier(item), onBack: () => on.current(), strings });
    this.#preChat = new PreChatForm({ strings, onSubmit: (values) => on.preChat(values) });
    this.#leave = new LeaveMessageForm({ strings, onSubmit: (values) => on.leave(values), onCancel: () => on.leaveCancel() });
  }

  /** The pre-chat form. */
  get preChat() {
    return this.#preChat;
  }

  /** The leave-a-message form. */
  get leave() {
    return this.#leave;
  }

  /**
   * Which pane fills the panel: 'chat' (the conversation), 'earlier', 'prechat' or 'leave'.
   * The forms hide the conversation and the composer while they show.
   */
  showPane(pane) {
    if (pane === 'chat') delete this.#panel.dataset.view;
    else this.#panel.dataset.view = pane;
    if (pane !== 'prechat') this.#preChat.hide();
    if (pane !== 'leave') this.#leave.hide();
    if (pane === 'chat' && !this.#panel.hidden) this.#input.focus();
  }

  /** True while the panel is open and the page has focus: what the visitor sees is read. */
  get visible() {
    return !this.#panel.hidden && (globalThis.document?.visibilityState ?? 'visible') === 'visible';
  }

  /** Removes the widget from the page. */
  unmount() {
    this.#host?.remove();
    this.#host = null;
  }

  /** The "Earlier conversations" list and the read-only pane for one of them. */
  get earlier() {
    return this.#earlier;
  }

  /** Shows an earlier conversation (loading) in place of the current one, read-only. */
  showEarlier(item) {
    this.#panel.dataset.view = 'earlier';
    this.#earlier.showLoading(item);
  }

  /** Back to the current conversation. */
  showCurrent() {
    delete this.#panel.dataset.view;
    this.#earlier.hide();
  }

  get messages() {
    return this.#messages;
  }

  get rating() {
    return this.#rating;
  }

  /** Creates the host element under `parent` and draws everything in its shadow root. */
  mount(parent) {
    this.#host = h('div', { id: 'concierge-widget', lang: this.#strings.language, dataset: { position: this.#options.position } });
    this.#host.style.setProperty('--cc-brand', this.#options.color);
    this.#host.style.setProperty('--cc-on-brand', textColorOn(this.#options.color));
    const root = this.#host.attachShadow({ mode: 'open' });
    root.append(h('style', { text: STYLES }), this.#buildPanel(), this.#buildLauncher());
    this.#messages.greet(this.#options.greeting ?? this.#strings.t('greeting'));
    parent.append(this.#host);
  }

  /** Shows or hides the panel; focus goes to the input when opening, to the launcher when closing. */
  setOpen(open) {
    const wasOpen = !this.#panel.hidden;
    this.#panel.hidden = !open;
    this.#launcher.setAttribute('aria-expanded', String(open));
    this.#launcher.setAttribute('aria-label', this.#strings.t(open ? 'closeChat' : 'openChat'));
    clear(this.#launcher).append(icon(open ? 'close' : 'chat'), this.#badge);
    if (open && !wasOpen) this.#input.focus();
    if (!open && wasOpen && this.#host.shadowRoot.activeElement) this.#launcher.focus();
  }

  setUnread(count) {
    this.#badge.hidden = count === 0;
    this.#badge.textContent = count > 9 ? '9+' : String(count);
    // The badge itself is decoration; the launcher's name says it.
    const label = this.#strings.t(this.#panel.hidden ? 'openChat' : 'closeChat');
    this.#launcher.setAttribute('aria-label', count > 0 && this.#panel.hidden ? `${label} (${this.#strings.t('unreadTitle', { count })})` : label);
  }

  /** Header line under the title, and the avatar: initials of the agent, or the bot icon. */
  setHeader({ subtitle, agentName }) {
    this.#subtitleText = subtitle;
    this.#subtitle.textContent = this.#reconnecting ? this.#strings.t('reconnecting') : subtitle;
    clear(this.#avatar);
    if (agentName) this.#avatar.textContent = initials(agentName);
    else this.#avatar.append(icon('bot'));
  }

  /** Connection state: the dot next to the subtitle, which says so while reconnecting. */
  setConnection(state) {
    this.#dot.dataset.state = state;
    this.#dot.title = this.#strings.t(state === 'open' ? 'connected' : state === 'closed' ? 'offline' : 'connecting');
    this.#reconnecting = state === 'reconnecting';
    this.#subtitle.textContent = this.#reconnecting ? this.#strings.t('reconnecting') : this.#subtitleText;
  }

  /** The queue line ("You are number 2 in the queue — about 3 min"), or null to hide it. */
  setBanner(text) {
    this.#banner.hidden = !text;
    this.#bannerText.textContent = text ?? '';
  }

  /** "Dana is typing…", or null to hide. */
  setTyping(name) {
    this.#typing.hidden = !name;
    this.#typingText.textContent = name ? this.#strings.t('typing', { name }) : '';
  }

  setHumanButton({ label, disabled }) {
    this.#human.disabled = disabled;
    this.#human.lastChild.textContent = label;
  }

  /** The "Leave a message" button, beside "Talk to a human" while nobody can answer. */
  setLeaveVisible(visible) {
    this.#leaveButton.hidden = !visible;
  }

  setEndVisible(visible) {
    this.#endButton.hidden = !visible;
  }

  /** "Email me the transcript", offered when the conversation ended and the visitor gave an email. */
  setTranscriptEmailVisible(visible) {
    this.#transcriptButton.hidden = !visible;
  }

  /** The "Download transcript" button, shown once there is a conversation. */
  setDownloadVisible(visible) {
    this.#downloadButton.hidden = !visible;
  }

  /** A short message under the header (e.g. a failed download) that goes away by itself. */
  notify(text, ms = 6000) {
    clearTimeout(this.#noticeTimer);
    this.#notice.textContent = text;
    this.#notice.hidden = false;
    this.#noticeTimer = setTimeout(() => { this.#notice.hidden = true; }, ms);
  }

  #buildLauncher() {
    this.#badge = h('span', { class: 'badge', hidden: true, 'aria-hidden': 'true' });
    this.#launcher = h('button', {
      type: 'button', class: 'launcher', 'aria-label': this.#strings.t('openChat'), 'aria-expanded': 'false', 'aria-controls': 'cc-panel',
      on: { click: () => this.#on.toggle() },
    }, icon('chat'), this.#badge);
    return this.#launcher;
  }

  #buildPanel() {
    const s = this.#strings;
    this.#avatar = h('div', { class: 'avatar', 'aria-hidden': 'true' }, icon('bot'));
    this.#dot = h('span', { class: 'dot', dataset: { state: 'idle' } });
    this.#subtitle = h('span', { text: this.#subtitleText });
    this.#endButton = h('button', { type: 'button', class: 'text-button', text: s.t('endChat'), hidden: true, on: { click: () => this.#on.end() } });
    this.#downloadButton = h('button', {
      type: 'button', class: 'icon-button', 'aria-label': s.t('download'), title: s.t('download'), hidden: true,
      on: { click: () => this.#on.download() },
    }, icon('download'));
    const header = h('header', { class: 'header' },
      this.#avatar,
      h('div', { class: 'heading' },
        h('h2', { class: 'title', id: 'cc-title', text: this.#options.title ?? s.t('title') }),
        h('p', { class: 'subtitle' }, this.#dot, this.#subtitle)),
      this.#endButton,
      this.#downloadButton,
      h('button', { type: 'button', class: 'icon-button', 'aria-label': s.t('minimise'), title: s.t('minimise'), on: { click: () => this.#on.close() } }, icon('minimize')));

    this.#bannerText = h('span');
    this.#banner = h('p', { class: 'banner', role: 'status', hidden: true }, icon('clock'), this.#bannerText);
    this.#notice = h('p', { class: 'notice', role: 'alert', hidden: true });
    this.#typingText = h('span');
    this.#typing = h('div', { class: 'typing', hidden: true, 'aria-live': 'polite' },
      h('span'), h('span'), h('span'), this.#typingText);
    this.#human = h('button', { type: 'button', class: 'human', on: { click: () => this.#on.human() } },
      icon('person'), h('span', { text: s.t('talkToHuman') }));
    this.#leaveButton = h('button', { type: 'button', class: 'human', hidden: true, text: s.t('leaveMessage'), on: { click: () => this.#on.leaveOpen() } });
    this.#transcriptButton = h('button', { type: 'button', class: 'human', hidden: true, text: s.t('transcriptEmail'), on: { click: () => this.#on.transcriptEmail() } });

    this.#panel = h('section', {
      class: 'panel', id: 'cc-panel', role: 'dialog', 'aria-labelledby': 'cc-title', hidden: true,
      on: {
        keydown: (event) => { if (event.key === 'Escape') this.#on.close(); },
        // A pasted or dropped file goes as a message of its own.
        paste: (event) => { if (event.clipboardData?.files.length) this.#attach(event, event.clipboardData); },
        dragover: (event) => event.preventDefault(),
        drop: (event) => { if (event.dataTransfer?.files.length) this.#attach(event, event.dataTransfer); },
      },
    },
    header, this.#banner, this.#notice, this.#earlier.element, this.#messages.element, this.#earlier.pane,
    this.#preChat.element, this.#leave.element, this.#typing, this.#rating.element,
    h('div', { class: 'actions' }, this.#human, this.#leaveButton, this.#transcriptButton),
    this.#buildComposer(),
    h('div', { class: 'footer', text: s.t('poweredBy') }));
    return this.#panel;
  }

  #buildComposer() {
    this.#input = h('textarea', {
      rows: '1', maxlength: '4000', placeholder: this.#strings.t('placeholder'), 'aria-label': this.#strings.t('message'),
      enterkeyhint: 'send',
      on: {
        keydown: (event) => {
          if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
            submit();
          }
        },
        input: () => this.#on.typing(),
      },
    });
    const submit = () => {
      const text = this.#input.value.trim();
      if (text === '') return;
      this.#input.value = '';
      this.#on.send(text);
    };
    const file = h('input', { type: 'file', hidden: true, on: { change: () => { this.#on.attach({ files: [...file.files] }); file.value = ''; } } });
    return h('form', { class: 'composer', on: { submit: (event) => { event.preventDefault(); submit(); } } },
      this.#input, file,
      h('button', { type: 'button', class: 'icon-button', 'aria-label': this.#strings.t('attach'), title: this.#strings.t('attach'), on: { click: () => file.click() } }, icon('clip')),
      h('button', { type: 'submit', class: 'primary send', 'aria-label': this.#strings.t('send') }, icon('send')));
  }

  #attach(event, transfer) {
    event.preventDefault();
    this.#on.attach(transfer);
  }
}

function initials(name) {
  return name.split(/\s+/).filter(Boolean).slice(0, 2).map((part) => part[0].toUpperCase()).join('');
}
