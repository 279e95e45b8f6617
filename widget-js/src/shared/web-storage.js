/**
 * The page's `localStorage` or `sessionStorage`, or null where the browser refuses it (blocked
 * third-party storage, private modes that throw on access).
 */
export function webStorage(name) {
  try {
    return globalThis[name] ?? null;
  } catch {
    return null;
  }
}
