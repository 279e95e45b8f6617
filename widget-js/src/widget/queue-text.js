// Words for a queued visitor, from a `queue_status` frame (docs/protocol.md).
import { ENGLISH } from './strings.js';

/** "less than a minute", "about 3 min", "about 1 h 5 min" — for an estimated wait in seconds. */
export function formatWait(etaSeconds, strings = ENGLISH) {
  if (!Number.isFinite(etaSeconds) || etaSeconds < 0) return '';
  if (etaSeconds < 60) return strings.t('lessThanMinute');
  const minutes = Math.ceil(etaSeconds / 60);
  if (minutes < 60) return strings.t('aboutMinutes', { minutes });
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? strings.t('aboutHours', { hours }) : strings.t('aboutHoursMinutes', { hours, minutes: rest });
}

/**
 * One line for the visitor: "You are number 2 in the queue — about 3 min".
 * With no agent online (`agentsOnline` 0, no `etaSeconds`) it says so and invites a message.
 */
export function formatQueueStatus({ position, etaSeconds, agentsOnline } = {}, strings = ENGLISH) {
  const where = !Number.isInteger(position) || position < 1
    ? strings.t('inQueue')
    : position === 1
      ? strings.t('nextInQueue')
      : strings.t('numberInQueue', { position });
  if (agentsOnline === 0 || etaSeconds === undefined || etaSeconds === null) {
    if (agentsOnline === 0) return `${where} — ${strings.t('nobodyAvailable')}`;
    return where;
  }
  const wait = formatWait(etaSeconds, strings);
  return wait ? `${where} — ${wait}` : where;
}
