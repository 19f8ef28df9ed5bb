"""The ISO 11649 structured creditor reference (« référence de créancier RF »).

A reference reads ``RF`` + two check digits + up to 21 letters or digits, printed in groups of
four (``RF18 5390 0754 7034``). The check digits follow ISO 7064 MOD 97-10, as for an IBAN: the
reference with ``RF00`` appended, letters turned into numbers (A = 10 … Z = 35), gives the
check digits as 98 minus the remainder by 97; a reference is valid when, its first four
characters moved to the end, that number leaves 1. Pure functions, no models.

The same module builds the EPC QR code (EPC069-12) that carries the reference to the payer's
banking app with the creditor's IBAN and the amount.
"""

from __future__ import annotations

import functools
import io
import re
from decimal import Decimal

import numpy as np
import qrcode
import qrcode.image.svg
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image
from qrcode import util as qr_util
from qrcode.main import copy_2d_array, precomputed_qr_blanks

RF_MAX_BASE = 21
_ALNUM = re.compile(r"[^0-9A-Z]")
# An RF reference inside free text: RF, two digits, then letters/digits possibly grouped by
# spaces (``RF18 5390 0754 7034``).
_IN_TEXT = re.compile(r"R\s?F\s?(\d\s?\d)((?:\s?[0-9A-Z]){1,21})")


def _as_number(text: str) -> int:
    return int("".join(str(int(char, 36)) for char in text))


def compact(text: str) -> str:
    """Upper case, spaces and punctuation removed."""
    return _ALNUM.sub("", (text or "").upper())


def rf_check_digits(base: str) -> str:
    """The two check digits of an RF reference built on ``base`` (letters and digits)."""
    base = compact(base)
    if not base or len(base) > RF_MAX_BASE:
        raise ValueError("Une référence RF porte de 1 à 21 lettres ou chiffres.")
    return f"{98 - _as_number(base + 'RF00') % 97:02d}"


def rf_reference(base: str) -> str:
    """The RF reference built on ``base``, compact (``RF18539007547034``)."""
    base = compact(base)
    return f"RF{rf_check_digits(base)}{base}"


def rf_is_valid(reference: str) -> bool:
    """Whether ``reference`` (spaces allowed) is a well-formed RF reference with right digits."""
    reference = compact(reference)
    if not re.fullmatch(r"RF\d{2}[0-9A-Z]{1,21}", reference):
        return False
    return _as_number(reference[4:] + reference[:4]) % 97 == 1


def rf_printed(reference: str) -> str:
    """The reference in groups of four, as printed on letters: ``RF18 5390 0754 7034``."""
    reference = compact(reference)
    return " ".join(reference[i : i + 4] for i in range(0, len(reference), 4))


def dossier_rf_reference(dossier_reference: str) -> str:
    """A dossier's RF reference, built on its reference without punctuation
    (``DOS-2026-00012`` → ``RF58DOS202600012``): readable, and the same on every document."""
    return rf_reference(dossier_reference)


def rf_references_in(text: str) -> list[str]:
    """The valid RF references found in free text (remittance information), compact, in order.

    Tolerates spaces inside the reference; a candidate whose check digits fail is ignored (a
    typo never matches another dossier). Where the text goes on after the reference
    (``RF18 5390 0754 7034 MERCI``), every valid reading is returned, the longest first: the
    caller keeps the one naming a dossier."""
    found: list[str] = []
    upper = (text or "").upper()
    for match in _IN_TEXT.finditer(upper):
        digits = match.group(1).replace(" ", "")
        body = match.group(2).replace(" ", "")
        # The greedy body may swallow the next word: every valid prefix, the longest first.
        for end in range(len(body), 0, -1):
            candidate = f"RF{digits}{body[:end]}"
            if rf_is_valid(candidate) and candidate not in found:
                found.append(candidate)
    return found


# --- EPC QR code for a SEPA credit transfer (EPC069-12 « Quick Response Code », version 002) --
# The payload is a list of lines separated by LF: service tag BCD, version 002, character set 1
# (UTF-8), identification SCT, the BIC (optional from version 002), the beneficiary's name
# (≤ 70 characters), the IBAN, the amount « EUR » + amount (0.01 to 999 999 999.99, a point
# before the cents), the purpose code (empty here), then either the structured creditor
# reference (ISO 11649, ≤ 35) or the unstructured remittance text (≤ 140), never both, and the
# beneficiary-to-originator information (≤ 70). Empty trailing elements are left out; the whole
# payload stays within 331 bytes; the code is printed with error correction level M.
EPC_NAME_MAX = 70
EPC_TEXT_MAX = 140
EPC_NOTE_MAX = 70
EPC_PAYLOAD_MAX_BYTES = 331
EPC_AMOUNT_MIN = Decimal("0.01")
EPC_AMOUNT_MAX = Decimal("999999999.99")


