"""Messages in a language the assistant does not speak ("hallo, sprechen Sie Deutsch?"), told apart from English.

The assistant speaks English only; a visitor writing German got "that's outside what I can help with" or the
question again. A message is foreign when it is written in another script (Cyrillic, Greek, Arabic, Hebrew,
Devanagari, Thai, Hangul, kana, CJK), or when, in Latin script, it has at least two function words of one of the
languages below and none of English's. Function words, not a statistical model: a company or a person's name
("Müller Maschinenbau GmbH", "Santiago Gómez, VP Sales") is no sentence of another language, and the byte-n-gram
identifiers tried (py3langid) called "order me a pizza" Italian and "let's do a demo" Portuguese with certainty.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

SCAN_CHARS = 600
"""Only the start of a long message is read."""

_ENGLISH = frozenset("""
a an the i i'm im i'd i've i'll me my mine we we're we've our ours us you you're your yours he she it it's its they
their them this that these those is are was were be been being am do does did don't doesn't didn't have has had
can can't could would will won't should shall may might must to of in on at for with from by about as into over
and or but if so not no yes yeah what what's which who whom whose when where why how there here let's lets just
please thanks thank hi hello hey ok okay any some all more most much many very also too than then only
""".split())

_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "de": frozenset("""ich du sie wir ihr er es ist sind bin bist war waren hat haben habe ein eine einen einem einer
        der das den dem des und oder aber nicht kein keine mit für auf von zu im ins bei nach über wie was wer wo
        warum unser unsere mein meine dein ihre sprechen suchen brauchen möchte möchten können kann gibt hallo
        danke bitte guten tag morgen deutsch""".split()),
    "fr": frozenset("""de je tu il elle nous vous ils elles est sont suis êtes avons avez ai un une le la les des du au
        aux et ou mais pas ne avec pour sur dans chez comment quoi qui où pourquoi notre nos mon ma mes votre vos
        bonjour salut merci cherche cherchons besoin voudrais parlez français quel quelle combien""".split()),
    "es": frozenset("""de yo tú usted nosotros ellos es son soy somos está están estoy tengo tenemos tiene un una unos
        unas el la los las del y o pero no con para por sobre en qué quién dónde cómo cuánto nuestro nuestra mi mis
        su sus hola gracias buenos buenas días necesito necesitamos buscamos busco quiero queremos hablas habla
        español información precio precios""".split()),
    "it": frozenset("""io tu lui lei noi voi loro è sono siamo siete ho abbiamo hanno uno una il lo gli le del della
        dei e o ma non con per su nel nella che chi dove come quanto nostro nostra mio mia ciao grazie buongiorno
        cerco cerchiamo vorrei vogliamo parla parli italiano costa""".split()),
    "pt": frozenset("""de eu você vocês nós ele ela eles é são sou somos está estão estou tenho temos tem um uma os as
        do da dos das e ou mas não com para por em no na nos nas que quem onde como quanto nosso nossa meu minha
        olá obrigado obrigada bom dia preciso precisamos procuro procuramos quero queremos fala português têm
        suporte""".split()),
    "nl": frozenset("""ik jij je hij zij wij we jullie ben bent is zijn heb hebben heeft een het de en of maar niet
        geen met voor op van bij naar over hoe wat wie waar waarom ons onze mijn jouw hallo goedemorgen goedemiddag
        dank bedankt graag zoek zoeken wil willen spreekt nederlands vraag""".split()),
}
"""Per language, words of a sentence that are not also common English words or names ("die", "van" are left out)."""

_OTHER_SCRIPTS = ("CYRILLIC", "GREEK", "ARABIC", "HEBREW", "DEVANAGARI", "THAI", "HANGUL", "HIRAGANA", "KATAKANA",
                  "CJK")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_ADDRESSES = re.compile(r"\S*@\S*|\S*://\S*|\S+\.[^\W\d_]{2,}\b\S*")
"""Email addresses, links and domains, whose parts are no words: "e2@quillworks.io" was Italian ("e", "io") until
stop 34, and the visitor who gave it heard that the assistant speaks English only."""


def _script(ch: str) -> str | None:
    name = unicodedata.name(ch, "")
    return next((s for s in _OTHER_SCRIPTS if name.startswith(s)), None)


def foreign_language(text: str) -> str | None:
    """The language a message is written in when it is not English: an ISO 639-1 code for the Latin-script
    languages we can name, the script's name (lower case) for the others; None for English, or when unsure."""
    head = text[:SCAN_CHARS]
    letters = [ch for ch in head if ch.isalpha()]
    scripts = [s for s in map(_script, letters) if s is not None]
    if len(scripts) >= 2 and 2 * len(scripts) >= len(letters):
        return Counter(scripts).most_common(1)[0][0].lower()  # ties: the first seen
    words = [w.lower() for w in _WORD.findall(_ADDRESSES.sub(" ", head))]
    if len(words) < 2 or any(w in _ENGLISH for w in words):
        return None
    hits = {lang: len(set(words) & vocabulary) for lang, vocabulary in _FUNCTION_WORDS.items()}
    best = max(hits, key=lambda lang: hits[lang])
    return best if hits[best] >= 2 else None
