"""One QR helper: an SVG for pages and printouts, error correction M by default."""

from __future__ import annotations

import io

import qrcode
import qrcode.constants
from markupsafe import Markup
from qrcode.image.svg import SvgPathImage

_LEVELS = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}


def qr_svg(data: str, *, error_correction: str = "M", border: int = 4) -> Markup:
    """The QR code for ``data`` as an inline SVG element that scales with its container."""
    code = qrcode.QRCode(error_correction=_LEVELS[error_correction], border=border, box_size=10)
    code.add_data(data)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(image_factory=SvgPathImage).save(buffer)
    svg = buffer.getvalue().decode("utf-8")
    svg = svg[svg.index("<svg") :]
    return Markup(svg)
