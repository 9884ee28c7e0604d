"""Usage errors are one line, like every other error: no usage block, the option, what was expected, what was given."""

import pytest

from conftest import run_cli, snapshot


@pytest.mark.parametrize("option, what", [("--context", "tokens"), ("--generate", "new tokens"),
                                          ("--batch", "sequences"), ("--gpus", "GPUs")])
@pytest.mark.parametrize("value, shown", [("abc", "'abc'"), ("1.5", "'1.5'"), ("10**9", "'10**9'"),
                                          ("9" * 5000, "'" + "9" * 56 + "...")])
def test_a_number_option_that_is_not_a_whole_number_is_one_line(capsys, option, what, value, shown):
    argv = {"--config": "Qwen2-7B-Instruct", "--quantization": "bf16", "--context": "1024", option: value}
    result = run_cli("estimate", *[x for pair in argv.items() for x in pair])
    assert result.code == 2
    assert result.err == (f"error: {option}: expected a whole number of {what}, got {shown}; "
                          "see `python -m generator estimate --help`\n")
    assert capsys.readouterr().err == ""  # and nothing else on the terminal


@pytest.mark.parametrize("argv, message", [
    ([], "the following arguments are required: verb"),
    (["build", "--frobnicate"], "unrecognized arguments: --frobnicate"),
    (["estimate", "--config", "x"], "the following arguments are required: --context"),
    (["check", "--site"], "--site: expected one argument"),
])
def test_other_usage_errors_are_one_line_and_write_nothing(project, capsys, argv, message):
    before = snapshot(project)
    result = run_cli(*argv)
    assert result.code == 2
    assert result.err.startswith(f"error: {message}; see `python -m generator") and result.err.count("\n") == 1, \
        result.err
    assert capsys.readouterr().err == ""
    assert snapshot(project) == before
