"""50 people at work (``make load``): controllers on « Ma journée » and their dossiers, managers
on their dashboard (the pilotage page when it exists, else the team's worklist).

Think times are a person's (1 to 3 s between clicks). People arrive one per second (each login
is a deliberately slow password hash, ~0,3 s of CPU); the summary line counts the work pages
from the moment everybody is in, and the logins on their own lines of locust's table.
"""

import itertools
import os
import random
import re

from locust import FastHttpUser, between, events, task

PASSWORD = os.environ.get("LOAD_PASSWORD", "charge-de-test-2026")
CONTROLLERS = int(os.environ.get("LOAD_CONTROLLERS", "40"))
MANAGERS = int(os.environ.get("LOAD_MANAGERS", "10"))
DOSSIER_LINK = re.compile(r'href="(/dossiers/\d+/)"')
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_controllers = itertools.cycle(range(1, CONTROLLERS + 1))
_managers = itertools.cycle(range(1, MANAGERS + 1))
_timings: list[float] = []  # work pages only (logins apart), in ms
_errors = {"pages": 0, "connexion": 0}
_users = {"count": 0}


@events.request.add_listener
def _record(name, response_time, exception, **kwargs):
    kind = "connexion" if name.startswith("connexion") else "pages"
    if exception is not None:
        _errors[kind] += 1
    if kind == "pages":
        _timings.append(response_time)


@events.spawning_complete.add_listener
def _steady(user_count, **kwargs):
    """Figures count from the moment all users are logged in and working."""
    _timings.clear()
    _errors["pages"] = 0
    _users["count"] = user_count


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


@events.quitting.add_listener
def _summary(environment, **kwargs):
    print(
        f"\nPAGES DE TRAVAIL ({_users['count']} utilisateurs connectés) : "
        f"{len(_timings)} requêtes, "
        f"p50 = {_percentile(_timings, 0.50):.0f} ms, p95 = {_percentile(_timings, 0.95):.0f} ms, "
        f"erreurs = {_errors['pages']} (connexions en échec : {_errors['connexion']})"
    )
    if _errors["pages"] or _errors["connexion"]:
        environment.process_exit_code = 1


class Person(FastHttpUser):  # the light client: locust shares the machine
    abstract = True
    wait_time = between(1, 3)
    username = ""

    def on_start(self):
        form = self.client.get("/connexion/", name="connexion (formulaire)")
        found = CSRF_FIELD.search(form.text or "")
        token = found.group(1) if found else ""
        self.client.post(
            "/connexion/",
            {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": self.host + "/connexion/"},
            name="connexion (mot de passe)",
        )


class Controller(Person):
    weight = CONTROLLERS

    def on_start(self):
        self.username = f"charge{next(_controllers):02d}"
        super().on_start()
        self.dossiers = []

    @task(2)
    def worklist(self):
        with self.client.get("/ma-journee/", name="ma journée", catch_response=True) as response:
            if "Ma journée" not in response.text:
                response.failure("pas la page « Ma journée »")
                return
            self.dossiers = DOSSIER_LINK.findall(response.text) or self.dossiers

    @task(1)
    def everything(self):
        self.client.get("/ma-journee/?tous=1", name="ma journée (tous les dossiers)")

    @task(3)
    def dossier(self):
        if not self.dossiers:
            return self.worklist()
        self.client.get(random.choice(self.dossiers), name="page dossier")  # noqa: S311


class Manager(Person):
    weight = MANAGERS

    def on_start(self):
        self.username = f"responsable{next(_managers):02d}"
        super().on_start()
        with self.client.get(
            "/pilotage/", name="tableau de bord (essai)", catch_response=True
        ) as probe:
            self.dashboard = "/pilotage/" if probe.status_code == 200 else "/ma-journee/"
            probe.success()  # no dashboard yet (another issue's): the worklist stands in

    @task
    def dashboard_page(self):
        self.client.get(self.dashboard, name=f"tableau de bord ({self.dashboard})")
