"""Each benchmark owns one marked section of docs/benchmarks.md and rewrites only that."""

from pathlib import Path


def write_section(path: Path, key: str, title: str, body: str, after: str | None = None) -> None:
    """Replace section `key` in place; a new one goes right after section `after` if that exists,
    so related figures stay together, else at the end."""
    start, end = f"<!-- {key}:start -->", f"<!-- {key}:end -->"
    section = f"{start}\n## {title}\n\n{body}\n{end}\n"
    text = path.read_text() if path.exists() else "# Benchmarks\n\nMeasured with `make bench` on the 2-core machine CI runs on.\n"
    anchor = f"<!-- {after}:end -->\n" if after else None
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + section + rest.split(end, 1)[1].lstrip("\n")
    elif anchor and anchor in text:
        head, rest = text.split(anchor, 1)
        text = head + anchor + section + rest
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)
