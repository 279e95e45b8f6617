import { clear, h } from '../shared/dom.js';
import { agentTargets, departmentTargets, transferRequest } from './transfer-targets.js';

/**
 * The transfer dialog (a modal `<dialog>`; Escape or Cancel closes it): choose an online agent
 * (from the latest `agents` frame, never yourself) or a department (`settings.departments`),
 * write a note for the next agent, and Transfer. It stays open, busy, until the console says
 * the transfer went through (`released`) or failed. When the server refused because the agent
 * is at their chat limit (`agent_at_capacity`), the button becomes "Transfer anyway": pressed
 * with the same agent chosen, it sends the transfer again with `force`.
 */
export class TransferDialog {
  #dialog;
  #form;
  #target;
  #note;
  #error;
  #submit;
  #heading;
  #onTransfer;
  #conversationId = null;
  #agents = [];
  #departments = [];
  #selfId = null;
  /** The target the sender may force a transfer to, after an `agent_at_capacity` refusal. */
  #forceTarget = null;

  /** @param onTransfer(fields) sends the `transfer` request with {conversationId, agentId|department, note}. */
  constructor(doc, { onTransfer }) {
    this.#dialog = doc.getElementById('transfer-dialog');
    this.#form = doc.getElementById('transfer-form');
    this.#target = doc.getElementById('transfer-target');
    this.#note = doc.getElementById('transfer-note');
    this.#error = doc.getElementById('transfer-error');
    this.#submit = doc.getElementById('transfer-submit');
    this.#heading = doc.getElementById('transfer-title');
    this.#onTransfer = onTransfer;
    this.#form.addEventListener('submit', (event) => { event.preventDefault(); this.#send(); });
    doc.getElementById('transfer-cancel').addEventListener('click', () => this.close());
    this.#dialog.addEventListener('close', () => { this.#conversationId = null; });
    this.#target.addEventListener('change', () => {
      if (this.#forceTarget !== null && this.#target.value !== this.#forceTarget) {
        this.#forceTarget = null;
        this.#busy(false);
      }
    });
  }

  /** The conversation the open dialog is about, or null. */
  get conversationId() {
    return this.#conversationId;
  }

  /** The agents (an `agents` frame), departments (`settings`) and who you are. */
  setTeam({ agents, departments, selfId }) {
    if (agents !== undefined) this.#agents = agents ?? [];
    if (departments !== undefined) this.#departments = departments ?? [];
    if (selfId !== undefined) this.#selfId = selfId;
    if (this.#dialog.open) this.#fill();
  }

  open(chat) {
    this.#conversationId = chat.conversationId;
    this.#heading.textContent = `Transfer ${chat.visitorName}`;
    this.#note.value = '';
    this.#error.textContent = '';
    this.#forceTarget = null;
    this.#busy(false);
    this.#fill();
    this.#dialog.showModal();
    this.#target.focus();
  }

  close() {
    if (this.#dialog.open) this.#dialog.close();
  }

  /**
   * The transfer failed: say why and let the agent choose again. With `confirm` (the agent is
   * at their chat limit) the agent may also press "Transfer anyway".
   */
  failed(message, { confirm = false } = {}) {
    this.#forceTarget = confirm ? this.#target.value : null;
    this.#busy(false);
    this.#error.textContent = message;
  }

  #fill() {
    const chosen = this.#target.value;
    clear(this.#target);
    this.#target.append(h('option', { value: '', text: 'Choose an agent or a department…' }));
    const agents = agentTargets(this.#agents, this.#selfId);
    const people = h('optgroup', { label: 'Agents online' });
    if (agents.length === 0) people.append(h('option', { value: '', disabled: true, text: 'No other agent is online' }));
    for (const agent of agents) people.append(h('option', { value: `agent:${agent.id}`, text: agent.label }));
    const teams = h('optgroup', { label: 'Departments' });
    for (const department of departmentTargets(this.#departments, this.#agents)) {
      teams.append(h('option', { value: `department:${department.id}`, text: department.label }));
    }
    this.#target.append(people, teams);
    if ([...this.#target.options].some((o) => o.value === chosen && !o.disabled)) this.#target.value = chosen;
  }

  #send() {
    const force = this.#forceTarget !== null && this.#forceTarget === this.#target.value;
    const fields = transferRequest(this.#conversationId, this.#target.value, this.#note.value, { force });
    if (!fields) {
      this.#error.textContent = 'Choose an agent or a department.';
      this.#target.focus();
      return;
    }
    this.#error.textContent = '';
    this.#busy(true);
    this.#onTransfer(fields);
  }

  #busy(busy) {
    this.#submit.disabled = busy;
    this.#submit.textContent = busy ? 'Transferring…' : this.#forceTarget !== null ? 'Transfer anyway' : 'Transfer';
  }
}
