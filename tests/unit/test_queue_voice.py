"""The board's spoken calls (portal.queue.voice): numbers said as words from a few clips, the counter's number, the
office's recordings first, and a shipped clip for every name a call can use, small enough to ship."""

from __future__ import annotations

from portal.queue import voice


def test_indonesian_numbers_from_a_few_clips():
    said = {n: voice.number_clips(n, "id") for n in (1, 10, 11, 12, 19, 20, 35, 100, 101, 111, 135, 200, 999, 1000,
                                                        1035, 2024)}
    assert said[1] == ["1"] and said[10] == ["10"] and said[11] == ["11"]  # satu, sepuluh, sebelas
    assert said[12] == ["2", "belas"] and said[19] == ["9", "belas"]
    assert said[20] == ["2", "puluh"] and said[35] == ["3", "puluh", "5"]  # tiga puluh lima
    assert said[100] == ["100"] and said[101] == ["100", "1"] and said[111] == ["100", "11"]  # seratus sebelas
    assert said[135] == ["100", "3", "puluh", "5"] and said[200] == ["2", "ratus"]
    assert said[999] == ["9", "ratus", "9", "puluh", "9"]
    assert said[1000] == ["1000"] and said[1035] == ["1000", "3", "puluh", "5"]
    assert said[2024] == ["2", "ribu", "2", "puluh", "4"]
    words = " ".join(voice.TEXTS["id"][c] for c in said[135])
    assert words == "seratus tiga puluh lima"


def test_english_numbers_from_a_few_clips():
    def words(n: int) -> str:
        return " ".join(voice.TEXTS["en"][c] for c in voice.number_clips(n, "en"))

    assert words(7) == "seven" and words(13) == "thirteen" and words(35) == "thirty five"
    assert words(40) == "forty" and words(135) == "one hundred thirty five" and words(2001) == "two thousand one"


def test_the_counter_is_said_by_the_number_people_read_on_it():
    assert voice.counter_number("Loket 3", "DKP-07") == 3
    assert voice.counter_number("Loket 8 Difabel dan Ibu Hamil", "PR-08") == 8
    assert voice.counter_number("Loket Kasir", "DKP-04") == 4
    assert voice.counter_number("Loket Kasir", "KASIR") is None
    assert voice.counter_clip("DKP-01") == "counter-dkp-01"


def test_a_call_in_clips_with_the_offices_recording_first(tmp_path):
    call = voice.announcement("A-035", "Loket 1", "DKP-01", "id", tmp_path)
    assert call == ["chime", "ticket-number", "a", "3", "puluh", "5", "go-to-counter", "1"]
    spoken = " ".join(voice.TEXTS["id"][c] for c in call[1:])
    assert spoken == "nomor antrean a tiga puluh lima silakan ke loket satu"
    assert voice.announcement("B-012", "Counter Two", "X-2", "en", tmp_path)[1:] == [
        "ticket-number", "b", "12", "go-to-counter", "2"]
    assert voice.announcement(None, "Loket 1", "DKP-01", "id", tmp_path) == []  # a visit without a ticket
    assert voice.announcement("A-001", "Loket Kasir", "KASIR", "id", tmp_path)[-1] == "go-to-counter"
    own = tmp_path / "voice" / "id"
    own.mkdir(parents=True)
    (own / "counter-kasir.ogg").write_bytes(b"OggS")
    (own / "chime.wav").write_bytes(b"RIFF")
    assert voice.announcement("A-001", "Loket Kasir", "KASIR", "id", tmp_path)[-2:] == ["go-to", "counter-kasir"]
    assert voice.clip_file(tmp_path, "id", "chime") == own / "chime.wav"  # the office's recording wins
    assert voice.clip_file(tmp_path, "en", "chime") == voice.SHIPPED_DIR / "en" / "chime.mp3"
    assert voice.clip_file(tmp_path, "id", "../secret") is None and voice.clip_file(tmp_path, "fr", "a") is None


def test_every_clip_a_call_can_use_is_shipped_and_the_set_is_small(tmp_path):
    total = 0
    for lang in voice.LANGS:
        names = {"chime", "ticket-number", "go-to-counter", "go-to", *"abcdefghijklmnopqrstuvwxyz"}
        for n in range(10000):
            names.update(voice.number_clips(n, lang))
        assert names <= set(voice.TEXTS[lang]) | set(voice.TONES)
        for name in names:
            path = voice.clip_file(tmp_path, lang, name)
            assert path is not None and path.suffix == ".mp3", (lang, name)
        total += sum(p.stat().st_size for p in (voice.SHIPPED_DIR / lang).iterdir())
    assert total < 400_000  # well under 1 MB for both languages
