"""Renders Home Assistant templates for consumers_test.go with jinja2.

Home Assistant itself is not installable here; this is its template
environment reduced to what the examples use: jinja2's sandbox (as Home
Assistant's), the built-in filters, and Home Assistant's float, int, round
and is_number filters and states() function with their semantics (float and
int raise without a default, is_number is false for "unknown").

One request per line on stdin, one answer per line on stdout:
request: JSON list of {"template": str, "vars": {...}, "states": {entity: state}}
answer:  JSON list of {"out": str} or {"error": str}
"""
import json
import math
import sys

from jinja2.sandbox import ImmutableSandboxedEnvironment

_SENTINEL = object()


def ha_float(value, default=_SENTINEL):
    try:
        return float(value)
    except (ValueError, TypeError):
        if default is _SENTINEL:
            raise ValueError(f"float got invalid input '{value}' and no default was specified")
        return default


def ha_int(value, default=_SENTINEL, base=10):
    try:
        return int(float(value)) if not isinstance(value, str) or base == 10 else int(value, base)
    except (ValueError, TypeError):
        if default is _SENTINEL:
            raise ValueError(f"int got invalid input '{value}' and no default was specified")
        return default


def ha_round(value, precision=0, method="common", default=_SENTINEL):
    try:
        v = float(value)
    except (ValueError, TypeError):
        if default is _SENTINEL:
            raise ValueError(f"round got invalid input '{value}' and no default was specified")
        return default
    if method == "ceil":
        return math.ceil(v * 10**precision) / 10**precision
    if method == "floor":
        return math.floor(v * 10**precision) / 10**precision
    return round(v, precision)


def ha_is_number(value):
    try:
        f = float(value)
    except (ValueError, TypeError):
        return False
    return not (math.isnan(f) or math.isinf(f))


def render(jobs):
    results = []
    for job in jobs:
        # Home Assistant renders with the default (lenient) Undefined, so an
        # absent series gives an empty string or the template's default().
        env = ImmutableSandboxedEnvironment()
        env.filters.update(float=ha_float, int=ha_int, round=ha_round, is_number=ha_is_number)
        states = job.get("states") or {}
        env.globals["states"] = lambda entity_id: states.get(entity_id, "unknown")
        env.globals["is_number"] = ha_is_number
        try:
            out = env.from_string(job["template"]).render(**(job.get("vars") or {}))
            results.append({"out": out.strip()})
        except Exception as e:  # the template's error is the answer
            results.append({"error": f"{type(e).__name__}: {e}"})
    return results


def main():
    for line in sys.stdin:
        sys.stdout.write(json.dumps(render(json.loads(line))) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
