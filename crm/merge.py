"""Merging two entries for the same organisation into one, keeping the history of both."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ManyToManyRel, OneToOneRel
from django.utils.translation import gettext as _
from simple_history.models import HistoricalChanges

from crm.models import Affiliation, Organisation

# Details the duplicate may know when the kept entry does not; a value on `keep` always wins.
FILLED_FROM_DUPLICATE = (
    "name_latin",
    "founding_year",
    "municipality",
    "address",
    "phone",
    "email",
    "website",
    "description",
)


@transaction.atomic
def organisation_merge(*, keep: Organisation, duplicate: Organisation, merged_by) -> Organisation:
    """Move everything that points at `duplicate` to `keep`, then delete `duplicate`.

    1. Refuse a merge into itself; lock both rows (in id order, so two merges cannot deadlock).
    2. Move every foreign key and one-to-one that points at an organisation, found through
       `Organisation._meta.related_objects` so that models added later move too. History rows
       are left alone: the duplicate's history stays its own.
    3. Collapse affiliations that became exact copies (same person, role and dates).
    4. Give `keep` the union of the duplicate's themes, target groups and tags, and put it in
       every partnership (or other reverse many-to-many) the duplicate was in.
    5. Fill blank details on `keep` from the duplicate, the identification code included.
    6. Save `keep` and delete `duplicate`, both with the reason and the user in their history.
    """
    if keep.pk == duplicate.pk:
        raise ValidationError(_("An organisation cannot be merged into itself."))
    locked = {
        org.pk: org
        for org in Organisation.objects.select_for_update()
        .filter(pk__in=[keep.pk, duplicate.pk])
        .order_by("pk")
    }
    if len(locked) != 2:
        raise ValidationError(
            _("One of the organisations no longer exists; it may have been merged already.")
        )
    # Work on the rows as locked, not as the caller loaded them: a save from stale copies would
    # undo edits made in between.
    keep, duplicate = locked[keep.pk], locked[duplicate.pk]

    _move_relations(keep=keep, duplicate=duplicate)
    _collapse_affiliations(organisation=keep)
    _union_many_to_many(keep=keep, duplicate=duplicate)
    _fill_blanks(keep=keep, duplicate=duplicate, merged_by=merged_by)
    # Partner accounts moved to `keep`; an organisation with partner accounts is a partner.
    keep.is_partner = keep.is_partner or duplicate.is_partner

    keep._change_reason = _history_reason(_("merged from #%(id)s %(name)s"), duplicate)
    keep._history_user = merged_by
    keep.save()
    duplicate._change_reason = _history_reason(_("merged into #%(id)s %(name)s"), keep)
    duplicate._history_user = merged_by
    duplicate.delete()

    keep.refresh_from_db()
    return keep


def _history_reason(template: str, organisation: Organisation) -> str:
    # The history column is a CharField(100); a long name must not make the merge fail.
    max_length = Organisation.history.model._meta.get_field("history_change_reason").max_length
    return (template % {"id": organisation.pk, "name": organisation.name})[:max_length]


def _move_relations(*, keep: Organisation, duplicate: Organisation) -> None:
    for rel in Organisation._meta.related_objects:
        model = rel.related_model
        if issubclass(model, HistoricalChanges):
            # A historical model's key is an unconstrained copy of the past; rewriting it would
            # make the duplicate's history claim it was always the kept organisation.
            continue
        if isinstance(rel, ManyToManyRel):
            _move_reverse_many_to_many(rel, keep=keep, duplicate=duplicate)
            continue
        # The base manager: a default manager that hides rows (say, archived ones) must not
        # leave them pointing at a deleted organisation.
        rows = model._base_manager.filter(**{rel.field.name: duplicate})
        if isinstance(rel, OneToOneRel) and rows.exists():
            if model._base_manager.filter(**{rel.field.name: keep}).exists():
                raise ValidationError(
                    _("Both organisations have a %(thing)s and only one can be kept; remove one first.")
                    % {"thing": model._meta.verbose_name}
                )
        rows.update(**{rel.field.name: keep})


def _move_reverse_many_to_many(rel: ManyToManyRel, *, keep: Organisation, duplicate: Organisation) -> None:
    if not rel.through._meta.auto_created:
        # An explicit through model (Affiliation) has its own foreign key, moved with the others.
        return
    # add() and remove() rather than rewriting the through table: they skip a link `keep`
    # already has, and send m2m_changed for anyone listening.
    for obj in rel.related_model._base_manager.filter(**{rel.field.name: duplicate}):
        links = getattr(obj, rel.field.name)
        links.add(keep)
        links.remove(duplicate)


def _union_many_to_many(*, keep: Organisation, duplicate: Organisation) -> None:
    for field in Organisation._meta.many_to_many:
        if field.remote_field.through._meta.auto_created:
            getattr(keep, field.name).add(*getattr(duplicate, field.name).all())


def _collapse_affiliations(*, organisation: Organisation) -> None:
    """Keep the oldest of affiliations that say the same thing; it stays primary if any was."""
    kept: dict[tuple, Affiliation] = {}
    for affiliation in Affiliation.objects.filter(organisation=organisation).order_by("pk"):
        key = (affiliation.contact_id, affiliation.role, affiliation.start_date, affiliation.end_date)
        first = kept.setdefault(key, affiliation)
        if first is affiliation:
            continue
        if affiliation.is_primary and not first.is_primary:
            first.is_primary = True
            first.save(update_fields=["is_primary"])
        affiliation.delete()


def _fill_blanks(*, keep: Organisation, duplicate: Organisation, merged_by) -> None:
    if not keep.identification_code and duplicate.identification_code:
        # The code is unique: the duplicate gives it up, in its own history, before keep takes it.
        code = duplicate.identification_code
        duplicate.identification_code = None
        duplicate._change_reason = _history_reason(_("identification code given to #%(id)s %(name)s"), keep)
        duplicate._history_user = merged_by
        duplicate.save(update_fields=["identification_code"])
        keep.identification_code = code
    for name in FILLED_FROM_DUPLICATE:
        field = Organisation._meta.get_field(name)
        theirs = getattr(duplicate, field.attname)
        if getattr(keep, field.attname) in field.empty_values and theirs not in field.empty_values:
            setattr(keep, field.attname, theirs)
