"""Simulated citizens: seeded people and what they write to an institution, in Latvian and English.

The mix (questions, complaints, praise, spam, abuse, personal data, off-topic) is what a press office
actually sees, so monitoring, triage rules and reports have realistic material to work on. Personal
data is fake (invalid personal codes, 2000000x phone numbers, example.org mail).
"""

from __future__ import annotations

import math
import random
import unicodedata
from dataclasses import dataclass

__all__ = ["CATEGORIES", "Citizen", "CitizenMessage", "CitizenWriter", "grown_metrics"]

CATEGORIES = (
    "question",
    "complaint",
    "praise",
    "spam",
    "abuse",
    "personal_data",
    "off_topic",
)
# Questions and complaints dominate a public institution's inbox; abuse and spam are a minority.
_WEIGHTS = (30, 22, 14, 8, 6, 8, 12)

_LV_FIRST = ("Jānis", "Anna", "Līga", "Andris", "Ilze", "Māris", "Kristīne", "Edgars", "Zane", "Raivis")
_LV_LAST = ("Bērziņš", "Kalniņa", "Ozola", "Liepiņš", "Krūmiņa", "Jansons", "Zariņa", "Vītols")
_EN_FIRST = ("John", "Emily", "Mark", "Sarah", "David", "Laura", "Peter", "Olivia")
_EN_LAST = ("Smith", "Brown", "Taylor", "Wilson", "Evans", "Walker", "Hughes", "Green")

_TEXTS: dict[str, dict[str, tuple[str, ...]]] = {
    "lv": {
        "question": (
            "Kad tiks pieņemts lēmums par {topic}?",
            "Kur var atrast informāciju par {topic}? Mājaslapā nevaru atrast.",
            "Vai pieteikumu par {topic} var iesniegt arī elektroniski?",
            "Kāds ir termiņš dokumentu iesniegšanai par {topic}?",
        ),
        "complaint": (
            "Jau trešo nedēļu neviens neatbild uz manu e-pastu par {topic}.",
            "Jūsu mājaslapa atkal nestrādā, nevaru pieteikties {topic}.",
            "Rinda klientu centrā bija divas stundas. Tā nevar strādāt!",
        ),
        "praise": (
            "Paldies par ātro atbildi, viss nokārtojās!",
            "Ļoti noderīga informācija par {topic}, paldies.",
            "Beidzot skaidri izskaidrots. Tā turpināt!",
        ),
        "spam": (
            "Nopelni 500 EUR dienā no mājām! Raksti man DM 💰 bit.ly/ātrinauda",
            "LĒTI sekotāji un patīk atzīmes, skaties profilu!!!",
        ),
        "abuse": (
            "Jūs visi esat bezjēdzīgi ierēdņi, tikai tērējat mūsu naudu.",
            "Muļķi, kas to izdomāja? Kauns!",
        ),
        "personal_data": (
            "Mans personas kods ir 010190-10000, lūdzu pārbaudiet manu pieteikumu par {topic}.",
            "Zvaniet man uz 20000001, mana adrese ir Brīvības iela 1-1, Rīga.",
            "Mans e-pasts ir {email}, atsūtiet veidlapu par {topic}.",
        ),
        "off_topic": (
            "Kāds šodien laiks Rīgā?",
            "Vai kāds zina labu autoservisu Jelgavā?",
            "Apsveicu visus ar svētkiem!",
        ),
    },
    "en": {
        "question": (
            "When will the decision on {topic} be published?",
            "Where can I find the forms for {topic}? The website link is broken.",
            "Can foreign residents apply for {topic} online?",
        ),
        "complaint": (
            "Still no answer to my email about {topic} after three weeks.",
            "Your website has been down all morning, I cannot apply for {topic}.",
        ),
        "praise": (
            "Thanks for the quick help, much appreciated!",
            "Clear and useful update on {topic}, thank you.",
        ),
        "spam": (
            "Make $500 a day from home!!! DM me now 💰 bit.ly/fastcash",
            "Buy followers cheap, check my profile!",
        ),
        "abuse": (
            "You are all useless bureaucrats wasting our money.",
            "What idiot came up with this? Shame on you!",
        ),
        "personal_data": (
            "My personal code is 010190-10000, please check my application for {topic}.",
            "Call me on +371 20000002, I live at 1 Brivibas street, Riga.",
            "My email is {email}, please send me the {topic} form.",
        ),
        "off_topic": (
            "Anyone know a good coffee place in Old Riga?",
            "Happy holidays everyone!",
        ),
    },
}
_TOPICS = {
    "lv": ("pabalstiem", "nodokļu atvieglojumiem", "būvatļaujām", "skolu reformu", "e-pakalpojumiem"),
    "en": ("benefits", "tax relief", "building permits", "the school reform", "e-services"),
}


