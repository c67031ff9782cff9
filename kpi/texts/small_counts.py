"""Finding free text that seems to name small counts of patients ("fem män och två kvinnor").

Figures below the masking threshold are shown as "skyddat (för få)", but a comment written by
hand can give them away in words: the 2022 report's comment on fall injuries named "fem män och två
kvinnor". Comments (imported, or written in the browser) are therefore read for a number below the
threshold next to a word for people or patient events, and the writer is warned before the text is
saved. It is a warning, not a refusal: "två av tre hälsocentraler" or "fyra åtgärder" are fine, and
a person decides.
"""

from __future__ import annotations

import re

# Swedish number words up to nine, with their values (both genders and the ordinal-free forms).
_NUMBER_WORDS = {
    "en": 1, "ett": 1, "ingen": 0, "två": 2, "tre": 3, "fyra": 4, "fem": 5, "sex": 6, "sju": 7, "åtta": 8, "nio": 9,
}  # fmt: skip
# Words for people, or for events that happen to a person (a fall, a pressure ulcer), singular
# and plural, that a count next to them makes about individuals.
_PEOPLE = (
    r"m[aä]n|kvinn(?:a|or|orna)|patient(?:er|erna)?|person(?:er|erna)?|individ(?:er|erna)?|barn(?:en)?|"
    r"flick(?:a|or|orna)|pojk(?:e|ar|arna)|brukar(?:e|na)|vårdtagar(?:e|na)|invånar(?:e|na)|"
    r"äldre|ungdom(?:ar|arna)?|fall(?:en)?|dödsfall(?:en)?|fallskad(?:a|or|orna)|trycksår(?:en)?|"
    r"avvikels(?:e|er|erna)|anmäl(?:an|ningar|ningarna)|besök(?:are)?"
)
_COUNT = r"(?P<count>\d+|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")"
# A count, up to two words between it and the people word ("två äldre kvinnor", "3 inlagda patienter").
_MENTION = re.compile(
    r"(?<![\w,.])" + _COUNT + r"(?:\s+[a-zåäöé\-]+){0,2}\s+(?P<who>" + _PEOPLE + r")\b",
    re.IGNORECASE,
)


_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")


def small_count_mentions(text: str, threshold: int = 5) -> list[str]:
    """The phrases in ``text`` that name between 1 and ``threshold`` − 1 people or patient events,
    and the other counts of people in the same sentence: "fem män och två kvinnor" gives both,
    since masking hides the complement of a small count too (seven in all, two of them women)."""
    found: list[str] = []
    for sentence in _SENTENCE.split(text):
        mentions = []
        for match in _MENTION.finditer(sentence):
            raw = match.group("count").casefold()
            value = int(raw) if raw.isdigit() else _NUMBER_WORDS.get(raw)
            if value is not None and value >= 1:
                mentions.append((match.group(0), value))
        if any(value < threshold for _, value in mentions):
            found += [phrase for phrase, _ in mentions]
    return found


def small_count_warning(text: str, threshold: int = 5) -> str | None:
    """A Swedish warning naming what looks like a small count, or None."""
    mentions = small_count_mentions(text, threshold)
    if not mentions:
        return None
    quoted = ", ".join(f"”{m}”" for m in mentions[:5])
    return (
        f"Texten verkar ange få personer ({quoted}). Antal under {threshold} visas aldrig i Styrkort, eftersom de kan "
        "peka ut enskilda patienter; skriv hellre ”några” eller ”färre än fem”, eller låt bli att ange antalet."
    )
