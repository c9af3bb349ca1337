// The one place where Zendesk's failures become tool errors, each saying
// what to do about it:
//
// | Zendesk answers                       | tool error          | the message says                                  |
// |---------------------------------------|---------------------|---------------------------------------------------|
// | 400 (JSON or text/plain)              | `invalid-arguments` | Zendesk's reason                                  |
// | 401 `Couldn't authenticate you`       | `denied`            | which credential, both ways to store it, and that |
// |                                       |                     | API tokens are retired in 2027 (use OAuth)        |
// | 403 `Forbidden`                       | `denied`            | the user needs an agent or admin role with access |
// | 404 `RecordNotFound`                  | `not-found`         | what was looked for                               |
// | 404 `InvalidEndpoint`                 | `upstream` 404      | check `site`: it may not be a Zendesk account     |
// | 409 `UpdateConflict`                  | `upstream` 409      | read the ticket again and retry                   |
// | 422 `RecordInvalid`, `invalid`        | `invalid-arguments` | Zendesk's details, field by field                 |
// | 429 (often text/plain), `Retry-After` | `upstream` 429      | the wait in seconds, and that the host's retries  |
// |                                       |                     | ran out                                           |
// | other                                 | `upstream` (status) | Zendesk's reason                                  |
//
// The host already retried 429s (any method) and, for GET and PUT, 502-504
// and connection failures, waiting out `Retry-After` up to its bound; what
// arrives here is what is left. Only the start of an error body is read
// (`EXCERPT_BYTES`), and the message is one line.

import { toolError, toolErrorFromHttp } from '../../sdk/js/berth.js';

/** The credential name the manifest declares. */
export const CREDENTIAL = 'zendesk';

/** How much of an error body is quoted, in bytes: a reason, not a page. */
const EXCERPT_BYTES = 2048;
/** How long a quoted reason may be, in characters. */
const REASON_CHARS = 400;

/** How the operator stores the credential, both ways. */
const HOW_TO_STORE =
  'store an API token with `berth credential set --tenant <tenant> --plugin zendesk zendesk --scheme basic ' +
  '--username <agent-email>/token` (the token on stdin), or an OAuth access token with `berth credential set ' +
  '--tenant <tenant> --plugin zendesk zendesk --scheme bearer` (the token on stdin); Zendesk retires API tokens ' +
  'in 2027, so prefer OAuth';

/** One line, at most `REASON_CHARS` long. */
function oneLine(text) {
  const line = String(text).split(/\s+/).filter(Boolean).join(' ');
  return line.length > REASON_CHARS ? `${line.slice(0, REASON_CHARS)}…` : line;
}

/**
 * Zendesk's own explanation of a failure, from whichever of its error
 * shapes the body has: `{"error": "...", "description": "...", "details":
 * {field: [{description}]}}`, `{"error": {"title", "message"}}`,
 * `{"errors": [{"title", "detail"}]}`, or plain text.
 */
export function explanation(status, body) {
  let parsed = null;
  try {
    parsed = JSON.parse(body);
  } catch {
    // Not JSON: quote the text.
  }
  if (parsed === null || typeof parsed !== 'object') {
    const text = oneLine(body);
    return text === '' ? `HTTP ${status}` : text;
  }
  const parts = [];
  const { error, description, details, errors } = parsed;
  if (typeof error === 'string') {
    parts.push(error);
  } else if (error && typeof error === 'object') {
    parts.push([error.title, error.message].filter((part) => typeof part === 'string').join(': '));
  }
  if (typeof description === 'string') {
    parts.push(description);
  }
  if (details && typeof details === 'object') {
    const said = Object.entries(details).flatMap(([field, entries]) =>
      (Array.isArray(entries) ? entries : [entries]).map(
        (entry) => `${field}: ${entry?.description ?? JSON.stringify(entry)}`,
      ),
    );
    if (said.length > 0) {
      parts.push(said.join('; '));
    }
  }
  if (Array.isArray(errors)) {
    parts.push(errors.map((entry) => [entry?.title, entry?.detail].filter(Boolean).join(': ')).join('; '));
  }
  const text = oneLine(parts.filter(Boolean).join(' - '));
  return text === '' ? `HTTP ${status}` : text;
}

/** `wait` seconds as the end of a sentence: ` in 30 s`, or nothing. */
function after(seconds) {
  return seconds === null || seconds === undefined || seconds === '' ? '' : ` in ${seconds} s`;
}

/** The message for a rate limit the host's retries did not outlast. */
function rateLimited(seconds, said) {
  const why = said ? ` (${said})` : '';
  return (
    `Zendesk is rate limiting this account${why} and the host's retries ran out; try again${after(seconds)}. ` +
    'The limit is per account and per minute (plan dependent); the ticket update endpoint also allows 30 updates ' +
    'per ticket per 10 minutes'
  );
}

/**
 * The tool error for a non-2xx `response` to a request about `target`
 * ("ticket 35436", "the ticket search").
 */
export function statusError(response, target) {
  const status = response.status;
  const reason = explanation(status, response.text(EXCERPT_BYTES));
  switch (status) {
    case 400:
      return toolError.invalidArguments(`Zendesk rejected the request for ${target}: ${reason}`);
    case 401:
      return toolError.denied(
        `Zendesk refused the \`${CREDENTIAL}\` credential (${reason}). Check what the tenant stored with ` +
          `\`berth credential list --tenant <tenant>\`: ${HOW_TO_STORE}. The user must be an active agent or admin`,
      );
    case 403:
      return toolError.denied(
        `Zendesk refused access to ${target} (${reason}): the \`${CREDENTIAL}\` credential's user needs an agent or ` +
          'admin role with access to it (end users cannot use the API this way), and an OAuth token the `read` ' +
          'and `write` scopes',
      );
    case 404:
      if (reason.includes('InvalidEndpoint')) {
        return toolError.upstream(
          404,
          `Zendesk has no endpoint for ${target} (${reason}): check that the \`site\` setting is the account's ` +
            'Zendesk host, such as acme.zendesk.com',
        );
      }
      return toolError.notFound(`${target} was not found in Zendesk (${reason})`);
    case 409:
      return toolError.upstream(
        409,
        `Zendesk refused a conflicting change to ${target} (${reason}); read it again and retry`,
      );
    case 422:
      return toolError.invalidArguments(`Zendesk refused ${target}: ${reason}`);
    case 429:
      return toolError.upstream(429, rateLimited(response.header('retry-after')?.trim() ?? null, reason));
    default: {
      const wait = response.header('retry-after');
      const retry = status === 503 && wait ? `; try again${after(wait.trim())}` : '';
      return toolError.upstream(status, `Zendesk failed on ${target}: ${reason}${retry}`);
    }
  }
}

/**
 * The tool error for a request the host could not complete (the
 * `http-error` variant), in terms of what to do about it.
 */
export function transportError(error) {
  switch (error.tag) {
    case 'rate-limited': {
      const seconds = error.val === null || error.val === undefined ? null : Math.ceil(Number(error.val) / 1000);
      return toolError.upstream(429, rateLimited(seconds, null));
    }
    case 'credential-failed':
      return toolError.denied(
        `the \`${CREDENTIAL}\` credential could not be used: ${error.val}. The operator needs to ${HOW_TO_STORE}`,
      );
    case 'denied':
      return toolError.denied(
        `${error.val} (the plugin may reach only https://{site}/api/v2/; check the tenant's \`site\` setting)`,
      );
    default:
      return toolErrorFromHttp(error);
  }
}
