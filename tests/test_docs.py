"""The README, the help text and the commands agree."""

import re

from conftest import ROOT
from generator import cli


def readme():
    with open(f"{ROOT}/README.md", encoding="utf-8") as handle:
        return handle.read()


def test_exit_codes_are_documented_alike():
    codes = dict(re.findall(r"^  (\d)  (.+)$", cli.__doc__, re.MULTILINE))
    assert set(codes) == {"0", "1", "2", "3"}
    text = readme()
    for code in codes:
        assert re.search(rf"^\| `{code}` \|", text, re.MULTILINE), f"exit code {code} missing from the README"
    epilog = cli.make_parser().epilog
    assert all(f"{code} " in epilog for code in codes)


def test_readme_quick_start_commands_exist():
    text = readme()
    assert "python -m generator build" in text and "python -m generator check" in text
    assert "-m pytest" in text
    with open(f"{ROOT}/.ci/run", encoding="utf-8") as handle:
        ci = handle.read()
    test_command = re.search(r"^(.*-m pytest.*)$", ci, re.MULTILINE).group(1).strip()
    assert test_command in text, "the README must give the test command .ci/run runs"


def test_every_verb_in_help_is_in_the_readme(capsys):
    parser = cli.make_parser()
    verbs = parser._subparsers._group_actions[0].choices
    text = readme()
    for verb in verbs:
        assert f"python -m generator {verb}" in text
        for action in verbs[verb]._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag != "--help":
                    assert flag in text, f"{verb} {flag} is not in the README"


def test_help_exits_zero(capsys):
    try:
        cli.main(["--help"])
    except SystemExit as exc:
        assert exc.code == 0
    assert "Exit codes" in capsys.readouterr().out
