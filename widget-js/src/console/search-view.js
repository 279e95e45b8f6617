import { clear, h } from '../shared/dom.js';
import { shortTime } from './format.js';

/**
 * The search box in the top bar: on submit, asks `search(query)` (the REST search) and lists
 * the earlier conversations found under the box — visitor, date, state, first line and the
 * matching snippet. Choosing one calls `onOpen(result)`; Escape hides the list.
 */
export class SearchView {
  #form;
  #input;
  #panel;
  #summary;
  #list;
  #search;
  #onOpen;
  #generation = 0;

  constructor(doc, { search, onOpen }) {
    this.#form = doc.getElementById('search-form');
    this.#input = doc.getElementById('search-input');
    this.#panel = doc.getElementById('search-results');
    this.#summary = doc.getElementById('search-summary');
    this.#list = doc.getElementById('search-list');
    this.#search = search;
    this.#onOpen = onOpen;
    this.#form.addEventListener('submit', (event) => { event.preventDefault(); this.#run(); });
    this.#form.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && !this.#panel.hidden) {
        event.preventDefault();
        this.hide();
        this.#input.focus();
      }
    });
    this.#form.addEventListener('focusout', (event) => {
      if (!this.#form.contains(event.relatedTarget) && event.relatedTarget !== null) this.hide();
    });
    doc.addEventListener('pointerdown', (event) => {
      if (!this.#panel.hidden && !this.#form.contains(event.target)) this.hide();
    });
  }

  hide() {
    this.#panel.hidden = true;
    this.#input.setAttribute('aria-expanded', 'false');
  }

  async #run() {
    const query = this.#input.value.trim();
    if (query === '') {
      this.hide();
      return;
    }
    const generation = ++this.#generation;
    this.#show(`Searching for “${query}”…`, []);
    try {
      const results = await this.#search(query);
      if (generation !== this.#generation) return;
      this.#show(results.length === 0 ? `Nothing found for “${query}”.` : `${results.length} conversation${results.length === 1 ? '' : 's'} found for “${query}”.`, results);
    } catch (failure) {
      if (generation === this.#generation) this.#show(failure.message, []);
    }
  }

  #show(summary, results) {
    this.#summary.textContent = summary;
    clear(this.#list);
    for (const result of results) {
      const name = result.visitorName || (result.visitorId ? `Visitor ${String(result.visitorId).slice(-4)}` : 'Visitor');
      const when = shortTime(result.startedAt);
      this.#list.append(h('li', {}, h('button', {
        type: 'button', class: 'search-result', dataset: { conversationId: result.conversationId },
        'aria-label': `Open the conversation with ${name}${when ? ` of ${when}` : ''}`,
        on: { click: () => { this.hide(); this.#onOpen(result); } },
      },
      h('span', { class: 'search-head' },
        h('strong', { text: name }),
        h('span', { class: 'when', text: when }),
        result.state ? h('span', { class: 'pill', text: String(result.state).replaceAll('_', ' ') }) : null),
      result.firstLine ? h('span', { class: 'search-first', text: result.firstLine }) : null,
      result.snippet && result.snippet !== result.firstLine ? h('span', { class: 'search-snippet', text: result.snippet }) : null)));
    }
    this.#panel.hidden = false;
    this.#input.setAttribute('aria-expanded', 'true');
  }
}
