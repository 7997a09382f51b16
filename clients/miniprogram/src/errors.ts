/**
 * The one error every call rejects with: the server's stable `error` code and message, or
 * one of the client's own codes when no answer came.
 */
import type { components } from './schema';

/** A code from the server's closed list (docs/api.md, "Error codes"). */
export type ServerErrorCode = components['schemas']['ErrorCode'];

/**
 * The client's own codes:
 * - `network`: the request failed or timed out before an answer came;
 * - `bad_response`: something answered that is not wxbase's envelope (a proxy's error page);
 * - `login_failed`: `wx.login` failed, so no session could be started.
 */
export type ClientErrorCode = 'network' | 'bad_response' | 'login_failed';

export type ErrorCode = ServerErrorCode | ClientErrorCode;

export class WxbaseError extends Error {
  /** The stable code to act on. */
  readonly error: ErrorCode;
  /** The server's `x-request-id` (empty when no answer came): quote it when asking for help. */
  readonly requestId: string;
  /** The HTTP status, when an answer came. */
  readonly statusCode?: number;

  constructor(error: ErrorCode, message: string, requestId = '', statusCode?: number) {
    super(message);
    // Compiled to ES2017 classes, so `instanceof` works without a prototype fix.
    this.name = 'WxbaseError';
    this.error = error;
    this.requestId = requestId;
    this.statusCode = statusCode;
  }
}
