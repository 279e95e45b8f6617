// How the widget looks in each state of the conversation (docs/widget.md, "What the visitor
// gets"): header subtitle, banner, the "Talk to a human" button, "Leave a message", the rating,
// "Email me the transcript".
// A pure mapping from the state to calls on the WidgetView.

/** The phases with a look of their own; any other looks like `bot`. */
export const SHOWN_PHASES = new Set(['queued', 'assigned', 'closed', 'follow_up']);

/**
 * Shows `phase` on `view`.
 * @param t               (key, params) => the string in the visitor's language
 * @param agentName       the agent's name, or undefined
 * @param queueText       the last "You are number 2 — about 3 min", or null
 * @param nobodyAvailable whether the server said nobody can answer now
 * @param hasConversation whether there is a conversation to end
 * @param rated           whether the visitor already rated it
 * @param email           the address the visitor gave (the transcript may be mailed there), or null
 */
export function showPhase(view, phase, { t, agentName, queueText, nobodyAvailable, hasConversation, rated, email = null }) {
  // Nobody can answer: "Leave a message" shows beside "Talk to a human" (which still queues).
  const human = { label: t('talkToHuman'), disabled: false };
  view.setLeaveVisible(nobodyAvailable && phase !== 'assigned');
  view.setTyping(null);
  view.setEndVisible(phase !== 'closed' && hasConversation);
  view.setTranscriptEmailVisible(phase === 'closed' && hasConversation && Boolean(email));
  switch (phase) {
    case 'queued':
      view.setHeader({ subtitle: t('subtitleQueued') });
      view.setBanner(queueText ?? t('connectingPerson'));
      view.setHumanButton({ label: t('waitingHuman'), disabled: true });
      break;
    case 'assigned':
      view.setHeader({ subtitle: agentName, agentName });
      view.setBanner(null);
      view.setHumanButton({ label: t('agentHere', { name: agentName }), disabled: true });
      break;
    case 'closed':
      view.setHeader({ subtitle: t('subtitleClosed'), agentName });
      view.setBanner(null);
      view.setHumanButton(human);
      if (!rated) view.rating.ask();
      break;
    case 'follow_up':
      view.setHeader({ subtitle: t('subtitleOffline') });
      view.setBanner(null);
      view.setHumanButton(human);
      break;
    default:
      view.setHeader({ subtitle: t('subtitleBot') });
      view.setBanner(null);
      view.setHumanButton(human);
  }
}
