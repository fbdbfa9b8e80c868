"""The files an administrator runs the assistant with: the Dockerfile, the Procfile and the systemd unit in README.

Docker has no engine on every machine that runs the tests, so the image is built in CI where one is present; here
the Dockerfile's content is checked against the project: it serves with `mhhs-bot serve`, installs torch at the
version pyproject.toml pins, from the CPU-only index, and copies every package setuptools installs.
"""

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (REPO / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_the_dockerfile_serves_with_the_pinned_cpu_torch_and_the_project_packages():
    instructions = dockerfile_instructions()
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    [torch_pin] = [d for d in pyproject["project"]["dependencies"] if d.startswith("torch")]
    runs = [arg for kind, arg in instructions if kind == "RUN"]
    torch_run = next(r for r in runs if "torch" in r)
    assert torch_pin.replace(" ", "") in torch_run and "download.pytorch.org/whl/cpu" in torch_run
    assert runs.index(torch_run) < next(i for i, r in enumerate(runs) if re.search(r"pip install \.", r))
    copied = {arg.split()[0] for kind, arg in instructions if kind == "COPY"}
    packages = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    assert {p.rstrip("*") for p in packages} <= copied
    [(_, cmd)] = [(k, a) for k, a in instructions if k == "CMD" and not a.startswith("python")]
    assert cmd.endswith('exec mhhs-bot serve"]')
    assert ("USER", "mhhs") in instructions  # not root
    assert any(k == "HEALTHCHECK" and "/healthz" in a for k, a in instructions)


def test_procfile_and_readme_operations():
    assert (REPO / "Procfile").read_text().splitlines()[0] == "web: mhhs-bot serve"
    readme = (REPO / "README.md").read_text()
    operations = readme.split("## Operations", 1)[1]
    for needed in ("ExecStart=", "honcho start", "docker build", "mhhs-bot backup", "auth.test", "reinstall"):
        assert needed in operations, needed
