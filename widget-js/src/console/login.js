// Agent sign-in over REST (docs/protocol.md, `POST /api/agent/login`).

/**
 * Signs in and resolves to `{token, agent: {id, name}}`. Rejects with an Error whose `code` is
 * `unauthorized` for wrong credentials, `throttled` after too many attempts (HTTP 429; the
 * error's `retryAfter` is the seconds to wait), `busy` when the server is overloaded (503),
 * `network` when the server cannot be reached, and `server` for anything else.
 */
export async function login(username, password, { base = globalThis.location?.href, fetchImpl = globalThis.fetch } = {}) {
  let response;
  try {
    response = await fetchImpl(new URL('/api/agent/login', base), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ username, password }),
    });
  } catch (cause) {
    throw failure('network', 'The server cannot be reached.', cause);
  }
  if (response.status === 401) throw failure('unauthorized', 'Wrong username or password.');
  if (response.status === 429 || response.status === 503) {
    const retryAfter = Number(response.headers?.get?.('Retry-After')) || 1;
    const error = response.status === 429
      ? failure('throttled', `Too many sign-in attempts. Try again in ${retryAfter} s.`)
      : failure('busy', `The server is busy. Try again in ${retryAfter} s.`);
    error.retryAfter = retryAfter;
    throw error;
  }
  if (!response.ok) throw failure('server', `Sign-in failed (HTTP ${response.status}).`);
  const body = await response.json().catch(() => null);
  if (typeof body?.token !== 'string' || !body.agent) throw failure('server', 'The server sent an unexpected answer.');
  return { token: body.token, agent: body.agent };
}

function failure(code, message, cause) {
  const error = new Error(message, cause ? { cause } : undefined);
  error.code = code;
  return error;
}
