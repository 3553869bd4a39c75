"""The realistic feed generator follows the HTML mix it measures from ../shared/corpus: the
share of bodies the sanitizer keeps without a parse above all, since that decides what the
parse and cold-refresh rows measure."""

from __future__ import annotations

import dataclasses
import random

import pytest

from feeds.parse import parse
from feeds.text import clean, sanitize_html
from tests.benchmarks import corpus_mix
from tests.benchmarks.corpus_mix import (
    BODY_FEATURES,
    FALLBACK_BODIES,
    FeatureMix,
    fragment_features,
    measure,
    takes_quick_path,
)
from tests.benchmarks.realgen import _Bodies, generate_realistic
from tests.benchmarks.textgen import Vocabulary

NO_CORPUS = "../shared/corpus is absent: nothing to compare the built-in shares with"


@pytest.fixture(scope="module")
def corpus() -> list[tuple[str, bytes]]:
    documents = corpus_mix.corpus_documents()
    if not documents:
        pytest.skip(NO_CORPUS)
    return documents


@pytest.fixture(scope="module")
def corpus_measured(corpus: list[tuple[str, bytes]]) -> FeatureMix:
    return measure(corpus)


def test_fragment_features_reads_attributes_images_and_links() -> None:
    found, image = fragment_features(
        '<div class="entry"><p>A &#8217; <a href="/next">next</a> '
        '<img src="https://x.example/a.jpg" alt="" width="10"></p>'
        "<script>x()</script><font>old</font></div>")
    assert found == {"div", "class/style", "p", "character references", "links",
                     "relative links", "img", "removed", "other tags"}
    assert image == {"alt", "width/height"}
    found, _ = fragment_features('<p><a href="https://x.example/?a=1&amp;b=2" '
                                 'target="_blank">x</a></p>')
    assert {"links with &", "other attributes"} <= found
    assert "relative links" not in found


def test_quick_path_predicate_follows_the_sanitizer() -> None:
    assert takes_quick_path('<p>Plain <a href="https://x.example/a">link</a><br /></p>')
    assert takes_quick_path("no markup at all")
    assert not takes_quick_path('<p class="x">styled</p>')
    assert not takes_quick_path('<a href="/relative">x</a>')
    assert not takes_quick_path('<img src="https://x.example/a.jpg">')


def test_quick_predicate_keeps_corpus_fragments_as_the_sanitizer_does(
        corpus: list[tuple[str, bytes]]) -> None:
    """Where the predicate says "quick", sanitize_html returns the cleaned text unchanged:
    the measured share is the share feeds/text.py really skips."""
    from lxml import etree

    checked = 0
    for _, body in corpus:
        try:
            root = etree.fromstring(body, corpus_mix._PARSER)
        except etree.XMLSyntaxError:
            continue
        atom = corpus_mix._local(root.tag) == "feed"
        for entry in root.iter():
            if corpus_mix._local(entry.tag) not in ("item", "entry"):
                continue
            for fragment in corpus_mix.entry_bodies(entry, atom)[0]:
                if "<" in fragment and takes_quick_path(fragment):
                    assert sanitize_html(fragment, "https://x.example/") == clean(fragment)
                    checked += 1
    assert checked > 100


def test_bodies_drawn_on_the_quick_path_take_it_and_the_others_do_not() -> None:
    rng = random.Random(5)
    bodies = _Bodies(FALLBACK_BODIES, Vocabulary.make(5), rng)
    for _ in range(300):
        assert takes_quick_path(bodies.html("https://site1.example/", quick=True))
        assert not takes_quick_path(bodies.html("https://site1.example/", quick=False))


def test_same_arguments_give_the_same_bytes() -> None:
    mix = measure([])
    first = generate_realistic(15, mix, seed=3)
    again = generate_realistic(15, mix, seed=3)
    assert [d.body for d in first] == [d.body for d in again]
    assert [d.body for d in generate_realistic(15, mix, seed=4)] != [d.body for d in first]


def test_generated_bodies_follow_the_mix_they_were_drawn_from() -> None:
    """Without the corpus too: the built-in shares give feeds whose measured body mix is
    theirs, within the noise of ~1,000 fragments."""
    mix = measure([])
    documents = generate_realistic(80, mix, seed=13)
    generated = measure([(d.path, d.body) for d in documents]).bodies
    assert generated.fragments > 500
    assert abs(generated.quick - FALLBACK_BODIES.quick) < 0.05
    assert abs(generated.plain - FALLBACK_BODIES.plain) < 0.06
    for name in ("class/style", "img", "div", "ul/ol/li", "removed", "relative links",
                 "character references"):
        assert abs(generated.share(name) - FALLBACK_BODIES.share(name)) < 0.08, name


def test_generated_feeds_parse_with_every_item() -> None:
    for document in generate_realistic(12, measure([]), seed=21):
        parsed = parse(document.body, {"content-type": document.content_type},
                       f"https://127.0.0.1{document.path}")
        assert len(parsed.entries) == document.items
        assert len({entry.id for entry in parsed.entries}) == document.items


def test_built_in_shares_are_the_measured_ones(corpus_measured: FeatureMix) -> None:
    """When the corpus changes, update the built-in shares (corpus_mix prints them)."""
    built_in = FeatureMix()
    for name in ("guid_permalink", "guid_opaque", "guid_absent", "no_link", "xml_base",
                 "eight_bit", "cdata", "entities", "content_encoded", "dc_creator", "enclosure",
                 "media", "itunes"):
        assert abs(getattr(built_in, name) - getattr(corpus_measured, name)) < 0.03, name
    for name, share in corpus_measured.formats.items():
        assert abs(corpus_mix.FALLBACK_FORMATS.get(name, 0.0) - share) < 0.03, name
    measured = corpus_measured.bodies
    assert abs(FALLBACK_BODIES.quick - measured.quick) < 0.03
    assert abs(FALLBACK_BODIES.plain - measured.plain) < 0.03
    for name in BODY_FEATURES:
        assert abs(FALLBACK_BODIES.quick_features[name] - measured.quick_features[name]) < 0.03
        assert abs(FALLBACK_BODIES.other_features[name] - measured.other_features[name]) < 0.03
    for name, share in measured.image.items():
        assert abs(FALLBACK_BODIES.image[name] - share) < 0.03, name
    for built, real in ((FALLBACK_BODIES.quick_lengths, measured.quick_lengths),
                        (FALLBACK_BODIES.other_lengths, measured.other_lengths),
                        (FALLBACK_BODIES.plain_lengths, measured.plain_lengths)):
        assert len(built) == len(real)
        assert all(abs(a - b) <= 0.1 * b + 10 for a, b in zip(built, real, strict=True))


def test_mix_lines_print_the_body_shares(corpus_measured: FeatureMix) -> None:
    text = "\n".join(corpus_measured.lines())
    assert "take the sanitizer's quick path" in text
    assert "class/style" in text and "<img>" in text
    assert dataclasses.asdict(corpus_measured.bodies)["fragments"] > 1000
