/**
 * Error classes for the database clients' errors (pg, mysql2, ioredis), on top of the network
 * classes every probe shares: authentication refused, a server that does not speak the
 * protocol, and an error the server reported.
 */
import type { ErrorClass, ObserverShortage } from '../../shared/model.ts';
import { classifyError } from './classify.ts';

type DbError = {
  code?: unknown;
  message?: unknown;
  name?: unknown;
  sqlState?: unknown;
  /** Set on errors the probe raises about the observer's own set-up (a password variable unset). */
  observer?: unknown;
};

/** SQLSTATE class 28 (invalid authorization) and the MySQL/MariaDB access-denied codes. */
const AUTH_CODES = new Set([
  '28000',
  '28P01',
  'ER_ACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_SPECIFIC_ACCESS_DENIED_ERROR',
  'ER_TABLEACCESS_DENIED_ERROR',
  'ER_NOT_SUPPORTED_AUTH_MODE',
  '42501',
]);

/** Redis reply prefixes for a refused login or a missing permission. */
const REDIS_AUTH = /^(WRONGPASS|NOAUTH|NOPERM|ERR invalid password|ERR AUTH)/;

/** The clients' own words for bytes that are not their protocol. */
const PROTOCOL = [
  /^PROTOCOL_/,
  /Protocol error/i,
  /unexpected (message|packet|response|end)/i,
  /Received unexpected/i,
  /Unknown message code/i,
  /Malformed packet/i,
  /Unknown RESP type/i,
  // A client's parser reading past a frame the server made up (mysql2 on a bogus greeting).
  /^(ERR_OUT_OF_RANGE|ERR_BUFFER_OUT_OF_BOUNDS)$/,
  /server does not support SSL/i,
  /The server does not support SSL connections/i,
];

/** Client-side deadlines (pg's connection and query timeouts) and closed connections, by their words. */
const TIMEOUT =
  /^(timeout expired|timeout exceeded when trying to connect|Query read timeout|Connection terminated due to connection timeout)/i;
const CLOSED = /^Connection (terminated|is closed)|^Connection lost/i;

export function classifyDataError(error: unknown): {
  errorClass: ErrorClass;
  message: string;
  shortage?: ObserverShortage;
} {
  const e = (typeof error === 'object' && error !== null ? error : {}) as DbError;
  const code = typeof e.code === 'string' ? e.code : '';
  const message = (typeof e.message === 'string' ? e.message : String(error)).split('\n')[0]!.slice(0, 300);
  if (e.observer === true) return { errorClass: 'probe_error', message };
  if (AUTH_CODES.has(code) || REDIS_AUTH.test(message)) return { errorClass: 'db_auth', message };
  if (TIMEOUT.test(message) || code === 'PROTOCOL_SEQUENCE_TIMEOUT') return { errorClass: 'timeout', message };
  if (CLOSED.test(message) || code === 'PROTOCOL_CONNECTION_LOST') {
    return { errorClass: 'connect_reset', message: `the server closed the connection: ${message}` };
  }
  if (e.name === 'ParserError' || PROTOCOL.some((p) => p.test(code) || p.test(message))) {
    return { errorClass: 'db_protocol', message: `not the expected protocol: ${message}` };
  }
  // Errors the server sent: a SQLSTATE (pg, mysql2) or a Redis error reply.
  if (/^[0-9A-Z]{5}$/.test(code) || typeof e.sqlState === 'string' || e.name === 'ReplyError') {
    return { errorClass: 'db_error', message };
  }
  return classifyError(error);
}
