import os
import sys


def _missing_dependency(exc: ImportError) -> int:
    """Run with a Python that lacks the dependencies: use the project's own virtual environment if it has one,
    else say how to make it (one line, exit 2, as for any other bad start)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    venv_python = os.path.join(root, ".venv", "bin", "python")
    if os.path.exists(venv_python) and os.path.realpath(sys.prefix) != os.path.realpath(os.path.join(root, ".venv")):
        os.execv(venv_python, [venv_python, "-m", "generator", *sys.argv[1:]])
    print(f"error: {exc.name or exc} is not installed in this Python ({sys.executable}); run "
          "`python3 -m venv .venv && .venv/bin/pip install -e .` and use .venv/bin/python", file=sys.stderr)
    return 2


try:
    from generator.cli import main
except ImportError as exc:
    sys.exit(_missing_dependency(exc))

sys.exit(main())
