"""Drawing a QR code as filled rectangles, whatever the drawing surface (a PDF content stream, fpdf2)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence


def dark_runs(matrix: Sequence[Sequence[int | bool]]) -> Iterator[tuple[int, int, int]]:
    """Each horizontal run of dark modules as (row, first column, length): one rectangle a run rather than
    one a module, so the file stays small and readers fill whole runs without seams between modules."""
    for row_index, row in enumerate(matrix):
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and row[column]:
                column += 1
            yield row_index, start, column - start
