"""A mail backend whose SMTP answers a test writes: per address, a list of errors to raise on
the next attempts; once the list is used up, the message is accepted."""

from __future__ import annotations

from django.core.mail.backends.base import BaseEmailBackend


class ScriptedBackend(BaseEmailBackend):
    script: dict[str, list[Exception]] = {}
    accepted: list = []
    opened = 0

    def open(self):
        ScriptedBackend.opened += 1

    def send_messages(self, messages):
        for message in messages:
            errors = ScriptedBackend.script.get(message.to[0])
            if errors:
                raise errors.pop(0)
            message.message()  # header validation, as a real backend does
            ScriptedBackend.accepted.append(message)
        return len(messages)

    @classmethod
    def reset(cls):
        cls.script = {}
        cls.accepted = []
        cls.opened = 0
