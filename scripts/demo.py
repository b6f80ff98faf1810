"""fdp's main job, end to end, on one machine with nothing to install but fdp.

An embedded shared registry on loopback plays the team's remote. Ana sets up her data store,
pulls a registered dataset, runs a small model through the real pyDataPipeline, commits and pushes
the run; then Bob, with his own fdpd, registry and data store, pulls Ana's result with its
provenance and checks that its SHA-1 matches. It ends with what Bob now has: Ana's result, who
made it, from what, with which code (as text, and as an SVG picture of the provenance graph),
and commands to look further that work as pasted. Everything lives in `demo-home/` (or
`$FDP_DEMO_HOME`) and is stopped at the end; the folder stays for you to look at, and the next
run starts afresh.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import random
import shlex
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOME = Path(os.environ.get("FDP_DEMO_HOME") or ROOT / "demo-home").absolute()
BIN = Path(sys.executable).parent
FDPD = str(BIN / "fdpd")
FDPCTL = str(BIN / "fdpctl")

MODEL = '''\
"""Mean flow per gauging station (the language API contract's example model)."""
import csv, os
from collections import defaultdict
import data_pipeline_api as pipeline

token = os.environ["FDP_LOCAL_TOKEN"]
config = os.path.join(os.environ["FDP_CONFIG_DIR"], os.environ["FDP_CONFIG_NAME"])
handle = pipeline.initialise(token, config, os.environ["FDP_SCRIPT"])

flows = defaultdict(list)
with open(pipeline.link_read(handle, "gauge"), newline="") as f:
    for row in csv.DictReader(f):
        flows[row["station"]].append(float(row["flow"]))

with open(pipeline.link_write(handle, "flow/station-mean"), "w", newline="") as f:
    out = csv.writer(f)
    out.writerow(["station", "mean_flow"])
    for station, values in sorted(flows.items()):
        out.writerow([station, round(sum(values) / len(values), 3)])

pipeline.finalise(token, handle)
print(f"mean flow of {len(flows)} stations written")
'''

ANA_CONFIG = """\
run_metadata:
  description: Mean flow per gauging station
  default_input_namespace: hydromet
  default_output_namespace: ana
  script: python3 station_mean.py
register:
  - namespace: hydromet
    full_name: Hydrometric readings (demo)
  - data_product: flow/gauge-readings
    namespace_name: hydromet
    root: {root}
    path: gauge-readings.csv
    file_type: csv
    version: "1.0.0"
read:
  - data_product: gauge
    use:
      data_product: flow/gauge-readings
      version: "1.0.0"
write:
  - data_product: flow/station-mean
    description: Mean flow per station
    file_type: csv
"""

PRODUCT = "ana:flow/station-mean@0.0.1"

BOB_CONFIG = """\
run_metadata:
  description: Look at Ana's station means
  default_input_namespace: ana
  default_output_namespace: bob
  script: cat "$FDP_CONFIG_DIR/config.yaml"
read:
  - data_product: flow/station-mean
"""


def main() -> int:
    started = time.monotonic()
    shutil.rmtree(HOME, ignore_errors=True)
    HOME.mkdir()
    processes: list[subprocess.Popen[bytes]] = []
    people: list[dict[str, str]] = []
    try:
        remote_url, tokens = start_remote(processes)
        ana = person("ana", registry_port=preferred_port(8000))
        bob = person("bob", registry_port=free_port())
        people += [ana, bob]
        ana_output = ana_story(ana, remote_url, tokens["ana"])
        bob_story(bob, remote_url, tokens["bob"], ana_output)
        graph = what_bob_has(bob, ana_output)
        step("Done", f"the whole story took {time.monotonic() - started:.1f} s")
        closing_hint(ana, bob, graph)
        return 0
    except DemoFailed as failure:
        print(f"\ndemo failed: {failure}", file=sys.stderr)
        return 1
    finally:
        for env in people:
            subprocess.run([FDPCTL, "daemon", "stop"], env=env, capture_output=True, check=False)
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


class DemoFailed(Exception):
    pass


def start_remote(processes: list[subprocess.Popen[bytes]]) -> tuple[str, dict[str, str]]:
    step("The remote", "an embedded shared registry on loopback plays the team's registry")
    remote = HOME / "remote"
    remote.mkdir()
    database = f"sqlite:///{remote / 'registry.db'}"
    tokens = {}
    for name in ("ana", "bob"):
        key = run([FDPD, "registry", "add-user", name, "--database", database], quiet=True)
        token_file = remote / f"{name}.token"
        token_file.write_text(key.strip() + "\n")
        token_file.chmod(0o600)
        tokens[name] = str(token_file)
    port = free_port()
    command = [FDPD, "registry", "serve", "--shared", "--port", str(port)]
    command += ["--database", database, "--data-store", str(remote / "store")]
    say("$ " + " ".join(command))
    with open(remote / "registry.log", "wb") as log:
        processes.append(subprocess.Popen(command, stdout=log, stderr=log))
    url = f"http://127.0.0.1:{port}/api/"
    wait_until_answering(url)
    say(f"remote registry answering at {url} (users ana and bob, tokens in 0600 files)")
    return url, tokens


def person(name: str, registry_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FDP_", "XDG_RUNTIME"))}
    env.update(FDP_HOME=str(HOME / name), FDP_REGISTRY_PORT=str(registry_port))
    # As with an activated virtualenv: the model's `python3` is the one with pyDataPipeline.
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def ana_story(env: dict[str, str], remote_url: str, token_file: str) -> Path:
    step("Ana sets up", "a data store, her registry user and author, and the remote")
    store = HOME / "ana" / "store"
    fdpctl(env, "config", "ana", "--data-store", str(store), "--name", "Ana Example")
    fdpctl(env, "remote", "add", "origin", remote_url, "--token-file", token_file)

    project = make_project(HOME / "ana" / "river-model")
    step("Ana pulls", "the register block brings a local CSV into her registry and data store")
    fdpctl(env, "pull", "config.yaml", cwd=project)

    step("Ana runs the model", "pyDataPipeline reads the input and writes its output")
    fdpctl(env, "run", "config.yaml", cwd=project)
    fdpctl(env, "status")

    step("Ana commits and pushes", "the run, its inputs, outputs, config and script")
    job = json.loads(fdpctl(env, "--json", "log", quiet=True))["jobs"][0]["id"]
    fdpctl(env, "commit", job)
    fdpctl(env, "push")
    fdpctl(env, "status")
    outputs = sorted((store / "ana" / "flow" / "station-mean").glob("*.csv"))
    if len(outputs) != 1:
        raise DemoFailed(f"expected one output file, found {outputs}")
    return outputs[0]


def bob_story(env: dict[str, str], remote_url: str, token_file: str, ana_output: Path) -> None:
    step(
        "Bob pulls Ana's result",
        "with his own fdpd, local registry and data store, and with its provenance",
    )
    store = HOME / "bob" / "store"
    fdpctl(env, "config", "bob", "--data-store", str(store), "--name", "Bob Example")
    fdpctl(env, "remote", "add", "origin", remote_url, "--token-file", token_file)
    project = HOME / "bob" / "look"
    project.mkdir(parents=True)
    (project / "config.yaml").write_text(BOB_CONFIG)
    fdpctl(env, "pull", "config.yaml", "--with-provenance", cwd=project)
    pulled = sorted((store / "ana" / "flow" / "station-mean").glob("*.csv"))
    if len(pulled) != 1:
        raise DemoFailed(f"Bob's store should hold Ana's output once, found {pulled}")
    theirs, ours = sha1(ana_output), sha1(pulled[0])
    say(f"Ana's output {ana_output.name}: SHA-1 {theirs}")
    say(f"Bob's copy   {pulled[0].relative_to(HOME)}: SHA-1 {ours}")
    if theirs != ours:
        raise DemoFailed("the SHA-1 of Bob's copy differs from Ana's file")
    say("the hashes match")
    fdpctl(env, "status")


def what_bob_has(env: dict[str, str], ana_output: Path) -> Path:
    """Bob's view of Ana's result, the provenance graph drawn for him; the picture's path."""
    step("What Bob has", "Ana's result, and who made it, from what, with which code")
    graph = HOME / "bob" / "provenance.svg"
    fdpctl(env, "info", PRODUCT, "--graph", str(graph))
    product = json.loads(fdpctl(env, "--json", "info", PRODUCT, quiet=True))["items"][0]
    [made] = product["provenance"]["produced_by"]
    run = made["run"].removeprefix("code run ")
    code_run = json.loads(fdpctl(env, "--json", "info", run, quiet=True))["items"][0]
    code = code_run["metadata"]["files"].get("code") or {}
    file = product["file"]
    say("")
    say(f"Bob has {PRODUCT}, a copy of Ana's file (SHA-1 {file['hash'][:12]}..., as hers):")
    say(f"  file       {file['path']}")
    say(f"  made by    {', '.join(made['authors'])}, code run {run[:8]} on {made['run_date'][:10]}")
    say(f"  from       {', '.join(made['inputs'])}")
    if code:
        say(f"  with code  {code['location']} at commit {code['hash'][:12]}")
    say(f"  described  {code_run['metadata']['description']}")
    shown = graph if graph.exists() else graph.with_suffix(".dot")
    say(f"the provenance graph, as a picture: {shown}")
    if not ana_output.exists():
        raise DemoFailed(f"Ana's output {ana_output} is gone")
    return shown


def closing_hint(ana: dict[str, str], bob: dict[str, str], graph: Path) -> None:
    """Commands to look further as Bob, each working as pasted into a shell (fdpctl starts
    Bob's fdpd again; the last command stops it)."""
    say(f"open {graph} in a browser to see the graph; to look around as Bob, paste:")
    variables = {name: bob[name] for name in ("FDP_HOME", "FDP_REGISTRY_PORT")}
    say("  export " + " ".join(f"{name}={shlex.quote(value)}" for name, value in variables.items()))
    for command in (["info", PRODUCT], ["status", "--all"], ["log"], ["daemon", "stop"]):
        say("  " + shlex.join([FDPCTL, *command]))
    say(
        f"(as Ana: FDP_HOME={shlex.quote(ana['FDP_HOME'])} "
        f"FDP_REGISTRY_PORT={ana['FDP_REGISTRY_PORT']}; her data store is {ana['FDP_HOME']}/store)"
    )


def make_project(folder: Path) -> Path:
    """A git project with a model, a config and a small CSV of gauge readings."""
    data = folder.parent / "source-data"
    data.mkdir(parents=True)
    rng = random.Random(42)
    with open(data / "gauge-readings.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["station", "day", "flow"])
        for station in ("Aberdeen", "Bristol", "Carlisle"):
            for day in range(1, 31):
                writer.writerow([station, f"2025-03-{day:02d}", round(rng.uniform(2, 40), 2)])
    folder.mkdir()
    (folder / "station_mean.py").write_text(MODEL)
    (folder / "config.yaml").write_text(ANA_CONFIG.format(root=data.as_uri() + "/"))
    if shutil.which("git"):
        git_env = {
            **os.environ,
            "GIT_AUTHOR_NAME": "Ana Example",
            "GIT_AUTHOR_EMAIL": "ana@example.org",
            "GIT_COMMITTER_NAME": "Ana Example",
            "GIT_COMMITTER_EMAIL": "ana@example.org",
        }
        for args in (
            ["init", "-q"],
            ["remote", "add", "origin", "https://git.example.org/ana/river-model.git"],
            ["add", "."],
            ["commit", "-qm", "River model"],
        ):
            subprocess.run(["git", *args], cwd=folder, env=git_env, check=True)
    say(f"project {folder} with config.yaml:")
    say(textwrap.indent((folder / "config.yaml").read_text().rstrip(), "    "))
    return folder


def fdpctl(env: dict[str, str], *args: str, cwd: Path | None = None, quiet: bool = False) -> str:
    return run([FDPCTL, *args], env=env, cwd=cwd, quiet=quiet)


def run(
    command: list[str],
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    quiet: bool = False,
) -> str:
    if not quiet:
        shown = ["fdpctl" if part == FDPCTL else part for part in command]
        say("$ " + " ".join(shown))
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    if not quiet:
        for line in (result.stdout + result.stderr).rstrip().splitlines():
            say("  " + line)
    if result.returncode != 0:
        raise DemoFailed(f"{' '.join(command[:3])} exited with {result.returncode}")
    return result.stdout


def wait_until_answering(url: str, timeout: float = 30.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise DemoFailed(f"the registry at {url} did not answer; see {HOME / 'remote/registry.log'}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def preferred_port(port: int) -> int:
    """The language APIs' usual port when it is free, else any free one."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return free_port()
    return port


def sha1(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def step(title: str, detail: str) -> None:
    print(f"\n== {title}: {detail}", flush=True)


def say(text: str) -> None:
    print(text, flush=True)


if __name__ == "__main__":
    sys.exit(main())
