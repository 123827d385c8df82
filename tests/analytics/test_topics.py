from pathlib import Path

import pytest

from analytics.errors import InvalidInput
from analytics.topics import DEFAULT_TOPICS, TopicMatcher, default_topics, load_topics


@pytest.fixture
def matcher() -> TopicMatcher:
    return default_topics()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "topics.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_names(matcher: TopicMatcher) -> None:
    assert matcher.names == ("cancellation", "competitor", "pricing", "product", "scheduling", "support")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("How much is it per user?", ("pricing",)),
        ("send me the PRICING", ("pricing",)),
        ("can you give us a quote", ("pricing",)),
        ("any discounts for nonprofits", ("pricing",)),
        ("what time is the demo", ("scheduling",)),
        ("can we book a call tomorrow at 3", ("scheduling",)),
        ("need to reschedule", ("scheduling",)),
        ("we're comparing you with Podium", ("competitor",)),
        ("I want to cancel", ("cancellation",)),
        ("refunds?", ("cancellation",)),
        ("the app is not working, need help", ("product", "support")),
        ("hi there", ()),
        ("", ()),
    ],
)
def test_default_matching(matcher: TopicMatcher, text: str, expected: tuple[str, ...]) -> None:
    assert matcher.match(text) == expected


def test_multi_label_is_sorted_and_unique(matcher: TopicMatcher) -> None:
    result = matcher.match("Cancel the demo, too expensive, price price price, switching to textline")
    assert result == ("cancellation", "competitor", "pricing", "scheduling")


def test_word_boundaries(matcher: TopicMatcher) -> None:
    # "priceless" and "appetite" are other words; "prices" and "demos" are inflections.
    assert matcher.match("that was priceless") == ()
    assert matcher.match("no appetite for it") == ()
    assert matcher.match("prices?") == ("pricing",)
    assert matcher.match("seen your demos") == ("scheduling",)


def test_star_and_phrases_allow_inflections_and_extra_spaces(matcher: TopicMatcher) -> None:
    assert matcher.match("we scheduled it") == ("scheduling",)
    assert matcher.match("how   much") == ("pricing",)
    assert matcher.match("it doesn’t work") == ("support",)


def test_none_is_the_defaults() -> None:
    assert load_topics(None) == default_topics()


def test_extend_adds_keywords_and_topics(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[topics.pricing]
keywords = ["msrp"]

[topics.onboarding]
keywords = ["training*", "kick off"]
""",
    )
    matcher = load_topics(path)
    assert matcher.names == tuple(sorted([*DEFAULT_TOPICS, "onboarding"]))
    assert matcher.match("what's the MSRP") == ("pricing",)
    assert matcher.match("how much") == ("pricing",)
    assert matcher.match("when is the kick  off and trainings") == ("onboarding",)


def test_extend_can_disable_a_default(tmp_path: Path) -> None:
    path = write(tmp_path, '[topics.competitor]\nenabled = false\n')
    matcher = load_topics(str(path))
    assert "competitor" not in matcher.names
    assert matcher.match("podium") == ()


def test_replace_drops_the_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, 'mode = "replace"\n[topics.parts]\nkeywords = ["gasket", "valve"]\n')
    matcher = load_topics(path)
    assert matcher.names == ("parts",)
    assert matcher.match("need 3 valves and a price") == ("parts",)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("[topics.pricing\nkeywords = [", "not valid TOML"),
        ("", "at least one"),
        ('mode = "merge"\n[topics.a]\nkeywords = ["x"]', "mode"),
        ('color = 1\n[topics.a]\nkeywords = ["x"]', "unknown top-level"),
        ("topics = 3", "at least one"),
        ("[topics]\npricing = 3", "must be a table"),
        ("[topics.pricing]\nkeyword = ['x']", "unknown key"),
        ("[topics.pricing]\nkeywords = []", "non-empty list"),
        ("[topics.pricing]\nkeywords = 'price'", "non-empty list"),
        ("[topics.pricing]\nkeywords = ['ok', 3]", "not a non-empty string"),
        ("[topics.pricing]\nkeywords = ['  ']", "not a non-empty string"),
        ("[topics.pricing]\nkeywords = ['*']", "not a non-empty string"),
        ('[topics."Bad Name"]\nkeywords = ["x"]', "topic name"),
        ("[topics.pricing]\nenabled = 'no'", "true or false"),
        ('mode = "replace"\n[topics.pricing]\nenabled = false', "only makes sense"),
    ],
)
def test_bad_files_name_the_file_and_the_problem(tmp_path: Path, content: str, problem: str) -> None:
    path = write(tmp_path, content)
    with pytest.raises(InvalidInput) as caught:
        load_topics(path)
    assert str(path) in str(caught.value)
    assert problem in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(InvalidInput, match="not found") as caught:
        load_topics(path)
    assert str(path) in str(caught.value)


def test_directory_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot read"):
        load_topics(tmp_path)


def test_keywords_are_regex_safe(tmp_path: Path) -> None:
    path = write(tmp_path, '[topics.odd]\nkeywords = ["c++", "a.b", "(x"]\n')
    matcher = load_topics(path)
    assert matcher.match("we use c++") == ("odd",)
    assert matcher.match("axb") == ()
