"""Giving existing files their access mark (``manage.py b2_mark_files``), from the model rows that
refer to them: each ``FileField`` on a proxied storage knows the route its files belong to.

Routes are done least privileged first and a file is never moved to a less privileged mark, so a
file that a public field and a staff field both refer to ends up marked for staff. Costs, per
distinct name: one HEAD (class B), and for a file that needs its mark a server-side copy and a
delete of the unmarked version.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db.models import FileField

from ..access import ROUTES
from ..proxy.routes import route_of
from ..storage import BackblazeB2Storage, MarkOutcome
from ..usage import file_fields


@dataclass(frozen=True)
class MarkedField:
    label: str  # "app.Model.field"
    route: str
    file_field: FileField

    @property
    def storage(self) -> BackblazeB2Storage:
        storage = self.file_field.storage
        assert isinstance(storage, BackblazeB2Storage)  # route_of() found a route
        return storage

    def names(self) -> Iterator[str]:
        """The distinct file names the field's rows hold, streamed in order."""
        column = self.file_field.attname
        rows = self.file_field.model._default_manager.exclude(**{column: ""}).exclude(**{f"{column}__isnull": True})
        previous = None
        for name in rows.order_by(column).values_list(column, flat=True).iterator():
            if name != previous:
                yield str(name)
                previous = name


def proxied_fields() -> list[MarkedField]:
    """The file fields whose storage serves a proxy route, least privileged route first."""
    found = []
    for label, model_field in file_fields():
        # __class__ resolves default_storage (a lazy object) to the configured class without B2.
        route = route_of(model_field.storage.__class__)
        if route is not None:
            found.append(MarkedField(label, route, model_field))
    return sorted(found, key=lambda marked: ROUTES.index(marked.route))


@dataclass
class MarkReport:
    outcomes: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        if not self.outcomes:
            return "No file field on a proxied storage refers to any file."
        return ", ".join(f"{count} {outcome}" for outcome, count in sorted(self.outcomes.items()))


def mark_files(
    fields: list[MarkedField],
    *,
    dry_run: bool = False,
    on_file: Callable[[MarkedField, str, MarkOutcome], None] = lambda *_: None,
) -> MarkReport:
    report = MarkReport()
    for marked in fields:
        for name in marked.names():
            outcome = marked.storage.mark_file(name, dry_run=dry_run)
            report.outcomes[outcome] += 1
            on_file(marked, name, outcome)
    return report
