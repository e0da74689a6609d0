"""Where the return is: a folder of tables and/or XML, collection years in subfolders, and the pack folder."""

from __future__ import annotations

import re
from pathlib import Path

import attrs

from permanence_core.errors import InputError

PACK_FOLDER = "pack"
_YEAR = re.compile(r"(\d{4})(?:\D{1,3}(\d{4}|\d{2})(?!\d))?")


@attrs.frozen
class Collection:
    """One collection year's files; ``label`` is its folder ("." for the source folder itself)."""

    label: str
    csv_files: tuple[Path, ...] = ()
    xml_files: tuple[Path, ...] = ()

    @property
    def files(self) -> tuple[Path, ...]:
        """Every file of the collection."""
        return self.csv_files + self.xml_files


@attrs.frozen
class Layout:
    """The collections in stitching order (oldest first), the pack location and what was passed over."""

    root: Path
    collections: tuple[Collection, ...]
    pack: Path | None = None
    ignored: tuple[str, ...] = ()

    def name(self, path: Path) -> str:
        """How a file is named in rejections and notices: relative to the source folder."""
        try:
            return path.relative_to(self.root).as_posix() if self.root.is_dir() else path.name
        except ValueError:
            return str(path)


def collection_year(name: str) -> int | None:
    """The year a folder name stands for: ``2025``, ``2024-25`` and ``ssda903_2024_2025`` all give 2025."""
    match = _YEAR.search(name)
    if not match:
        return None
    first, second = match.groups()
    if second is None:
        return int(first)
    if len(second) == 4:
        return int(second)
    ending = int(first[:2] + second)
    return ending + 100 if ending < int(first) else ending


def _files(folder: Path) -> Collection:
    entries = sorted(p for p in folder.iterdir() if p.is_file())
    return Collection(
        label=".",
        csv_files=tuple(p for p in entries if p.suffix.lower() == ".csv"),
        xml_files=tuple(p for p in entries if p.suffix.lower() == ".xml"),
    )


def discover(source: str | Path, pack: str | Path | None = None) -> Layout:
    """Find the collections and the pack.

    ``source`` is an XML or CSV file, or a folder. In a folder, each subfolder whose name holds a year is one
    collection year, ordered by that year (the ending year of a range like ``2023-24``); files in the folder
    itself form the most recent collection. The pack is ``pack`` when given, else the ``pack/`` subfolder.
    """
    root = Path(source)
    if not root.exists():
        raise InputError(str(source), "does not exist")
    if not (root.is_file() or root.is_dir()):
        # A device, FIFO or socket: reading one never ends (/dev/zero) or waits for a writer (a FIFO).
        raise InputError(str(source), "is neither a regular file nor a folder")
    pack_path = Path(pack) if pack else None
    if pack_path is not None and not pack_path.exists():
        raise InputError(str(pack), "the permanence pack does not exist")
    if root.is_file():
        if root.suffix.lower() not in (".xml", ".csv"):
            raise InputError(str(source), "is neither an SSDA903 XML return nor a CSV table")
        kind = "xml_files" if root.suffix.lower() == ".xml" else "csv_files"
        return Layout(root=root, collections=(Collection(label=".", **{kind: (root,)}),), pack=pack_path)
    years: list[tuple[int, str, Collection]] = []
    ignored: list[str] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if folder.name.lower() == PACK_FOLDER:
            pack_path = pack_path or folder
            continue
        year = collection_year(folder.name)
        if year is None:
            ignored.append(f"{folder.name}/: no year in its name, so not read as a collection year")
            continue
        years.append((year, folder.name, attrs.evolve(_files(folder), label=folder.name)))
    collections = [collection for _year, _name, collection in sorted(years, key=lambda item: item[:2])]
    own = _files(root)
    if own.files:
        collections.append(own)
    if not any(collection.files for collection in collections):
        raise InputError(str(source), "holds no SSDA903 CSV tables or XML returns")
    return Layout(root=root, collections=tuple(collections), pack=pack_path, ignored=tuple(ignored))
