"""The differential test's registry state and configs: the peers' real configs and generated
variants (each wildcard form, versions, namespaces, templates, defaults left out, and the five
kinds of config FAIR-CLI 0.11.0 runs that fdp once refused).

Where fdp deliberately reads a config otherwise than FAIR-CLI 0.11.0, DELIBERATE says why and
what fdp says about it at the config's line (docs/config.md lists the same differences).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# (namespace, name, version) of every data product both registries hold
PRODUCTS: tuple[tuple[str, str, str], ...] = (
    ("ana", "real/data/U/1", "0.1.0"),
    ("ana", "real/data/U/1", "0.2.0"),
    ("ana", "real/data/U/2", "0.1.0"),
    ("ana", "real/data/U/thing/1", "0.1.0"),
    ("ana", "real/data/V/1", "1.0.0"),
    ("ana", "real/data/Ux", "0.3.0"),
    ("ana", "out/a", "1.0.0"),
    ("ana", "out/b", "0.1.0"),
    ("ana", "out/b", "0.2.0"),
    ("ana", "out/deep/c", "0.1.0"),
    ("ana", "SEIRS_model/results/model_output/python", "0.0.1"),
    ("other", "rain/north", "1.0.0"),
    ("other", "rain/north", "1.2.0"),
    ("other", "rain/south", "0.3.0"),
    ("other", "rain/south/hourly", "0.1.0"),
    ("testing", "test/csv", "0.0.1"),
    ("username", "real/data/d75b209ce2a86f91bfd72cfd378ced7d081ae2bf/1", "0.0.1"),
    ("username", "real/data/d75b209ce2a86f91bfd72cfd378ced7d081ae2bf/x/2", "0.0.1"),
)

RUN = "run_metadata:\n  description: differential case\n  script: echo hi\n"


def _read(name: str, extra: str = "") -> str:
    return f"read:\n  - data_product: {name}\n{extra}"


def _write(name: str, extra: str = "") -> str:
    return f"write:\n  - data_product: {name}\n    description: out\n    file_type: csv\n{extra}"


VARIANTS: dict[str, str] = {
    # wildcard forms
    "star-at-end": RUN + _read("real/data/U/*"),
    "star-at-end-no-deeper-names": RUN + _read("real/data/V/*"),
    "star-in-middle": RUN + _read("real/data/*/1"),
    "star-inside-segment": RUN + _read("real/data/U*"),
    "several-stars": RUN + _read("real/*/*/1"),
    "star-then-slash": RUN + _read("'*/data/U/2'"),
    "star-no-match": RUN + _read("nothing/here/*"),
    "double-star": RUN + _read("real/data/**"),
    "star-exact-version": RUN + _read("real/data/U/*", '    use:\n      version: "0.1.0"\n'),
    "star-explicit-namespace": RUN + _read("rain/*", "    use:\n      namespace: other\n"),
    "write-star-existing": RUN + _write("out/*"),
    "write-star-no-match": RUN + _write("new/*"),
    # versions
    "read-exact": RUN + _read("real/data/U/1", '    use:\n      version: "0.1.0"\n'),
    "read-latest": RUN + _read("real/data/U/1", "    use:\n      version: ${{LATEST}}\n"),
    "read-absent-version": RUN + _read("real/data/U/1"),
    "read-missing-version": RUN + _read("real/data/U/1", '    use:\n      version: "9.9.9"\n'),
    "write-new-exact": RUN + _write("out/a", '    use:\n      version: "2.0.0"\n'),
    "write-existing-version": RUN + _write("out/a", '    use:\n      version: "1.0.0"\n'),
    "write-absent-version": RUN + _write("out/b"),
    "write-minor": RUN + _write("out/b", "    use:\n      version: ${{MINOR}}\n"),
    "write-new-name": RUN + _write("brand/new"),
    # namespaces
    "namespace-default-input": RUN.replace("  script", "  default_input_namespace: other\n  script")
    + _read("rain/north"),
    "namespace-explicit-use": RUN + _read("rain/south", "    use:\n      namespace: other\n"),
    "namespace-default-output": RUN.replace(
        "  script", "  default_output_namespace: other\n  script"
    )
    + _write("rain/north"),
    "read-alias": RUN
    + _read("alias", "    use:\n      data_product: real/data/U/2\n      namespace: ana\n"),
    # templates
    "template-write-version": RUN + _write("out/a", "    use:\n      version: 0.${{DATE}}.0\n"),
    "template-description": "run_metadata:\n  description: run on ${{DATE}} by ${{USER}}\n"
    "  script: echo ${{CONFIG_DIR}}\n" + _read("real/data/U/2"),
    # defaults left out, and given
    "defaults-given": "run_metadata:\n  description: d\n  script: echo hi\n"
    "  default_input_namespace: ana\n  default_output_namespace: ana\n"
    "  default_read_version: ${{LATEST}}\n  default_write_version: ${{MINOR}}\n  public: true\n"
    + _read("real/data/U/1")
    + _write("out/b"),
    "no-read-no-write": "run_metadata:\n  description: d\n  script: echo hi\n",
    # the five kinds of issue 24
    "no-description": "run_metadata:\n  script: echo hi\n" + _read("real/data/U/2"),
    "remote-url-elsewhere": RUN + "  remote_data_registry_url: https://data.scrc.uk/api/\n",
    "write-data-store-elsewhere": RUN + "  write_data_store: /tmp/fdp-elsewhere/\n",
    "register-author-without-name": RUN + "register:\n  - author: Ana Smith\n",
}


@dataclass(frozen=True)
class Deliberate:
    """A case where fdp reads the config otherwise than FAIR-CLI 0.11.0, on purpose."""

    reason: str  # why (docs/config.md, "What FAIR-CLI 0.11.0 accepts")
    fdp_says: str  # what fdp's warning or error at the config's line holds


DELIBERATE: dict[str, Deliberate] = {
    "double-star": Deliberate(
        "`**` is fdp's any depth; FAIR-CLI 0.11.0 has none and read `**` as two `*` in one segment",
        "is fdp's any depth",
    ),
    "star-no-match": Deliberate(
        "a read pattern matching nothing is an error (FAIR-CLI kept only the pattern entry, "
        "which no language API resolves; it is nearly always a missing `fdpctl pull`)",
        "matched nothing",
    ),
    "e11-pdp-tests-write_csv": Deliberate(
        "writing a version that exists (`testing:test/csv@0.0.1`) is refused (pyDataPipeline "
        "attached the new file to the existing data product, losing the first file's record)",
        "FAIR-CLI 0.11.0 ran this",
    ),
    "write-existing-version": Deliberate(
        "writing a version that exists is refused (pyDataPipeline attached the new file to the "
        "existing data product, losing the first file's record)",
        "FAIR-CLI 0.11.0 ran this",
    ),
}

# Cases read alike where fdp still does something else, and says so at the config's line
WARNED: dict[str, str] = {
    "star-at-end": "leaves out 1 name",
    "several-stars": "write `real/**/**/1` to take them too",
    "no-description": "run_metadata has no description",
    "remote-url-elsewhere": "is not one of your remotes",
    "write-data-store-elsewhere": "is not fdp's data store",
    "write-star-no-match": "write pattern `new/*` matched nothing",
}


def peer_configs(configs: Path, project: Path, store: Path) -> dict[str, str]:
    """The peers' real configs, `REPO` and `DS` (placeholders in FAIR-CLI's docs) filled in."""
    found = {}
    for path in sorted(configs.glob("*.yaml")):
        text = path.read_text()
        text = text.replace("local_repo: REPO", f"local_repo: {project}")
        text = text.replace("write_data_store: DS", f"write_data_store: {store}/")
        found[path.stem] = text
    return found
