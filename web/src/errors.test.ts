import { describe, expect, it } from 'vitest';
import { ApiError } from './api/http';
import { ClientError, errorMessage, errorText } from './errors';

describe('errorMessage', () => {
  it('has words for every error code of the API', () => {
    for (const code of [
      'invalid_credentials', 'unauthorized', 'forbidden', 'not_enrolled', 'no_open_session', 'session_closed',
      'invalid_code', 'too_many_attempts', 'session_already_open', 'session_already_closed', 'session_not_found',
      'class_not_found', 'student_not_found', 'unknown_student', 'duplicate_student', 'invalid_field', 'invalid_json',
      'invalid_join_code', 'invalid_client_time', 'overloaded', 'storage_unavailable', 'too_many_sessions',
      'qr_render_failed', 'duplicate_op_id', 'too_many_ops', 'network_error',
    ]) {
      expect(errorMessage(code, 'general')).not.toMatch(/Unexpected error/);
    }
    expect(errorMessage('too_many_attempts', 'login')).toContain('sign-ins');
    expect(errorMessage('too_many_attempts', 'join')).toBe('Too many wrong join codes. Wait 10 minutes and try again.');
    expect(errorMessage('too_many_attempts', 'check-in')).toBe(
      'Too many wrong codes. Wait 10 minutes, or ask your teacher to mark you.',
    );
  });

  it('uses the server message for invalid fields and unknown codes', () => {
    expect(errorMessage('invalid_field', 'session', 'late_after_minutes: expected an integer')).toBe(
      'Not valid: late_after_minutes: expected an integer',
    );
    expect(errorMessage('brand_new_code', 'general', 'something new')).toBe('Error: something new');
    expect(errorMessage('brand_new_code')).toBe('Unexpected error (brand_new_code).');
  });
});

describe('errorText', () => {
  it('words an API error by its code and context', () => {
    expect(errorText(new ApiError(409, 'session_already_open', 'a session is open'), 'session')).toBe(
      'A session is already open for this class.',
    );
    expect(errorText(new ApiError(422, 'invalid_code', 'wrong'), 'check-in')).toBe('Wrong code.');
    expect(errorText(new ApiError(403, 'forbidden', 'no'), 'check-in')).toBe('Only students can check in.');
    expect(errorText(new ApiError(403, 'forbidden', 'no'))).toBe('You are not allowed to do this.');
    expect(errorText(new ApiError(401, 'invalid_credentials', 'x'), 'login')).toBe('Wrong username or password.');
  });

  it('words a network error (no answer at all)', () => {
    const e = new ApiError(0, 'network_error', 'No connection to the server.');
    expect(e.isNetwork).toBe(true);
    expect(errorText(e, 'bulk')).toBe('No connection to the server.');
  });

  it('words an error the server sent without a JSON body by its status', () => {
    expect(errorText(new ApiError(502, 'http_502', 'Bad Gateway'))).toBe('Error: Bad Gateway');
  });

  it('words a failure on this device (ClientError) by its code, never its message', () => {
    for (const code of [
      'push_unsupported', 'push_permission_dismissed', 'push_no_service_worker', 'push_subscribe_failed',
      'push_service_unreachable', 'push_unsubscribe_failed', 'invalid_vapid_key',
    ]) {
      const text = errorText(new ClientError(code, 'DOMException: internal detail'));
      expect(text).not.toMatch(/Unexpected error|internal detail|Something went wrong/);
    }
    expect(errorText(new ClientError('push_subscribe_failed'))).toContain('private window');
    expect(errorText(new ApiError(422, 'invalid_subscription', 'endpoint must be https'))).toBe(
      "The server refused this browser's notification subscription.",
    );
  });

  it('never shows a raw exception: anything else is the fallback', () => {
    expect(errorText(new SyntaxError('Unexpected token < in JSON'))).toBe('Something went wrong.');
    expect(errorText(new TypeError('x is undefined'), 'login', 'Sign-in failed.')).toBe('Sign-in failed.');
    expect(errorText('a string', 'check-in', 'Something went wrong. Try again.')).toBe('Something went wrong. Try again.');
    expect(errorText(undefined)).toBe('Something went wrong.');
  });
});

describe('the roster import\'s words (context roster-import)', () => {
  it('has words for every answer of POST /admin/oneroster', () => {
    for (const code of [
      'invalid_roster', 'unsupported_media_type', 'import_in_progress', 'roster_changed', 'roster_too_large', 'body_too_large', 'forbidden',
      'storage_unavailable', 'overloaded', 'owner_timeout',
    ]) {
      expect(errorMessage(code, 'roster-import')).not.toMatch(/Unexpected error|^Error:/);
    }
    expect(errorText(new ApiError(409, 'import_in_progress', 'busy'), 'roster-import')).toBe(
      'Another roster import is running. Wait for it to finish, then import again.',
    );
    expect(errorText(new ApiError(403, 'forbidden', 'no'), 'roster-import')).toBe('Only administrators can import a roster.');
    expect(errorText(new ApiError(413, 'body_too_large', 'too big'), 'roster-import')).toBe(
      'The file was refused as too large: the server takes at most 64 MiB, and a proxy in front of it may take less. Nothing was imported.',
    );
    expect(errorText(new ClientError('unreadable_import_answer'), 'roster-import')).toContain('The server accepted the import');
  });

  it('says the outcome is unknown when the answer was lost on the way', () => {
    const unknown = 'The answer was lost on the way, so the import may or may not have been applied.';
    expect(errorText(new ApiError(0, 'network_error', 'No connection to the server.'), 'roster-import')).toContain(unknown);
    expect(errorText(new ApiError(504, 'http_504', 'Gateway Timeout'), 'roster-import')).toContain(unknown);
    expect(errorText(new ApiError(502, 'http_502', 'Bad Gateway'), 'roster-import')).toContain(unknown);
    // The server's own deadline for the answer (280 s): the import may still finish.
    expect(errorText(new ApiError(503, 'owner_timeout', 'the answer was not ready in time; retry'), 'roster-import')).toContain(unknown);
    expect(errorText(new ApiError(409, 'roster_changed', 'x'), 'roster-import')).toContain('Nothing was imported');
    expect(errorText(new ApiError(413, 'roster_too_large', 'x'), 'roster-import')).toContain('rollcall import');
    // Elsewhere the usual words.
    expect(errorText(new ApiError(0, 'network_error', 'x'), 'general')).toBe('No connection to the server.');
    expect(errorText(new ApiError(403, 'forbidden', 'no'))).toBe('You are not allowed to do this.');
  });
});
