#!/usr/bin/python3
"""Validates classificationpublish messages against the JSON Schema.

    validate-json.py SCHEMA FILE...   (each FILE: JSON Lines)

Prints one line per invalid message and exits 1 if there is any; also
checks what the schema cannot say (classes sorted by confidence).  The
Python tests import validate()."""

import json
import sys

import jsonschema


def load_validator(schema_path):
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def validate(validator, text):
    """Returns a list of problems with one message (empty: valid)."""
    try:
        message = json.loads(text)
    except json.JSONDecodeError as e:
        return [f"not JSON: {e}"]
    problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                for e in validator.iter_errors(message)]
    if not problems:
        for r in message["results"]:
            for what, classes in [("classes", r["classes"])] + [
                    (f"head {h['name']}", h["classes"]) for h in r.get("heads", [])
                    if "classes" in h]:
                c = [k["confidence"] for k in classes]
                if c != sorted(c, reverse=True):
                    problems.append(f"roi {r['roi_id']}: {what} not sorted: {c}")
    return problems


def main():
    validator = load_validator(sys.argv[1])
    bad = count = 0
    for path in sys.argv[2:]:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                count += 1
                for p in validate(validator, line):
                    bad += 1
                    print(f"{path}:{n}: {p}")
    print(f"{count} messages, {bad} problems")
    return 1 if bad or count == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
