"""A real text corpus that every machine has offline: the docstrings of Python's standard
library, split into paragraphs, as JSON lines `{"id", "source", "text"}`.

    python3 scripts/stdlib_corpus.py OUT.jsonl [--rows N]

Every module and submodule `pkgutil` finds under the running interpreter's stdlib directory
(tests, IDLE, Tk and the jokes left out), then its classes, functions and methods, in name
order; each docstring split into paragraphs, whitespace collapsed, paragraphs under 20
characters and repeats dropped. `source` names where a paragraph came from
(`json.JSONDecoder.decode`). The same Python version gives the same texts in the same
order: English technical prose of a few words to a few hundred tokens. Needs only the
standard library.
"""

import argparse
import importlib
import inspect
import json
import pkgutil
import re
import sys
import sysconfig
import warnings

SKIP = ("_", "test", "idlelib", "tkinter", "turtle", "antigravity", "this")


def documented(module):
    """(qualified name, object) of `module` and of the classes, functions and methods it
    defines, in name order."""
    name = module.__name__
    yield name, module
    for attr, obj in sorted(vars(module).items()):
        if getattr(obj, "__module__", None) != name:
            continue
        if inspect.isfunction(obj):
            yield f"{name}.{attr}", obj
        elif inspect.isclass(obj):
            yield f"{name}.{attr}", obj
            for method, member in sorted(vars(obj).items()):
                if inspect.isfunction(member):
                    yield f"{name}.{attr}.{method}", member


def paragraphs(limit=None):
    """Up to `limit` (source, text) docstring paragraphs of the standard library, distinct,
    in a fixed order."""
    stdlib = sysconfig.get_paths()["stdlib"]
    names = sorted(
        m.name
        for m in pkgutil.walk_packages([stdlib], onerror=lambda _: None)
        if not any(part.startswith(SKIP) for part in m.name.split("."))
    )
    seen = set()
    for name in names:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                module = importlib.import_module(name)
        except Exception:  # noqa: BLE001 (a module that does not import here is skipped)
            continue
        for source, obj in documented(module):
            for paragraph in re.split(r"\n\s*\n", inspect.getdoc(obj) or ""):
                text = " ".join(paragraph.split())
                if len(text) >= 20 and text not in seen:
                    seen.add(text)
                    yield source, text
                    if limit is not None and len(seen) == limit:
                        return


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="the JSON lines file to write")
    parser.add_argument("--rows", type=int, help="at most this many paragraphs (default: all)")
    args = parser.parse_args()
    # Importing the whole stdlib prints a line or two of its own; keep stdout for the count.
    real_stdout, sys.stdout = sys.stdout, sys.stderr
    with open(args.out, "w", encoding="utf-8") as out:
        count = 0
        for count, (source, text) in enumerate(paragraphs(args.rows), start=1):
            out.write(json.dumps({"id": count - 1, "source": source, "text": text}) + "\n")
    sys.stdout = real_stdout
    print(f"{count} docstring paragraphs of Python {sys.version.split()[0]}'s stdlib in {args.out}")


if __name__ == "__main__":
    main()
