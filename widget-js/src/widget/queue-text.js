// Words for a queued visitor, from a `queue_status` frame (docs/protocol.md).

/** "less than a minute", "about 3 min", "about 1 h 5 min" — for an estimated wait in seconds. */
export function formatWait(etaSeconds) {
  if (!Number.isFinite(etaSeconds) || etaSeconds < 0) return '';
  if (etaSeconds < 60) return 'less than a minute';
  const minutes = Math.ceil(etaSeconds / 60);
  if (minutes < 60) return `about ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `about ${hours} h` : `about ${hours} h ${rest} min`;
}

/**
 * One line for the visitor: "You are number 2 in the queue — about 3 min".
 * With no agent online (`agentsOnline` 0, no `etaSeconds`) it says so and invites a message.
 */
export function formatQueueStatus({ position, etaSeconds, agentsOnline } = {}) {
  const where = !Number.isInteger(position) || position < 1
    ? 'You are in the queue'
    : position === 1
      ? 'You are next in the queue'
      : `You are number ${position} in the queue`;
  if (agentsOnline === 0 || etaSeconds === undefined || etaSeconds === null) {
    if (agentsOnline === 0) {
      return `${where} — no one is available right now. Leave your message and we will get back to you.`;
    }
    return where;
  }
  const wait = formatWait(etaSeconds);
  return wait ? `${where} — ${wait}` : where;
}