def _epc_amount(amount: Decimal | None) -> str:
    if amount is None:
        return ""
    amount = Decimal(amount).quantize(Decimal("0.01"))
    if not EPC_AMOUNT_MIN <= amount <= EPC_AMOUNT_MAX:
        raise ValueError("Le montant d'un virement SEPA va de 0,01 à 999 999 999,99 €.")
    # « EUR1 », « EUR12.3 », « EUR1234.56 »: the spec's examples write no useless zero.
    text = f"{amount:.2f}".rstrip("0").rstrip(".")
    return f"EUR{text}"


def epc_qr_payload(
    *,
    name: str,
    iban: str,
    amount: Decimal | None,
    reference: str = "",
    bic: str = "",
    text: str = "",
    purpose: str = "",
    note: str = "",
) -> str:
    """The text of an EPC QR code (« SCT ») asking the payer's bank for a SEPA transfer.

    ``reference`` is an RF creditor reference (any spacing): when given, no remittance ``text``
    is written (the standard allows one or the other). The beneficiary's name is cut to 70
    characters. Raises ``ValueError`` (French message) on an IBAN, reference or amount that a
    bank would refuse."""
    iban = compact(iban)
    if not re.fullmatch(r"[A-Z]{2}\d{2}[0-9A-Z]{11,30}", iban) or (
        _as_number(iban[4:] + iban[:4]) % 97 != 1
    ):
        raise ValueError("L'IBAN du bénéficiaire n'est pas valide.")
    bic = compact(bic)
    if bic and not re.fullmatch(r"[A-Z]{6}[0-9A-Z]{2}([0-9A-Z]{3})?", bic):
        raise ValueError("Le BIC du bénéficiaire n'est pas valide.")
    name = " ".join((name or "").split())[:EPC_NAME_MAX].strip()
    if not name:
        raise ValueError("Le nom du bénéficiaire est obligatoire.")
    structured = ""
    if reference:
        structured = compact(reference)
        if not rf_is_valid(structured):
            raise ValueError("La référence RF n'est pas valide.")
        text = ""
    text = " ".join((text or "").split())[:EPC_TEXT_MAX]
    note = " ".join((note or "").split())[:EPC_NOTE_MAX]
    elements = [
        "BCD",
        "002",
        "1",
        "SCT",
        bic,
        name,
        iban,
        _epc_amount(amount),
        compact(purpose)[:4],
        structured,
        text,
        note,
    ]
    while elements and not elements[-1]:
        elements.pop()
    payload = "\n".join(elements)
    if len(payload.encode("utf-8")) > EPC_PAYLOAD_MAX_BYTES:
        raise ValueError("Le code QR de virement dépasse 331 octets.")
    return payload


class _QRCode(qrcode.QRCode):
    """``qrcode.QRCode`` choosing the same mask as it, faster: the library places the data
    eight times (once per mask) and scores each matrix module by module in Python — most of a
    code's cost (the demo's letters make a few hundred). Here the data is placed once; each
    mask is a XOR over the data modules and the score (ISO/IEC 18004 §7.8.3, as
    ``qrcode.util.lost_point`` counts it, first lowest wins) is counted on arrays. The same
    mask, hence the same code (``tests/legal/test_epc_qr.py`` compares them)."""

    def best_mask_pattern(self) -> int:
        self.makeImpl(True, 0)
        placed = np.array(self.modules, dtype=bool)
        data = _qr_data_modules(self.version)
        masks = _qr_masks(self.modules_count)
        unmasked = placed ^ (masks[0] & data)
        scores = [_qr_lost_point(unmasked ^ (mask & data)) for mask in masks]
        return scores.index(min(scores))


@functools.lru_cache(maxsize=64)
def _qr_data_modules(version: int) -> np.ndarray:
    """The modules a code of ``version`` fills with its data: those its function patterns
    (finders, timing, alignment, format and version information) leave empty — the same for
    every code of that version."""
    code = qrcode.QRCode(version=version)
    code.modules_count = version * 4 + 17
    code.modules = copy_2d_array(precomputed_qr_blanks[version])
    code.setup_type_info(True, 0)
    if version >= 7:
        code.setup_type_number(True)
    return np.array([[module is None for module in row] for row in code.modules])


@functools.lru_cache(maxsize=64)
def _qr_masks(count: int) -> np.ndarray:
    """The eight masks of a ``count`` × ``count`` code, as the library defines them."""
    return np.array(
        [
            [[qr_util.mask_func(pattern)(row, col) for col in range(count)] for row in range(count)]
            for pattern in range(8)
        ],
        dtype=bool,
    )


_FINDER_LIKE = np.array(
    [[1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0], [0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1]], dtype=bool
)


