"""Run inside FAIR-CLI 0.11.0's own venv (not fdp's): `fair run --dirty --local CONFIG` for real,
for each config, as faircli_driver.py rehearses it; then what the local registry holds and which
files the run left in FAIR-CLI's data store.

Input on stdin, JSON: {"project": DIR, "cases": [{"id": ID, "config": FILE}, ...]}, with HOME
holding FAIR-CLI's configuration. Before the runs, the registry user `admin` is given an author,
as `fair init` does (the language APIs take their author from it). Output on stdout, JSON:
{ID: {"ok": bool, "error": text, "log": the run's output (its end), "data_products": [name@version],
"store_files": [paths relative to the data store]}}.
"""

import contextlib
import io
import json
import os
import sys

import requests
import yaml
from fair.registry.server import SwitchMode
from fair.session import FAIR


def _registry():
    home = os.path.expanduser("~")
    with open(os.path.join(home, ".fair", "cli", "cli-config.yaml"), encoding="utf-8") as handle:
        local = yaml.safe_load(handle)["registries"]["local"]
    with open(local["token"], encoding="utf-8") as handle:
        token = handle.read().strip()
    return local["uri"], {"Authorization": f"token {token}"}, local["data_store"]


def _give_admin_an_author(api, headers):
    admin = requests.get(f"{api}users/", params={"username": "admin"}, headers=headers, timeout=30)
    admin_url = admin.json()["results"][0]["url"]
    if requests.get(f"{api}user_author/", headers=headers, timeout=30).json()["results"]:
        return
    author = requests.post(
        f"{api}author/", json={"name": "Ana Example"}, headers=headers, timeout=30
    )
    body = {"user": admin_url, "author": author.json()["url"]}
    requests.post(f"{api}user_author/", json=body, headers=headers, timeout=30).raise_for_status()


def run(project, config, api, headers, store):
    os.chdir(project)
    said = io.StringIO()
    answer = {"ok": True, "error": ""}
    try:
        with (
            contextlib.redirect_stdout(said),
            contextlib.redirect_stderr(said),
            FAIR(
                project, config, server_mode=SwitchMode.NO_SERVER, allow_dirty=True, local=True
            ) as session,
        ):
            session.run("", allow_dirty=True, local=True)
    except Exception as exc:  # FAIR-CLI's verdict, whatever it raised
        answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:500]}
    answer["log"] = said.getvalue()[-4000:]
    products = requests.get(f"{api}data_product/", headers=headers, timeout=30).json()["results"]
    answer["data_products"] = [f"{p['name']}@{p['version']}" for p in products]
    answer["store_files"] = sorted(
        os.path.relpath(os.path.join(folder, name), store)
        for folder, _, names in os.walk(store)
        for name in names
    )
    return answer


def main():
    job = json.load(sys.stdin)
    api, headers, store = _registry()
    _give_admin_an_author(api, headers)
    out = {c["id"]: run(job["project"], c["config"], api, headers, store) for c in job["cases"]}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
