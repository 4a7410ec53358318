"""Read policy packs (folders of TOML files) into compiled rules, refusing anything doubtful.

A pack is a folder: pack.toml holds `[pack]` (name, target) and any file may hold `[lexicon.NAME]`
tables and `[[rule]]` entries. policies/README.md documents the format for rule authors.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from smtool.checker.alternation import Alternation, Alternative, words
from smtool.checker.context import ACCOUNT_KINDS, PLATFORMS
from smtool.checker.declension import phrase_forms
from smtool.checker.expr import FormulaError, compile_formula
from smtool.checker.findings import CATEGORIES, LEVELS, Level
from smtool.checker.lexicon import CLASSES as WORD_CLASSES
from smtool.checker.linear import LinearPattern, UnsafePattern, compile_linear, pack_patterns
from smtool.checker.morphology import CASES, OUTCOMES, PREVIOUS_CLASSES, READINGS, ContextRule, MorphologyRule
from smtool.checker.prefilter import build_prefilter
from smtool.checker.rules import (
    BUILTINS,
    LANGS,
    METADATA_CONDITIONS,
    METRIC_VARIABLES,
    PREDICATES,
    ConditionalRule,
    ExistenceRule,
    Matcher,
    MetadataRule,
    MetricRule,
    OccurrenceRule,
    RateRule,
    Rule,
    SubstitutionRule,
    gate_matchers,
    swap_key,
)
from smtool.checker.validators import VALIDATORS, preceded_by
from smtool.domain.words import PluralFormatter, noun
from smtool.errors import ConfigError

_RULE_ID = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")
_COMMON = {
    "id", "kind", "category", "level", "message", "suggestion", "source", "account_kinds", "platforms",
    "languages", "scope", "only_if", "skip_if", "once", "election", "flag", "examples", "description",
}  # fmt: skip
_MATCHER_KEYS = {
    "tokens", "names", "patterns", "exclude", "use", "case_sensitive", "validator", "options", "unmasked",
    "word_class",
}  # fmt: skip
_KIND_KEYS: dict[str, set[str]] = {
    "existence": _MATCHER_KEYS,
    "pattern": _MATCHER_KEYS,
    "substitution": {"swap", "case_sensitive"},
    "occurrence": _MATCHER_KEYS | {"min", "max", "unless"},
    "conditional": _MATCHER_KEYS | {"requires", "unless", "within"},
    "metric": {"formula", "when", "min", "max", "per"},
    "metadata": _MATCHER_KEYS | {"condition", "unless", "language", "min_words"},
    "rate": {"max_posts", "window_minutes", "similar_window_minutes", "similarity"},
    "morphology": _MATCHER_KEYS | {"reading", "context", "unsettled", "guess", "not_verbs"},
}
_CONTEXT_KEYS = {"then", "previous", "clause", "finite_verb_elsewhere", "also_finite", "also_case"}
FLAGS = frozenset({"question", "personal_data", "abuse", "spam"})


class PolicyError(ConfigError):
    """A policy file is wrong; the message names the file and the rule."""


@dataclass(frozen=True)
class Pack:
    """A loaded policy pack."""

    name: str
    target: str
    description: str
    rules: tuple[Rule, ...]
    path: Path


def load_pack(folder: Path) -> Pack:
    """Load and compile every TOML file of a pack folder.

    Raises PolicyError (a ConfigError, exit code 2) naming the file and rule id for a TOML syntax
    error, an unknown kind, key, level, category, lexicon, validator or variable, a refused regular
    expression, a malformed message, or a rule without examples.
    """
    try:
        with pack_patterns():  # the pack's patterns share one alphabet (smtool.checker.linear)
            return _load(folder)
    except UnsafePattern as e:
        raise PolicyError(f"{folder}: {e}") from None


def _load(folder: Path) -> Pack:  # noqa: PLR0912 - one clear message per problem
    if not folder.is_dir():
        raise PolicyError(f"{folder}: policy pack not found (expected a folder of .toml files)")
    docs = _read(folder)
    meta: dict[str, Any] = {}
    lexicon_specs: dict[str, tuple[Path, dict[str, Any]]] = {}
    for file, data in docs:
        unknown = set(data) - {"pack", "lexicon", "rule"}
        if unknown:
            raise PolicyError(
                f"{file}: unknown top-level {noun(len(unknown), 'key', 'keys')} {sorted(unknown)}; "
                "expected pack, lexicon, rule"
            )
        if "pack" in data:
            meta = data["pack"]
        for name, spec in data.get("lexicon", {}).items():
            if name in lexicon_specs:
                raise PolicyError(f"{file}: lexicon {name!r} is defined twice")
            lexicon_specs[name] = (file, spec)
    if not meta.get("name"):
        raise PolicyError(f"{folder}: no pack.toml with [pack] name = ...")
    target = meta.get("target", "posts")
    if target not in ("posts", "incoming"):
        raise PolicyError(f"{folder}/pack.toml: target must be 'posts' or 'incoming', not {target!r}")
    lexicons: dict[str, Matcher] = {}
    for name, (file, spec) in lexicon_specs.items():
        where = f"{file}: lexicon {name}"
        _only_keys(spec, _MATCHER_KEYS - {"use"}, where)
        built = _matcher(spec, where, {}, name)
        if built is None:
            raise PolicyError(f"{where}: has no tokens or patterns")
        lexicons[name] = built
    rules: list[Rule] = []
    seen: set[str] = set()
    for file, data in docs:
        entries = data.get("rule", [])
        if not isinstance(entries, list):
            raise PolicyError(f"{file}: use [[rule]] (an array of tables) for rules")
        for index, spec in enumerate(entries):
            rule = _rule(spec, file, index, lexicons)
            if rule.id in seen:
                raise PolicyError(f"{file}: rule {rule.id}: the id is used twice in the pack")
            seen.add(rule.id)
            rules.append(rule)
    gate_matchers(rules)
    return Pack(str(meta["name"]), target, str(meta.get("description", "")), tuple(rules), folder)


def _read(folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    docs: list[tuple[Path, dict[str, Any]]] = []
    for file in sorted(folder.glob("*.toml")):
        try:
            docs.append((file, tomllib.loads(file.read_text(encoding="utf-8"))))
        except tomllib.TOMLDecodeError as e:
            raise PolicyError(f"{file}: TOML syntax error: {e}") from None
        except RecursionError:  # tomllib reads nested arrays recursively; no rule nests thousands deep
            raise PolicyError(f"{file}: arrays or tables nested too deeply") from None
        except (OSError, UnicodeDecodeError) as e:
            raise PolicyError(f"{file}: cannot read the policy file ({e})") from None
    return docs


def _only_keys(spec: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = set(spec) - allowed
    if unknown:
        raise PolicyError(
            f"{where}: unknown {noun(len(unknown), 'key', 'keys')} {sorted(unknown)}; "
            f"allowed: {sorted(allowed)}"
        )


def _per_lang(value: Any, where: str, what: str) -> dict[str, list[str]]:
    if value is None:
        return {}
    if isinstance(value, list):
        value = {"any": value}
    if not isinstance(value, dict):
        raise PolicyError(f"{where}: {what} must be a table of language -> list of strings")
    for lang, items in value.items():
        if lang not in LANGS:
            raise PolicyError(f"{where}: {what}.{lang}: unknown language; expected one of {LANGS}")
        if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
            raise PolicyError(f"{where}: {what}.{lang} must be a list of non-empty strings")
    return cast(dict[str, list[str]], value)


def _token_regex(token: str) -> str:
    # Words match whole words only; a trailing * allows any ending (Latvian inflection); spaces match
    # any run of white space.
    stem = token.endswith("*")
    core = token[:-1] if stem else token
    body = r"\s+".join(re.escape(part) for part in core.split())
    if stem:
        body += r"\w*"
    return body


def _with_names(
    tokens: dict[str, list[str]], names: dict[str, list[str]]
) -> tuple[dict[str, list[str]], frozenset[str]]:
    """Tokens with names added: in the nominative, Latvian ones in every case
    (smtool.checker.declension); and the capitalised forms, which match only as capitalised, so that
    the party "Progresīvie" is not the adjective in "progresīvie risinājumi" (a lower-case name, "mūsu
    partija", matches as any word does). They stay word-list tokens, which the prefilter finds fast."""
    tokens = dict(tokens)
    cased: set[str] = set()
    for lang, listed in names.items():
        forms = [f for n in listed for f in (phrase_forms(n) if lang == "lv" else (n,))]
        tokens[lang] = [*tokens.get(lang, ()), *forms]
        cased.update(" ".join(f.split()) for f in forms if f[:1].isupper())
    return tokens, frozenset(cased)


def _matcher(spec: Mapping[str, Any], where: str, options: Mapping[str, Any], name: str) -> Matcher | None:
    tokens, cased = _with_names(
        _per_lang(spec.get("tokens"), where, "tokens"), _per_lang(spec.get("names"), where, "names")
    )
    patterns = _per_lang(spec.get("patterns"), where, "patterns")
    if not tokens and not patterns:
        return None
    alternatives: list[tuple[str, Alternative]] = []
    group_langs: dict[str, str] = {}
    by_lang: dict[str, Alternation] = {}
    flags = 0 if spec.get("case_sensitive", False) else re.IGNORECASE
    for lang in LANGS:
        own: list[tuple[str, Alternative]] = []
        group = f"L_{lang}"
        listed = sorted(tokens.get(lang, ()), key=len, reverse=True)
        if listed:
            # The checker's own shape over escaped words: `re` runs it, and fastest (see alternation).
            body = r"(?<!\w)(?:" + "|".join(_token_regex(w) for w in listed) + r")(?!\w)"
            own.append((group, words([(group, body)], flags)))
        for pattern in patterns.get(lang, ()):
            if "(?P<" in pattern:
                raise PolicyError(f"{where}: pattern {pattern!r}: named groups are not allowed")
            try:
                own.append((group, compile_linear(pattern, flags)))
            except UnsafePattern as e:
                raise PolicyError(f"{where}: pattern {pattern!r} refused: {e}") from None
        if own:
            by_lang[lang] = Alternation(own)
            group_langs[group] = lang
            alternatives.extend(own)
    regex = Alternation(alternatives)
    exclude = frozenset(
        x.casefold() for items in _per_lang(spec.get("exclude"), where, "exclude").values() for x in items
    )
    validator = None
    if "validator" in spec:
        validator = VALIDATORS.get(spec["validator"])
        if validator is None:
            raise PolicyError(
                f"{where}: unknown validator {spec['validator']!r}; known: {sorted(VALIDATORS)}"
            )
    options = dict(spec.get("options", options))
    if validator is preceded_by:
        options["compiled"] = _preceding(options.get("pattern"), where)
    word_class = spec.get("word_class")
    if word_class is not None and word_class not in WORD_CLASSES:
        raise PolicyError(f"{where}: word_class must be one of {sorted(WORD_CLASSES)}, not {word_class!r}")
    return Matcher(
        name=name,
        word_class=word_class,
        cased=cased,
        regex=regex,
        group_langs=group_langs,
        exclude=exclude,
        validator=validator,
        options=options,
        unmasked=bool(spec.get("unmasked", False)),
        by_lang=by_lang,
        prefilter=build_prefilter(
            [t for items in tokens.values() for t in items],
            [a for _, a in alternatives if isinstance(a, LinearPattern)],
            flags,
        ),
    )


def _preceding(pattern: Any, where: str) -> LinearPattern:
    """The preceded-by validator's pattern, which the text before a match must end with."""
    if not isinstance(pattern, str) or not pattern:
        raise PolicyError(f"{where}: the preceded-by validator needs options.pattern")
    try:
        return compile_linear(f"(?:{pattern})$", re.IGNORECASE)
    except UnsafePattern as e:
        raise PolicyError(f"{where}: options.pattern {pattern!r} refused: {e}") from None


def _refs(value: Any, where: str, lexicons: Mapping[str, Matcher], what: str) -> tuple[Matcher, ...]:
    """Lexicon names, built-ins (@url, ...) or inline matcher tables."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    out: list[Matcher] = []
    for i, item in enumerate(items):
        if isinstance(item, str):
            if item in BUILTINS:
                out.append(Matcher(item, None, {}, builtin=item))
            elif item in lexicons:
                out.append(lexicons[item])
            else:
                raise PolicyError(
                    f"{where}: {what} refers to unknown lexicon {item!r}; "
                    f"known: {sorted(lexicons)} and built-ins {sorted(BUILTINS)}"
                )
        elif isinstance(item, dict):
            _only_keys(item, _MATCHER_KEYS - {"use"}, f"{where}: {what}[{i}]")
            built = _matcher(item, f"{where}: {what}[{i}]", {}, f"{what}[{i}]")
            if built is None:
                raise PolicyError(f"{where}: {what}[{i}] has no tokens or patterns")
            out.append(built)
        else:
            raise PolicyError(f"{where}: {what} items must be lexicon names or tables")
    return tuple(out)


def _own_matchers(
    spec: Mapping[str, Any], where: str, lexicons: Mapping[str, Matcher]
) -> tuple[Matcher, ...]:
    own = _matcher(spec, where, {}, "inline")
    used = _refs(spec.get("use"), where, lexicons, "use")
    return ((own,) if own else ()) + used


def _level(value: Any, where: str) -> Level:
    if value not in LEVELS:
        raise PolicyError(f"{where}: level {value!r} is not one of {LEVELS}")
    return cast(Level, value)


def _limits(value: Any, where: str, what: str) -> dict[str, float]:
    if value is None:
        return {}
    if isinstance(value, int | float):
        return {"any": float(value)}
    if isinstance(value, dict) and all(isinstance(v, int | float) for v in value.values()):
        allowed = set(LANGS) | set(PLATFORMS)
        for key in value:
            if key not in allowed:
                raise PolicyError(f"{where}: {what}.{key}: expected a language or platform")
        return {k: float(v) for k, v in value.items()}
    raise PolicyError(f"{where}: {what} must be a number or a table of numbers")


def _rule(spec: Any, file: Path, index: int, lexicons: Mapping[str, Matcher]) -> Rule:
    rule_id, kind, where = _identity(spec, file, index)
    common = _common(spec, file, rule_id, kind, where)
    return _BUILDERS[kind](spec, where, lexicons, common)


def _identity(spec: Any, file: Path, index: int) -> tuple[str, str, str]:
    if not isinstance(spec, dict):
        raise PolicyError(f"{file}: rule #{index + 1} is not a table")
    rule_id = spec.get("id")
    if not isinstance(rule_id, str) or not _RULE_ID.match(rule_id):
        raise PolicyError(f"{file}: rule #{index + 1}: id {rule_id!r} must look like 'category.name'")
    where = f"{file}: rule {rule_id}"
    kind = spec.get("kind")
    if kind not in _BUILDERS:
        raise PolicyError(f"{where}: unknown rule kind {kind!r}; expected one of {sorted(_BUILDERS)}")
    _only_keys(spec, _COMMON | _KIND_KEYS[kind], where)
    return rule_id, str(kind), where


def _common(spec: Mapping[str, Any], file: Path, rule_id: str, kind: str, where: str) -> dict[str, Any]:
    category = spec.get("category")
    if category not in CATEGORIES:
        raise PolicyError(f"{where}: category {category!r} is not one of {sorted(CATEGORIES)}")
    level = _level(spec.get("level"), where)
    messages = spec.get("message")
    if not isinstance(messages, dict) or not {"lv", "en"} <= set(messages):
        raise PolicyError(f"{where}: message needs both lv and en texts (message.lv, message.en)")
    for lang, template in messages.items():
        _check_template(template, f"{where}: message.{lang}")
    suggestions = spec.get("suggestion", {})
    if not isinstance(suggestions, dict):
        raise PolicyError(f"{where}: suggestion must be a table with lv and en texts")
    source = spec.get("source")
    if not isinstance(source, str) or not source:
        raise PolicyError(f"{where}: source (a link to the guidance) is required")
    kinds = spec.get("account_kinds", list(ACCOUNT_KINDS))
    platforms = spec.get("platforms")
    languages = spec.get("languages")
    scope = spec.get("scope", "text")
    flag = spec.get("flag")
    if flag is not None and flag not in FLAGS:
        raise PolicyError(f"{where}: flag must be one of {sorted(FLAGS)}")
    examples = spec.get("examples", {})
    fire, passing = examples.get("fire", []), examples.get("pass", [])
    if not fire or not passing:
        raise PolicyError(f"{where}: every rule needs examples.fire and examples.pass (at least one each)")
    election = spec.get("election", {})
    common: dict[str, Any] = {
        "id": rule_id,
        "kind": kind,
        "category": category,
        "level": level,
        "messages": messages,
        "source": source,
        "account_kinds": frozenset(kinds),
        "platforms": frozenset(platforms) if platforms is not None else None,
        "languages": frozenset(languages) if languages is not None else None,
        "suggestions": suggestions,
        "scope": scope,
        "only_if": tuple(spec.get("only_if", ())),
        "skip_if": tuple(spec.get("skip_if", ())),
        "once": bool(spec.get("once", False)),
        "election_level": _level(election["level"], where) if "level" in election else None,
        "flag": flag,
        "examples_fire": tuple(fire),
        "examples_pass": tuple(passing),
        "file": str(file),
    }
    _check_lists(spec, where)
    return common


_Builder = Callable[[Mapping[str, Any], str, Mapping[str, Matcher], dict[str, Any]], Rule]


def _build_existence(
    spec: Mapping[str, Any], where: str, lexicons: Mapping[str, Matcher], common: dict[str, Any]
) -> Rule:
    kind = common["kind"]
    matchers = _own_matchers(spec, where, lexicons)
    if not matchers:
        raise PolicyError(f"{where}: an {kind} rule needs tokens, patterns or use")
    if kind == "pattern" and not spec.get("patterns"):
        raise PolicyError(f"{where}: a pattern rule needs patterns")
    election = {k: v for k, v in spec.get("election", {}).items() if k != "level"}
    extra = _refs(election or None, f"{where}: election", lexicons, "election")
    return ExistenceRule(**common, matchers=matchers, election_matchers=extra)


def _build_substitution(
    spec: Mapping[str, Any], where: str, lexicons: Mapping[str, Matcher], common: dict[str, Any]
) -> Rule:
    swap = spec.get("swap")
    if not isinstance(swap, dict) or not swap:
        raise PolicyError(f"{where}: a substitution rule needs swap.<lang> = {{ phrase = replacement }}")
    tokens: dict[str, list[str]] = {}
    swaps: dict[str, str] = {}
    for lang, table in swap.items():
        if lang not in LANGS or not isinstance(table, dict):
            raise PolicyError(f"{where}: swap.{lang}: expected a language and a table of phrases")
        tokens[lang] = list(table)
        swaps.update({swap_key(k): str(v) for k, v in table.items()})
    built = _matcher(
        {"tokens": tokens, "case_sensitive": spec.get("case_sensitive", False)}, where, {}, "swap"
    )
    assert built is not None
    return SubstitutionRule(**common, matchers=(built,), swaps=swaps)


def _build_occurrence(
    spec: Mapping[str, Any], where: str, lexicons: Mapping[str, Matcher], common: dict[str, Any]
) -> Rule:
    matchers = _own_matchers(spec, where, lexicons)
    if not matchers or ("min" not in spec and "max" not in spec):
        raise PolicyError(f"{where}: an occurrence rule needs tokens/patterns/use and min or max")
    return OccurrenceRule(
        **common,
        matchers=matchers,
        unless=_refs(spec.get("unless"), where, lexicons, "unless"),
        min=spec.get("min"),
        max=spec.get("max"),
    )


def _build_conditional(
    spec: Mapping[str, Any], where: str, lexicons: Mapping[str, Matcher], common: dict[str, Any]
) -> Rule:
    matchers = _own_matchers(spec, where, lexicons)
    within = spec.get("within", "text")
    if not matchers or within not in ("text", "sentence"):
        raise PolicyError(f"{where}: a conditional rule needs tokens/patterns/use; within = text|sentence")
    return ConditionalRule(
        **common,
        matchers=matchers,
        requires=_refs(spec.get("requires"), where, lexicons, "requires"),
        unless=_refs(spec.get("unless"), where, lexicons, "unless"),
        within=within,
    )


def _build_metric(
    spec: Mapping[str, Any], where: str, lexicons: Mapping[str, Matcher], common: dict[str, Any]
) -> Rule:
    try:
        formula, fvars = compile_formula(str(spec.get("formula", "")), METRIC_VARIABLES)
        when, wvars = (
            compile_formula(spec["when"], METRIC_VARIABLES) if "when" in spec else (None, frozenset())
        )
    except FormulaError as e:
        raise PolicyError(f"{where}: {e}") from None
    per = spec.get("per", "text")
    if per not in ("text", "sentence"):
        raise PolicyError(f"{where}: per must be 'text' or 'sentence'")
    low, high = _limits(spec.get("min"), where, "min"), _limits(spec.get("max"), where, "max")
    if not low and not high:
        raise PolicyError(f"{where}: a metric rule needs min or max")
    return MetricRule(
        **common, formula=formula, formula_vars=fvars, when=when, when_vars=wvars, min=low, max=high, per=per
    )


def _build_metadata(
    spec: Mapping[str, Any], where: str, lexicons: Mapping[str, Matcher], common: dict[str, Any]
) -> Rule:
    condition = spec.get("condition")
    if condition not in METADATA_CONDITIONS:
        raise PolicyError(f"{where}: condition {condition!r} unknown; known: {sorted(METADATA_CONDITIONS)}")
    return MetadataRule(
        **common,
        condition=str(condition),
        matchers=_own_matchers(spec, where, lexicons),
        unless=_refs(spec.get("unless"), where, lexicons, "unless"),
        language=str(spec.get("language", "lv")),
        min_words=int(spec.get("min_words", 3)),
    )


def _build_rate(
    spec: Mapping[str, Any], where: str, lexicons: Mapping[str, Matcher], common: dict[str, Any]
) -> Rule:
    try:
        return RateRule(
            **common,
            max_posts=int(spec.get("max_posts", 5)),
            window_minutes=float(spec.get("window_minutes", 60)),
            similar_window_minutes=float(spec.get("similar_window_minutes", 30)),
            similarity=float(spec.get("similarity", 0.8)),
        )
    except (TypeError, ValueError) as e:
        raise PolicyError(f"{where}: rate settings must be numbers ({e})") from None


def _build_morphology(
    spec: Mapping[str, Any], where: str, lexicons: Mapping[str, Matcher], common: dict[str, Any]
) -> Rule:
    reading = spec.get("reading")
    if reading not in READINGS:
        raise PolicyError(f"{where}: reading {reading!r} unknown; known: {sorted(READINGS)}")
    context = spec.get("context", [])
    if not isinstance(context, list):
        raise PolicyError(f"{where}: context must be a list of tables (context = [{{ ... }}])")
    rules = tuple(_context_rule(item, f"{where}: context[{i}]", lexicons) for i, item in enumerate(context))
    unsettled = spec.get("unsettled", "pass")
    guess = spec.get("guess")
    guess_matcher: Matcher | None = None
    guess_level: Level = "warning"
    if guess is not None:
        if not isinstance(guess, dict):
            raise PolicyError(f"{where}: guess must be a table (patterns, level)")
        guess_level = _level(guess.get("level", "warning"), f"{where}: guess")
        spec_only = {k: v for k, v in guess.items() if k != "level"}
        _only_keys(spec_only, _MATCHER_KEYS - {"use"}, f"{where}: guess")
        guess_matcher = _matcher(spec_only, f"{where}: guess", {}, "guess")
    return MorphologyRule(
        **common,
        matchers=_own_matchers(spec, where, lexicons),
        reading=str(reading),
        context=rules,
        unsettled=None if unsettled == "pass" else _level(unsettled, f"{where}: unsettled"),
        guess=guess_matcher,
        guess_level=guess_level,
        not_verbs=_refs(spec["not_verbs"], where, lexicons, "not_verbs")[0] if "not_verbs" in spec else None,
    )


def _context_rule(item: Any, where: str, lexicons: Mapping[str, Matcher]) -> ContextRule:
    if not isinstance(item, dict):
        raise PolicyError(f"{where}: must be a table")
    _only_keys(item, _CONTEXT_KEYS, where)
    then = item.get("then")
    if then not in OUTCOMES:
        raise PolicyError(f"{where}: then must be one of {sorted(OUTCOMES)}")
    previous = item.get("previous")
    previous_class = previous if isinstance(previous, str) and previous in PREVIOUS_CLASSES else None
    previous_matcher = None
    if previous is not None and previous_class is None:
        (previous_matcher,) = _refs(previous, where, lexicons, "previous")
    clause = _refs(item["clause"], where, lexicons, "clause") if "clause" in item else ()
    elsewhere, also = item.get("finite_verb_elsewhere"), item.get("also_finite")
    if not all(v is None or isinstance(v, bool) for v in (elsewhere, also)):
        raise PolicyError(f"{where}: finite_verb_elsewhere and also_finite must be true or false")
    cases = item.get("also_case", [])
    if not isinstance(cases, list) or not set(cases) <= CASES:
        raise PolicyError(f"{where}: also_case must be a list of cases from {sorted(CASES)}")
    if previous is None and not clause and elsewhere is None and also is None and not cases:
        raise PolicyError(f"{where}: needs previous, clause, finite_verb_elsewhere, also_finite or also_case")
    return ContextRule(
        str(then),
        previous_class,
        previous_matcher,
        clause[0] if clause else None,
        elsewhere,
        also,
        frozenset(cases),
    )


_BUILDERS: dict[str, _Builder] = {
    "morphology": _build_morphology,
    "existence": _build_existence,
    "pattern": _build_existence,
    "substitution": _build_substitution,
    "occurrence": _build_occurrence,
    "conditional": _build_conditional,
    "metric": _build_metric,
    "metadata": _build_metadata,
    "rate": _build_rate,
}


def _check_lists(spec: Mapping[str, Any], where: str) -> None:
    if not set(spec.get("account_kinds", ACCOUNT_KINDS)) <= set(ACCOUNT_KINDS):
        raise PolicyError(f"{where}: account_kinds must be among {ACCOUNT_KINDS}")
    if not set(spec.get("platforms") or ()) <= set(PLATFORMS):
        raise PolicyError(f"{where}: platforms must be among {PLATFORMS}")
    if not set(spec.get("languages") or ()) <= set(LANGS):
        raise PolicyError(f"{where}: languages must be among {LANGS}")
    for key in ("only_if", "skip_if"):
        for p in spec.get(key, []):
            if p not in PREDICATES:
                raise PolicyError(f"{where}: {key} {p!r} unknown; known: {sorted(PREDICATES)}")
    if spec.get("scope", "text") not in ("text", "unquoted"):
        raise PolicyError(f"{where}: scope must be 'text' or 'unquoted'")


class _Probe(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return key


def _check_template(template: Any, where: str) -> None:
    if not isinstance(template, str) or not template:
        raise PolicyError(f"{where}: must be a non-empty string")
    try:
        PluralFormatter().fill(template, _Probe())  # {count:link|links} included
    except (ValueError, IndexError, AttributeError) as e:
        raise PolicyError(f"{where}: malformed placeholder ({e}); use {{match}}, {{value}}, ...") from None
