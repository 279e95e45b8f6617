// The supervisors' dashboard (docs/insights.md): figures of a period drawn as SVG charts, the
// live queue and agents' load, the latest comments, and the unanswered questions to turn into
// FAQ entries. Uses the console's session in this tab, or signs in itself.
import { InsightsApi } from './insights-api.js';
import { login } from './login.js';
import { TimeChart } from './time-chart.js';
import { Toast } from './toast.js';
import { UnansweredView } from './unanswered-view.js';

const SESSION_KEY = 'concierge.agentSession';
const LIVE_EVERY_MS = 5000;
const PERIODS = {
  '24h': { bucket: 'hour', hours: 24 },
  '7d': { bucket: 'day', hours: 24 * 7 },
  '30d': { bucket: 'day', hours: 24 * 30 },
};
const COLORS = { bot: '#059669', human: '#4f46e5', other: '#d1d5db', wait: '#d97706', response: '#4f46e5', handling: '#9ca3af' };

/** The dashboard page; `start()` signs in if needed, then loads everything. */
export class Dashboard {
  #doc;
  #toaster;
  #storage;
  #api = null;
  #volume;
  #speed;
  #unanswered;
  #liveTimer = null;

  constructor(doc = document, storage = globalThis.sessionStorage) {
    this.#doc = doc;
    this.#toaster = new Toast(doc);
    this.#storage = storage;
    this.#volume = new TimeChart(doc.getElementById('volume-chart'), { kind: 'bars', title: 'Conversations over time' });
    this.#speed = new TimeChart(doc.getElementById('speed-chart'), { kind: 'lines', unit: ' s', title: 'Average waits over time' });
    this.#unanswered = new UnansweredView(doc.getElementById('groups'), doc.getElementById('unanswered-count'), {
      onCreate: (entry) => this.#createEntry(entry),
      onAdd: (id, questions) => this.#addQuestions(id, questions),
    });
  }

  start() {
    this.#doc.getElementById('signin-form').addEventListener('submit', (event) => this.#onSignIn(event));
    this.#doc.getElementById('period').addEventListener('change', () => this.refresh());
    this.#doc.getElementById('export-conversations').addEventListener('click', () => this.#export('conversations'));
    this.#doc.getElementById('export-metrics').addEventListener('click', () => this.#export('metrics'));
    let session = null;
    try { session = JSON.parse(this.#storage?.getItem(SESSION_KEY) ?? 'null'); } catch { /* sign in again */ }
    if (session?.token) {
      this.#enter(session);
    } else {
      this.#doc.getElementById('signin').hidden = false;
      this.#doc.getElementById('username').focus();
    }
  }

  async #onSignIn(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const error = this.#doc.getElementById('signin-error');
    try {
      const session = await login(form.username.value.trim(), form.password.value);
      try { this.#storage?.setItem(SESSION_KEY, JSON.stringify(session)); } catch { /* this page only */ }
      form.password.value = '';
      this.#enter(session);
    } catch (e) {
      error.textContent = e.message;
    }
  }

  #enter(session) {
    this.#api = new InsightsApi({ token: session.token });
    this.#doc.getElementById('signin').hidden = true;
    this.#doc.getElementById('dashboard').hidden = false;
    this.refresh();
    this.#liveTimer = setInterval(() => this.#loadLive(), LIVE_EVERY_MS);
  }

  /** Reloads the figures of the chosen period, the live state and the unanswered questions. */
  async refresh() {
    const status = this.#doc.getElementById('status');
    status.textContent = 'Loading…';
    try {
      await Promise.all([this.#loadSummary(), this.#loadLive(), this.#loadUnanswered()]);
      status.textContent = `Updated ${new Date().toLocaleTimeString()}`;
      this.#doc.body.dataset.loaded = 'true';
    } catch (e) {
      if (e.status === 401) {
        try { this.#storage?.removeItem(SESSION_KEY); } catch { /* blocked */ }
        clearInterval(this.#liveTimer);
        this.#doc.getElementById('dashboard').hidden = true;
        this.#doc.getElementById('signin').hidden = false;
        return;
      }
      status.textContent = `Could not load the figures: ${e.message}`;
    }
  }

  #period() {
    const p = PERIODS[this.#doc.getElementById('period').value] ?? PERIODS['7d'];
    const to = new Date();
    const from = new Date(to.getTime() - p.hours * 3600_000);
    return { from: from.toISOString(), to: to.toISOString(), bucket: p.bucket };
  }

  async #loadSummary() {
    const period = this.#period();
    const s = await this.#api.summary(period);
    this.#kpis(s.totals);
    const labels = s.series.map((b) => label(b.start, s.bucket));
    this.#volume.render({
      labels,
      sets: [
        { name: 'Bot resolved', color: COLORS.bot, values: s.series.map((b) => b.botResolved) },
        { name: 'Handed off', color: COLORS.human, values: s.series.map((b) => b.handedOff) },
        { name: 'Other', color: COLORS.other, values: s.series.map((b) => b.conversations - b.botResolved - b.handedOff) },
      ],
    });
    this.#speed.render({
      labels,
      sets: [
        { name: 'Queue wait', color: COLORS.wait, values: s.series.map((b) => b.queueWait.avgSeconds) },
        { name: 'First agent response', color: COLORS.response, values: s.series.map((b) => b.timeToFirstAgentResponse.avgSeconds) },
      ],
    });
    this.#table('departments', 'Department', Object.entries(s.departments).map(([k, f]) => [k, f]));
    this.#table('agents', 'Agent', Object.entries(s.agents).map(([, f]) => [f.name, f]));
    this.#comments(s.ratings, s.agents);
  }

  #kpis(t) {
    const cards = [
      ['Conversations', String(t.conversations), `${t.botResolved} by the bot, ${t.handedOff} by people`],
      ['Deflection rate', t.deflectionRate === null ? '—' : `${Math.round(t.deflectionRate * 100)} %`, 'resolved by the bot alone'],
      ['Queue wait', seconds(t.queueWait.avgSeconds), `p90 ${seconds(t.queueWait.p90Seconds)}`],
      ['First agent response', seconds(t.timeToFirstAgentResponse.avgSeconds), `p90 ${seconds(t.timeToFirstAgentResponse.p90Seconds)}`],
      ['Handling time', seconds(t.handlingTime.avgSeconds), `${t.handlingTime.count} closed by people`],
      ['First bot reply', seconds(t.timeToFirstBotReply.avgSeconds), `${t.botMisses} questions missed`],
      ['Transfers', String(t.transfers), ''],
      ['Offline messages', String(t.offlineMessages), `follow-up ${seconds(t.followUpTime.avgSeconds)}`],
      ['Satisfaction', t.averageScore === null ? '—' : `${t.averageScore} / 5`, `${t.ratings} ratings`],
    ];
    const host = this.#doc.getElementById('kpis');
    host.replaceChildren(...cards.map(([name, value, note]) => {
      const card = this.#doc.createElement('div');
      card.className = 'kpi';
      card.dataset.kpi = name;
      for (const [cls, text] of [['kpi-label', name], ['kpi-value', value], ['kpi-note', note]]) {
        const part = this.#doc.createElement('div');
        part.className = cls;
        part.textContent = text;
        card.append(part);
      }
      return card;
    }));
  }

  #table(id, first, rows) {
    const doc = this.#doc;
    const table = doc.getElementById(id);
    const head = doc.createElement('thead');
    const headRow = doc.createElement('tr');
    for (const h of [first, 'Chats', 'Deflection', 'Avg wait', 'Avg handling', 'Score']) {
      const th = doc.createElement('th');
      th.scope = 'col';
      th.textContent = h;
      headRow.append(th);
    }
    head.append(headRow);
    const body = doc.createElement('tbody');
    for (const [name, f] of rows) {
      const tr = doc.createElement('tr');
      for (const v of [name, String(f.conversations), f.deflectionRate === null ? '—' : `${Math.round(f.deflectionRate * 100)} %`,
        seconds(f.queueWait.avgSeconds), seconds(f.handlingTime.avgSeconds), f.averageScore === null ? '—' : String(f.averageScore)]) {
        const td = doc.createElement('td');
        td.textContent = v;
        tr.append(td);
      }
      body.append(tr);
    }
    if (rows.length === 0) {
      const tr = doc.createElement('tr');
      const td = doc.createElement('td');
      td.colSpan = 6;
      td.className = 'empty';
      td.textContent = 'Nothing in this period.';
      tr.append(td);
      body.append(tr);
    }
    table.replaceChildren(head, body);
  }

  #comments(ratings, agents = {}) {
    const doc = this.#doc;
    const list = doc.getElementById('comments');
    const items = ratings.slice(0, 50).map((r) => {
      const li = doc.createElement('li');
      const stars = doc.createElement('span');
      stars.className = 'stars';
      stars.textContent = '★'.repeat(r.score) + '☆'.repeat(5 - r.score);
      stars.setAttribute('aria-label', `${r.score} out of 5`);
      const meta = doc.createElement('span');
      meta.className = 'muted';
      const agent = r.agentId ? ` · ${agents[r.agentId]?.name ?? r.agentId}` : '';
      meta.textContent = `${new Date(r.startedAt).toLocaleString()}${agent}`;
      const text = doc.createElement('span');
      text.className = 'comment-text';
      text.textContent = r.comment ?? '(no comment)';
      li.append(stars, meta, text);
      return li;
    });
    if (items.length === 0) {
      const li = doc.createElement('li');
      li.className = 'empty';
      li.textContent = 'No ratings in this period.';
      items.push(li);
    }
    list.replaceChildren(...items);
  }

  async #loadLive() {
    if (!this.#api) return;
    const live = await this.#api.live();
    const doc = this.#doc;
    doc.getElementById('live-queue').textContent = String(live.waiting ?? live.queue.filter((e) => !e.followUp).length);
    doc.getElementById('live-followups').textContent = String(live.followUps ?? live.queue.filter((e) => e.followUp).length);
    doc.getElementById('live-at').textContent = new Date(live.at).toLocaleTimeString();
    const rows = live.agents.map((a) => {
      const tr = doc.createElement('tr');
      const name = doc.createElement('td');
      name.textContent = a.name;
      const presence = doc.createElement('td');
      presence.className = 'presence-tag';
      presence.dataset.presence = a.presence;
      presence.textContent = a.presence;
      const load = doc.createElement('td');
      const bar = doc.createElement('span');
      bar.className = 'load';
      const fill = doc.createElement('span');
      fill.style.width = `${Math.min(100, Math.round((a.assigned / live.maxChatsPerAgent) * 100))}%`;
      bar.append(fill);
      load.append(bar, doc.createTextNode(`${a.assigned} / ${live.maxChatsPerAgent}`));
      tr.append(name, presence, load);
      return tr;
    });
    doc.getElementById('agents-load').replaceChildren(...rows);
  }

  async #loadUnanswered() {
    const { from, to } = this.#period();
    const [report, faq] = await Promise.all([this.#api.unanswered({ from, to }), this.#api.faqEntries()]);
    this.#unanswered.entries = faq.entries;
    this.#unanswered.editable = faq.editable;
    this.#unanswered.render(report);
  }

  async #createEntry(entry) {
    await this.#api.createEntry(entry);
    this.#toast(`FAQ entry “${entry.id}” created: the bot answers with it now.`);
    await this.#loadUnanswered();
  }

  async #addQuestions(id, questions) {
    const { added } = await this.#api.addQuestions(id, questions);
    this.#toast(`${added} wording${added === 1 ? '' : 's'} added to “${id}”.`);
    await this.#loadUnanswered();
  }

  async #export(kind) {
    try {
      const { blob, name } = await this.#api.csv(kind, this.#period());
      const url = URL.createObjectURL(blob);
      const a = this.#doc.createElement('a');
      a.href = url;
      a.download = name;
      this.#doc.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      this.#toast(`Export failed: ${e.message}`);
    }
  }

  #toast(message) {
    this.#toaster.show(message);
  }
}

function label(iso, bucket) {
  const d = new Date(iso);
  return bucket === 'hour'
    ? `${String(d.getHours()).padStart(2, '0')}:00`
    : d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}

function seconds(value) {
  if (value === null || value === undefined) return '—';
  if (value < 60) return `${Math.round(value * 10) / 10} s`;
  if (value < 3600) return `${Math.round(value / 6) / 10} min`;
  return `${Math.round(value / 360) / 10} h`;
}

if (typeof document !== 'undefined' && document.getElementById('dashboard')) {
  new Dashboard().start();
}
