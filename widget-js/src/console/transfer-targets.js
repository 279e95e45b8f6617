// Who a conversation can be transferred to (docs/protocol.md, `agents` and `settings`). No DOM.

/**
 * The agents a chat can go to: online ones other than `selfId`, least busy first, then by name.
 * Each as {id, name, label} where the label says their load ("Sam Support — 1/5 chats").
 */
export function agentTargets(agents, selfId) {
  if (!Array.isArray(agents)) return [];
  return agents
    .filter((a) => a?.id && a.id !== selfId && a.presence === 'online')
    .sort((a, b) => (a.activeChats ?? 0) - (b.activeChats ?? 0) || String(a.name ?? a.id).localeCompare(String(b.name ?? b.id)))
    .map((a) => ({ id: a.id, name: a.name ?? a.id, label: `${a.name ?? a.id} — ${load(a)}` }));
}

/** The departments (from `settings`), each with how many of its agents are online: [{id, label}]. */
export function departmentTargets(departments, agents = []) {
  if (!Array.isArray(departments)) return [];
  return departments.map((department) => {
    const online = (agents ?? []).filter((a) => a?.presence === 'online' && (a.departments ?? []).includes(department)).length;
    return { id: department, label: `${department} — ${online === 0 ? 'nobody online' : `${online} online`}` };
  });
}

/**
 * The `transfer` request fields for a choice "agent:ID" or "department:NAME" and a note, or
 * null for an empty or malformed choice. `force` (to an agent only) gives the chat to an agent
 * at their chat limit, once the sender confirmed it after an `agent_at_capacity` refusal.
 */
export function transferRequest(conversationId, choice, note, { force = false } = {}) {
  const match = /^(agent|department):(.+)$/.exec(choice ?? '');
  if (!conversationId || !match) return null;
  const fields = { conversationId, [match[1] === 'agent' ? 'agentId' : 'department']: match[2] };
  const trimmed = (note ?? '').trim();
  if (trimmed) fields.note = trimmed;
  if (force && match[1] === 'agent') fields.force = true;
  return fields;
}

function load(agent) {
  const active = agent.activeChats ?? 0;
  if (!Number.isInteger(agent.maxChats)) return `${active} chats`;
  return `${active}/${agent.maxChats} chats${active >= agent.maxChats ? ', full' : ''}`;
}
