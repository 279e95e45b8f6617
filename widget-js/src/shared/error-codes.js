/**
 * The codes of `error` frames (docs/protocol.md, "error"; `ErrorCode` in Java) that the widget and
 * the console act on. Others are shown with the server's message. Plain constants, so that the
 * build writes the strings in place.
 */
export const NOT_FOUND = 'not_found';
export const BAD_STATE = 'bad_state';
export const INTERNAL = 'internal';
export const UNAUTHORIZED = 'unauthorized';
export const UNAVAILABLE = 'unavailable';
export const BAD_REQUEST = 'bad_request';
export const AGENT_AT_CAPACITY = 'agent_at_capacity';
export const IDENTITY_REJECTED = 'identity_rejected';
export const UNKNOWN_DEPARTMENT = 'unknown_department';
export const RATE_LIMITED = 'rate_limited';
