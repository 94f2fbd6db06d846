"""One QR helper: an SVG for pages and printouts, error correction M by default."""

from __future__ import annotations

import io

from markupsafe import Markup


def qr_svg(data: str, *, error_correction: str = "M", border: int = 4) -> Markup:
    """The QR code for ``data`` as an inline SVG element that scales with its container."""
    # Imported here: qrcode brings in Pillow and ElementTree, which app start-up need not pay for.
    import qrcode
    from qrcode.image.svg import SvgPathImage

    level = getattr(qrcode.constants, f"ERROR_CORRECT_{error_correction}")
    code = qrcode.QRCode(error_correction=level, border=border, box_size=10)
    code.add_data(data)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(image_factory=SvgPathImage).save(buffer)
    svg = buffer.getvalue().decode("utf-8")
    svg = svg[svg.index("<svg") :]
    return Markup(svg)
