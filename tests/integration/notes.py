"""A tiny company-scoped service used by the tests to prove isolation and role checks."""

from __future__ import annotations

from typing import Any

from mongoengine import Document, StringField

from apiserver.call import Call
from apiserver.registry import Binding
from bll.auth import new_id


class Note(Document):
    id = StringField(primary_key=True)
    company = StringField(required=True)
    user = StringField(required=True)
    text = StringField(required=True)
    meta = {"db_alias": "backend", "collection": "note", "indexes": ["company"]}


def create(call: Call) -> dict[str, Any]:
    note = Note(id=new_id(), company=call.company, user=call.identity.user,
                text=call.data["text"])
    note.save(force_insert=True)
    return {"id": note.id}


def get_all(call: Call) -> dict[str, Any]:
    notes = Note.objects(company=call.company).order_by("text")
    return {"notes": [{"id": n.id, "text": n.text, "company": n.company} for n in notes]}


def purge(call: Call) -> dict[str, Any]:
    return {"deleted": Note.objects(company=call.company).delete()}


def bindings() -> list[Binding]:
    return [
        Binding("notes.create", "1.0", create),
        Binding("notes.get_all", "1.0", get_all),
        Binding("notes.purge", "1.0", purge),
    ]
