/**
 * Loads the widget's file code (upload, thumbnails, file cards, transcript download) on first
 * use, so the script every page loads stays small: the built widget adds
 * `<server>/concierge-files.js`, a script that sets `globalThis.ConciergeFiles`; the unbuilt
 * widget imports the module itself.
 */
export function loadFiles(server) {
  if (typeof CONCIERGE_BUNDLED === 'undefined') return import(new URL('/widget/attachments.js', server).href);
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = new URL('/concierge-files.js', server).href;
    script.onload = () => (globalThis.ConciergeFiles ? resolve(globalThis.ConciergeFiles) : reject(new Error('files')));
    script.onerror = reject;
    document.head.append(script);
  });
}

/**
 * The widget's side of its file code: loads it once (again after a failure) and gives it what
 * it needs of the widget.
 */
export class FileCode {
  #server;
  #widget;
  #code = null;

  /**
   * @param server the Concierge server's origin
   * @param widget {connect() (the Connection), log() (the message log element), failed() (the
   *   code could not be loaded), sendText(text), pending(id, text) (a message sent), language
   *   (the widget's language, which the file code's words follow)}
   */
  constructor(server, widget) {
    this.#server = server;
    this.#widget = widget;
  }

  /** A promise of the file code's module. */
  load() {
    this.#code ??= loadFiles(this.#server).catch((e) => {
      this.#code = null;
      throw e;
    });
    return this.#code;
  }

  /** Sends the file of a paste, a drop or the file input as a message. */
  attach(transfer) {
    this.#use((code) => code.attach(transfer, this.#context()));
  }

  /** Draws the file of a message event into its item of the log. */
  show(event, item) {
    this.#use((code) => code.show(event, item, this.#context()));
  }

  #use(fn) {
    this.load().then(fn, () => this.#widget.failed());
  }

  #context() {
    const { connect, log, sendText, pending, language } = this.#widget;
    const connection = connect();
    return { connection, server: this.#server, log: log(), authorization: () => `Visitor ${connection.visitorToken}`, sendText, pending, language };
  }
}