@dataclass(frozen=True)
class Citizen:
    """A simulated person: display name and handle."""

    name: str
    handle: str


@dataclass(frozen=True)
class CitizenMessage:
    """What a simulated citizen writes, with the category and language it was drawn from."""

    author: Citizen
    text: str
    category: str
    lang: str


class CitizenWriter:
    """A seeded source of citizens and their messages; the same seed gives the same sequence."""

    def __init__(self, seed: int) -> None:
        # Seeded on purpose: a training scenario must replay identically; nothing here is secret.
        self._rnd = random.Random(seed)  # noqa: S311

    def citizen(self, lang: str | None = None) -> Citizen:
        """A random person, Latvian or English by `lang` (random when None)."""
        lang = lang or self._rnd.choice(("lv", "lv", "en"))
        first, last = (_LV_FIRST, _LV_LAST) if lang == "lv" else (_EN_FIRST, _EN_LAST)
        name = f"{self._rnd.choice(first)} {self._rnd.choice(last)}"
        folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        ascii_name = folded.lower().replace(" ", "_")
        return Citizen(name=name, handle=f"{ascii_name}{self._rnd.randrange(10, 9999)}")

    def message(self, category: str | None = None, lang: str | None = None) -> CitizenMessage:
        """A message of `category` in `lang` (each random when None). Raises KeyError for unknowns."""
        lang = lang or self._rnd.choice(("lv", "lv", "en"))
        category = category or self._rnd.choices(CATEGORIES, weights=_WEIGHTS)[0]
        author = self.citizen(lang)
        template = self._rnd.choice(_TEXTS[lang][category])
        text = template.format(
            topic=self._rnd.choice(_TOPICS[lang]),
            email=f"{author.handle}@example.org",
        )
        return CitizenMessage(author=author, text=text, category=category, lang=lang)

    def pick(self, count: int) -> int:
        """A random index below `count` (lets the server choose targets from the same seed)."""
        return self._rnd.randrange(count)


def grown_metrics(seed: int, post_id: str, age_seconds: float) -> dict[str, int]:
    """Engagement of an institution post `age_seconds` after publication; never decreases with age.

    Reach is fixed per post by the seed; growth follows a saturating curve (half of it in the first
    four hours), which is roughly how institutional posts behave.
    """
    rnd = random.Random(f"{seed}:{post_id}")  # noqa: S311 (deterministic simulation)
    reach = rnd.randint(300, 8000)
    growth = 1.0 - math.exp(-max(age_seconds, 0.0) / (6 * 3600))
    impressions = int(reach * growth)
    return {
        "impressions": impressions,
        "likes": int(impressions * rnd.uniform(0.01, 0.05)),
        "shares": int(impressions * rnd.uniform(0.002, 0.01)),
        "quotes": int(impressions * rnd.uniform(0.0, 0.002)),
        "bookmarks": int(impressions * rnd.uniform(0.0, 0.004)),
        "link_clicks": int(impressions * rnd.uniform(0.005, 0.03)),
        "profile_clicks": int(impressions * rnd.uniform(0.001, 0.01)),
        "loves": int(impressions * rnd.uniform(0.0, 0.01)),
    }