def _qr_lost_point(modules: np.ndarray) -> int:
    """``qrcode.util.lost_point`` on an array: runs of five or more modules of one colour
    (length − 2 each), 2 × 2 blocks of one colour (3 each), finder-like patterns 1:1:3:1:1
    with four light modules on one side (40 each), in rows and columns; the dark share's
    distance from 50 % (10 per 5 %)."""
    count = len(modules)
    lost = 0
    for grid in (modules, modules.T):
        padded = np.full((count, count + 1), 2, dtype=np.int8)  # 2: a row's end
        padded[:, :count] = grid
        flat = padded.ravel()
        edges = np.flatnonzero(flat[1:] != flat[:-1]) + 1
        runs = np.diff(np.concatenate(([0], edges, [flat.size])))
        lost += int((runs[runs >= 5] - 2).sum())
        windows = sliding_window_view(grid, 11, axis=1)
        finder = (windows[:, :, None, :] == _FINDER_LIKE).all(axis=-1).any(axis=-1)
        lost += 40 * int(finder.sum())
    top_left = modules[:-1, :-1]
    same = (top_left == modules[:-1, 1:]) & (top_left == modules[1:, :-1])
    lost += 3 * int((same & (top_left == modules[1:, 1:])).sum())
    percent = float(modules.sum()) / (count**2)
    lost += int(abs(percent * 100 - 50) / 5) * 10
    return lost


def _epc_qr(payload: str, **options) -> qrcode.QRCode:
    code = _QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, **options)
    code.add_data(payload.encode("utf-8"))
    code.make(fit=True)
    return code


# A letter's codes are made again and again (the preview, the sending, the same dossier's next
# letter, the e-mail's PNG and the PDF's SVG of one letter): choosing a code's mask is most of
# its cost, and the same text gives the same code — made once for both images.
@functools.lru_cache(maxsize=1024)
def _epc_code(payload: str) -> qrcode.QRCode:
    return _epc_qr(payload, box_size=4)


def _png(payload: str, *, pixels_per_module: int) -> bytes:
    """The code drawn as ``make_image`` draws it, as one array: black on white, one bit per
    pixel, each module ``pixels_per_module`` pixels square, the quiet zone included — the same
    pixels, hence the same PNG bytes (``tests/legal/test_epc_qr.py``)."""
    dark = np.array(_epc_code(payload).get_matrix(), dtype=bool)
    if pixels_per_module > 1:
        dark = np.kron(dark, np.ones((pixels_per_module, pixels_per_module), dtype=bool))
    buffer = io.BytesIO()
    Image.fromarray(~dark).save(buffer, format="PNG")
    return buffer.getvalue()


@functools.lru_cache(maxsize=1024)
def epc_qr_png(payload: str) -> bytes:
    """The same code as a PNG image, for e-mail readers that show no SVG."""
    return _png(payload, pixels_per_module=_epc_code(payload).box_size)


@functools.lru_cache(maxsize=1024)
def qr_modules_png(payload: str) -> bytes:
    """The same code as a PNG of one pixel per module (its 4-module quiet zone included): for
    the printed letter, which draws it at its printed size without smoothing
    (``image-rendering: pixelated``: the PDF's ``/Interpolate false``), so every module is a
    sharp square at any zoom and on paper. WeasyPrint places such an image in a fraction of the
    time it takes to draw the same code as an SVG path (the letter's two codes were about a
    third of its rendering)."""
    return _png(payload, pixels_per_module=1)


@functools.lru_cache(maxsize=1024)
def epc_qr_svg(payload: str) -> str:
    """The QR code of ``payload`` as an SVG document (one path only: no style, no script), error
    correction level M as EPC069-12 requires; for letters, e-mails and pages. The dark modules
    are drawn as rectangles (a run of a row, continued down the rows that repeat it), not one
    square each: the same image, with a few times fewer path commands for WeasyPrint to draw
    (the codes were ~40 % of a letter's rendering)."""
    matrix = _epc_code(payload).get_matrix()  # with its 4-module quiet zone
    side = len(matrix)
    return (
        f'<svg width="{side}mm" height="{side}mm" version="1.1" viewBox="0 0 {side} {side}" '
        f'xmlns="http://www.w3.org/2000/svg"><path d="{_rectangles_path(matrix)}" '
        'id="qr-path" fill="#000000" fill-opacity="1" fill-rule="nonzero" stroke="none"/></svg>'
    )


def _rectangles_path(matrix: list[list[bool]]) -> str:
    """The dark modules as non-overlapping rectangles: each row's runs, a run merged with the
    same run of the rows below it."""
    open_runs: dict[tuple[int, int], int] = {}  # (x0, x1) -> first row
    parts = []

    def close(run, top, bottom):
        parts.append(f"M{run[0]},{top}H{run[1]}V{bottom}H{run[0]}z")

    for y, row in enumerate([*matrix, []]):
        runs, x = set(), 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.add((start, x))
            else:
                x += 1
        for run in sorted(r for r in open_runs if r not in runs):
            close(run, open_runs.pop(run), y)
        for run in runs:
            open_runs.setdefault(run, y)
    return "".join(parts)
