// Request ids: every request a client originates carries a fresh id (docs/protocol.md, "The
// envelope"); the server deduplicates resends on it.

/**
 * Returns a random UUID. `crypto.randomUUID` exists only in secure contexts (https,
 * localhost), and the widget also runs on plain-http pages, so fall back to
 * `crypto.getRandomValues`, which is available everywhere.
 */
export function newId(cryptoImpl = globalThis.crypto) {
  if (typeof cryptoImpl?.randomUUID === 'function') return cryptoImpl.randomUUID();
  const bytes = cryptoImpl.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
