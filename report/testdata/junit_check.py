"""Read a JUnit XML report with junitparser, as a CI server would.

Usage: python3 junit_check.py REPORT.xml

Prints what junitparser read, as JSON: the counts the report declares and,
per testsuite, each testcase's classname, name and result. Exits 1 when the
report is not what GitLab and Jenkins expect: not a <testsuites> document,
declared counts (tests, failures, errors, skipped) that differ from the
testcases junitparser finds, a testcase without a name or classname, or two
testcases with the same classname and name. Malformed XML raises, exit 1.

report/consumers_test.go runs it; .ci/install-report-tools.sh installs
junitparser (Debian's python3-junitparser).
"""

import json
import sys

from junitparser import Error, Failure, JUnitXml, Skipped


def counts(cases):
    tests = failures = errors = skipped = 0
    for case in cases:
        tests += 1
        kinds = {type(r) for r in case.result}
        if Failure in kinds:
            failures += 1
        elif Error in kinds:
            errors += 1
        elif Skipped in kinds:
            skipped += 1
    return [tests, failures, errors, skipped]


def main(path):
    xml = JUnitXml.fromfile(path)
    problems = []
    if not isinstance(xml, JUnitXml):
        problems.append("the root element is not <testsuites>")
        xml = [xml]
    out = {"suites": []}
    total = [0, 0, 0, 0]
    seen = set()
    for suite in xml:
        cases = list(suite)
        found = counts(cases)
        declared = [suite.tests, suite.failures, suite.errors, suite.skipped]
        if declared != found:
            problems.append(f"testsuite {suite.name!r} declares tests, failures, errors, skipped = {declared}, has {found}")
        total = [a + b for a, b in zip(total, found)]
        entry = {"name": suite.name, "cases": []}
        for case in cases:
            if not case.name or not case.classname:
                problems.append(f"testsuite {suite.name!r}: a testcase without name or classname")
            if (case.classname, case.name) in seen:
                problems.append(f"testcase {case.classname} {case.name!r} twice")
            seen.add((case.classname, case.name))
            result = "passed"
            message = ""
            for r in case.result:
                result = type(r).__name__.lower()
                message = r.message or ""
            entry["cases"].append({"classname": case.classname, "name": case.name, "result": result, "message": message})
        out["suites"].append(entry)
    if isinstance(xml, JUnitXml):
        declared = [xml.tests, xml.failures, xml.errors, xml.skipped]
        if declared != total:
            problems.append(f"testsuites declares tests, failures, errors, skipped = {declared}, has {total}")
    out["counts"] = total
    out["problems"] = problems
    json.dump(out, sys.stdout, indent=1)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
