// Search in earlier conversations: `GET /api/conversations?q=TEXT&limit=20` with the agent's
// session token. Answer: {"results":[{conversationId, visitorId, visitorName, startedAt, state, firstLine, snippet}]}.

export const SEARCH_LIMIT = 20;

/**
 * Resolves to the results (an array, maybe empty). Rejects with an Error whose `code` is
 * `unauthorized` (sign in again), `network` or `server`.
 */
export async function searchConversations(query, { token, base = globalThis.location?.href, fetchImpl = globalThis.fetch, limit = SEARCH_LIMIT }) {
  const q = String(query ?? '').trim();
  if (q === '') return [];
  const url = new URL('/api/conversations', base);
  url.searchParams.set('q', q);
  url.searchParams.set('limit', String(limit));
  let response;
  try {
    response = await fetchImpl(url.href, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' }, cache: 'no-store' });
  } catch (cause) {
    throw failure('network', 'The server cannot be reached.', cause);
  }
  if (response.status === 401) throw failure('unauthorized', 'Your session has ended. Please sign in again.');
  if (!response.ok) throw failure('server', `The search failed (HTTP ${response.status}).`);
  const body = await response.json().catch(() => null);
  if (!Array.isArray(body?.results)) throw failure('server', 'The server sent an unexpected answer.');
  return body.results.filter((r) => typeof r?.conversationId === 'string');
}

function failure(code, message, cause) {
  const error = new Error(message, cause ? { cause } : undefined);
  error.code = code;
  return error;
}
