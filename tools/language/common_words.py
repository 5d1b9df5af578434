"""Write config/language/common-words.tsv: the 5,000 most frequent words of each Latin-script news language, with
their Zipf frequency, from wordfreq (one of the project's dependencies). `pipeline.language` reads the file to tell
the language of a short sample, where lingua's trigrams are misled by the names a headline is made of; a file of
5,000 words a language costs a few MiB, where wordfreq's own lists cost about 35 MiB each. Run after changing
LANGUAGES or upgrading wordfreq:

    .venv/bin/python -m tools.language.common_words
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

from wordfreq import top_n_list, zipf_frequency

OUT = Path(__file__).resolve().parents[2] / "config" / "language" / "common-words.tsv"
# The Latin-script languages of pipeline.language.NEWS_LANGUAGES that wordfreq covers (not Swahili); Croatian is
# wordfreq's Serbo-Croatian list.
LANGUAGES = ("en", "fr", "de", "es", "it", "pt", "nl", "sv", "da", "nb", "pl", "tr", "ro", "cs", "sk", "fi", "hu")
LANGUAGES += ("id", "vi", "hr", "lt", "lv")  # Lithuanian and Latvian: not detected, but their pages' charsets are
WORDS = 5000


def main() -> None:
    lines = [
        f"# The {WORDS:,} most frequent words of each language with their Zipf frequency (log10 of uses per billion",
        f"# words, plus 9), from wordfreq {version('wordfreq')} (https://pypi.org/project/wordfreq/; code Apache-2.0,",
        "# word data CC BY-SA 4.0 from its sources, so this file is CC BY-SA 4.0 too). Written by",
        "# tools/language/common_words.py; read by pipeline/language.py. language<TAB>word<TAB>zipf",
    ]
    for language in LANGUAGES:
        for word in top_n_list(language, WORDS):
            if word.isalpha() and word.islower():
                lines.append(f"{language}\t{word}\t{zipf_frequency(word, language):.1f}")
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
