"""benchmarks/mutation.py stays runnable as the code moves: issue 23's one-line changes still find their lines, every
test file a scope names exists, every explained survivor names a module of the package, and the recorded results
explain every survivor they list (``--relabel`` refreshes them)."""

from __future__ import annotations

import os
import runpy

import pytest

from generator.core.yamlio import read_yaml_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = runpy.run_path(os.path.join(ROOT, "benchmarks", "mutation.py"), run_name="mutation_under_test")


@pytest.mark.parametrize("name, relative, old, new, tests", SCRIPT["ISSUE_23_CHANGES"],
                         ids=[change[0] for change in SCRIPT["ISSUE_23_CHANGES"]])
def test_each_issue_23_change_finds_its_line_once(name, relative, old, new, tests):
    with open(os.path.join(ROOT, relative), encoding="utf-8") as handle:
        assert handle.read().count(old) == 1, f"{relative}: update ISSUE_23_CHANGES for '{name}'"
    assert old != new and tests
    for test in tests:
        assert os.path.isfile(os.path.join(ROOT, test)), test


def test_every_scope_names_existing_modules_and_tests():
    for name, (modules, tests) in SCRIPT["SCOPES"].items():
        for module in modules:
            folder = os.path.join(ROOT, os.path.dirname(module))
            assert os.path.isdir(folder) and (module.endswith("*") or os.path.isfile(os.path.join(ROOT, module))), \
                (name, module)
        missing = [test for test in tests if not os.path.isfile(os.path.join(ROOT, test))]
        assert not missing, (name, missing)


def test_every_explained_survivor_names_a_module_of_the_package():
    for mutant, why in SCRIPT["SURVIVORS_EXPLAINED"].items():
        module = mutant.split(".x")[0].split(".x\u01c1")[0]
        assert module.startswith("generator."), mutant
        assert os.path.isfile(os.path.join(ROOT, *module.split(".")) + ".py"), mutant
        assert "__mutmut_" in mutant and len(why) >= 20, mutant  # a reason, not a placeholder


def test_the_recorded_results_explain_every_survivor():
    results = read_yaml_file(os.path.join(ROOT, "benchmarks", "mutation-results.yaml"))
    unexplained = []
    for scope, entry in results["scopes"].items():
        still = entry.get("recheck", {}).get("still_surviving", {})
        unexplained += [f"{scope}: {m}" for m, why in {**entry.get("survivors", {}), **still}.items()
                        if why.startswith("NOT EXPLAINED")]
    assert not unexplained, unexplained
    combined = results["combined"]
    assert combined["kill_rate_pct"] == round(100 * (combined["killed"] + combined["timeouts"]) / combined["mutants"], 1)
