// The unanswered-questions report: groups of similar questions, each with a form to create an
// FAQ entry from it and one to add its wordings to an existing entry (the bot's closest entry
// offered first).

/** Renders groups into a list and calls `onCreate` / `onAdd`, which resolve or reject with an Error. */
export class UnansweredView {
  #list;
  #count;
  #onCreate;
  #onAdd;
  #entries = [];
  #editable = false;

  constructor(list, count, { onCreate, onAdd }) {
    if (!list) throw new TypeError('UnansweredView: list element required');
    this.#list = list;
    this.#count = count;
    this.#onCreate = onCreate;
    this.#onAdd = onAdd;
  }

  /** The FAQ entries offered by "add to entry": `[{id, title}]`. */
  set entries(entries) {
    this.#entries = entries;
  }

  /**
   * Whether this agent may edit the FAQ (an admin or supervisor; the server says so and refuses
   * the edits of others with 403): without it the groups show no forms.
   */
  set editable(editable) {
    this.#editable = editable === true;
  }

  render(report) {
    const doc = this.#list.ownerDocument;
    const groups = report.groups ?? [];
    const open = groups.filter((g) => !g.answeredNowBy).length;
    if (this.#count) this.#count.textContent = `(${report.misses} missed, ${open} groups open)`;
    if (groups.length === 0) {
      const empty = doc.createElement('li');
      empty.className = 'empty';
      empty.textContent = 'No unanswered questions in this period.';
      this.#list.replaceChildren(empty);
      return;
    }
    this.#list.replaceChildren(...groups.map((g) => this.#group(doc, g)));
  }

  #group(doc, g) {
    const item = doc.createElement('li');
    item.className = 'group';
    item.dataset.group = g.id;
    const head = doc.createElement('div');
    head.className = 'group-head';
    const count = doc.createElement('span');
    count.className = 'group-count';
    count.textContent = String(g.count);
    count.title = `asked ${g.count} times`;
    const title = doc.createElement('strong');
    title.className = 'group-title';
    title.textContent = g.representative;
    const last = doc.createElement('span');
    last.className = 'muted';
    last.textContent = `last asked ${new Date(g.lastAsked).toLocaleString()}`;
    head.append(count, title, last);
    if (g.answeredNowBy) {
      const fixed = doc.createElement('span');
      fixed.className = 'group-fixed';
      fixed.textContent = `✓ now answered by “${g.answeredNowBy}”`;
      head.append(fixed);
    }
    const phrasings = doc.createElement('ul');
    phrasings.className = 'phrasings';
    for (const q of g.questions) {
      const li = doc.createElement('li');
      li.textContent = q.count > 1 ? `${q.text} (×${q.count})` : q.text;
      phrasings.append(li);
    }
    item.append(head, phrasings);
    if (!g.answeredNowBy && !this.#editable) {
      const note = doc.createElement('p');
      note.className = 'muted group-readonly';
      note.textContent = 'Editing the FAQ needs the admin or supervisor role.';
      item.append(note);
    } else if (!g.answeredNowBy) {
      const forms = doc.createElement('div');
      forms.className = 'group-forms';
      forms.append(this.#createForm(doc, g), this.#addForm(doc, g));
      item.append(forms);
    }
    return item;
  }

  #createForm(doc, g) {
    const form = doc.createElement('form');
    form.className = 'group-form';
    form.dataset.action = 'create';
    const id = field(doc, form, 'input', `new-id-${g.id}`, 'New entry id');
    id.required = true;
    id.pattern = '[a-z0-9][a-z0-9_\\-]{0,63}';
    id.placeholder = 'e.g. parrot-food';
    id.value = slug(g.representative);
    const answer = field(doc, form, 'textarea', `new-answer-${g.id}`, 'Answer');
    answer.required = true;
    answer.rows = 3;
    const error = doc.createElement('p');
    error.className = 'form-error';
    error.setAttribute('role', 'alert');
    const submit = button(doc, 'Create entry');
    form.append(error, submit);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#submit(form, error, () => this.#onCreate({
        id: id.value.trim(), answer: answer.value.trim(), questions: g.questions.map((q) => q.text),
      }));
    });
    return form;
  }

  #addForm(doc, g) {
    const form = doc.createElement('form');
    form.className = 'group-form';
    form.dataset.action = 'add';
    const select = field(doc, form, 'select', `add-entry-${g.id}`, 'Add the wordings to entry');
    select.required = true;
    // The entry the bot thinks closest comes first, chosen; without one, nothing is chosen.
    const closest = this.#entries.find((e) => e.id === g.closestEntry);
    if (!closest) {
      const none = doc.createElement('option');
      none.value = '';
      none.textContent = 'Choose an entry…';
      select.append(none);
    }
    for (const e of closest ? [closest, ...this.#entries.filter((x) => x !== closest)] : this.#entries) {
      const option = doc.createElement('option');
      option.value = e.id;
      option.textContent = e === closest ? `${e.id} — ${e.title} (the bot's closest)` : `${e.id} — ${e.title}`;
      select.append(option);
    }
    select.value = closest ? closest.id : '';
    const error = doc.createElement('p');
    error.className = 'form-error';
    error.setAttribute('role', 'alert');
    form.append(error, button(doc, 'Add to entry'));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#submit(form, error, () => this.#onAdd(select.value, g.questions.map((q) => q.text)));
    });
    return form;
  }

  async #submit(form, error, call) {
    const submit = form.querySelector('button');
    submit.disabled = true;
    error.textContent = '';
    try {
      await call();
    } catch (e) {
      error.textContent = e.message;
      submit.disabled = false;
    }
  }
}

function field(doc, form, tag, id, labelText) {
  const label = doc.createElement('label');
  label.htmlFor = id;
  label.textContent = labelText;
  const input = doc.createElement(tag);
  input.id = id;
  form.append(label, input);
  return input;
}

function button(doc, text) {
  const b = doc.createElement('button');
  b.type = 'submit';
  b.className = 'button primary small';
  b.textContent = text;
  return b;
}

/** A suggested entry id from a question: "Do you sell parrot food?" → "do-you-sell-parrot-food". */
export function slug(text) {
  return String(text).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48) || 'new-entry';
}
