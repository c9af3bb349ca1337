// Zendesk webhooks: what a verified delivery changed.
//
// Zendesk signs every webhook (`X-Zendesk-Webhook-Signature`, base64
// HMAC-SHA256 over the timestamp and body); the host checks it, and the
// timestamp's freshness, with the tenant's `webhook` secret before anything
// reaches this code, and de-duplicates retries by the invocation id.
//
// Two body shapes name a ticket:
// - event-subscribed webhooks: `{"type": "zen:event-type:ticket.status_changed",
//   "subject": "zen:ticket:123", "detail": {"id": "123", ...}, ...}`;
// - trigger webhooks, whose JSON the admin writes: this adapter reads
//   `{"ticket_id": "{{ticket.id}}", "event": "..."}` (README shows the body).
// Either way the ticket's resource, `zendesk://tickets/{id}`, is what
// changed; a ticket that was created or deleted changes the list too.

import { utf8Decode } from '../../sdk/js/berth.js';

/** How the host verifies Zendesk's deliveries. */
export const source = {
  signature: { tag: 'zendesk' },
  deliveryHeader: 'x-zendesk-webhook-invocation-id',
  typeHeader: null,
};

const EVENT_TYPE_PREFIX = 'zen:event-type:';
const TICKET_SUBJECT = /^zen:ticket:(\d+)$/;
const LIST_CHANGES = new Set(['ticket.created', 'ticket.deleted', 'ticket.soft_deleted', 'ticket.permanently_deleted']);

/** The ticket id a delivery names, if any. */
function ticketId(payload) {
  const candidates = [payload?.detail?.id, payload?.ticket_id, TICKET_SUBJECT.exec(payload?.subject ?? '')?.[1]];
  const found = candidates.find((value) => value !== undefined && value !== null && /^\d+$/.test(String(value)));
  return found === undefined ? null : String(found);
}

/** What a verified delivery changed (the `event-outcome` record). */
export function handle(_headers, body) {
  let payload;
  try {
    payload = JSON.parse(utf8Decode(body));
  } catch {
    throw new Error('the delivery is not JSON');
  }
  const type = typeof payload?.type === 'string' ? payload.type : payload?.event;
  const kind = typeof type === 'string' ? type.replace(EVENT_TYPE_PREFIX, '') : 'ticket.updated';
  const id = ticketId(payload);
  return {
    kind,
    updated: id === null ? [] : [`zendesk://tickets/${id}`],
    listsChanged: LIST_CHANGES.has(kind),
    invalidateCache: id !== null,
  };
}
