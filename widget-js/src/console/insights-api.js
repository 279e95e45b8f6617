// The supervisors' REST API (docs/insights.md), with the agent's Bearer token.

/** Calls `/api/insights/*` for a signed-in agent; every method rejects with an Error carrying `status`. */
export class InsightsApi {
  #token;
  #base;
  #fetch;

  constructor({ token, base = globalThis.location?.href, fetchImpl = globalThis.fetch?.bind(globalThis) }) {
    if (typeof token !== 'string' || token === '') throw new TypeError('InsightsApi: token must be a non-empty string');
    this.#token = token;
    this.#base = base;
    this.#fetch = fetchImpl;
  }

  /** Totals, series, departments, agents and ratings of a period. */
  summary({ from, to, bucket } = {}) {
    return this.#json('/api/insights/summary', { from, to, bucket });
  }

  /** Groups of similar questions the bot could not answer. */
  unanswered({ from, to } = {}) {
    return this.#json('/api/insights/unanswered', { from, to });
  }

  /** The queue and the agents' load right now. */
  live() {
    return this.#json('/api/insights/live');
  }

  /** The FAQ entries, to add phrasings to. */
  faqEntries() {
    return this.#json('/api/insights/faq');
  }

  /** Creates an FAQ entry; the bot answers with it at once. */
  createEntry({ id, answer, questions, tags = [] }) {
    return this.#json('/api/insights/faq/entries', {}, { id, answer, questions, tags });
  }

  /** Adds phrasings to an FAQ entry; resolves to `{entry, added}`. */
  addQuestions(entryId, questions) {
    return this.#json(`/api/insights/faq/entries/${encodeURIComponent(entryId)}/questions`, {}, { questions });
  }

  /** A CSV export as a Blob with its file name: `conversations` or `metrics`. */
  async csv(kind, params = {}) {
    const response = await this.#request(`/api/insights/${kind}.csv`, params);
    const disposition = response.headers.get('Content-Disposition') ?? '';
    const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? `${kind}.csv`;
    return { blob: await response.blob(), name };
  }

  async #json(path, params = {}, body = undefined) {
    const response = await this.#request(path, params, body);
    return response.json();
  }

  async #request(path, params, body) {
    const url = new URL(path, this.#base);
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, value);
    }
    const init = { headers: { Authorization: `Bearer ${this.#token}`, Accept: 'application/json' } };
    if (body !== undefined) {
      init.method = 'POST';
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await this.#fetch(url, init);
    if (!response.ok) {
      const detail = await response.json().catch(() => ({}));
      const error = new Error(detail.message ?? `HTTP ${response.status}`);
      error.status = response.status;
      error.code = detail.error;
      throw error;
    }
    return response;
  }
}
