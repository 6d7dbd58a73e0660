"""One writer per stored collection: the README's Layout section names it, and no other module writes.

A module writes a collection when it makes a writable `Repository` of it or calls the store's own write
methods (`put`, `delete`) on it. Everything else reads through a `Reader` (mypy refuses a write through
one), so these two are every way in.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from recall_sim.simulator.store import COLLECTIONS, Collection

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("simulator", "recorder", "scenarios", "seams")
#: the store itself and the Repository class write whatever collection they are handed
EXEMPT = {"simulator/records.py"}
EXEMPT_FOLDERS = ("simulator/store/",)
STORE_WRITES = {"put", "delete"}
_LINE = re.compile(r"^- ((?:`\w+`, )*`\w+`): `([\w/]+\.py)`$")


def readme_writers() -> dict[str, str]:
    """collection -> the module the README's Layout section says writes it."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = text.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    owners: dict[str, str] = {}
    for line in layout.splitlines():
        match = _LINE.match(line)
        if match is None:
            continue
        for name in re.findall(r"`(\w+)`", match.group(1)):
            assert name not in owners, f"{name} is listed twice in the README's Layout section"
            owners[name] = match.group(2)
    return owners


def _collection_of(node: ast.expr) -> str:
    """The collection an argument names: a `Collection.X` constant, or (refused) a string literal."""
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "Collection"
        and node.attr in Collection.__members__
    ):
        return Collection[node.attr].value
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return f"literal:{node.value}"
    return f"unresolved:{ast.unparse(node)}"


def _is_store(node: ast.expr) -> bool:
    return (isinstance(node, ast.Name) and node.id == "store") or (
        isinstance(node, ast.Attribute) and node.attr == "store"
    )


def writes(source: str) -> Iterator[tuple[int, str]]:
    """(line, collection) of each write in a module's source."""
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name == "Repository":
            arg = (
                node.args[1]
                if len(node.args) > 1
                else next((k.value for k in node.keywords if k.arg == "collection"), None)
            )
            if arg is not None:
                yield node.lineno, _collection_of(arg)
        elif isinstance(func, ast.Attribute) and name in STORE_WRITES and _is_store(func.value) and node.args:
            yield node.lineno, _collection_of(node.args[0])


def _modules() -> Iterator[tuple[str, str]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            module = path.relative_to(ROOT).as_posix()
            if module in EXEMPT or module.startswith(EXEMPT_FOLDERS):
                continue
            yield module, path.read_text(encoding="utf-8")


def violations(owners: dict[str, str], modules: Iterator[tuple[str, str]]) -> list[str]:
    found: list[str] = []
    for module, source in modules:
        for line, collection in writes(source):
            owner = owners.get(collection)
            if collection.startswith(("literal:", "unresolved:")):
                found.append(f"{module}:{line} writes {collection}: name it by its Collection constant")
            elif owner is None:
                found.append(f"{module}:{line} writes {collection}, which the README names no writer of")
            elif owner != module:
                found.append(f"{module}:{line} writes {collection}, which only {owner} may write")
    return found


def test_the_readme_names_one_writer_for_every_collection() -> None:
    owners = readme_writers()
    assert sorted(owners) == sorted(Collection) == sorted(COLLECTIONS)
    for module in set(owners.values()):
        assert (ROOT / module).is_file(), f"the README names {module}, which does not exist"


def test_no_module_but_its_writer_writes_a_collection() -> None:
    assert violations(readme_writers(), _modules()) == []


def test_every_writer_writes_what_the_readme_says() -> None:
    """The list is not stale: each named module does write its collections."""
    owners = readme_writers()
    written = {(module, c) for module, source in _modules() for _, c in writes(source)}
    assert sorted((m, c) for c, m in owners.items() if (m, c) not in written) == []


def test_a_write_from_elsewhere_is_caught() -> None:
    """The check itself: a second writer of sdk_uploads, a string-named collection and a direct store
    write are each reported."""
    owners = readme_writers()
    source = (
        "from recall_sim.simulator.store import Collection\n"
        "uploads = Repository(ctx.store, Collection.SDK_UPLOADS, SdkUpload)\n"
        'tokens = Repository(ctx.store, "upload_tokens", UploadToken)\n'
        "ctx.store.delete(Collection.RECORDINGS, recording_id)\n"
    )
    found = violations(owners, iter([("simulator/processing/pipeline.py", source)]))
    assert found == [
        "simulator/processing/pipeline.py:2 writes sdk_uploads, which only simulator/backend/sdk_uploads.py"
        " may write",
        "simulator/processing/pipeline.py:3 writes literal:upload_tokens: name it by its Collection constant",
        "simulator/processing/pipeline.py:4 writes recordings, which only simulator/backend/recordings.py"
        " may write",
    ]
