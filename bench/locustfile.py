"""Locust journeys for bench.load: centre staff and partners using Kavshiri at once.

Run by bench/load.py, which starts gunicorn, logs the users in and passes, through the
environment: LOAD_STAFF_SESSION and LOAD_PARTNER_SESSION (session cookies, so that fifty
simulated people need not log in fifty times), LOAD_ORGANISATION_IDS and LOAD_DIRECTORY_IDS
(comma-separated ids to open), and LOAD_SEARCHES (comma-separated words, Latin script for
Georgian names). Every response must be 200 (or the redirect a form answers with);
anything else counts as a failure.
"""

from __future__ import annotations

import os
import random
import re
from datetime import date

from locust import HttpUser, between, task

SESSION_COOKIE = "sessionid"
_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _ids(name: str) -> list[int]:
    return [int(value) for value in os.environ.get(name, "").split(",") if value]


ORGANISATION_IDS = _ids("LOAD_ORGANISATION_IDS")
DIRECTORY_IDS = _ids("LOAD_DIRECTORY_IDS")
SEARCHES = [word for word in os.environ.get("LOAD_SEARCHES", "").split(",") if word]


class _Person(HttpUser):
    abstract = True
    wait_time = between(1, 3)  # people read a page before the next click
    session_variable = ""

    def on_start(self):
        self.client.cookies.set(SESSION_COOKIE, os.environ[self.session_variable])

    def get(self, path: str, name: str | None = None):
        with self.client.get(path, name=name or path, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} for {path}")


class StaffMember(_Person):
    """Works through the day's follow-ups, looks organisations up, logs what happened."""

    weight = 3
    session_variable = "LOAD_STAFF_SESSION"

    @task(2)
    def home(self):
        self.get("/")

    @task(3)
    def search_organisations(self):
        self.get(f"/organisations/?q={random.choice(SEARCHES)}", name="/organisations/?q=…")

    @task(3)
    def organisation(self):
        self.get(f"/organisations/{random.choice(ORGANISATION_IDS)}/", name="/organisations/<id>/")

    @task(1)
    def people(self):
        self.get("/people/")

    @task(1)
    def follow_ups(self):
        self.get("/follow-ups/")

    @task(1)
    def api_organisations(self):
        self.get("/api/v1/organisations/?page_size=50", name="/api/v1/organisations/")

    @task(1)
    def log_interaction(self):
        organisation = random.choice(ORGANISATION_IDS)
        page = self.client.get(f"/organisations/{organisation}/", name="/organisations/<id>/")
        token = _CSRF_INPUT.search(page.text)
        if token is None:
            return  # the GET's failure is already counted
        form = {
            "csrfmiddlewaretoken": token.group(1),
            "kind": "call",
            "occurred_on": date.today().isoformat(),
            "subject": "დატვირთვის ტესტი",
            "notes": "",
            "outcome": "",
        }
        with self.client.post(
            f"/organisations/{organisation}/interactions/",
            data=form,
            headers={"Referer": f"{self.host}/organisations/{organisation}/"},
            name="/organisations/<id>/interactions/",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"{response.status_code}: the interaction was not saved")


class Partner(_Person):
    """Looks for organisations in the shared directory and reads their entries."""

    weight = 1
    session_variable = "LOAD_PARTNER_SESSION"

    @task(3)
    def directory_search(self):
        self.get(f"/directory/?q={random.choice(SEARCHES)}", name="/directory/?q=…")

    @task(2)
    def entry(self):
        self.get(f"/directory/{random.choice(DIRECTORY_IDS)}/", name="/directory/<id>/")

    @task(1)
    def coverage(self):
        self.get("/directory/coverage/")

    @task(1)
    def partnerships(self):
        self.get("/partnerships/")

    @task(1)
    def api_directory(self):
        self.get("/api/v1/directory/?page_size=50", name="/api/v1/directory/")
