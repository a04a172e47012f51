"""Generate the bundled example: a Vite-like ``dist/`` with a few widgets.

Deterministic (seeded), so the committed output is reproducible:

    python examples/generate_widgets.py examples/widgets/dist

Layout, as Vite's multi-page build writes it: one HTML entry per widget under
``src/widgets/<name>/index.html`` and hashed JS/CSS under ``assets/``; the widgets share a
vendor chunk, and ``gallery`` lands between the 240 KB warning and the 250 KB critical budget
(gzip).
"""

from __future__ import annotations

import hashlib
import random
import sys
import zlib
from pathlib import Path

WORDS = (  # noqa: SIM905 - a sentence of words reads better than a list
    "render state props effect memo ref context value update next prev index item list map "
    "filter reduce keys entries assign create element child node style class event handler "
    "widget frame layout theme color size width height offset scroll focus blur click input "
    "change submit fetch json response request cache token session user chat weather gallery "
    "image thumb caption title label button icon tooltip modal dialog panel tab route query"
).split()


def _ident(rng: random.Random) -> str:
    return rng.choice("abcdefghijklmnopqrstuvwxyz$_") + "".join(
        rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        for _ in range(rng.randint(0, 3))
    )


def _statement(rng: random.Random) -> str:
    a, b, c = _ident(rng), _ident(rng), _ident(rng)
    word = rng.choice(WORDS)
    number = rng.randint(0, 99999)
    forms = [
        f"function {a}({b},{c}){{return {b}.{word}({c},{number})}}",
        f"const {a}={b}=>{b}.{word}?{b}.{word}+{number}:{c};",
        f'{a}.{word}="{word}-{rng.getrandbits(40):x}";',
        f"if({a}&&{b}.{word}>{number}){{{c}({a},{b})}}",
        f'var {a}={{{word}:{number},"{rng.choice(WORDS)}":"{rng.getrandbits(48):x}"}};',
    ]
    return rng.choice(forms)


def js(rng: random.Random, target_gzip: int, header: str = "") -> str:
    """Minified-looking JS whose gzip size just exceeds ``target_gzip`` bytes."""
    parts = [header] if header else []
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    size = 0
    while size < target_gzip:
        chunk = "".join(_statement(rng) for _ in range(200))
        parts.append(chunk)
        size += len(compressor.compress(chunk.encode()))
        size = (
            len(zlib.compress("".join(parts).encode(), 9, 31)) if size > target_gzip * 0.9 else size
        )
    return "".join(parts)


def css(rng: random.Random, rules: int) -> str:
    return "".join(
        f".{rng.choice(WORDS)}-{_ident(rng)}{{margin:{rng.randint(0, 32)}px;"
        f"color:#{rng.getrandbits(24):06x}}}"
        for _ in range(rules)
    )


def hashed(name: str, content: str, ext: str) -> str:
    digest = hashlib.sha256(content.encode()).hexdigest()[:8]
    # Vite uses 8 base64url characters; a hex digest with a digit in it normalises the same way.
    return f"{name}-{digest}{ext}"


def html(title: str, scripts: list[str], styles: list[str], preloads: list[str]) -> str:
    head = "".join(f'    <link rel="stylesheet" href="/{s}">\n' for s in styles)
    head += "".join(f'    <link rel="modulepreload" href="/{p}">\n' for p in preloads)
    head += "".join(
        f'    <script type="module" crossorigin src="/{s}"></script>\n' for s in scripts
    )
    return (
        '<!doctype html>\n<html lang="en">\n  <head>\n    <meta charset="UTF-8">\n'
        f'    <title>{title}</title>\n{head}  </head>\n  <body>\n    <div id="root"></div>\n'
        "  </body>\n</html>\n"
    )


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def generate(root: Path) -> None:
    rng = random.Random(20261001)  # noqa: S311 - example data, not security
    vendor = js(rng, 45_000, header="/*! vendor: react-like runtime */")
    vendor_name = "assets/" + hashed("vendor", vendor, ".js")
    write(root, vendor_name, vendor)
    ui = js(rng, 12_000)
    ui_name = "assets/" + hashed("ui", ui, ".js")
    write(root, ui_name, ui)
    targets = {"chat": 60_000, "weather": 25_000, "gallery": 178_000}
    for name, target in targets.items():
        style = css(rng, 120)
        style_name = "assets/" + hashed(name, style, ".css")
        write(root, style_name, style)
        imports = f'import{{a as r}}from"/{vendor_name}";import"./{Path(ui_name).name}";'
        code = js(rng, target, header=imports)
        code_name = "assets/" + hashed(name, code, ".js")
        write(root, code_name, code)
        write(
            root,
            f"src/widgets/{name}/index.html",
            html(name.title(), [code_name], [style_name], [vendor_name]),
        )


if __name__ == "__main__":
    generate(Path(sys.argv[1] if len(sys.argv) > 1 else "examples/widgets/dist"))
