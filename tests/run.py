#!/usr/bin/env python3
"""Builds Roost and runs every test: the C unit tests (meson test, under
ASan+UBSan) and the integration tests (pytest). Prints one result line per
suite and a final "N passed, N failed". A suite that cannot run counts as
failed; a skipped test counts as failed (nothing is silently skipped)."""
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUDO = [] if os.geteuid() == 0 else ["sudo"]
passed = 0
failed = 0


def run(cmd, **kw):
    print("==", " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=TOP, **kw).returncode


def build(builddir, *opts):
    if not os.path.exists(os.path.join(TOP, builddir, "build.ninja")):
        if run(["meson", "setup", builddir, *opts]) != 0:
            return False
    return run(["ninja", "-C", builddir]) == 0


def unit_tests():
    global passed, failed
    if not build("build-asan", "-Dsanitize=true"):
        print("unit tests: build failed")
        failed += 1
        return
    run(["meson", "test", "-C", "build-asan", "--print-errorlogs", "--num-processes", "2"])
    log = os.path.join(TOP, "build-asan", "meson-logs", "testlog.json")
    if not os.path.exists(log):
        failed += 1
        return
    with open(log) as f:
        for line in f:
            r = json.loads(line)
            if r.get("result") == "OK":
                passed += 1
            else:
                print(f"FAILED unit test: {r.get('name')} ({r.get('result')})")
                failed += 1


def integration_tests():
    global passed, failed
    if not build("build"):
        print("integration tests: build failed")
        failed += 1
        return
    junit = os.path.join(TOP, "build", "pytest-junit.xml")
    if os.path.exists(junit):
        os.remove(junit)
    env = ["env", f"ROOST_BUILD_DIR={os.path.join(TOP, 'build')}", "PYTHONDONTWRITEBYTECODE=1"]
    run(SUDO + env + ["/usr/bin/python3", "-m", "pytest", "-q", "-p", "no:cacheprovider",
                      "-rfEs", f"--junitxml={junit}", "tests"])
    if not os.path.exists(junit):
        print("integration tests: pytest did not run")
        failed += 1
        return
    root = ET.parse(junit).getroot()
    for case in root.iter("testcase"):
        name = f"{case.get('classname')}.{case.get('name')}"
        bad = [c.tag for c in case if c.tag in ("failure", "error", "skipped")]
        if bad:
            print(f"FAILED integration test: {name} ({bad[0]})")
            failed += 1
        else:
            passed += 1


def main():
    unit_tests()
    integration_tests()
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
