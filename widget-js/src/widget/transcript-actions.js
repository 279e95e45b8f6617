import { RATE_LIMITED } from '../shared/error-codes.js';

/**
 * The ended conversation's transcript for the visitor: "Download", and "Email me the transcript":
 * the `transcript_email` request for the ended conversation, to the
 * address the visitor gave, and its answer on the notice line (where it went, or why not: the
 * minutes to wait when rate limited, else the server's reason).
 */
export class TranscriptActions {
  #strings;
  #notify;
  #emit;
  /** The request waiting for its answer: {ref, email}, or null. */
  #pending = null;

  constructor(strings, notify, emit) {
    this.#strings = strings;
    this.#notify = notify;
    this.#emit = emit;
  }

  /**
   * Downloads the conversation of `connection` as text with the widget's on-demand code
   * (`files()` resolves to it: {@link downloadTranscript} is there); a failure is shown (its
   * `reason`, in the widget's language, when the file code gives one) and emitted.
   */
  async download(connection, server, files) {
    const conversationId = connection?.conversationId;
    const token = connection?.visitorToken;
    if (!conversationId || !token) return;
    try {
      const { downloadTranscript } = await files();
      await downloadTranscript({ server, conversationId, authorization: `Visitor ${token}`, format: 'txt', language: this.#strings.language });
    } catch (failure) {
      this.#notify(this.#strings.t('downloadFailed', { reason: failure.reason ?? failure.message }));
      this.#emit('error', { code: failure.code ?? 'download_failed', message: failure.message });
    }
  }

  request(connection, email) {
    this.#pending = { ref: connection.request('transcript_email', { address: email }), email };
  }

  /** Shows the answer if `frame` (an ack, or an error when `failed`) answers the request; whether it did. */
  answered(frame, failed) {
    if (!frame.ref || frame.ref !== this.#pending?.ref) return false;
    const { email } = this.#pending;
    this.#pending = null;
    if (!failed) this.#notify(this.#strings.t('transcriptSent', { email }));
    else if (frame.code === RATE_LIMITED) {
      this.#notify(this.#strings.t('transcriptLimited', { minutes: Math.max(1, Math.ceil((frame.retryAfter ?? 60) / 60)) }));
    } else this.#notify(this.#strings.t('transcriptFailed', { reason: frame.message ?? frame.code }));
    return true;
  }
}
