"""Generate the board's default voice clips (portal.queue.voice.TEXTS) with espeak-ng and sox.

Run once, by hand, and commit the result (CI needs no synthesiser):

    apt-get install -y espeak-ng sox libsox-fmt-mp3
    python -m portal.queue.voice_build                      # static/voice/<lang>/*.mp3 (the shipped set)
    python -m portal.queue.voice_build --out ./var/voice    # or an office's own synthetic set (overrides)

Each clip: espeak-ng speaks the text (Indonesian voice "id", English "en-gb", 140 words a minute) to WAV; sox
trims the silence at both ends, fades 5 ms in and 20 ms out (no click between clips), normalises to -1 dBFS,
adds 60 ms of silence after the word and writes mono 22.05 kHz MP3 at 32 kbit/s (a word is 2-4 kB). The chime is two sine tones (G5 then E5) made by sox, no speech.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

from portal.queue.voice import LANGS, SHIPPED_DIR, TEXTS

VOICES = {"id": "id", "en": "en-gb"}
WORDS_PER_MINUTE = "140"
ENCODE = ["-r", "22050", "-c", "1", "-C", "32"]
TRIM = ["silence", "1", "0.02", "0.5%", "reverse", "silence", "1", "0.02", "0.5%", "fade", "q", "0.02", "reverse",
        "fade", "q", "0.005", "norm", "-1", "pad", "0", "0.06"]


def _run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True)


def chime(target: Path) -> None:
    """A two-tone chime (ding-dong), 1.1 s."""
    with tempfile.TemporaryDirectory() as tmp:
        high, low = Path(tmp) / "high.wav", Path(tmp) / "low.wav"
        _run("sox", "-n", "-r", "22050", "-c", "1", str(high), "synth", "0.45", "sine", "784", "fade", "l", "0.01",
             "0.45", "0.4", "vol", "0.6")
        _run("sox", "-n", "-r", "22050", "-c", "1", str(low), "synth", "0.65", "sine", "659", "fade", "l", "0.01",
             "0.65", "0.6", "vol", "0.6")
        _run("sox", str(high), str(low), *ENCODE, str(target), "pad", "0", "0.1")


def speak(text: str, lang: str, target: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "speech.wav"
        _run("espeak-ng", "-v", VOICES[lang], "-s", WORDS_PER_MINUTE, "-w", str(wav), text)
        _run("sox", str(wav), *ENCODE, str(target), *TRIM)


def build(out: Path, langs: tuple[str, ...] = LANGS) -> int:
    """Write every clip of `langs` under out/<lang>/; returns the number written."""
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is needed: apt-get install -y espeak-ng sox libsox-fmt-mp3")
    written = 0
    for lang in langs:
        folder = out / lang
        folder.mkdir(parents=True, exist_ok=True)
        chime(folder / "chime.mp3")
        written += 1
        for name, text in sorted(TEXTS[lang].items()):
            speak(text, lang, folder / f"{name}.mp3")
            written += 1
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate the board's default voice clips with espeak-ng and sox.")
    parser.add_argument("--out", type=Path, default=SHIPPED_DIR, help="folder to write <lang>/<clip>.mp3 into")
    parser.add_argument("--lang", choices=LANGS, action="append", help="a language (default: all)")
    args = parser.parse_args(argv)
    count = build(args.out, tuple(args.lang or LANGS))
    print(f"{count} clips written under {args.out}")


if __name__ == "__main__":
    main()
