"""A `TicketSystem` as the `ticketing` export: the generated records and
enums converted to and from `berth_sdk.ticketing`'s values. Imported only
inside a build for a ticket world, where `wit_world.exports.ticketing`
exists."""

from typing import Any, Optional

from wit_world import exports
from wit_world.exports import ticketing as wit

from . import ticketing as desk
from .wit_exports import guarded

# The generated enums by WIT name, and back.
_STATUSES = {name: wit.StatusCategory[name.replace("-", "_").upper()] for name in desk.STATUS_CATEGORIES}
_PRIORITIES = {name: wit.Priority[name.upper()] for name in desk.PRIORITIES}
_STATUS_NAMES = {value: name for name, value in _STATUSES.items()}
_PRIORITY_NAMES = {value: name for name, value in _PRIORITIES.items()}


def _person(person: Optional[desk.Person]) -> Optional[wit.Person]:
    return None if person is None else wit.Person(id=person.id, name=person.name, email=person.email)


def _ticket(ticket: desk.Ticket) -> wit.Ticket:
    ticket = desk.checked(ticket)
    return wit.Ticket(
        key=ticket.key,
        title=ticket.title,
        description=ticket.description,
        status=_STATUSES[ticket.status],
        status_name=ticket.status_name,
        priority=None if ticket.priority is None else _PRIORITIES[ticket.priority],
        priority_name=ticket.priority_name,
        assignee=_person(ticket.assignee),
        requester=_person(ticket.requester),
        group=ticket.group,
        created=ticket.created,
        updated=ticket.updated,
        labels=list(ticket.labels),
        url=ticket.url,
    )


def _comment(comment: desk.Comment) -> wit.Comment:
    return wit.Comment(
        id=comment.id, author=_person(comment.author), body=comment.body, public=comment.public, created=comment.created
    )


def _query(query: wit.SearchQuery) -> desk.SearchQuery:
    return desk.SearchQuery(
        text=query.text,
        statuses=[_STATUS_NAMES[status] for status in query.statuses],
        priorities=[_PRIORITY_NAMES[priority] for priority in query.priorities],
        assignee=query.assignee,
        requester=query.requester,
        updated_since=query.updated_since,
        limit=query.limit,
        cursor=query.cursor,
    )


def _new_ticket(ticket: wit.NewTicket) -> desk.NewTicket:
    return desk.NewTicket(
        title=ticket.title,
        description=ticket.description,
        priority=None if ticket.priority is None else _PRIORITY_NAMES[ticket.priority],
        assignee=ticket.assignee,
        requester=ticket.requester,
        queue=ticket.queue,
        labels=list(ticket.labels),
    )


def _update(update: wit.TicketUpdate) -> desk.TicketUpdate:
    assignee = update.assignee
    if isinstance(assignee, wit.Assignment_To):
        assignment: Optional[desk.Assignment] = desk.Assignment(assignee.value)
    elif isinstance(assignee, wit.Assignment_Unassigned):
        assignment = desk.Assignment(None)
    else:
        assignment = None
    return desk.TicketUpdate(
        status=None if update.status is None else _STATUS_NAMES[update.status],
        note=update.note,
        assignee=assignment,
        priority=None if update.priority is None else _PRIORITY_NAMES[update.priority],
    )


def ticketing_class(system: Any) -> type:
    """The `Ticketing` export class over `system`."""

    class Ticketing(exports.Ticketing):
        def search(self, query: wit.SearchQuery) -> wit.TicketPage:
            page = guarded(lambda: system.search(_query(query)))
            return wit.TicketPage(tickets=guarded(lambda: [_ticket(t) for t in page.tickets]), cursor=page.cursor)

        def get(self, key: str) -> wit.TicketDetails:
            details = guarded(lambda: system.get(key))
            ticket = guarded(lambda: _ticket(details.ticket))
            return wit.TicketDetails(ticket=ticket, comments=[_comment(c) for c in details.comments])

        def create(self, ticket: wit.NewTicket) -> wit.Ticket:
            return guarded(lambda: _ticket(system.create(_new_ticket(ticket))))

        def add_comment(self, key: str, comment: wit.NewComment) -> wit.Comment:
            new = desk.NewComment(body=comment.body, public=comment.public)
            return _comment(guarded(lambda: system.add_comment(key, new)))

        def update(self, key: str, update: wit.TicketUpdate) -> wit.Ticket:
            return guarded(lambda: _ticket(system.update(key, _update(update))))

    return Ticketing
